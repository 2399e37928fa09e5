package engine

import (
	"context"
	"sync"
	"testing"
	"time"
)

// ended is a context already ended: Take with it succeeds only where the
// bytes are granted at once.
func ended() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestReadBudgetLeavesRoomForOlderBodies: four bodies of two parts each in
// a budget of four parts. Had each taken its first part, none could take
// its second; the fourth waits instead, and goes once the first is read
// and gives its bytes back.
func TestReadBudgetLeavesRoomForOlderBodies(t *testing.T) {
	b := NewReadBudget(4)
	r := make([]*BodyRead, 4)
	for i := range r {
		r[i] = b.Begin(2)
	}
	for i := range 3 {
		if err := r[i].Take(ended(), 1); err != nil {
			t.Fatalf("body %d's first part: %v", i, err)
		}
	}
	if err := r[3].Take(ended(), 1); err == nil {
		t.Fatal("the fourth body took a part that left none of the three before it able to finish")
	}
	if err := r[0].Take(ended(), 1); err != nil {
		t.Fatalf("the oldest body's second part: %v", err)
	}
	r[0].Done()
	if got := b.Used(); got != 4 {
		t.Errorf("used %d, want 4 (the first body read, held until released)", got)
	}
	took := make(chan error)
	go func() { took <- r[3].Take(context.Background(), 1) }()
	r[0].Release()
	if err := <-took; err != nil {
		t.Fatalf("the fourth body once the first gave its bytes back: %v", err)
	}
	for i := 1; i < 4; i++ {
		if err := r[i].Take(context.Background(), 1); err != nil {
			t.Fatalf("body %d's second part: %v", i, err)
		}
		r[i].Done()
		r[i].Release()
		r[i].Release() // a second time gives nothing back
	}
	if used, peak := b.Used(), b.Peak(); used != 0 || peak != 4 {
		t.Errorf("used %d, peak %d; want 0 and 4", used, peak)
	}
}

// TestReadBudgetBodiesAllFinish: many bodies read a part at a time at once,
// each holding its bytes for a while once read (as an event waiting for its
// run's share does): every one is read whole, none waits for ever, and the
// budget's counter never goes over its size.
func TestReadBudgetBodiesAllFinish(t *testing.T) {
	t.Parallel()
	const part = 64 << 10
	b := NewReadBudget(16 * part)
	held := NewBudget(6 * part) // the run's share each read body waits for
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			size := int64(1+i%9) * part
			r := b.Begin(size)
			defer r.Release()
			for n := int64(0); n < size; n += part {
				if err := r.Take(ctx, part); err != nil {
					t.Errorf("body %d after %d bytes: %v", i, n, err)
					return
				}
			}
			r.Done()
			got, err := held.Acquire(ctx, part)
			if err != nil {
				t.Errorf("body %d's share: %v", i, err)
				return
			}
			r.Release()
			held.Release(got)
		})
	}
	wg.Wait()
	if used, peak := b.Used(), b.Peak(); used != 0 || peak > b.Max() || peak == 0 {
		t.Errorf("used %d, peak %d of %d", used, peak, b.Max())
	}
}

// TestReadBudgetCountsAtMostMax: a body larger than the whole budget
// counts as the budget, and is read alone.
func TestReadBudgetCountsAtMostMax(t *testing.T) {
	b := NewReadBudget(10)
	r := b.Begin(25)
	for range 5 {
		if err := r.Take(ended(), 5); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.Used(); got != 10 {
		t.Errorf("used %d, want 10", got)
	}
	r.Release()
	var none *ReadBudget
	if r := none.Begin(1 << 30); r.Take(ended(), 1<<30) != nil || none.Used() != 0 {
		t.Error("no budget bounded a body")
	}
}
