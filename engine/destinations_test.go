package engine

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

// pausingWorkflow posts each event to the receiver, retrying ten times, a
// second apart at most; pause_after is filled in.
const pausingWorkflow = `{
  "format": "hookflow/v1", "id": "pausing", "name": "Pausing",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "send", "type": "webhook", "url": "{{ vars.recv }}/in", %s
     "retry": {"max_attempts": 10, "initial": "1s", "max": "1s"}}
  ]
}`

// failFirst makes the receiver answer 503 to its first n hits, then 200.
func failFirst(recv *receivertest.Receiver, n int) {
	recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.N <= n {
			return receivertest.Reply{Status: http.StatusServiceUnavailable}
		}
		return receivertest.Reply{}
	})
}

// settled waits until no run of wf is due or executing at the clock's
// time: each has succeeded, or retries later.
func (b *bundle) settledRuns(wf string) []store.Run {
	b.t.Helper()
	var runs []store.Run
	waitWithin(b.t, time.Minute, "runs settled", func() bool {
		var err error
		runs, err = b.db.RunList(b.ctx, store.RunListParams{WorkflowID: wf, Limit: 10000})
		if err != nil {
			b.t.Fatalf("RunList: %v", err)
		}
		now := b.clock.Now()
		for _, r := range runs {
			if r.Status != store.StatusSucceeded && (r.Status != store.StatusRetrying || !r.RunAt.After(now)) {
				return false
			}
		}
		return true
	})
	return runs
}

// destination reads the stored state of the receiver's destination.
func (b *bundle) destination() store.Destination {
	b.t.Helper()
	all, err := b.db.DestinationList(b.ctx)
	if err != nil {
		b.t.Fatalf("DestinationList: %v", err)
	}
	key, err := DestinationKey(b.recv.URL)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, d := range all {
		if d.Key == key {
			return d
		}
	}
	return store.Destination{Key: key, State: store.DestinationOpen}
}

