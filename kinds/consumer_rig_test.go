package kinds_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/internal/pgtest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/postgres"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/triggers"
	"github.com/hookflow/hookflow/workflows"
)

// consumerRig is one replica running consumer triggers: an engine on a
// store, its sender open to 127.0.0.1, and the consumers' supervisor.
type consumerRig struct {
	ctx context.Context
	s   store.Store
	e   *engine.Engine
	c   *triggers.Consumers
}

// newConsumerRig starts a replica on s (nil: a new SQLite file), stopped
// when the test ends.
func newConsumerRig(t *testing.T, s store.Store, secrets map[string]any) *consumerRig {
	t.Helper()
	return newConsumerRigEgress(t, s, secrets, "127.0.0.1")
}

// newConsumerRigEgress is newConsumerRig with the sender's egress allow
// list ("" for the default guard, which refuses loopback addresses).
func newConsumerRigEgress(t *testing.T, s store.Store, secrets map[string]any, allow string) *consumerRig {
	t.Helper()
	ctx := context.Background()
	if s == nil {
		var err error
		if s, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookflow.db")); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
	}
	egress, err := actions.ParseEgressAllow(allow)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(engine.Config{Store: s, PollInterval: 50 * time.Millisecond,
		Sender:  actions.NewSender(actions.Config{Egress: egress}),
		Secrets: func(context.Context) (map[string]any, error) { return secrets, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	r := &consumerRig{ctx: ctx, s: s, e: e,
		c: triggers.NewConsumers(triggers.ConsumersConfig{Engine: e, Refresh: 200 * time.Millisecond})}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.c.Run(cctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = e.Shutdown(context.Background())
	})
	return r
}

// save stores a workflow definition and has the consumers follow it.
func (r *consumerRig) save(t *testing.T, def string) {
	t.Helper()
	w, err := workflows.Decode([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.SaveWorkflow(r.ctx, w); err != nil {
		t.Fatal(err)
	}
	r.c.Reload()
}

// setEnabled toggles a workflow and has the consumers follow.
func (r *consumerRig) setEnabled(t *testing.T, id string, on bool) {
	t.Helper()
	if _, err := r.s.WorkflowSetEnabled(r.ctx, id, on); err != nil {
		t.Fatal(err)
	}
	r.c.Reload()
}

// runs lists a workflow's runs.
func (r *consumerRig) runs(t *testing.T, id string) []store.Run {
	t.Helper()
	runs, err := r.s.RunList(r.ctx, store.RunListParams{WorkflowID: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// waitRuns waits until the workflow has n runs, all finished, and returns
// their events by idempotency key; more than n fails the test.
func (r *consumerRig) waitRuns(t *testing.T, id string, n int) map[string]store.Event {
	t.Helper()
	var runs []store.Run
	waitFor(t, fmt.Sprintf("%d finished runs of %s", n, id), func() bool {
		runs = r.runs(t, id)
		if len(runs) < n {
			return false
		}
		for _, run := range runs {
			if run.FinishedAt.IsZero() {
				return false
			}
		}
		return true
	})
	if len(runs) != n {
		t.Fatalf("%s has %d runs, want %d", id, len(runs), n)
	}
	events := map[string]store.Event{}
	for _, run := range runs {
		if run.Status != store.StatusSucceeded {
			t.Errorf("run %s: %s (%s), want succeeded", run.ID, run.Status, run.Error)
		}
		ev, err := r.s.EventGet(r.ctx, run.EventID)
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := events[ev.IdempotencyKey]; dup {
			t.Errorf("two runs for %s", ev.IdempotencyKey)
		}
		events[ev.IdempotencyKey] = ev
	}
	return events
}

// waitState waits until the workflow's consumer is in state.
func (r *consumerRig) waitState(t *testing.T, id, state string) triggers.TriggerState {
	t.Helper()
	var st triggers.TriggerState
	waitFor(t, id+"'s consumer "+state, func() bool {
		var ok bool
		st, ok = r.c.State(id)
		return ok && st.State == state
	})
	return st
}

// waitGone waits until the workflow has no consumer.
func (r *consumerRig) waitGone(t *testing.T, id string) {
	t.Helper()
	waitFor(t, id+"'s consumer to stop", func() bool {
		_, ok := r.c.State(id)
		return !ok
	})
}

// waitFor polls cond until it holds, failing the test after 60s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// uniqueName is a name no other test uses.
func uniqueName(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// postgresStore opens a store in a schema of its own in the test
// PostgreSQL (dropped when the test ends).
func postgresStore(t *testing.T) store.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.Schema(t))
	if err != nil {
		t.Fatalf("open the PostgreSQL store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// localServer is a broker's server process the test runs on a free port,
// to stop and start again.
type localServer struct {
	t    *testing.T
	bin  string
	args func(port int) []string
	port int
	cmd  *exec.Cmd
}

// startLocalServer runs bin (skipping the test where it is not installed,
// failing under CI) with args on a free port, and waits until it takes
// connections.
func startLocalServer(t *testing.T, bin string, args func(port int) []string) *localServer {
	t.Helper()
	path, err := exec.LookPath(bin)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed", bin)
		}
		t.Skipf("%s is not installed", bin)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &localServer{t: t, bin: path, args: args, port: port}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// addr is the server's host:port.
func (s *localServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *localServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, s.args(s.port)...)
	s.cmd.Stdout, s.cmd.Stderr = nil, nil
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.bin, err)
	}
	waitFor(s.t, s.bin+" to listen", func() bool {
		c, err := net.DialTimeout("tcp", s.addr(), time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// stop kills the server and waits until it is gone.
func (s *localServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// restart stops the server and starts it again on the same port.
func (s *localServer) restart() {
	s.t.Helper()
	s.stop()
	s.start()
}
