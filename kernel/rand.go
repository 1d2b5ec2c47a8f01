package kernel

import (
	"math/bits"
	"math/rand/v2"
)

// Stream is one keyed stream of random numbers: a PCG generator seeded by a
// hash of (root seed, key). It is a small value; copying one forks it.
//
// Only Uint64 and the arithmetic in this package are used on it, so its
// draws are bit-identical on every architecture.
type Stream struct {
	pcg rand.PCG
}

// NewStream returns the stream for key (name, ids...) under the root seed.
// Different keys give statistically independent streams; the same key always
// gives the same stream, whatever other streams exist or how many draws they
// made. Examples: NewStream(seed, "think", 17, 4), NewStream(seed, "agent",
// 17). It is NewFamily(seed, name).Stream(ids...).
func NewStream(seed uint64, name string, ids ...uint64) Stream {
	return NewFamily(seed, name).Stream(ids...)
}

// Family is the set of streams that share a root seed and a name, one per
// tuple of ids: NewFamily(seed, "service").Stream(agent, seq, attempt). It
// hashes the name once, so deriving a member on a hot path costs a few
// multiplications per id. The zero Family is a family of its own, usable,
// with streams unrelated to any named family's (it is not NewFamily(0, "")).
// A Family is a small value, safe to copy and to use from several
// goroutines.
type Family struct{ h uint64 }

// NewFamily returns the family of streams named name under the root seed.
// The name is length-prefixed in the hash, so ("ab", 1) and ("a", ...) cannot
// collide by concatenation.
func NewFamily(seed uint64, name string) Family {
	h := mix64(seed ^ 0x9e3779b97f4a7c15)
	h = mix64(h ^ uint64(len(name)))
	for i := 0; i < len(name); i++ {
		h = mix64(h ^ uint64(name[i]) ^ uint64(i)<<8)
	}
	return Family{h}
}

// Stream returns the family's stream for ids. Each id is folded through a
// full-avalanche mixer, so keys differing in any bit give unrelated seeds;
// the number of ids is part of the key. No allocation.
func (f Family) Stream(ids ...uint64) Stream {
	h := mix64(f.h ^ uint64(len(ids))<<32)
	switch len(ids) { // the keys the model uses, unrolled: the same hash, no loop
	case 2:
		h = mix64(mix64(h+ids[0]) + ids[1])
	case 3:
		h = mix64(mix64(mix64(h+ids[0])+ids[1]) + ids[2])
	default:
		for _, id := range ids {
			h = mix64(h + id)
		}
	}
	var s Stream
	s.pcg.Seed(mix64(h^0x6a09e667f3bcc909), mix64(h^0xbb67ae8584caa73b))
	return s
}

// mix64 is the splitmix64 / murmur3 finaliser: a bijection on uint64 in which
// every input bit affects every output bit.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Uint64 returns a uniformly distributed 64-bit value.
func (s *Stream) Uint64() uint64 { return s.pcg.Uint64() }

// Float64 returns a uniform value in [0, 1) with 53 random bits. Exact: the
// same on every architecture.
func (s *Stream) Float64() float64 { return float64(s.pcg.Uint64()>>11) * 0x1p-53 }

// OpenFloat64 returns a uniform value in (0, 1), never 0 or 1, for samplers
// that take a logarithm.
func (s *Stream) OpenFloat64() float64 {
	return (float64(s.pcg.Uint64()>>12) + 0.5) * 0x1p-52
}

// IntN returns a uniform integer in [0, n). It panics if n ≤ 0. Lemire's
// multiply-and-reject method: unbiased, usually one draw.
func (s *Stream) IntN(n int) int {
	if n <= 0 {
		panic("kernel: IntN with n <= 0")
	}
	un := uint64(n)
	hi, lo := bits.Mul64(s.pcg.Uint64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(s.pcg.Uint64(), un)
		}
	}
	return int(hi)
}

// Bernoulli returns true with probability p (p ≤ 0 never, p ≥ 1 always).
func (s *Stream) Bernoulli(p float64) bool { return s.Float64() < p }
