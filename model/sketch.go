package model

import "math/bits"

// sketch is a log-linear histogram of non-negative integer values
// (latencies in nanoseconds) in bounded memory: values below 512 have a
// bucket each; above, each power of two is split into 256 buckets, so a
// bucket [lo, lo+w) has w ≤ lo/256. A quantile reports the centre of its
// bucket, within relative error 2⁻⁹ (0.2%) of the exact order statistic,
// and numpy-style linear interpolation between two such values keeps that
// bound. Integer arithmetic only: deterministic everywhere. About 115 KiB.
type sketch struct {
	counts [sketchBuckets]uint64
	n      uint64
	max    int64
}

const (
	sketchSub     = 256 // buckets per power of two
	sketchLinear  = 2 * sketchSub
	sketchBuckets = sketchLinear + (64-9)*sketchSub
)

func sketchIndex(v uint64) int {
	if v < sketchLinear {
		return int(v)
	}
	e := bits.Len64(v) - 9 // v>>e is in [256, 512)
	return sketchLinear + (e-1)*sketchSub + int(v>>uint(e)) - sketchSub
}

// bucketMid returns the centre of bucket i (rounded down).
func bucketMid(i int) uint64 {
	if i < sketchLinear {
		return uint64(i)
	}
	j := i - sketchLinear
	e := uint(j/sketchSub + 1)
	lo := uint64(j%sketchSub+sketchSub) << e
	return lo + (uint64(1)<<e)/2
}

// Add records one value. O(1).
func (s *sketch) Add(v int64) {
	if v < 0 {
		v = 0
	}
	s.counts[sketchIndex(uint64(v))]++
	s.n++
	s.max = max(s.max, v)
}

// merge adds every value of o to s. O(buckets).
func (s *sketch) merge(o *sketch) {
	for i, c := range o.counts {
		s.counts[i] += c
	}
	s.n += o.n
	s.max = max(s.max, o.max)
}

// Count returns the number of values added.
func (s *sketch) Count() uint64 { return s.n }

// orderStat returns the approximate k-th smallest value (0-based).
func (s *sketch) orderStat(k uint64) int64 {
	var cum uint64
	for i, c := range s.counts {
		cum += c
		if cum > k {
			return int64(bucketMid(i))
		}
	}
	return 0
}

// Quantile returns the p-quantile with numpy's default linear interpolation
// between order statistics, each approximated as above. NaN if empty.
func (s *sketch) Quantile(p float64) float64 {
	return interpolate(p, int(s.n), func(k int) int64 { return s.orderStat(uint64(k)) })
}
