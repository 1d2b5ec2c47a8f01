package kernel

import "math"

//go:generate go run ./internal/zigtables/gen.go -o ziggurat_tables.go

// The ziggurat method (Marsaglia and Tsang, "The ziggurat method for
// generating random variables", J. Stat. Software 5(8), 2000), in the
// 256-layer double-precision form of Doornik (2005) and Rust's rand_distr.
//
// The area under f (exp(−x²/2) for the normal's magnitude, exp(−x) for the
// exponential) is covered by 256 layers of equal area: layer i is the
// rectangle [0, x[i]] × [f(x[i]), f(x[i+1])], and layer 0 is the base strip
// [0, r] × [0, f(r)] plus the tail beyond r. One Uint64 gives the layer
// (8 bits), the sign (1 bit, normal only) and a uniform position
// u = (j+½)·2⁻⁵² in the layer (52 bits j). A point x = u·x[i] < x[i+1] lies
// under the curve whatever its height: accept it (about 98.5% of normal and
// 97.8% of exponential draws; the test is the integer compare j < K[i], the
// value one multiplication). Otherwise layer 0 samples the tail and a layer
// i ≥ 1 draws a height y in [f(x[i]), f(x[i+1])] and accepts x if
// y < f(x) (the wedge), else starts again with a fresh Uint64.
//
// Portability: the fast path is integer arithmetic, an exact int→float
// conversion and one correctly rounded multiplication; the rare paths use
// the package's Exp and Log and explicit float64 conversions. The tables are
// exact constants (ziggurat_tables.go). So every draw, and how many Uint64
// it consumes, is the same on every architecture.

// zigBits splits a Uint64 into the layer (low 8 bits) and 52 bits j for the
// position; bit 8 is the normal's sign; bits 9–11 are unused.
func zigBits(r uint64) (i uint8, j uint64) { return uint8(r), r >> 12 }

// zigX returns (2j+1)·w: with w = x[i]·2⁻⁵³ that is (j+½)·2⁻⁵²·x[i],
// rounded once. 2j+1 < 2⁵³ converts exactly.
func zigX(j uint64, w float64) float64 { return float64(int64(j<<1|1)) * w }

// expSlow finishes an exponential draw whose first Uint64 r missed the fast
// path: the tail for layer 0, else the wedge; a rejected wedge starts again.
// It returns a draw with mean 1.
func (s *Stream) expSlow(r uint64) float64 {
	for {
		i, j := zigBits(r)
		if j < zigExpK[i] {
			return zigX(j, zigExpW[i])
		}
		if i == 0 {
			// The exponential is memoryless: beyond r it is r + Exp(1).
			return zigExpR - Log(s.OpenFloat64())
		}
		x := zigX(j, zigExpW[i])
		y := zigExpF[i] + float64(s.Float64()*(zigExpF[int(i)+1]-zigExpF[i]))
		if y < Exp(-x) {
			return x
		}
		r = s.pcg.Uint64()
	}
}

// normSlow finishes a standard normal draw whose first Uint64 r missed the
// fast path, as expSlow does; the tail beyond r is sampled by Marsaglia's
// (1964) method, which needs two logarithms per try (about 1.07 tries).
func (s *Stream) normSlow(r uint64) float64 {
	for {
		i, j := zigBits(r)
		sign := (r & 0x100) << 55
		if j < zigNormK[i] {
			return math.Float64frombits(math.Float64bits(zigX(j, zigNormW[i])) ^ sign)
		}
		var x float64
		if i == 0 {
			for {
				t := -Log(s.OpenFloat64()) / zigNormR
				e := -Log(s.OpenFloat64())
				if e+e >= float64(t*t) {
					x = zigNormR + t
					break
				}
			}
		} else {
			x = zigX(j, zigNormW[i])
			y := zigNormF[i] + float64(s.Float64()*(zigNormF[int(i)+1]-zigNormF[i]))
			if !(y < Exp(-0.5*float64(x*x))) {
				r = s.pcg.Uint64()
				continue
			}
		}
		return math.Float64frombits(math.Float64bits(x) ^ sign)
	}
}
