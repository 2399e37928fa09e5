package storetest

import (
	"crypto/rand"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
)

// idAt returns a UUIDv7 string made at t, as the engine makes a run's id
// as it creates the run.
func idAt(t time.Time) string {
	var u uuid.UUID
	_, _ = rand.Read(u[6:])
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(t.UnixMilli()))
	copy(u[:6], ms[2:])
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

// testRunWindow: a run list with a time window holds exactly the runs
// created in it, whether their ids tell their creation time (made then, or
// within store.IDTimeTolerance of it) or not (made at another time, or not
// UUIDv7s), with the other filters and across pages.
func testRunWindow(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	b.workflow(t, "w1")
	b.workflow(t, "w2")
	at := b.now
	near := store.IDTimeTolerance - 10*time.Millisecond
	type made struct {
		id, workflow, status string
		created              time.Time
	}
	var runs []made
	add := func(id string, created time.Time) {
		wf, status := "w1", store.StatusSucceeded
		if len(runs)%2 == 1 {
			wf = "w2"
		}
		if len(runs)%3 == 0 {
			status = store.StatusFailed
		}
		p := event(wf, created)
		p.RunID, p.Status = id, status
		b.acceptParams(t, p)
		runs = append(runs, made{id, wf, status, created})
	}
	for i := -6; i <= 6; i++ { // ids made as the runs were created
		c := at.Add(time.Duration(i) * 20 * time.Minute)
		add(idAt(c), c)
	}
	add(idAt(at.Add(near)), at.Add(-time.Microsecond))           // an id a little later than its run
	add(idAt(at.Add(-near)), at)                                 // a little earlier
	add(idAt(at.Add(near)), at.Add(-time.Hour-time.Microsecond)) // ...at the window's other end
	add(idAt(at.Add(-near)), at.Add(-time.Hour))
	add(newID(), at.Add(-30*time.Minute))                             // made by another clock
	add(idAt(at.Add(2*time.Hour)), at.Add(-10*time.Minute))           // made long after
	add(idAt(at.Add(-2*time.Hour)), at.Add(10*time.Minute))           // long before
	add("run-not-a-uuid", at.Add(-20*time.Minute))                    // not a UUID
	add("FFFFFFFF-FFFF-7FFF-BFFF-FFFFFFFFFFFF", at.Add(-time.Minute)) // upper case

	for _, c := range []struct {
		name string
		p    store.RunListParams
	}{
		{"until", store.RunListParams{Until: at}},
		{"since", store.RunListParams{Since: at}},
		{"hour", store.RunListParams{Since: at.Add(-time.Hour), Until: at}},
		{"a microsecond", store.RunListParams{Since: at.Add(-time.Microsecond), Until: at}},
		{"workflow", store.RunListParams{WorkflowID: "w2", Since: at.Add(-time.Hour), Until: at}},
		{"failed", store.RunListParams{Status: store.StatusFailed, Until: at.Add(time.Minute)}},
		{"succeeded", store.RunListParams{Status: store.StatusSucceeded, Since: at.Add(-90 * time.Minute)}},
		{"workflow and failed", store.RunListParams{WorkflowID: "w1", Status: store.StatusFailed, Since: at.Add(-3 * time.Hour)}},
		{"empty", store.RunListParams{Since: at.Add(3 * time.Hour)}},
	} {
		var want []string
		for _, r := range runs {
			if (c.p.Since.IsZero() || !r.created.Before(c.p.Since)) && (c.p.Until.IsZero() || r.created.Before(c.p.Until)) &&
				(c.p.WorkflowID == "" || r.workflow == c.p.WorkflowID) && (c.p.Status == "" || r.status == c.p.Status) {
				want = append(want, r.id)
			}
		}
		want = newestFirst(want...)
		all, err := b.s.RunList(b.ctx, c.p)
		if err != nil {
			t.Fatalf("RunList(%s): %v", c.name, err)
		}
		if got := RunIDs(all); !slices.Equal(got, want) {
			t.Errorf("RunList(%s) = %v, want %v", c.name, got, want)
		}
		// Pages of two, by cursor.
		var paged []string
		p := c.p
		p.Limit = 2
		for range len(runs) {
			page, err := b.s.RunList(b.ctx, p)
			if err != nil {
				t.Fatalf("RunList(%s, page after %q): %v", c.name, p.Before, err)
			}
			paged = append(paged, RunIDs(page)...)
			if len(page) < p.Limit {
				break
			}
			p.Before = page[len(page)-1].ID
		}
		if !slices.Equal(paged, want) {
			t.Errorf("RunList(%s) in pages of 2 = %v, want %v", c.name, paged, want)
		}
	}
	// The workflow list counts each workflow's runs of a time window alike.
	for _, since := range []time.Time{at, at.Add(-time.Hour), at.Add(-3 * time.Hour)} {
		acts, err := b.s.WorkflowActivity(b.ctx, store.WorkflowActivityParams{Since: since})
		if err != nil {
			t.Fatalf("WorkflowActivity: %v", err)
		}
		for _, a := range acts {
			want := 0
			for _, r := range runs {
				if r.workflow == a.WorkflowID && !r.created.Before(since) {
					want++
				}
			}
			if a.Runs != want {
				t.Errorf("WorkflowActivity(since %s): %s has %d runs, want %d", since.Sub(at), a.WorkflowID, a.Runs, want)
			}
		}
	}
	// A page of the list: only the workflows asked for.
	acts, err := b.s.WorkflowActivity(b.ctx, store.WorkflowActivityParams{Since: at.Add(-time.Hour), WorkflowIDs: []string{"w2"}})
	if err != nil {
		t.Fatalf("WorkflowActivity(w2): %v", err)
	}
	if len(acts) != 1 || acts[0].WorkflowID != "w2" || acts[0].LastRunID == "" {
		t.Errorf("WorkflowActivity(w2) = %+v, want w2 alone with its last run", acts)
	}
}
