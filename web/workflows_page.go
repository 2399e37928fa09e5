package web

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
)

// The workflow list, a page at a time: GET /api/v1/workflows?limit=N
// (with cursor, q, tag, sort). Searching, filtering and ordering thousands
// of workflows reads and decodes no definition: the store's heads (from an
// index), what the order needs of every workflow's activity in one query
// (the page's whole activity in another), and each revision's tags and
// trigger, read once per revision and kept (workflowSummaries). A page's
// workflows are listed by their heads and summaries; GET
// /api/v1/workflows/{id} gives one whole.

// maxPageLimit bounds a page of the workflow list.
const maxPageLimit = 500

// workflowSummary is what the list filters and shows of a revision's
// definition.
type workflowSummary struct {
	Tags    []string       `json:"tags"`
	Trigger summaryTrigger `json:"trigger"`
}

// summaryTrigger is a workflow's trigger as its list shows it.
type summaryTrigger struct {
	Type     string `json:"type"`
	Schedule string `json:"schedule,omitempty"`
}

// workflowSummaries keeps the summary of each workflow's latest revision
// listed (a revision never changes; a new one replaces its entry).
type workflowSummaries struct {
	mu   sync.Mutex
	revs map[string]revisionSummary // by workflow id
}

// revisionSummary is the summary of one revision.
type revisionSummary struct {
	revision int
	summary  workflowSummary
}

func newWorkflowSummaries() *workflowSummaries {
	return &workflowSummaries{revs: map[string]revisionSummary{}}
}

// get returns the summary of a workflow's current revision, reading the
// revision where it is not known yet.
func (c *workflowSummaries) get(ctx context.Context, st store.Store, w store.Workflow) (workflowSummary, error) {
	c.mu.Lock()
	kept, ok := c.revs[w.ID]
	c.mu.Unlock()
	if ok && kept.revision == w.Revision {
		return kept.summary, nil
	}
	var sum workflowSummary
	rev, err := st.RevisionGet(ctx, w.ID, w.Revision)
	if err != nil {
		return workflowSummary{}, err
	}
	// A definition that does not decode is listed without tags: it is
	// stored, and opening it says what is wrong.
	_ = json.Unmarshal(rev.Definition, &sum)
	c.mu.Lock()
	c.revs[w.ID] = revisionSummary{revision: w.Revision, summary: sum}
	c.mu.Unlock()
	return sum, nil
}

