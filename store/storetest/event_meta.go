package storetest

import (
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// testEventMeta: an event's Meta is stored and read back with its JSON
// values, by every write that makes events.
func testEventMeta(t *testing.T, newStore func(t *testing.T) store.Store) {
	meta := map[string]any{
		"subject": "orders.paid", "stream": "ORDERS", "sequence": float64(42), "num_delivered": float64(2),
		"headers": map[string]any{"nats-msg-id": "m-1"}, "redelivered": true, "tags": []any{"a", "b"},
	}

	t.Run("Accept", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		with := event("w", b.now)
		with.Event.Source, with.Event.Meta, with.Event.IdempotencyKey = "nats", meta, "nats:ORDERS:42"
		without := event("w", b.now.Add(time.Second))
		b.acceptParams(t, with, without)
		got, err := b.s.EventGet(b.ctx, with.Event.ID)
		if err != nil {
			t.Fatalf("EventGet: %v", err)
		}
		diff(t, "event with meta", got, with.Event)
		got, err = b.s.EventGet(b.ctx, without.Event.ID)
		if err != nil {
			t.Fatalf("EventGet: %v", err)
		}
		if got.Meta != nil {
			t.Errorf("event without meta: Meta = %#v, want nil", got.Meta)
		}
		list, err := b.s.EventListByWorkflow(b.ctx, "w", 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("EventListByWorkflow = %d events, %v; want 2", len(list), err)
		}
		diff(t, "listed event with meta", list[1], with.Event)

		// A redelivery with other metadata is a duplicate: the first
		// event's stays.
		again := event("w", b.now)
		again.Event.Source, again.Event.IdempotencyKey = "nats", "nats:ORDERS:42"
		again.Event.Meta = map[string]any{"num_delivered": float64(3)}
		if res := b.acceptParams(t, again); !res[0].Duplicate || res[0].RunID != with.RunID {
			t.Fatalf("redelivery = %+v, want a duplicate of run %s", res[0], with.RunID)
		}
		got, err = b.s.EventGet(b.ctx, with.Event.ID)
		if err != nil {
			t.Fatalf("EventGet: %v", err)
		}
		diff(t, "event after its redelivery", got, with.Event)
	})

	t.Run("UpdateStart", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "parent")
		b.workflow(t, "child")
		parent := b.accept(t, "parent", b.now)[0]
		r := b.claimOne(t, "w1", parent)
		start := event("child", b.now)
		start.Event.Source, start.Event.Meta = "workflow", meta
		b.update(t, store.RunUpdateParams{ID: parent, Owner: "w1", Attempt: r.Attempt, Status: store.StatusSucceeded,
			Now: b.now, Start: []store.EventAcceptParams{start}})
		got, err := b.s.EventGet(b.ctx, start.Event.ID)
		if err != nil {
			t.Fatalf("EventGet: %v", err)
		}
		diff(t, "started event", got, start.Event)
	})
}
