package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// crashedWorker is the error of a run failed for crashing the server
// again and again (engine.ErrCrashedWorker).
const crashedWorker = "stopped: the run crashed the worker"

// TestRunThatKillsTheServerIsFailed: a run whose process dies while it
// executes (here a SIGKILL while its webhook waits on a receiver that
// never answers) resumes at the next start, and dies with it again; after
// the third such death it is failed with "stopped: the run crashed the
// worker" instead of resumed, the server stays up, and other runs go on.
func TestRunThatKillsTheServerIsFailed(t *testing.T) {
	t.Parallel()
	const crashes = 3 // the engine's default limit
	hang := receivertest.New(t)
	hang.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Delay: time.Hour} })
	good := receivertest.New(t)
	srv := startServer(t, serverOptions{})
	srv.createWorkflow(fmt.Sprintf(`{
  "format": "hookflow/v1", "id": "fatal", "name": "Dies in its webhook",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "hang", "type": "webhook", "url": "%s/hang", "timeout": "10m"}]
}`, hang.URL))
	srv.createWorkflow(fmt.Sprintf(forwardDefinition, "healthy", good.URL))
	code, run, err := srv.trigger(srv.hookPath("fatal"), []byte(`{"n": 1}`))
	if err != nil || code != http.StatusAccepted {
		t.Fatalf("trigger: %d, %v", code, err)
	}

	for i := 1; i <= crashes; i++ {
		waitFor(t, 20*time.Second, fmt.Sprintf("execution %d of the run in its webhook", i), func() (bool, string) {
			n := hang.Count()
			return n >= i, fmt.Sprint(n, " requests")
		})
		srv.kill()
		srv = startServer(t, serverOptions{DB: srv.opts.DB})
	}

	waitFor(t, 20*time.Second, "the run to fail", func() (bool, string) {
		r := srv.run(run).Run
		return r.Status == "failed", r.Status + " " + r.Error
	})
	if r := srv.run(run); r.Run.Error != crashedWorker || len(r.Steps) != 0 {
		t.Errorf("failed run: error %q, %d step attempts; want %q and none", r.Run.Error, len(r.Steps), crashedWorker)
	}
	if n := hang.Count(); n != crashes {
		t.Errorf("the run was executed %d times, want %d", n, crashes)
	}

	// The server is up and other runs go on.
	if code, _, err := srv.trigger(srv.hookPath("healthy"), []byte(`{"seq": 1}`)); err != nil || code != http.StatusAccepted {
		t.Fatalf("trigger after the failed run: %d, %v", code, err)
	}
	runs := srv.waitRuns("healthy", 1, 15*time.Second)
	if runs[0].Status != "succeeded" || good.Count() != 1 {
		t.Errorf("healthy run = %s with %d deliveries, want succeeded with 1", runs[0].Status, good.Count())
	}
	select {
	case <-srv.exited:
		t.Fatalf("the server exited: %v", srv.cmd.ProcessState)
	default:
	}
}
