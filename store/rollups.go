package store

import (
	"context"
	"fmt"
	"math"
	"time"
)

// RollupStore keeps the dashboard's aggregates: per workflow and minute,
// the runs that finished by status, the delivery attempts by outcome, a
// histogram of event-to-finish latency, and a sample of the backlog. The
// engine adds to them in memory as runs finish and writes them every few
// seconds, so a replica's flush adds to what others wrote.
type RollupStore interface {
	// RollupAdd adds each rollup's counts and latency histogram to the
	// stored row of its (workflow, minute), creating it where missing;
	// Backlog and OldestDue keep the larger of the stored and the new
	// value (replicas sample the same queue). One transaction.
	RollupAdd(ctx context.Context, rollups []Rollup) error
	// RollupQuery sums the rollups of [p.From, p.From+p.Buckets*p.Step)
	// into p.Buckets buckets of p.Step, for one workflow or (WorkflowID
	// empty) all. Only buckets holding a row are returned, in time order.
	// Backlog is the largest backlog summed over workflows in a minute of
	// the bucket, OldestDue the largest.
	RollupQuery(ctx context.Context, p RollupQueryParams) ([]RollupBucket, error)
	// RollupBacklog counts each workflow's queued and retrying runs and
	// the age at now of its oldest queued or retrying run due by now;
	// workflows with no such run are left out.
	RollupBacklog(ctx context.Context, now time.Time) ([]Backlog, error)
	// RollupPrune deletes the rollups of minutes before before and
	// returns how many.
	RollupPrune(ctx context.Context, before time.Time) (int64, error)
}

// LatencyBuckets is the number of buckets of a rollup's latency
// histogram. Bucket 0 holds latencies under LatencyBase, bucket i (0 < i <
// LatencyBuckets-1) those from LatencyBase<<(i-1) up to LatencyBase<<i,
// and the last one everything longer. Fixed bounds let minutes, workflows
// and replicas be merged by adding counts.
const LatencyBuckets = 30

// LatencyBase is the upper bound of the first latency bucket.
const LatencyBase = 100 * time.Microsecond

// Histogram counts latencies in the fixed buckets of LatencyBucket.
type Histogram [LatencyBuckets]int64

// LatencyBucket returns the histogram bucket of a latency.
func LatencyBucket(d time.Duration) int {
	for i := 0; i < LatencyBuckets-1; i++ {
		if d < LatencyBase<<i {
			return i
		}
	}
	return LatencyBuckets - 1
}

// Add counts one latency.
func (h *Histogram) Add(d time.Duration) { h[LatencyBucket(d)]++ }

// Merge adds o's counts to h's.
func (h *Histogram) Merge(o *Histogram) {
	for i := range h {
		h[i] += o[i]
	}
}

// Count is the number of latencies counted.
func (h *Histogram) Count() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Quantile estimates the latency under which a fraction q (0 to 1) of the
// counted ones fall, interpolating geometrically within its bucket
// (linearly in the first). It is 0 for an empty histogram; in the last,
// open bucket it is that bucket's lower bound.
func (h *Histogram) Quantile(q float64) time.Duration {
	total := h.Count()
	if total == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := q * float64(total)
	var seen int64
	for i, c := range h {
		if c == 0 || float64(seen+c) < rank {
			seen += c
			continue
		}
		frac := (rank - float64(seen)) / float64(c)
		hi := float64(LatencyBase << i)
		switch i {
		case 0:
			return time.Duration(frac * hi)
		case LatencyBuckets - 1:
			return LatencyBase << (i - 1)
		}
		lo := hi / 2
		return time.Duration(lo * math.Pow(2, frac))
	}
	return LatencyBase << (LatencyBuckets - 2)
}

// Rollup is one workflow's aggregates for one minute.
type Rollup struct {
	WorkflowID string
	// Minute is the minute's start (whole minute, UTC).
	Minute time.Time
	// Runs finished in the minute, by final status.
	Succeeded, Failed, Filtered, Cancelled int64
	// Delivery attempts of outbound steps, by outcome: delivered, failed
	// for good, failed and to be retried.
	Delivered, DeliveryFailed, DeliveryRetried int64
	// Latency counts the finished runs' event-to-finish times.
	Latency Histogram
	// Backlog is the queued and retrying runs sampled in the minute, and
	// OldestDue the age of the oldest of them that was due.
	Backlog   int64
	OldestDue time.Duration
}

// Add adds o's counts and histogram to r's and keeps the larger backlog
// sample.
func (r *Rollup) Add(o *Rollup) {
	r.Succeeded += o.Succeeded
	r.Failed += o.Failed
	r.Filtered += o.Filtered
	r.Cancelled += o.Cancelled
	r.Delivered += o.Delivered
	r.DeliveryFailed += o.DeliveryFailed
	r.DeliveryRetried += o.DeliveryRetried
	r.Latency.Merge(&o.Latency)
	r.Backlog = max(r.Backlog, o.Backlog)
	r.OldestDue = max(r.OldestDue, o.OldestDue)
}

// Runs is the number of runs finished.
func (r *Rollup) Runs() int64 { return r.Succeeded + r.Failed + r.Filtered + r.Cancelled }

// RollupQueryParams selects rollups: Buckets buckets of Step from From.
type RollupQueryParams struct {
	// WorkflowID keeps one workflow's rollups; empty: every workflow's.
	WorkflowID string
	// From is the first bucket's start, a whole minute.
	From time.Time
	// Step is a bucket's length, a whole number of minutes.
	Step    time.Duration
	Buckets int
}

// Validate reports a range the stores cannot answer.
func (p RollupQueryParams) Validate() error {
	switch {
	case p.Step < time.Minute || p.Step%time.Minute != 0:
		return fmt.Errorf("rollup query: step %s is not a whole number of minutes", p.Step)
	case p.Buckets < 1 || p.Buckets > 100000:
		return fmt.Errorf("rollup query: %d buckets is out of range", p.Buckets)
	case !p.From.Truncate(time.Minute).Equal(p.From):
		return fmt.Errorf("rollup query: from %s is not a whole minute", p.From)
	}
	return nil
}

// RollupBucket is the sum of the rollups of one bucket of a query; its
// Minute is the bucket's start and WorkflowID is the query's.
type RollupBucket = Rollup

// Backlog is one workflow's queued and retrying runs at a moment.
type Backlog struct {
	WorkflowID string
	Count      int64
	// OldestDue is how long the oldest of them that is due has been due.
	OldestDue time.Duration
}

// UnixMinute is t's minute as stored: minutes since the Unix epoch.
func UnixMinute(t time.Time) int64 {
	return t.Unix() / 60
}

// FromUnixMinute is the inverse of UnixMinute, in UTC.
func FromUnixMinute(m int64) time.Time { return time.Unix(m*60, 0).UTC() }

// RollupCountColumns are the drivers' rollups columns added up on upsert
// and summed by queries: the counts, then the latency buckets.
var RollupCountColumns = func() []string {
	cols := []string{"succeeded", "failed", "filtered", "cancelled", "delivered", "delivery_failed", "delivery_retried"}
	for i := range LatencyBuckets {
		cols = append(cols, fmt.Sprintf("lat_%02d", i))
	}
	return cols
}()
