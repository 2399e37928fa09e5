package workflows

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Limits bound what evaluating expressions may cost, whatever the payload:
// the data built, the time taken and the loop iterations run. They hold for
// one Budget: an evaluation, or all the evaluations of one step.
type Limits struct {
	// MaxBytes caps the data one budget may build: every string, list and
	// map a builtin, helper or operator makes is counted before it is
	// made, and so is the value an expression gives. Default 8 MiB.
	MaxBytes int
	// Timeout ends an evaluation that runs longer. Default 1s.
	Timeout time.Duration
	// MaxIterations caps the loop iterations (map, filter, all, reduce...)
	// of one budget, nested loops included. Default 10,000,000.
	MaxIterations int
}

// DefaultLimits are the limits unless SetLimits says otherwise.
var DefaultLimits = Limits{MaxBytes: 8 << 20, Timeout: time.Second, MaxIterations: 10_000_000}

// limits are the limits SetLimits set (nil: DefaultLimits).
var limits atomic.Pointer[Limits]

// SetLimits replaces the limits of every budget made from now on (the
// server sets them once at start from its flags).
func SetLimits(l Limits) error {
	switch {
	case l.MaxBytes < 1<<10:
		return fmt.Errorf("expression memory limit must be at least 1 KiB, got %d bytes", l.MaxBytes)
	case l.Timeout <= 0:
		return fmt.Errorf("expression timeout must be positive, got %s", l.Timeout)
	case l.MaxIterations < 1:
		return fmt.Errorf("expression iteration limit must be positive, got %d", l.MaxIterations)
	}
	limits.Store(&l)
	return nil
}

// CurrentLimits returns the limits new budgets get.
func CurrentLimits() Limits {
	if l := limits.Load(); l != nil {
		return *l
	}
	return DefaultLimits
}

// ErrLimit is wrapped by every error of an evaluation stopped by its
// limits (errors.Is(err, ErrLimit)).
var ErrLimit = errors.New("expression stopped")

// Budget is what evaluations sharing it may still spend. It is also the
// context.Context handed to the builtins that build data, which is how
// they find it. A Budget is used by one goroutine at a time.
type Budget struct {
	ctx        context.Context
	limits     Limits
	deadline   time.Time
	bytes      int
	iterations int
	calls      int
	// tick and keep are the budget's methods as values, made once: they
	// are what the loops call (see loopGuard).
	tick, keep func(any) any
}

// NewBudget starts a budget with the current limits. Its clock starts now;
// it also ends when ctx does.
func NewBudget(ctx context.Context) *Budget {
	b := &Budget{}
	b.tick, b.keep = b.countIteration, b.countKept
	b.Reset(ctx)
	return b
}

// Reset makes the budget whole again, for the next step: nothing spent,
// the clock started now.
func (b *Budget) Reset(ctx context.Context) {
	if ctx == nil {
		ctx = context.Background()
	}
	b.ctx, b.limits = ctx, CurrentLimits()
	b.deadline = time.Now().Add(b.limits.Timeout)
	b.bytes, b.iterations, b.calls = 0, 0, 0
}

// Deadline is when the budget's time runs out.
func (b *Budget) Deadline() (time.Time, bool) { return b.deadline, true }

// Done is the parent context's.
func (b *Budget) Done() <-chan struct{} { return b.ctx.Done() }

// Err says why the budget's time is over, if it is.
func (b *Budget) Err() error {
	if err := b.ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrLimit, err)
	}
	if time.Now().After(b.deadline) {
		return fmt.Errorf("%w: it ran longer than %s (the expression time limit)", ErrLimit, b.limits.Timeout)
	}
	return nil
}

// Value is the parent context's.
func (b *Budget) Value(key any) any { return b.ctx.Value(key) }

// charge counts n bytes about to be built; past the limit it refuses.
func (b *Budget) charge(n int) error {
	if n > b.limits.MaxBytes-b.bytes {
		return b.tooLarge()
	}
	b.bytes += n
	return b.every()
}

// left is what the budget may still build.
func (b *Budget) left() int { return b.limits.MaxBytes - b.bytes }

func (b *Budget) tooLarge() error {
	return fmt.Errorf("%w: it would build more than %s of data (the expression memory limit)", ErrLimit, formatBytes(b.limits.MaxBytes))
}

// every looks at the clock once in a while: reading it on every iteration
// would cost more than many iterations do.
func (b *Budget) every() error {
	b.calls++
	if b.calls&255 == 0 {
		return b.Err()
	}
	return nil
}

// countIteration counts one loop iteration. It panics with the error, which
// expr's VM turns into the evaluation's error at the loop's position.
func (b *Budget) countIteration(v any) any {
	b.iterations++
	if b.iterations > b.limits.MaxIterations {
		panic(fmt.Errorf("%w: it ran more than %d loop iterations (the expression iteration limit)", ErrLimit, b.limits.MaxIterations))
	}
	if err := b.every(); err != nil {
		panic(err)
	}
	return v
}

// countKept counts one iteration of a loop that keeps each value (map,
// filter, groupBy, sortBy), and the place it takes in the list built.
func (b *Budget) countKept(v any) any {
	if err := b.charge(elemBytes); err != nil {
		panic(err)
	}
	return b.countIteration(v)
}

// formatBytes writes a byte count the way the limits are usually set.
func formatBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// fits checks a value an expression gave: what is recorded, sent or
// answered is at most the memory limit, and no deeper than can be read
// back. The value may hold the payload, so it is measured, not charged.
func (b *Budget) fits(v any) error {
	switch v.(type) {
	case bool, nil, int, float64:
		return nil
	}
	n, err := dataBytes(v, b.limits.MaxBytes)
	if err != nil {
		return err
	}
	if n > b.limits.MaxBytes {
		return fmt.Errorf("%w: it gave a value larger than %s (the expression memory limit)", ErrLimit, formatBytes(b.limits.MaxBytes))
	}
	return nil
}