// TestPausedDestinationRecovers is the test: a destination that
// fails 100 times then recovers. 200 runs call it; after 20 failures in a
// row it is paused and the receiver gets nothing more but one probe per
// cool-down, the cool-down doubling to an hour; once a probe succeeds,
// every run is delivered exactly once, oldest first, and none has failed
// or used up its retries while it waited.
func TestPausedDestinationRecovers(t *testing.T) {
	t.Parallel()
	clk := newClock()
	b := setup(t, withClock(clk), withConfig(func(c *Config) { c.Workers = 1 }))
	failFirst(b.recv, 100)
	wf := b.save(fmt.Sprintf(pausingWorkflow, `"pause_after": 20,`))
	const runs = 200
	ids := make([]string, runs)
	for i := range ids {
		ids[i] = b.accept(wf, fmt.Sprintf(`{"n":%d}`, i))
	}
	b.settledRuns(wf.ID)
	if got := b.recv.Count(); got != 20 {
		t.Fatalf("receiver got %d attempts before the pause settled, want 20 (the threshold)", got)
	}
	d := b.destination()
	if d.State != store.DestinationPaused || d.ConsecutiveFailures != 20 || d.Cooldown != time.Minute {
		t.Fatalf("destination = %+v, want paused after 20 failures for 1m", d)
	}

	// The runs that failed come due again within the cool-down: they wait,
	// making no attempt.
	clk.Advance(30 * time.Second)
	b.settledRuns(wf.ID)
	if got := b.recv.Count(); got != 20 {
		t.Fatalf("receiver got %d attempts while paused, want still 20", got)
	}

	// Each cool-down over, one probe; it fails until the receiver has
	// failed 100 times, and the cool-down doubles up to an hour.
	wantCooldown := time.Minute
	for b.recv.Count() < 100 {
		before := b.recv.Count()
		d = b.destination()
		clk.Advance(d.PausedUntil.Sub(clk.Now()) + 2*time.Second)
		b.settledRuns(wf.ID)
		if got := b.recv.Count(); got != before+1 {
			t.Fatalf("receiver got %d attempts after a cool-down, want %d (one probe)", got, before+1)
		}
		wantCooldown = min(2*wantCooldown, time.Hour)
		if d = b.destination(); d.State != store.DestinationPaused || d.Cooldown != wantCooldown {
			t.Fatalf("after a failed probe, destination = %s for %v, want paused for %v", d.State, d.Cooldown, wantCooldown)
		}
	}
	if wantCooldown != time.Hour {
		t.Fatalf("cool-down reached %v, want the 1h cap", wantCooldown)
	}

	// The next probe succeeds: the waiting runs are made due, 50 a second,
	// oldest first.
	clk.Advance(d.PausedUntil.Sub(clk.Now()) + 2*time.Second)
	waitUntil(t, "probe delivered", func() bool { return b.recv.Count() == 101 })
	waitUntil(t, "destination open", func() bool { return b.destination().State == store.DestinationOpen })
	// They waited until the pause's end; they are made due from the
	// probe's time on.
	probed := clk.Now()
	resumed := probed.Add(runs * time.Second / 50)
	waitUntil(t, "waiting runs made due", func() bool {
		waiting, err := b.db.RunRetryingWithError(b.ctx, "destination paused")
		if err != nil {
			t.Fatalf("RunRetryingWithError: %v", err)
		}
		for _, r := range waiting {
			if r.RunAt.Before(probed) || r.RunAt.After(resumed) {
				return false
			}
		}
		return true
	})
	clk.Advance(runs * time.Second / 50)
	for _, id := range ids {
		if r := b.waitFinished(id); r.Status != store.StatusSucceeded {
			t.Fatalf("run %s ended %s: %s", id, r.Status, r.Error)
		}
	}
	hits := b.recv.Hits()
	if len(hits) != 100+runs {
		t.Fatalf("receiver got %d requests, want %d (100 failures, then each run once)", len(hits), 100+runs)
	}
	// After the probe, and the runs claimed with it (one worker: up to
	// two claimed at once), the runs that waited go oldest first.
	const claimedWithProbe = 1 + 2
	delivered := map[string]int{}
	last := -1
	for i, h := range hits[100:] {
		delivered[h.WebhookID()]++
		var body struct{ N int }
		if err := json.Unmarshal(h.Body, &body); err != nil {
			t.Fatalf("hit body %q: %v", h.Body, err)
		}
		if i < claimedWithProbe {
			continue
		}
		if body.N < last {
			t.Errorf("delivery %d is run n=%d after n=%d: not oldest first", i, body.N, last)
		}
		last = body.N
	}
	if len(delivered) != runs {
		t.Errorf("%d distinct deliveries succeeded, want %d", len(delivered), runs)
	}
	if d := b.destination(); d.ConsecutiveFailures != 0 || d.State != store.DestinationOpen {
		t.Errorf("destination after recovery = %+v, want open with no failures", d)
	}
}

// TestPauseAfterZeroNeverPauses: a step with pause_after 0 calls its
// destination on every attempt, whatever it failed before.
func TestPauseAfterZeroNeverPauses(t *testing.T) {
	t.Parallel()
	clk := newClock()
	b := setup(t, withClock(clk), withConfig(func(c *Config) { c.Workers = 1; c.PauseAfter = 2 }))
	failFirst(b.recv, 1000)
	wf := b.save(fmt.Sprintf(pausingWorkflow, `"pause_after": 0,`))
	for i := range 10 {
		b.accept(wf, fmt.Sprintf(`{"n":%d}`, i))
	}
	b.settledRuns(wf.ID)
	if got := b.recv.Count(); got != 10 {
		t.Fatalf("receiver got %d attempts, want 10 (one per run)", got)
	}
	clk.Advance(2 * time.Second)
	b.settledRuns(wf.ID)
	if got := b.recv.Count(); got != 20 {
		t.Fatalf("receiver got %d attempts after the retries came due, want 20", got)
	}
	if d := b.destination(); d.State != store.DestinationOpen || d.ConsecutiveFailures != 0 {
		t.Errorf("destination = %+v, want untouched", d)
	}
}

