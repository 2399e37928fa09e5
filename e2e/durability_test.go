package e2e

import (
	"database/sql"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// forwardDefinition sends every event, as is, to a receiver: %s is the
// workflow id, %s the receiver's base URL. Retries are quick so that the
// tests are.
const forwardDefinition = `{
  "format": "hookflow/v1",
  "id": %q,
  "name": "Forward every event",
  "enabled": true,
  "trigger": {"type": "webhook", "methods": ["POST"]},
  "steps": [
    {"id": "forward", "type": "webhook", "url": "%s/in", "body": "payload",
     "retry": {"max_attempts": 50, "initial": "200ms", "max": "1s"}}
  ]
}`

// dropDefinition keeps no event (a filter false for all), so each run ends
// filtered as its event is accepted and nothing is sent: %s is the
// workflow id.
const dropDefinition = `{
  "format": "hookflow/v1",
  "id": %q,
  "name": "Drop every event",
  "trigger": {"type": "webhook", "methods": ["POST"]},
  "steps": [{"id": "none", "type": "filter", "expr": "false"}]
}`

// seqEvents are n events {"seq": i, "note": ...} and the bodies the
// receiver must get for them, by seq.
func seqEvents(t *testing.T, n int) ([][]byte, map[string]any) {
	payloads := make([][]byte, n)
	want := make(map[string]any, n)
	for i := range n {
		s := fmt.Sprintf(`{"seq": %d, "note": "event %d of %d"}`, i, i, n)
		payloads[i] = []byte(s)
		want[fmt.Sprint(i)] = jsonValue(t, s)
	}
	return payloads, want
}

// TestNothingLost is issue 3: the receiver is down while 300 events
// arrive (each acknowledged with 202), the server is killed with SIGKILL
// and started again on the same database, and only then the receiver comes
// up. Every acknowledged event must reach it at least once, redeliveries
// under the same webhook-id. The dead receiver pauses its destination
// (after 20 failed attempts) across the kill: a short cool-down makes the
// probe after the restart find it back, and the waiting runs resume.
func TestNothingLost(t *testing.T) {
	t.Parallel()
	const events = 300
	addr := reservePort(t) // the receiver is down: nothing listens there yet
	cooldown := []string{"--pause-cooldown", "2s"}
	srv := startServer(t, serverOptions{Args: cooldown})
	srv.createWorkflow(fmt.Sprintf(forwardDefinition, "nothing-lost", "http://"+addr))
	hook := srv.hookPath("nothing-lost")
	payloads, want := seqEvents(t, events)

	srv.triggerAll(hook, payloads)
	// Let the first attempts fail against the closed port, so runs are
	// retrying (and some running) when the server dies.
	waitFor(t, 10*time.Second, "runs to start retrying", func() (bool, string) {
		n := statusCounts(srv.runs("nothing-lost"))
		return n["retrying"] > 0, fmt.Sprint(n)
	})
	srv.kill()

	again := startServer(t, serverOptions{DB: srv.opts.DB, Args: cooldown})
	recv := newReceiverOn(t, addr)
	waitFor(t, 60*time.Second, fmt.Sprintf("%d distinct webhook-ids at the receiver", events), func() (bool, string) {
		n := distinctIDs(recv)
		return n >= events, fmt.Sprintf("%d distinct of %d requests", n, recv.Count())
	})
	runs := again.waitRuns("nothing-lost", events, 15*time.Second)
	if n := statusCounts(runs); n["succeeded"] != events {
		t.Errorf("runs by status = %v, want %d succeeded", n, events)
	}
	redelivered := checkExactlyOnceEach(t, recv.Hits(), want, seqKey)
	t.Logf("%d events delivered in %d requests (%d redeliveries)", events, recv.Count(), redelivered)
}

// TestKillMidFlight kills the server with SIGKILL while deliveries to a
// slow receiver are in flight; after a restart every event is delivered,
// and a delivery repeated because of the kill carries the same webhook-id.
func TestKillMidFlight(t *testing.T) {
	t.Parallel()
	const events = 300 // more than serve's 128 workers send at once
	recv := receivertest.New(t)
	// The first deliveries are answered; the rest are held until the
	// server is killed, so that the kill finds deliveries in flight
	// however fast or loaded the machine is.
	var answered atomic.Int64
	release := make(chan struct{})
	recv.Answer(func(receivertest.Hit) receivertest.Reply {
		if answered.Add(1) <= 10 {
			return receivertest.Reply{}
		}
		return receivertest.Reply{Block: release}
	})
	srv := startServer(t, serverOptions{})
	srv.createWorkflow(fmt.Sprintf(forwardDefinition, "mid-flight", recv.URL))
	hook := srv.hookPath("mid-flight")
	payloads, want := seqEvents(t, events)

	srv.triggerAll(hook, payloads)
	waitFor(t, 10*time.Second, "deliveries under way", func() (bool, string) {
		n := recv.Count()
		return n >= 20, fmt.Sprint(n, " requests")
	})
	srv.kill()
	before := recv.Count()
	close(release)

	again := startServer(t, serverOptions{DB: srv.opts.DB})
	waitFor(t, 30*time.Second, fmt.Sprintf("%d distinct webhook-ids at the receiver", events), func() (bool, string) {
		n := distinctIDs(recv)
		return n >= events, fmt.Sprintf("%d distinct of %d requests", n, recv.Count())
	})
	runs := again.waitRuns("mid-flight", events, 15*time.Second)
	if n := statusCounts(runs); n["succeeded"] != events {
		t.Errorf("runs by status = %v, want %d succeeded", n, events)
	}
	redelivered := checkExactlyOnceEach(t, recv.Hits(), want, seqKey)
	t.Logf("killed after %d requests; %d events delivered in %d requests (%d redeliveries)", before, events, recv.Count(), redelivered)
}

// TestKillDuringAccepts kills the server with SIGKILL while 32 clients
// send events as fast as it takes them: every event answered 202 before
// the kill has its run in the database, which passes SQLite's integrity
// check, and the server starts again on it.
func TestKillDuringAccepts(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{})
	srv.createWorkflow(fmt.Sprintf(dropDefinition, "drop"))
	hook := srv.hookPath("drop")
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
		stop  atomic.Bool
	)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if code, id, err := srv.trigger(hook, []byte(`{"id": "A-1", "amount": 1250}`)); err == nil && code == http.StatusAccepted {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		}()
	}
	waitFor(t, 10*time.Second, "events accepted", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 2000, fmt.Sprint(len(acked), " accepted")
	})
	srv.kill()
	stop.Store(true)
	wg.Wait()

	db, err := sql.Open("sqlite", srv.opts.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check after the kill: %q, %v", check, err)
	}
	stored := map[string]bool{}
	rows, err := db.Query(`SELECT id FROM runs`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		stored[id] = true
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, id := range acked {
		if !stored[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d events answered 202 have no run after the kill", missing, len(acked))
	}
	t.Logf("%d events answered 202 before the kill, %d runs stored", len(acked), len(stored))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again := startServer(t, serverOptions{DB: srv.opts.DB})
	if code := again.do("GET", "/api/v1/runs?workflow=drop", nil, nil); code != http.StatusOK {
		t.Errorf("GET runs after the restart = %d", code)
	}
}
