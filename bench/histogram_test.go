package bench

import (
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"
)

func TestBucketsCoverEveryValue(t *testing.T) {
	t.Parallel()
	values := []int64{0, 1, 127, 128, 255, 256, 257, 511, 512, 1000, 123456, 1 << 40, math.MaxInt64}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		values = append(values, r.Int64N(1<<uint(r.IntN(62)+1)))
	}
	for _, v := range values {
		i := bucketOf(v)
		if i < 0 || i >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d, outside [0, %d)", v, i, numBuckets)
		}
		lo, hi := bucketRange(i)
		if v < lo || v > hi {
			t.Fatalf("bucketOf(%d) = %d, whose range is [%d, %d]", v, i, lo, hi)
		}
		if width := hi - lo; v >= 256 && float64(width) > float64(lo)/(1<<subBits) {
			t.Fatalf("bucket %d [%d, %d] is wider than 1/%d of its values", i, lo, hi, 1<<subBits)
		}
	}
	// Buckets follow each other without gaps or overlaps.
	prevHi := int64(-1)
	for i := range bucketOf(math.MaxInt64) + 1 {
		lo, hi := bucketRange(i)
		if lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, want %d", i, lo, prevHi+1)
		}
		prevHi = hi
	}
}

func TestHistogramSmallValuesAreExact(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	for v := 1; v <= 100; v++ {
		h.Record(time.Duration(v))
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0, 1}, {0.01, 1}, {0.5, 50}, {0.99, 99}, {0.995, 100}, {1, 100}} {
		if got := h.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if h.Count() != 100 || h.Min() != 1 || h.Max() != 100 || h.Mean() != 50 {
		t.Errorf("count %d min %v max %v mean %v; want 100, 1, 100, 50", h.Count(), h.Min(), h.Max(), h.Mean())
	}
}

// TestHistogramQuantilesMatchSortedSamples compares the histogram with the
// exact quantiles of the same samples: within 1/128 of the value.
func TestHistogramQuantilesMatchSortedSamples(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	h := NewHistogram()
	samples := make([]time.Duration, 200000)
	for i := range samples {
		// Log-normal around 2ms with a long tail, like request latencies.
		d := time.Duration(math.Exp(r.NormFloat64()*1.2) * float64(2*time.Millisecond))
		samples[i] = d
		h.Record(d)
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	for _, q := range []float64{0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1} {
		rank := int(math.Ceil(q * float64(len(samples))))
		want := samples[rank-1]
		got := h.Quantile(q)
		if diff := math.Abs(float64(got - want)); diff > float64(want)/128 {
			t.Errorf("Quantile(%v) = %v, exact %v: off by %.2f%%", q, got, want, 100*diff/float64(want))
		}
	}
	if h.Max() != samples[len(samples)-1] || h.Min() != samples[0] {
		t.Errorf("min/max = %v/%v, want %v/%v", h.Min(), h.Max(), samples[0], samples[len(samples)-1])
	}
}

func TestHistogramEmptyAndNegative(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	if h.Quantile(0.5) != 0 || h.Min() != 0 || h.Max() != 0 || h.Mean() != 0 {
		t.Errorf("empty histogram: p50 %v min %v max %v mean %v, want zeros", h.Quantile(0.5), h.Min(), h.Max(), h.Mean())
	}
	h.Record(-time.Second)
	if h.Count() != 1 || h.Quantile(0.5) != 0 {
		t.Errorf("a negative duration: count %d p50 %v, want 1 and 0", h.Count(), h.Quantile(0.5))
	}
}

func TestHistogramConcurrentRecord(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10000 {
				h.Record(time.Duration(g*10000 + i + 1))
			}
		}()
	}
	wg.Wait()
	if h.Count() != 80000 || h.Min() != 1 || h.Max() != 80000 {
		t.Errorf("count %d min %v max %v, want 80000, 1ns, 80µs", h.Count(), h.Min(), h.Max())
	}
	if p50 := h.Quantile(0.5); math.Abs(float64(p50-40000)) > 40000.0/128 {
		t.Errorf("p50 = %v, want about 40µs", p50)
	}
}
