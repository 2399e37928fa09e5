package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// TestPruneResumesAfterRestart: a prune stopped between its batches (the
// process shutting down) has deleted whole batches only; the store opened
// again prunes the rest, and in the end exactly the finished runs due are
// gone with their step records and events, and nothing else.
func TestPruneResumesAfterRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	p := fillParams{Runs: 600, Workflows: 3, FailEvery: 7, Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Every: time.Second, Body: 64, Steps: true}
	ids := fillRuns(t, s, p)
	cutoff := p.at(400) // runs 0 to 399 finished before it
	// Two old runs not finished: they and their events stay.
	unfinished := []string{ids[10], ids[201]}
	for _, id := range unfinished {
		if _, err := s.writer.Exec(`UPDATE runs SET status = 'queued', finished_at = 0 WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for i, id := range ids {
		if i >= 400 || slices.Contains(unfinished, id) {
			want = append(want, id)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batches := 0
	s.afterPruneBatch = func() {
		if batches++; batches == 3 {
			cancel()
		}
	}
	first, err := s.Prune(ctx, store.PruneParams{Before: cutoff, Limit: 20})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Prune stopped after 3 batches = %v, want context.Canceled", err)
	}
	if first.Runs == 0 || first.Runs > 3*20 {
		t.Fatalf("Prune stopped after 3 batches of at most 20 events deleted %d runs", first.Runs)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	rest, err := s.Prune(context.Background(), store.PruneParams{Before: cutoff, Limit: 20})
	if err != nil {
		t.Fatalf("Prune after the restart: %v", err)
	}
	if got := first.Runs + rest.Runs; got != 398 {
		t.Errorf("the two prunes deleted %d + %d runs, want 398 in all", first.Runs, rest.Runs)
	}
	if got := first.Events + rest.Events; got != 398 {
		t.Errorf("the two prunes deleted %d + %d events, want 398 in all", first.Events, rest.Events)
	}
	var left []string
	rows, err := s.reader.Query(`SELECT id FROM runs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		left = append(left, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("runs left: %d, want the %d not due (%d missing or extra)", len(left), len(want), len(left)-len(want))
	}
	var orphanSteps, events, eventsOfLeft int
	if err := s.reader.QueryRow(`SELECT count(*) FROM step_results WHERE run_id NOT IN (SELECT id FROM runs)`).Scan(&orphanSteps); err != nil {
		t.Fatal(err)
	}
	if err := s.reader.QueryRow(`SELECT count(*), count(*) FILTER (WHERE id IN (SELECT event_id FROM runs)) FROM events`).Scan(&events, &eventsOfLeft); err != nil {
		t.Fatal(err)
	}
	if orphanSteps != 0 || events != len(want) || eventsOfLeft != len(want) {
		t.Errorf("after pruning: %d step records of deleted runs, %d events (%d of runs left); want 0, %d, %d",
			orphanSteps, events, eventsOfLeft, len(want), len(want))
	}
}
