package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

func testKV(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("SetGetDelete", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		w := store.KVWrite{Scope: "orders", Key: "customer:7", Now: b.now}
		_, err := b.s.KVGet(b.ctx, store.KVGetParams{Scope: "orders", Key: "customer:7", Now: b.now})
		wantErr(t, "KVGet(never set)", err, store.ErrNotFound)

		res, err := b.s.KVSet(b.ctx, store.KVSetParams{KVWrite: w, Value: json.RawMessage(`{"name":"Ada","n":[1,2]}`)})
		if err != nil || res.Existed || res.Replayed {
			t.Fatalf("KVSet = %+v, %v; want a new entry", res, err)
		}
		want := store.KV{Scope: "orders", Key: "customer:7", Value: json.RawMessage(`{"name":"Ada","n":[1,2]}`), CreatedAt: b.now, UpdatedAt: b.now}
		diff(t, "KVSet.Entry", res.Entry, want)
		got, err := b.s.KVGet(b.ctx, store.KVGetParams{Scope: "orders", Key: "customer:7", Now: b.now})
		if err != nil {
			t.Fatalf("KVGet: %v", err)
		}
		diff(t, "KVGet", got, want)

		// Another scope, the same key: another entry.
		_, err = b.s.KVGet(b.ctx, store.KVGetParams{Scope: store.KVGlobal, Key: "customer:7", Now: b.now})
		wantErr(t, "KVGet(global scope)", err, store.ErrNotFound)

		later := b.now.Add(time.Minute)
		w.Now = later
		res, err = b.s.KVSet(b.ctx, store.KVSetParams{KVWrite: w, Value: json.RawMessage(`"x"`)})
		if err != nil || !res.Existed || !res.Entry.CreatedAt.Equal(b.now) || !res.Entry.UpdatedAt.Equal(later) {
			t.Fatalf("KVSet(again) = %+v, %v; want the entry replaced, created_at kept", res, err)
		}
		res, err = b.s.KVDelete(b.ctx, store.KVDeleteParams{KVWrite: w})
		if err != nil || !res.Existed || string(res.Entry.Value) != `"x"` {
			t.Fatalf("KVDelete = %+v, %v; want the entry as it was", res, err)
		}
		res, err = b.s.KVDelete(b.ctx, store.KVDeleteParams{KVWrite: w})
		if err != nil || res.Existed {
			t.Fatalf("KVDelete(again) = %+v, %v; want nothing there", res, err)
		}
		_, err = b.s.KVGet(b.ctx, store.KVGetParams{Scope: "orders", Key: "customer:7", Now: later})
		wantErr(t, "KVGet(deleted)", err, store.ErrNotFound)
	})

	t.Run("Expiry", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		hour := b.now.Add(time.Hour)
		w := store.KVWrite{Scope: "w", Key: "n", Now: b.now, ExpiresAt: hour}
		if _, err := b.s.KVIncr(b.ctx, store.KVIncrParams{KVWrite: w, By: 2}); err != nil {
			t.Fatalf("KVIncr: %v", err)
		}
		// A write without ExpiresAt keeps the expiry.
		res, err := b.s.KVIncr(b.ctx, store.KVIncrParams{KVWrite: store.KVWrite{Scope: "w", Key: "n", Now: b.now}, By: 1})
		if err != nil || string(res.Entry.Value) != "3" || !res.Entry.ExpiresAt.Equal(hour) {
			t.Fatalf("KVIncr(no ttl) = %+v, %v; want 3 expiring at %v", res.Entry, err, hour)
		}
		if got, err := b.s.KVGet(b.ctx, store.KVGetParams{Scope: "w", Key: "n", Now: hour.Add(-time.Microsecond)}); err != nil || string(got.Value) != "3" {
			t.Fatalf("KVGet(just before expiry) = %+v, %v; want 3", got, err)
		}
		_, err = b.s.KVGet(b.ctx, store.KVGetParams{Scope: "w", Key: "n", Now: hour})
		wantErr(t, "KVGet(at expiry)", err, store.ErrNotFound)
		if list, err := b.s.KVList(b.ctx, store.KVListParams{Scope: "w", Now: hour}); err != nil || len(list) != 0 {
			t.Fatalf("KVList(after expiry) = %v, %v; want none", list, err)
		}
		// An expired entry counts as absent: an incr starts again from 0.
		res, err = b.s.KVIncr(b.ctx, store.KVIncrParams{KVWrite: store.KVWrite{Scope: "w", Key: "n", Now: hour}, By: 1})
		if err != nil || res.Existed || string(res.Entry.Value) != "1" || !res.Entry.ExpiresAt.IsZero() || !res.Entry.CreatedAt.Equal(hour) {
			t.Fatalf("KVIncr(after expiry) = %+v, %v; want a new entry of 1 that never expires", res, err)
		}
		for _, k := range []string{"a", "b"} {
			if _, err := b.s.KVSet(b.ctx, store.KVSetParams{KVWrite: store.KVWrite{Scope: "w", Key: k, Now: b.now, ExpiresAt: hour}, Value: json.RawMessage(`1`)}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := b.s.KVPrune(b.ctx, store.KVPruneParams{Now: hour.Add(-time.Second)}); err != nil || n != 0 {
			t.Fatalf("KVPrune(before expiry) = %d, %v; want 0", n, err)
		}
		if n, err := b.s.KVPrune(b.ctx, store.KVPruneParams{Now: hour}); err != nil || n != 2 {
			t.Fatalf("KVPrune(at expiry) = %d, %v; want 2", n, err)
		}
		if got, err := b.s.KVGet(b.ctx, store.KVGetParams{Scope: "w", Key: "n", Now: hour.Add(48 * time.Hour)}); err != nil || string(got.Value) != "1" {
			t.Fatalf("KVGet(kept) = %+v, %v; want 1", got, err)
		}
	})

	t.Run("IncrConcurrent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for range 50 {
			wg.Go(func() {
				_, err := b.s.KVIncr(b.ctx, store.KVIncrParams{KVWrite: store.KVWrite{Scope: store.KVGlobal, Key: "hits", Now: b.now}, By: 1})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("KVIncr: %v", err)
			}
		}
		got, err := b.s.KVGet(b.ctx, store.KVGetParams{Scope: store.KVGlobal, Key: "hits", Now: b.now})
		if err != nil || string(got.Value) != "50" {
			t.Fatalf("KVGet after 50 concurrent incrs = %s, %v; want 50", got.Value, err)
		}
	})

	t.Run("OpOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		w := store.KVWrite{Scope: "w", Key: "count", OpID: "run-1/count", Now: b.now}
		first, err := b.s.KVIncr(b.ctx, store.KVIncrParams{KVWrite: w, By: 1.5})
		if err != nil || first.Replayed || string(first.Entry.Value) != "1.5" {
			t.Fatalf("KVIncr = %+v, %v; want 1.5", first, err)
		}
		again, err := b.s.KVIncr(b.ctx, store.KVIncrParams{KVWrite: w, By: 1.5})
		if err != nil || !again.Replayed || string(again.Entry.Value) != "1.5" || again.Existed {
			t.Fatalf("KVIncr(same op) = %+v, %v; want the first result, replayed", again, err)
		}
		w.OpID = "run-2/count"
		next, err := b.s.KVIncr(b.ctx, store.KVIncrParams{KVWrite: w, By: 1.5})
		if err != nil || next.Replayed || string(next.Entry.Value) != "3" {
			t.Fatalf("KVIncr(another op) = %+v, %v; want 3", next, err)
		}
		// Once its record is pruned, an op id applies again.
		if _, err := b.s.KVPrune(b.ctx, store.KVPruneParams{Now: b.now, OpsBefore: b.now.Add(time.Second)}); err != nil {
			t.Fatal(err)
		}
		if res, err := b.s.KVIncr(b.ctx, store.KVIncrParams{KVWrite: w, By: 1}); err != nil || res.Replayed || string(res.Entry.Value) != "4" {
			t.Fatalf("KVIncr(op pruned) = %+v, %v; want 4", res, err)
		}
	})

	t.Run("Append", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		w := store.KVWrite{Scope: "w", Key: "recent", Now: b.now}
		var res store.KVResult
		var err error
		for i := range 5 {
			res, err = b.s.KVAppend(b.ctx, store.KVAppendParams{KVWrite: w, Value: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)), MaxLen: 3})
			if err != nil {
				t.Fatalf("KVAppend(%d): %v", i, err)
			}
		}
		if string(res.Entry.Value) != `[{"i":2},{"i":3},{"i":4}]` {
			t.Errorf("after 5 appends with max_len 3: %s", res.Entry.Value)
		}
	})

	t.Run("SetIfAbsent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		day := b.now.Add(24 * time.Hour)
		p := store.KVSetIfAbsentParams{KVWrite: store.KVWrite{Scope: "leads", Key: "ada@example.com", Now: b.now, ExpiresAt: day}, Value: json.RawMessage(`true`)}
		if res, err := b.s.KVSetIfAbsent(b.ctx, p); err != nil || res.Existed {
			t.Fatalf("KVSetIfAbsent(first) = %+v, %v; want set", res, err)
		}
		p.Now, p.ExpiresAt = b.now.Add(time.Hour), day.Add(time.Hour)
		res, err := b.s.KVSetIfAbsent(b.ctx, p)
		if err != nil || !res.Existed || !res.Entry.UpdatedAt.Equal(b.now) || !res.Entry.ExpiresAt.Equal(day) {
			t.Fatalf("KVSetIfAbsent(repeat) = %+v, %v; want the first entry, unchanged", res, err)
		}
		p.Now, p.ExpiresAt = day, day.Add(24*time.Hour)
		if res, err := b.s.KVSetIfAbsent(b.ctx, p); err != nil || res.Existed || !res.Entry.UpdatedAt.Equal(day) {
			t.Fatalf("KVSetIfAbsent(after the window) = %+v, %v; want set again", res, err)
		}
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		for _, k := range []string{"orders:2", "orders:1", "other", "orders:3", "order"} {
			if _, err := b.s.KVSet(b.ctx, store.KVSetParams{KVWrite: store.KVWrite{Scope: "w", Key: k, Now: b.now}, Value: json.RawMessage(`0`)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.s.KVSet(b.ctx, store.KVSetParams{KVWrite: store.KVWrite{Scope: "v", Key: "orders:9", Now: b.now}, Value: json.RawMessage(`0`)}); err != nil {
			t.Fatal(err)
		}
		keys := func(p store.KVListParams) string {
			t.Helper()
			p.Scope, p.Now = "w", b.now
			list, err := b.s.KVList(b.ctx, p)
			if err != nil {
				t.Fatalf("KVList(%+v): %v", p, err)
			}
			var out []string
			for _, e := range list {
				out = append(out, e.Key)
			}
			return strings.Join(out, ",")
		}
		for _, c := range []struct {
			p    store.KVListParams
			want string
		}{
			{store.KVListParams{}, "order,orders:1,orders:2,orders:3,other"},
			{store.KVListParams{Prefix: "orders:"}, "orders:1,orders:2,orders:3"},
			{store.KVListParams{Prefix: "orders:", Limit: 2}, "orders:1,orders:2"},
			{store.KVListParams{Prefix: "orders:", After: "orders:2"}, "orders:3"},
			{store.KVListParams{Prefix: "x"}, ""},
		} {
			if got := keys(c.p); got != c.want {
				t.Errorf("KVList(%+v) = %s, want %s", c.p, got, c.want)
			}
		}
	})

	t.Run("GoWithTheirWorkflow", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "gone")
		b.workflow(t, "kept")
		for _, scope := range []string{"gone", "kept", store.KVGlobal} {
			if _, err := b.s.KVSet(b.ctx, store.KVSetParams{KVWrite: store.KVWrite{Scope: scope, Key: "k", Now: b.now}, Value: json.RawMessage(`1`)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.s.WorkflowDelete(b.ctx, "gone"); err != nil {
			t.Fatalf("WorkflowDelete: %v", err)
		}
		_, err := b.s.KVGet(b.ctx, store.KVGetParams{Scope: "gone", Key: "k", Now: b.now})
		wantErr(t, "KVGet(deleted workflow's key)", err, store.ErrNotFound)
		for _, scope := range []string{"kept", store.KVGlobal} {
			if _, err := b.s.KVGet(b.ctx, store.KVGetParams{Scope: scope, Key: "k", Now: b.now}); err != nil {
				t.Errorf("KVGet(%q scope) after another workflow was deleted: %v", scope, err)
			}
		}
	})

	t.Run("Refused", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		w := store.KVWrite{Scope: "w", Key: "name", Now: b.now}
		if _, err := b.s.KVSet(b.ctx, store.KVSetParams{KVWrite: w, Value: json.RawMessage(`"Ada"`)}); err != nil {
			t.Fatal(err)
		}
		_, err := b.s.KVIncr(b.ctx, store.KVIncrParams{KVWrite: w, By: 1})
		wantErr(t, "KVIncr(a text)", err, store.ErrKVValue)
		_, err = b.s.KVAppend(b.ctx, store.KVAppendParams{KVWrite: w, Value: json.RawMessage(`1`)})
		wantErr(t, "KVAppend(to a text)", err, store.ErrKVValue)
		long := store.KVWrite{Scope: "w", Key: strings.Repeat("k", store.KVMaxKey+1), Now: b.now}
		_, err = b.s.KVSet(b.ctx, store.KVSetParams{KVWrite: long, Value: json.RawMessage(`1`)})
		wantErr(t, "KVSet(long key)", err, store.ErrKVValue)
		big := json.RawMessage(`"` + strings.Repeat("v", store.KVMaxValue) + `"`)
		_, err = b.s.KVSet(b.ctx, store.KVSetParams{KVWrite: w, Value: big})
		wantErr(t, "KVSet(big value)", err, store.ErrKVValue)
		// Nothing refused changed the entry.
		got, err := b.s.KVGet(b.ctx, store.KVGetParams{Scope: "w", Key: "name", Now: b.now})
		if err != nil || string(got.Value) != `"Ada"` {
			t.Fatalf("KVGet = %s, %v; want \"Ada\"", got.Value, err)
		}
	})
}
