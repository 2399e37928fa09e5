package bench

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// subBits sets the histogram's precision: each power of two is split into
// 2^subBits buckets, so a recorded value is known to within 1/128 (0.8%).
const subBits = 7

// numBuckets covers every non-negative int64: values below 2^(subBits+1)
// have a bucket each, and each higher power of two has 2^subBits.
const numBuckets = (64-subBits)<<subBits + 1<<subBits

// Histogram counts durations in log-linear buckets, in the manner of
// HdrHistogram: constant memory (about 60 KB) whatever the number of
// samples, quantiles within 0.8% of the exact value. Record is safe for
// concurrent use; read it once recording is over.
type Histogram struct {
	counts [numBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Int64
	min    atomic.Int64
	max    atomic.Int64
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	h := &Histogram{}
	h.min.Store(math.MaxInt64)
	return h
}

// bucketOf returns the bucket index of a non-negative value.
func bucketOf(v int64) int {
	u := uint64(v)
	e := bits.Len64(u) - (subBits + 1)
	if e < 0 {
		e = 0
	}
	return e<<subBits + int(u>>uint(e))
}

// bucketRange returns the smallest and largest value of a bucket.
func bucketRange(i int) (lo, hi int64) {
	if i < 2<<subBits {
		return int64(i), int64(i)
	}
	e := i>>subBits - 1
	m := uint64(i - e<<subBits)
	lo64 := m << uint(e)
	hi64 := (m+1)<<uint(e) - 1
	if hi64 > math.MaxInt64 {
		hi64 = math.MaxInt64
	}
	return int64(lo64), int64(hi64)
}

// Record adds one duration; negative ones count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	h.counts[bucketOf(v)].Add(1)
	h.n.Add(1)
	h.sum.Add(v)
	for {
		cur := h.min.Load()
		if v >= cur || h.min.CompareAndSwap(cur, v) {
			break
		}
	}
	for {
		cur := h.max.Load()
		if v <= cur || h.max.CompareAndSwap(cur, v) {
			break
		}
	}
}

// Count is the number of recorded durations.
func (h *Histogram) Count() uint64 { return h.n.Load() }

// Min is the smallest recorded duration (0 when empty).
func (h *Histogram) Min() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.min.Load())
}

// Max is the largest recorded duration.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Mean is the exact mean of the recorded durations.
func (h *Histogram) Mean() time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / int64(n))
}

// Quantile returns the duration at or below which a fraction q (0..1) of
// the recorded durations fall: the value of rank ceil(q*n), as the middle
// of its bucket, clamped to the recorded minimum and maximum. It is 0 for
// an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen < rank {
			continue
		}
		lo, hi := bucketRange(i)
		v := lo + (hi-lo)/2
		v = max(v, h.min.Load())
		v = min(v, h.max.Load())
		return time.Duration(v)
	}
	return h.Max()
}
