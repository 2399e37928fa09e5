package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// approvalWorkflow sends its resume URL to the receiver, waits, and posts
// what came to /done.
func approvalWorkflow(id, recvURL string) string {
	return fmt.Sprintf(`{
  "format": "hookflow/v1", "id": %q, "name": "Approval",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "ask", "type": "webhook", "url": "%s/ask", "body": "{order: payload.id, link: resumeURL('approval')}"},
    {"id": "approval", "type": "wait", "timeout": "48h"},
    {"id": "done", "type": "webhook", "url": "%s/done", "body": "{order: payload.id, approval: steps.approval}"}
  ]
}`, id, recvURL, recvURL)
}

// askedLink is the resume URL the run of order sent to /ask.
func (b *bundle) askedLink(order string) string {
	b.t.Helper()
	for range 500 {
		for _, h := range b.recv.On("/ask") {
			var body struct {
				Order string
				Link  string
			}
			if json.Unmarshal(h.Body, &body) == nil && body.Order == order {
				return body.Link
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("no resume URL sent for %s", order)
	return ""
}

// The resume URL, from the request that carries it: a form POST resumes
// the run once (inert answer), a second is 409, a made-up one 404; a GET
// resumes with its query.
func TestResumeURL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(approvalWorkflow("approve", b.recv.URL))

	run := b.trigger(w.TriggerURL, map[string]any{"id": "A-1"})
	link := b.askedLink("A-1")
	if !strings.HasPrefix(link, "/hooks/resume/") || strings.Contains(link, run) {
		t.Fatalf("link = %q, want an unguessable /hooks/resume/ URL", link)
	}
	r := b.send(http.MethodPost, link+"?via=chat", "approved=yes&note=fine", "Content-Type", "application/x-www-form-urlencoded")
	if r.status != http.StatusOK {
		t.Fatalf("resume = %d %s", r.status, r.body)
	}
	wantInert(t, "resume", r)
	if got := r.json(t); got["run_id"] != run || got["resumed"] != true {
		t.Errorf("resume answer = %v", got)
	}
	if d := b.waitRun(run); d.Run.Status != "succeeded" {
		t.Fatalf("run = %s (%s)", d.Run.Status, d.Run.Error)
	}
	done := b.recv.On("/done")
	if len(done) != 1 {
		t.Fatalf("%d requests to /done", len(done))
	}
	var got struct {
		Approval map[string]any `json:"approval"`
	}
	if err := json.Unmarshal(done[0].Body, &got); err != nil {
		t.Fatal(err)
	}
	a := got.Approval
	if a["resumed"] != true || a["method"] != "POST" || fmt.Sprint(a["body"]) != "map[approved:yes note:fine]" ||
		fmt.Sprint(a["query"]) != "map[via:chat]" || a["at"] == nil {
		t.Errorf("steps.approval = %v", a)
	}
	again := b.send(http.MethodPost, link, `{"approved": false}`, "Content-Type", "application/json")
	wantError(t, again, http.StatusConflict, "conflict")
	wantInert(t, "second resume", again)
	wantError(t, b.send(http.MethodGet, link+"x", nil), http.StatusNotFound, "not_found")
	wantError(t, b.send(http.MethodGet, "/hooks/resume/nothing", nil), http.StatusNotFound, "not_found")

	byGet := b.trigger(w.TriggerURL, map[string]any{"id": "A-2"})
	r = b.send(http.MethodGet, b.askedLink("A-2")+"?approved=true", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET resume = %d %s", r.status, r.body)
	}
	if d := b.waitRun(byGet); d.Run.Status != "succeeded" {
		t.Fatalf("run = %s (%s)", d.Run.Status, d.Run.Error)
	}
}

// An operator resumes a waiting run from the API; the run's waits list
// its resume URL, waiting, then resumed.
func TestResumeFromTheRunPageAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(approvalWorkflow("approve", b.recv.URL))
	run := b.trigger(w.TriggerURL, map[string]any{"id": "B-1"})
	link := b.askedLink("B-1")
	var waits struct {
		Waits []struct {
			Step    string `json:"step"`
			URL     string `json:"url"`
			Waiting bool   `json:"waiting"`
			Resumed bool   `json:"resumed"`
		} `json:"waits"`
	}
	for range 500 {
		b.api(http.MethodGet, "/api/v1/runs/"+run+"/waits", nil).decode(t, &waits)
		if len(waits.Waits) == 1 && waits.Waits[0].Waiting {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(waits.Waits) != 1 || !waits.Waits[0].Waiting || waits.Waits[0].URL != b.url+link || waits.Waits[0].Step != "approval" {
		t.Fatalf("waits = %+v, want approval waiting at %s", waits, b.url+link)
	}
	wantError(t, b.api(http.MethodPost, "/api/v1/runs/"+run+"/resume", map[string]any{"step": "ask"}), http.StatusNotFound, "not_found")
	wantError(t, b.api(http.MethodPost, "/api/v1/runs/"+run+"/resume", map[string]any{}), http.StatusBadRequest, "bad_json")
	b.apiOK(http.MethodPost, "/api/v1/runs/"+run+"/resume", map[string]any{"step": "approval", "body": map[string]any{"approved": true}}, http.StatusOK)
	if d := b.waitRun(run); d.Run.Status != "succeeded" {
		t.Fatalf("run = %s (%s)", d.Run.Status, d.Run.Error)
	}
	b.api(http.MethodGet, "/api/v1/runs/"+run+"/waits", nil).decode(t, &waits)
	if waits.Waits[0].Waiting || !waits.Waits[0].Resumed {
		t.Errorf("waits after = %+v, want resumed", waits)
	}
	wantError(t, b.api(http.MethodPost, "/api/v1/runs/"+run+"/resume", map[string]any{"step": "approval"}), http.StatusConflict, "conflict")
}