// pagedWorkflow is a workflow of a page of the list.
type pagedWorkflow struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Enabled   bool           `json:"enabled"`
	Revision  int            `json:"revision"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	Tags      []string       `json:"tags"`
	Trigger   summaryTrigger `json:"trigger"`
	Activity  activityView   `json:"activity"`
}

// listedHead is a workflow of the list before its page is read whole.
type listedHead struct {
	head     store.Workflow
	summary  workflowSummary
	activity store.WorkflowActivity
}

// listWorkflowPage answers GET /api/v1/workflows?limit=N: the workflows
// whose name or id holds every word of q and which carry tag, ordered by
// sort (name, last_run, failures), from the offset cursor gives;
// next_cursor reads the next page, total counts all that match, all counts
// every workflow, and tags lists every tag in use (for a filter).
func (s *Server) listWorkflowPage(c *gin.Context) {
	ctx := c.Request.Context()
	limit, err := strconv.Atoi(c.Query("limit"))
	if err != nil || limit < 1 || limit > maxPageLimit {
		abortField(c, http.StatusBadRequest, "bad_request", "limit must be a number from 1 to "+strconv.Itoa(maxPageLimit), "limit")
		return
	}
	offset := 0
	if cur := c.Query("cursor"); cur != "" {
		offset, err = strconv.Atoi(cur)
		if err != nil || offset < 0 {
			abortField(c, http.StatusBadRequest, "bad_request", "cursor is not one this list gave", "cursor")
			return
		}
	}
	sort := cmp.Or(c.Query("sort"), "name")
	if sort != "name" && sort != "last_run" && sort != "failures" {
		abortField(c, http.StatusBadRequest, "bad_request", "sort must be name, last_run or failures", "sort")
		return
	}
	heads, err := s.store.WorkflowHeads(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	// Ordered by failures, the list needs every workflow's activity; by
	// last run, every workflow's last run alone; the page's activity is
	// read once the page is known, by name and by last run.
	since := s.engine.Now().UTC().Add(-24 * time.Hour)
	byID := map[string]store.WorkflowActivity{}
	if sort != "name" {
		acts, err := s.store.WorkflowActivity(ctx, store.WorkflowActivityParams{Since: since, LastRunOnly: sort == "last_run"})
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, a := range acts {
			byID[a.WorkflowID] = a
		}
	}
	words := strings.Fields(strings.ToLower(c.Query("q")))
	tag := c.Query("tag")
	cache := s.summaries
	tagSet := map[string]string{} // lower case -> as first seen
	var match []listedHead
	for _, h := range heads {
		sum, err := cache.get(ctx, s.store, h)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since its head was read
		}
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, t := range sum.Tags {
			if _, ok := tagSet[strings.ToLower(t)]; !ok {
				tagSet[strings.ToLower(t)] = t
			}
		}
		if !matchesWords(h, words) || (tag != "" && !slices.ContainsFunc(sum.Tags, func(t string) bool { return strings.EqualFold(t, tag) })) {
			continue
		}
		match = append(match, listedHead{head: h, summary: sum, activity: byID[h.ID]})
	}
	slices.SortStableFunc(match, compareListed(sort))
	total := len(match)
	page := match[min(offset, total):min(offset+limit, total)]
	if sort != "failures" && len(page) > 0 {
		ids := make([]string, len(page))
		for i, l := range page {
			ids[i] = l.head.ID
		}
		acts, err := s.store.WorkflowActivity(ctx, store.WorkflowActivityParams{Since: since, WorkflowIDs: ids})
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, a := range acts {
			byID[a.WorkflowID] = a
		}
		for i := range page {
			page[i].activity = byID[page[i].head.ID]
		}
	}
	out := make([]pagedWorkflow, len(page))
	for i, l := range page {
		h, tags := l.head, l.summary.Tags
		if tags == nil {
			tags = []string{}
		}
		out[i] = pagedWorkflow{
			ID: h.ID, Name: h.Name, Enabled: h.Enabled, Revision: h.Revision, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt,
			Tags: tags, Trigger: l.summary.Trigger, Activity: activityOf(l.activity),
		}
	}
	tags := make([]string, 0, len(tagSet))
	for _, t := range tagSet {
		tags = append(tags, t)
	}
	slices.SortFunc(tags, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	res := gin.H{"workflows": out, "total": total, "all": len(heads), "tags": tags, "next_cursor": nil}
	if offset+limit < total {
		res["next_cursor"] = strconv.Itoa(offset + limit)
	}
	writeJSON(c, http.StatusOK, res)
}

// matchesWords reports whether a workflow's name or id holds every word.
func matchesWords(w store.Workflow, words []string) bool {
	hay := strings.ToLower(w.Name + " " + w.ID)
	for _, word := range words {
		if !strings.Contains(hay, word) {
			return false
		}
	}
	return true
}

// compareListed orders the list: by name (then id); by last run, newest
// first; or by failures, most first, then last run; ties by name.
func compareListed(sort string) func(a, b listedHead) int {
	byName := func(a, b listedHead) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.head.Name), strings.ToLower(b.head.Name)), strings.Compare(a.head.ID, b.head.ID))
	}
	byLastRun := func(a, b listedHead) int { return b.activity.LastRunAt.Compare(a.activity.LastRunAt) }
	switch sort {
	case "last_run":
		return func(a, b listedHead) int { return cmp.Or(byLastRun(a, b), byName(a, b)) }
	case "failures":
		return func(a, b listedHead) int {
			return cmp.Or(cmp.Compare(b.activity.Failures, a.activity.Failures), byLastRun(a, b), byName(a, b))
		}
	}
	return byName
}