// TestResumeDestinationNow: "resume now" opens a paused destination before
// its cool-down ends and makes its waiting runs due.
func TestResumeDestinationNow(t *testing.T) {
	t.Parallel()
	clk := newClock()
	reg := prometheus.NewRegistry()
	b := setup(t, withClock(clk), withConfig(func(c *Config) { c.Workers = 1; c.Metrics = NewMetrics(reg) }))
	var fail atomic.Bool
	fail.Store(true)
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply {
		if fail.Load() {
			return receivertest.Reply{Status: http.StatusBadGateway}
		}
		return receivertest.Reply{}
	})
	wf := b.save(fmt.Sprintf(pausingWorkflow, `"pause_after": 3,`))
	var ids []string
	for i := range 6 {
		ids = append(ids, b.accept(wf, fmt.Sprintf(`{"n":%d}`, i)))
	}
	b.settledRuns(wf.ID)
	d := b.destination()
	if d.State != store.DestinationPaused || b.recv.Count() != 3 {
		t.Fatalf("destination %s after %d attempts, want paused after 3", d.State, b.recv.Count())
	}
	if got := gathered(t, reg, "hookflow_destination_paused", d.Key); got != 1 {
		t.Errorf("hookflow_destination_paused = %v while paused, want 1", got)
	}
	if got := gathered(t, reg, "hookflow_destination_pauses_total", d.Key); got != 1 {
		t.Errorf("hookflow_destination_pauses_total = %v, want 1", got)
	}
	list, err := b.engine.Destinations(b.ctx)
	if err != nil || len(list) != 1 || list[0].RunsWaiting != 3 {
		t.Fatalf("Destinations = %+v, %v; want one with 3 runs waiting (the 3 that failed retry on their own)", list, err)
	}
	if _, _, err := b.engine.ResumeDestination(b.ctx, "http://127.0.0.1:1"); err == nil {
		t.Errorf("ResumeDestination(unknown) succeeded")
	}
	fail.Store(false)
	got, n, err := b.engine.ResumeDestination(b.ctx, d.Key)
	if err != nil || n != 3 || got.State != store.DestinationOpen {
		t.Fatalf("ResumeDestination = %s, %d runs, %v; want open, 3", got.State, n, err)
	}
	if got := gathered(t, reg, "hookflow_destination_paused", d.Key); got != 0 {
		t.Errorf("hookflow_destination_paused = %v once resumed, want 0", got)
	}
	clk.Advance(2 * time.Second) // the runs made due, and the retries of those that failed
	for _, id := range ids {
		if r := b.waitFinished(id); r.Status != store.StatusSucceeded {
			t.Errorf("run %s ended %s: %s", id, r.Status, r.Error)
		}
	}
	if got := b.recv.Count(); got != 3+6 {
		t.Errorf("receiver got %d requests, want 9 (3 failures, 6 deliveries)", got)
	}
}

func TestDestinationKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://API.example.com/x?y=1":      "https://api.example.com:443",
		"http://example.com/":                "http://example.com:80",
		"http://user:pw@example.com:8080/a":  "http://example.com:8080",
		"https://[::1]:9443/":                "https://[::1]:9443",
		"HTTPS://example.com:443/orders/1/x": "https://example.com:443",
	} {
		if got, err := DestinationKey(in); err != nil || got != want {
			t.Errorf("DestinationKey(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"ftp://example.com/", "not a url", "http:///path", "%zz"} {
		if got, err := DestinationKey(in); err == nil {
			t.Errorf("DestinationKey(%q) = %q, want an error", in, got)
		}
	}
}

// gathered is the value of a metric of reg for a destination (-1: none).
func gathered(t *testing.T, reg *prometheus.Registry, name, destination string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "destination" && l.GetValue() == destination {
					if g := m.GetGauge(); g != nil {
						return g.GetValue()
					}
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return -1
}
