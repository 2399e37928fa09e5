package engine

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
)

// TestBudgetConcurrent: many goroutines taking and giving back room, some
// waiting, some trying, some giving up: the counter never goes over the
// budget, and everything taken comes back.
func TestBudgetConcurrent(t *testing.T) {
	t.Parallel()
	b := NewBudget(1000)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				n := int64(50 + (i*7+j*13)%400)
				switch j % 3 {
				case 0:
					got, err := b.Acquire(context.Background(), n)
					if err != nil || got != n {
						t.Errorf("Acquire(%d) = %d, %v", n, got, err)
						return
					}
					if used := b.Used(); used > b.Max() {
						t.Errorf("used %d over the budget %d", used, b.Max())
					}
					b.Release(got)
				case 1:
					if got, ok := b.TryAcquire(n); ok {
						b.Release(got)
					}
				case 2:
					ctx, cancel := context.WithCancel(context.Background())
					cancel() // a caller gone before its turn
					if got, err := b.Acquire(ctx, n); err == nil {
						b.Release(got)
					}
				}
			}
		}()
	}
	wg.Wait()
	if b.Peak() > b.Max() {
		t.Errorf("peak %d over the budget %d", b.Peak(), b.Max())
	}
	if b.Peak() == 0 {
		t.Error("the budget was never used")
	}
	if used := b.Used(); used != 0 {
		t.Errorf("%d bytes still taken after every release", used)
	}
}

// TestBudgetOrder: waiters are served first come first served, a cancelled
// one takes nothing and lets those behind it go, TryAcquire does not wait
// behind them, and a request over the whole budget counts as all of it.
func TestBudgetOrder(t *testing.T) {
	t.Parallel()
	b := NewBudget(100)
	first, _ := b.TryAcquire(100)
	if first != 100 || b.Used() != 100 {
		t.Fatalf("TryAcquire(100) took %d, used %d", first, b.Used())
	}
	if _, ok := b.TryAcquire(1); ok {
		t.Fatal("TryAcquire over the budget succeeded")
	}

	granted := make(chan int, 3)
	waitFor := func(id int, n int64, ctx context.Context) chan error {
		done := make(chan error, 1)
		go func() {
			got, err := b.Acquire(ctx, n)
			if err == nil {
				granted <- id
				if got != min(n, b.Max()) {
					err = errors.New("took the wrong amount")
				}
			}
			done <- err
		}()
		waitWaiters(t, b, id)
		return done
	}
	big := waitFor(1, 500, context.Background()) // over the budget: counts as 100
	ctx, cancel := context.WithCancel(context.Background())
	gone := waitFor(2, 10, ctx)
	small := waitFor(3, 10, context.Background())

	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	if _, ok := b.TryAcquire(1); ok {
		t.Fatal("TryAcquire with the budget full succeeded")
	}
	b.Release(first)
	if err := <-big; err != nil {
		t.Fatal(err)
	}
	if got := <-granted; got != 1 {
		t.Fatalf("waiter %d went first, want 1", got)
	}
	if used := b.Used(); used != 100 {
		t.Fatalf("used %d, want 100 (a request over the budget counts as all of it)", used)
	}
	b.Release(100)
	if err := <-small; err != nil {
		t.Fatal(err)
	}
	b.Release(10)
	if used, peak := b.Used(), b.Peak(); used != 0 || peak != 100 {
		t.Errorf("used %d, peak %d; want 0 and 100", used, peak)
	}
}

// waitWaiters waits until n callers wait on b (a goroutine's Acquire has
// queued), so the test orders them.
func waitWaiters(t *testing.T, b *Budget, n int) {
	t.Helper()
	for {
		b.mu.Lock()
		w := b.waiters.Len()
		b.mu.Unlock()
		if w >= n {
			return
		}
		runtime.Gosched()
	}
}

// TestNoBudget: a nil budget bounds nothing.
func TestNoBudget(t *testing.T) {
	t.Parallel()
	var b *Budget = NewBudget(0)
	if b != nil {
		t.Fatal("NewBudget(0) is a budget")
	}
	if got, err := b.Acquire(context.Background(), 1<<40); err != nil || got != 0 {
		t.Errorf("Acquire on no budget = %d, %v", got, err)
	}
	if _, ok := b.TryAcquire(1 << 40); !ok {
		t.Error("TryAcquire on no budget failed")
	}
	if k := b.TryAcquireUpTo(7, 1<<40); k != 7 {
		t.Errorf("TryAcquireUpTo on no budget = %d, want 7", k)
	}
	b.Release(5)
	if b.Used() != 0 || b.Max() != 0 || b.Peak() != 0 {
		t.Error("no budget reports bytes")
	}
}

// TestBudgetUpTo: room for as many runs as fit, and no more.
func TestBudgetUpTo(t *testing.T) {
	t.Parallel()
	b := NewBudget(1000)
	if k := b.TryAcquireUpTo(10, 300); k != 3 {
		t.Fatalf("TryAcquireUpTo(10, 300) = %d, want 3", k)
	}
	if k := b.TryAcquireUpTo(10, 300); k != 0 {
		t.Fatalf("TryAcquireUpTo with 100 left = %d, want 0", k)
	}
	if k := b.TryAcquireUpTo(2, 50); k != 2 {
		t.Fatalf("TryAcquireUpTo(2, 50) = %d, want 2", k)
	}
	b.Release(1000)
	if b.Used() != 0 {
		t.Errorf("used %d", b.Used())
	}
}
