package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Mode is what a bench run measures.
type Mode string

const (
	// ModeDrop measures accepting events that are dropped at accept: the
	// bench workflow's only step is a filter that is false for every bench
	// event, so each run ends "filtered" and nothing is sent.
	ModeDrop Mode = "drop"
	// ModeIngest is ModeDrop's former name: --mode ingest still selects
	// ModeDrop, and results written under it still chart.
	ModeIngest Mode = "ingest"
	// ModeE2E measures the whole path: filter (true for every bench
	// event), transform, and a webhook step posting to the receiver.
	ModeE2E Mode = "e2e"
	// ModeBurst is ModeE2E's workflow with execution held during the
	// load: the receiver holds every delivery unanswered until the load
	// ends, so the server's workers all wait and the events accepted queue
	// up, durably, as real runs. Accepted/s is then the cost of accepting
	// events that will run; the drain that follows is timed on its own.
	ModeBurst Mode = "burst"
)

// ParseMode checks a --mode value; ingest is taken for drop.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case ModeIngest:
		return ModeDrop, nil
	case ModeDrop, ModeE2E, ModeBurst, ModeLoop:
		return Mode(s), nil
	}
	return "", fmt.Errorf("--mode %q: use e2e, burst, drop (or its old name ingest) or loop", s)
}

// delivers reports whether the mode's workflow delivers each event to the
// receiver.
func (m Mode) delivers() bool { return m == ModeE2E || m == ModeBurst }

// dropsAtAccept reports whether the mode's workflow filters every event
// out at accept.
func (m Mode) dropsAtAccept() bool { return m == ModeDrop || m == ModeIngest }

// seqHeader carries each request's sequence number.
const seqHeader = "X-Bench-Seq"

// The bench workflows' steps. The filter reads the trigger's headers, so it
// holds for any payload; the transform reshapes the order payload as in
// DESIGN.md's example, tolerating other shapes, and carries the sequence
// number, which the webhook step puts in the receiver's path.
const (
	benchFilterTrue  = `"x-bench-seq" in trigger.headers`
	benchFilterFalse = `!("x-bench-seq" in trigger.headers)`
	benchTransform   = `let o = type(payload) == "map" ? payload : {}; ` +
		`{seq: trigger.headers["x-bench-seq"], order: o.id, total: o.amount, currency: o.currency, ` +
		`email: o.customer?.email, skus: map(filter(o.items ?? [], type(#) == "map"), #.sku)}`
)

// workflowDefinition returns the bench workflow for mode; receiverURL is
// the receiver's base URL as the server reaches it; deliverTimeout, above
// zero, bounds each delivery attempt (default 10s), which burst needs
// longer than the load, during which the receiver holds its answers.
func workflowDefinition(mode Mode, receiverURL string, deliverTimeout time.Duration) ([]byte, error) {
	type step map[string]any
	var steps []step
	if deliverTimeout <= 0 {
		deliverTimeout = 10 * time.Second
	}
	switch {
	case mode.dropsAtAccept():
		steps = []step{{"id": "drop", "type": "filter", "expr": benchFilterFalse}}
	case mode.delivers():
		steps = []step{
			{"id": "all", "type": "filter", "expr": benchFilterTrue},
			{"id": "shape", "type": "transform", "expr": benchTransform},
			{"id": "deliver", "type": "webhook", "method": "POST",
				"url":     "{{ vars.receiver }}" + deliverPath + "{{ payload.seq }}",
				"headers": map[string]string{"X-Source": "hookflow-bench"},
				"timeout": deliverTimeout.String(),
				// The receiver answers 200 (at once, or in burst at the
				// load's end); retry soon should it not.
				"retry": map[string]any{"max_attempts": 20, "initial": "100ms", "max": "2s"}},
		}
	default:
		return nil, fmt.Errorf("unknown mode %q", mode)
	}
	return json.Marshal(map[string]any{
		"format":  "hookflow/v1",
		"name":    "hookflow bench (" + string(mode) + ")",
		"enabled": true,
		"trigger": map[string]any{"type": "webhook", "methods": []string{"POST"}},
		"steps":   steps,
		"vars":    map[string]string{"receiver": strings.TrimRight(receiverURL, "/")},
	})
}

// api calls the admin API of the server under test.
type api struct {
	base  string
	token string
	hc    *http.Client
}

func newAPI(base, token string) *api {
	return &api{base: strings.TrimRight(base, "/"), token: token, hc: &http.Client{Timeout: 30 * time.Second}}
}

// do sends a request and decodes a 2xx JSON answer into out (if not nil).
func (a *api) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
			msg = e.Error.Message
		}
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// benchWorkflow is the workflow a run drives.
type benchWorkflow struct {
	ID         string `json:"id"`
	TriggerURL string `json:"trigger_url"`
}

func (a *api) createWorkflow(ctx context.Context, def []byte) (benchWorkflow, error) {
	var w benchWorkflow
	if err := a.do(ctx, http.MethodPost, "/api/v1/workflows", def, &w); err != nil {
		return w, fmt.Errorf("create the bench workflow: %w", err)
	}
	if w.ID == "" || w.TriggerURL == "" {
		return w, fmt.Errorf("create the bench workflow: the answer has no id or trigger_url")
	}
	return w, nil
}

func (a *api) deleteWorkflow(ctx context.Context, id string) error {
	return a.do(ctx, http.MethodDelete, "/api/v1/workflows/"+url.PathEscape(id), nil, nil)
}

type runPage struct {
	Runs []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"runs"`
	NextCursor string `json:"next_cursor"`
}

// pending reports whether any run of the workflow is still to be done.
func (a *api) pending(ctx context.Context, workflow string) (bool, error) {
	for _, status := range []string{"queued", "running", "retrying"} {
		var p runPage
		q := url.Values{"workflow": {workflow}, "status": {status}, "limit": {"1"}}
		if err := a.do(ctx, http.MethodGet, "/api/v1/runs?"+q.Encode(), nil, &p); err != nil {
			return false, err
		}
		if len(p.Runs) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// countRuns pages through the workflow's runs and counts them by status.
func (a *api) countRuns(ctx context.Context, workflow string) (map[string]int64, error) {
	counts := map[string]int64{}
	cursor := ""
	for {
		q := url.Values{"workflow": {workflow}, "limit": {"1000"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var p runPage
		if err := a.do(ctx, http.MethodGet, "/api/v1/runs?"+q.Encode(), nil, &p); err != nil {
			return nil, fmt.Errorf("count runs: %w", err)
		}
		for _, r := range p.Runs {
			counts[r.Status]++
		}
		if p.NextCursor == "" || len(p.Runs) == 0 {
			return counts, nil
		}
		cursor = p.NextCursor
	}
}
