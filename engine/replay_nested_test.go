package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// hitPaths are the paths of the receiver's hits from the n-th on, sorted.
func hitPaths(rc *receivertest.Receiver, from int) string {
	var out []string
	for _, h := range rc.Hits()[from:] {
		out = append(out, h.Path)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestReplayLoopOnlyFailed: a replay of a loop with only its failed items
// sends those items again, carries the others over, and the new run's
// loop has every item's result.
func TestReplayLoopOnlyFailed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var refuse atomic.Bool
	refuse.Store(true)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if refuse.Load() && (h.Path == "/line/1" || h.Path == "/line/3") {
			return receivertest.Reply{Status: 422}
		}
		return receivertest.Reply{}
	})
	wf := b.save(loopWorkflow(2, "continue"))
	orig := b.accept(wf, lines(5))
	if r := b.waitFinished(orig); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	refuse.Store(false)
	sent := b.recv.Count()

	if _, err := b.engine.ReplayFrom(b.ctx, orig, ReplayOptions{OnlyFailed: true}); err == nil {
		t.Error("only_failed without from_step was taken")
	}
	rerun, err := b.engine.ReplayFrom(b.ctx, orig, ReplayOptions{FromStep: "each_line", OnlyFailed: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := b.waitFinished(rerun.ID); r.Status != store.StatusSucceeded {
		t.Fatalf("replay = %s (%q)", r.Status, r.Error)
	}
	if got := hitPaths(b.recv, sent); got != "/line/1 /line/3" {
		t.Errorf("replay sent %q, want the failed items only", got)
	}
	var out struct {
		Results []map[string]any `json:"results"`
		Failed  int              `json:"failed"`
	}
	if err := json.Unmarshal(b.resultsOf(rerun.ID, "each_line")[0].Output, &out); err != nil {
		t.Fatal(err)
	}
	for i, r := range out.Results {
		if r["status"] != float64(200) {
			t.Errorf("results[%d] = %v", i, r)
		}
	}
	if out.Failed != 0 || len(out.Results) != 5 {
		t.Errorf("loop output = %+v", out)
	}
}

// TestReplayFromInsideLoop: a replay from an inner step of one item runs
// that step and those after it in that item again (and the steps after
// the loop), and no other item; a replay of the loop as a whole runs every
// item again.
func TestReplayFromInsideLoop(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(loopWorkflow(1, "fail"))
	orig := b.accept(wf, lines(3))
	if r := b.waitFinished(orig); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}

	for from, want := range map[string]string{
		"each_line[1].send":  "/line/1",
		"each_line[1].shape": "/line/1",
		"each_line":          "/line/0 /line/1 /line/2",
	} {
		sent := b.recv.Count()
		rerun, err := b.engine.ReplayFrom(b.ctx, orig, ReplayOptions{FromStep: from})
		if err != nil {
			t.Fatalf("%s: %v", from, err)
		}
		if r := b.waitFinished(rerun.ID); r.Status != store.StatusSucceeded {
			t.Fatalf("%s: replay = %s (%q)", from, r.Status, r.Error)
		}
		if got := hitPaths(b.recv, sent); got != want {
			t.Errorf("replay from %s sent %q, want %q", from, got, want)
		}
		shape := b.resultsOf(rerun.ID, "each_line[1].shape")
		if len(shape) != 1 {
			t.Errorf("replay from %s: each_line[1].shape recorded %d times", from, len(shape))
		}
		if n := len(b.resultsOf(rerun.ID, "after")); n != 1 {
			t.Errorf("replay from %s: after ran %d times", from, n)
		}
		var out struct {
			Count   int   `json:"count"`
			Results []any `json:"results"`
		}
		_ = json.Unmarshal(b.resultsOf(rerun.ID, "each_line")[0].Output, &out)
		if out.Count != 3 || len(out.Results) != 3 || fmt.Sprint(out.Results[0]) == "<nil>" {
			t.Errorf("replay from %s: loop output %s", from, b.resultsOf(rerun.ID, "each_line")[0].Output)
		}
	}

	for _, bad := range []string{"each_line[1].nope", "nope", "each_line.send"} {
		_, err := b.engine.ReplayFrom(b.ctx, orig, ReplayOptions{FromStep: bad})
		var fe *workflows.FieldError
		if !errors.As(err, &fe) || fe.Field != "from_step" {
			t.Errorf("from_step %q: %v, want an error at from_step", bad, err)
		}
	}
}
