package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// BenchmarkRunsWindow measures the run list's time-window queries on a
// filled history (fillFromFlags: -runs, -workflows, -filldb): a window in
// the middle of the history, with and without workflow and status, and the
// next page by cursor. ns/op is one page of 50 runs.
func BenchmarkRunsWindow(b *testing.B) {
	s, p := filledStore(b)
	ctx := context.Background()
	mid := p.at(p.Runs / 2)
	hour := mid.Add(-time.Hour)
	wf := fillWorkflowID(1)
	cases := []struct {
		name string
		p    store.RunListParams
	}{
		{"until", store.RunListParams{Until: mid}},
		{"since", store.RunListParams{Since: mid}},
		{"hour", store.RunListParams{Since: hour, Until: mid}},
		{"until/workflow", store.RunListParams{WorkflowID: wf, Until: mid}},
		{"until/failed", store.RunListParams{Status: store.StatusFailed, Until: mid}},
		{"until/succeeded", store.RunListParams{Status: store.StatusSucceeded, Until: mid}},
		{"until/workflow/failed", store.RunListParams{WorkflowID: wf, Status: store.StatusFailed, Until: mid}},
		{"hour/workflow", store.RunListParams{WorkflowID: wf, Since: hour, Until: mid}},
		{"hour/failed", store.RunListParams{Status: store.StatusFailed, Since: hour, Until: mid}},
	}
	for _, c := range cases {
		c.p.Limit = 50
		first, err := s.RunList(ctx, c.p)
		if err != nil {
			b.Fatalf("RunList(%s): %v", c.name, err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.RunList(ctx, c.p); err != nil {
					b.Fatal(err)
				}
			}
		})
		if len(first) == 0 {
			continue
		}
		next := c.p
		next.Before = first[len(first)-1].ID
		b.Run(c.name+"/next", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.RunList(ctx, next); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWorkflowActivityFilled measures the workflow list's activity
// (a workflow's last run, its runs and unanswered failures of the last
// day, in one query) on a filled history (-runs, -workflows, -filldb): of
// a page of 100 workflows, as the list asks, and of every workflow; and
// every workflow's last run alone, as the list ordered by last run reads.
func BenchmarkWorkflowActivityFilled(b *testing.B) {
	s, p := filledStore(b)
	ctx := context.Background()
	since := p.at(p.Runs).Add(-24 * time.Hour)
	var page []string
	for i := range min(100, p.Workflows) {
		page = append(page, fillWorkflowID(i))
	}
	for _, c := range []struct {
		name     string
		ids      []string
		lastOnly bool
		want     int
	}{{"page", page, false, len(page)}, {"all", nil, false, p.Workflows}, {"last_runs", nil, true, p.Workflows}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				acts, err := s.WorkflowActivity(ctx, store.WorkflowActivityParams{Since: since, WorkflowIDs: c.ids, LastRunOnly: c.lastOnly})
				if err != nil {
					b.Fatal(err)
				}
				if len(acts) != c.want {
					b.Fatalf("WorkflowActivity = %d workflows, want %d", len(acts), c.want)
				}
			}
		})
	}
}
