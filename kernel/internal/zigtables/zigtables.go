// Package zigtables computes the ziggurat tables of package kernel in high
// precision and renders them as the Go source of kernel/ziggurat_tables.go.
//
// Regenerate with
//
//	go generate ./kernel
//
// which runs gen.go in this directory. A test in package kernel renders the
// source again and compares it byte for byte with the checked-in file, so the
// tables cannot drift from this program.
//
// # The tables
//
// A ziggurat covers the area under an unnormalised density f (f(0) = 1,
// decreasing on [0, ∞)) with 256 layers of equal area v. Layer i spans
// [0, x[i]] × [f(x[i]), f(x[i+1])]; x[1] = r is the base of the ziggurat and
// x[256] = 0. Layer 0 is the strip [0, r] × [0, f(r)] together with the tail
// beyond r, represented as a rectangle of width x[0] = v/f(r). Given r,
//
//	v        = r·f(r) + ∫_r^∞ f
//	f(x[i+1]) = f(x[i]) + v/x[i]        (i = 1 … 255)
//
// and r is the root of f(x[255]) + v/x[255] = 1: the top layer closes at
// f(0) = 1. The normal uses f(x) = exp(−x²/2), the exponential f(x) = exp(−x).
//
// # Precision
//
// Everything is computed with math/big floats of [Prec] bits (exp, log, π and
// the normal tail by series with guard bits), r is solved by the secant
// method to that precision, and each table entry is then rounded once to the
// nearest float64. The package's test recomputes the tables at 192 bits and
// checks that every float64 entry is the same, so the rounding is the correct
// rounding of the exact value, not of an approximation. The integer
// acceptance thresholds are computed exactly (math/big.Rat) from the rounded
// float64 widths, so the sampler's fast-path test is exactly
// (2j+1)·x[i]·2⁻⁵³ < x[i+1] in real arithmetic on the stored widths.
package zigtables

import (
	"bytes"
	"fmt"
	"go/format"
	"math"
	"math/big"
	"strconv"
)

// Prec is the working precision, in bits, of the tables as generated.
const Prec = 256

// Layers is the number of layers of each ziggurat.
const Layers = 256

// Table is one ziggurat computed in high precision.
type Table struct {
	Name string
	R    *big.Float             // x[1], the base of the ziggurat
	V    *big.Float             // the common area of the layers
	X    [Layers + 1]*big.Float // layer widths: X[0] = V/f(R), X[1] = R, …, X[256] = 0
	F    [Layers + 1]*big.Float // F[i] = f(X[i]); F[256] = 1
	// Residual is f(x[255]) + v/x[255] − 1 at the solved R: how well the top
	// layer closes (zero in exact arithmetic).
	Residual *big.Float
	// Iterations is how many secant steps solved R.
	Iterations int
}

// density is one of the two shapes.
type density struct {
	name  string
	seed  float64 // a float64 approximation of r to start the secant method
	f     func(c *ctx, x *big.Float) *big.Float
	finv  func(c *ctx, y *big.Float) *big.Float
	tailF func(c *ctx, r *big.Float) *big.Float // ∫_r^∞ f
}

var normal = density{
	name: "normal",
	seed: 3.6541528853610088, // Marsaglia & Tsang (2000), Doornik (2005)
	f: func(c *ctx, x *big.Float) *big.Float {
		h := c.mul(x, x)
		h.SetMantExp(h, -1)
		return c.exp(h.Neg(h))
	},
	finv: func(c *ctx, y *big.Float) *big.Float {
		l := c.log(y)
		l.SetMantExp(l, 1)
		return c.sqrt(l.Neg(l))
	},
	tailF: func(c *ctx, r *big.Float) *big.Float { return c.normalTail(r) },
}

var exponential = density{
	name: "exponential",
	seed: 7.69711747013104972, // Marsaglia & Tsang (2000)
	f: func(c *ctx, x *big.Float) *big.Float {
		return c.exp(c.neg(x))
	},
	finv: func(c *ctx, y *big.Float) *big.Float { return c.neg(c.log(y)) },
	tailF: func(c *ctx, r *big.Float) *big.Float {
		return c.exp(c.neg(r))
	},
}

// Normal returns the ziggurat of exp(−x²/2) computed with prec bits.
func Normal(prec uint) (*Table, error) { return solve(normal, prec) }

// Exponential returns the ziggurat of exp(−x) computed with prec bits.
func Exponential(prec uint) (*Table, error) { return solve(exponential, prec) }

// layers runs the recursion from r. It returns v, the widths, the heights and
// the closing residual f(x[255]) + v/x[255] − 1. ok is false if the recursion
// reached the top early (r far too small).
func layers(d density, c *ctx, r *big.Float) (v *big.Float, x, f *[Layers + 1]*big.Float, res *big.Float, ok bool) {
	x, f = new([Layers + 1]*big.Float), new([Layers + 1]*big.Float)
	fr := d.f(c, r)
	v = c.add(c.mul(r, fr), d.tailF(c, r))
	x[1], f[1] = r, fr
	x[0], f[0] = c.quo(v, fr), nil
	one := c.num(1)
	for i := 1; i < Layers-1; i++ {
		fi := c.add(f[i], c.quo(v, x[i]))
		if fi.Cmp(one) >= 0 {
			return nil, nil, nil, nil, false
		}
		f[i+1], x[i+1] = fi, d.finv(c, fi)
	}
	res = c.sub(c.add(f[Layers-1], c.quo(v, x[Layers-1])), one)
	x[Layers], f[Layers] = c.num(0), c.num(1)
	f[0] = d.f(c, x[0])
	return v, x, f, res, true
}

// solve finds r by the secant method on the closing residual, starting from
// the float64 seed and a point 2⁻⁴⁰ away. The secant errors obey
// e(n+1) ≈ C·e(n)·e(n−1) with C ≈ 2⁸ here (observed: relative errors 2⁻⁴⁰,
// 2⁻⁸⁷, 2⁻¹¹⁷, 2⁻¹⁹³, 2⁻²⁹⁶), and each step is about the error of the point
// it leaves; so it stops when 2¹⁶·|step(n)|·|step(n−1)|/r² < 2^−(prec+8).
// The residual of the result must then be below 2^−prec.
func solve(d density, prec uint) (*Table, error) {
	c := &ctx{prec: prec + 64} // guard bits for the recursion and the series
	r0 := c.num(d.seed)
	r1 := c.mul(r0, c.num(1+0x1p-40))
	_, _, _, z0, ok0 := layers(d, c, r0)
	v, x, f, z1, ok1 := layers(d, c, r1)
	if !ok0 || !ok1 {
		return nil, fmt.Errorf("zigtables: %s: the seed r does not give 256 layers", d.name)
	}
	e := r1.MantExp(nil)
	prevStep := 0 // exponent of the previous step relative to r (none yet: 1)
	for it := 1; it <= 40; it++ {
		den := c.sub(z1, z0)
		if den.Sign() == 0 {
			return nil, fmt.Errorf("zigtables: %s: secant stalled", d.name)
		}
		step := c.quo(c.mul(z1, c.sub(r1, r0)), den)
		r0, z0 = r1, z1
		r1 = c.sub(r1, step)
		var ok bool
		if v, x, f, z1, ok = layers(d, c, r1); !ok {
			return nil, fmt.Errorf("zigtables: %s: secant left the domain", d.name)
		}
		se := e + 1 // the step is zero: r1 is exact to the working precision
		if step.Sign() != 0 {
			se = step.MantExp(nil) - e
		}
		if step.Sign() == 0 || 16+se+prevStep < -int(prec)-8 {
			bound := new(big.Float).SetMantExp(big.NewFloat(1), -int(prec))
			if new(big.Float).Abs(z1).Cmp(bound) > 0 {
				return nil, fmt.Errorf("zigtables: %s: the top layer does not close (residual %g)", d.name, z1)
			}
			return &Table{Name: d.name, R: r1, V: v, X: *x, F: *f, Residual: z1, Iterations: it}, nil
		}
		prevStep = se
	}
	return nil, fmt.Errorf("zigtables: %s: secant did not converge", d.name)
}

// Float64s is a table as the sampler uses it.
type Float64s struct {
	R, V float64
	X    [Layers + 1]float64 // correctly rounded widths
	F    [Layers + 1]float64 // correctly rounded heights
	W    [Layers]float64     // W[i] = X[i]·2⁻⁵³, exact
	K    [Layers]uint64      // accept j (52 bits) in layer i iff j < K[i]
}

// Round rounds t to float64 and derives the sampler's fast-path tables.
// K[i] is the number of j in [0, 2⁵²) with (2j+1)·X[i]·2⁻⁵³ < X[i+1],
// computed exactly from the rounded widths.
func (t *Table) Round() *Float64s {
	var o Float64s
	o.R, _ = t.R.Float64()
	o.V, _ = t.V.Float64()
	for i := range t.X {
		o.X[i], _ = t.X[i].Float64()
		o.F[i], _ = t.F[i].Float64()
	}
	for i := 0; i < Layers; i++ {
		o.W[i] = math.Ldexp(o.X[i], -53)
		// q = 2⁵³·X[i+1]/X[i]; K = #{j ≥ 0 : 2j+1 < q} = ceil((q−1)/2), at least 0.
		q := new(big.Rat).SetFloat64(o.X[i+1])
		q.Mul(q, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), 53)))
		q.Quo(q, new(big.Rat).SetFloat64(o.X[i]))
		q.Sub(q, big.NewRat(1, 1))
		q.Quo(q, big.NewRat(2, 1))
		k := ceilRat(q)
		if k.Sign() < 0 {
			k.SetInt64(0)
		}
		if !k.IsUint64() || k.Uint64() > 1<<52 {
			panic("zigtables: threshold out of range")
		}
		o.K[i] = k.Uint64()
	}
	return &o
}

func ceilRat(q *big.Rat) *big.Int {
	n, d := q.Num(), q.Denom()
	z, m := new(big.Int).DivMod(n, d, new(big.Int)) // Euclidean: floor for d > 0
	if m.Sign() != 0 {
		z.Add(z, big.NewInt(1))
	}
	return z
}

// Source returns the gofmt-formatted Go source of kernel/ziggurat_tables.go.
func Source() ([]byte, error) {
	nt, err := Normal(Prec)
	if err != nil {
		return nil, err
	}
	et, err := Exponential(Prec)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`// Code generated by "go run ./internal/zigtables/gen.go"; DO NOT EDIT.

package kernel

// Ziggurat tables for Stream.Normal (f(x) = exp(−x²/2)) and Stream.Exp
// (f(x) = exp(−x)), 256 layers each, computed with ` + strconv.Itoa(Prec) + `-bit math/big
// arithmetic by package kernel/internal/zigtables and rounded once to
// float64 (see its documentation). Per layer i:
//
//	…K[i]  accept j (52 random bits) on the fast path iff j < K[i]
//	…W[i]  x[i]·2⁻⁵³: a fast-path draw is (2j+1)·W[i], exactly (j+½)·2⁻⁵²·x[i] rounded once
//	…F[i]  f(x[i]); F[256] = f(0) = 1
//
// The layers' widths are x[0] = v/f(r) (layer 0 is the base strip and the
// tail), x[1] = r, …, x[256] = 0.

`)
	write := func(prefix string, t *Table) {
		o := t.Round()
		fmt.Fprintf(&b, "// The %s ziggurat: its base r and the area v of each layer.\n", t.Name)
		fmt.Fprintf(&b, "const (\n")
		fmt.Fprintf(&b, "\t%sR = %s // %s\n", prefix, hexf(o.R), strconv.FormatFloat(o.R, 'g', -1, 64))
		fmt.Fprintf(&b, "\t%sV = %s // %s\n", prefix, hexf(o.V), strconv.FormatFloat(o.V, 'g', -1, 64))
		fmt.Fprintf(&b, ")\n\n")
		fmt.Fprintf(&b, "var %sK = [%d]uint64{\n", prefix, Layers)
		for i, k := range o.K {
			sep := " "
			if i%4 == 0 {
				sep = "\t"
			}
			fmt.Fprintf(&b, "%s%#016x,", sep, k)
			if i%4 == 3 {
				b.WriteString("\n")
			}
		}
		fmt.Fprintf(&b, "}\n\nvar %sW = [%d]float64{\n", prefix, Layers)
		for i, w := range o.W {
			writeF(&b, i, w)
		}
		fmt.Fprintf(&b, "}\n\nvar %sF = [%d]float64{\n", prefix, Layers+1)
		for i, f := range o.F {
			writeF(&b, i, f)
		}
		if len(o.F)%4 != 0 {
			b.WriteString("\n")
		}
		b.WriteString("}\n\n")
	}
	write("zigNorm", nt)
	write("zigExp", et)
	return format.Source(b.Bytes())
}

func writeF(b *bytes.Buffer, i int, x float64) {
	sep := " "
	if i%4 == 0 {
		sep = "\t"
	}
	fmt.Fprintf(b, "%s%s,", sep, hexf(x))
	if i%4 == 3 {
		b.WriteString("\n")
	}
}

// hexf formats x as an exact Go hexadecimal floating-point literal.
func hexf(x float64) string {
	if x == 0 {
		return "0"
	}
	return strconv.FormatFloat(x, 'x', -1, 64)
}

// ctx does big.Float arithmetic at one precision, each result a new value.
type ctx struct{ prec uint }

func (c *ctx) num(x float64) *big.Float { return new(big.Float).SetPrec(c.prec).SetFloat64(x) }
func (c *ctx) z() *big.Float            { return new(big.Float).SetPrec(c.prec) }
func (c *ctx) add(a, b *big.Float) *big.Float {
	return c.z().Add(a, b)
}
func (c *ctx) sub(a, b *big.Float) *big.Float { return c.z().Sub(a, b) }
func (c *ctx) mul(a, b *big.Float) *big.Float { return c.z().Mul(a, b) }
func (c *ctx) quo(a, b *big.Float) *big.Float { return c.z().Quo(a, b) }
func (c *ctx) neg(a *big.Float) *big.Float    { return c.z().Neg(a) }
func (c *ctx) sqrt(a *big.Float) *big.Float   { return c.z().Sqrt(a) }

// small reports whether term is below 2^−(prec+4) relative to sum.
func (c *ctx) small(term, sum *big.Float) bool {
	return term.Sign() == 0 || term.MantExp(nil) < sum.MantExp(nil)-int(c.prec)-4
}

// exp returns e^x: the Taylor series of e^(x/2^m) with |x/2^m| < 2⁻¹⁶
// (about prec/19 terms), squared m times. Each squaring at most doubles the
// relative error, so the result loses about m bits: under 25 for the
// arguments used here (|x| < 64), covered by the guard bits of ctx.
func (c *ctx) exp(x *big.Float) *big.Float {
	if x.Sign() == 0 {
		return c.num(1)
	}
	m := x.MantExp(nil) + 16
	if m < 0 {
		m = 0
	}
	y := c.z().SetMantExp(x, -m)
	sum, term, nf := c.num(1), c.num(1), c.z()
	for n := int64(1); ; n++ {
		term.Mul(term, y)
		term.Quo(term, nf.SetInt64(n))
		if c.small(term, sum) {
			break
		}
		sum.Add(sum, term)
	}
	for ; m > 0; m-- {
		sum.Mul(sum, sum)
	}
	return sum
}

// log returns ln y for y > 0 by Halley's iteration z ← z + 2(y − e^z)/(y + e^z)
// from the float64 logarithm. Halley's error after a step is about a twelfth
// of the cube of the error before it, and the step is about that error: so
// once a step is below 2^(−(prec+8)/3) the new z is accurate to the working
// precision and the iteration stops (usually after two steps). Waiting for a
// zero step would not end: the steps settle at the rounding noise of y − e^z.
func (c *ctx) log(y *big.Float) *big.Float {
	if y.Sign() <= 0 {
		panic("zigtables: log of a non-positive number")
	}
	mant := c.z()
	e := y.MantExp(mant)
	m, _ := mant.Float64()
	// The start, math.Log's, may differ in its last bit between
	// architectures; rounded to 48 bits it almost never does, and the
	// iteration converges to the same value from either.
	z := c.num(roundBits(math.Log(m)+float64(e)*math.Ln2, 48))
	stop := -(int(c.prec) + 8) / 3
	for it := 0; it < 10; it++ {
		ez := c.exp(z)
		step := c.quo(c.sub(y, ez), c.add(y, ez))
		step.SetMantExp(step, 1)
		z.Add(z, step)
		if step.Sign() == 0 || step.MantExp(nil) < stop {
			return z
		}
	}
	panic("zigtables: log did not converge")
}

// roundBits rounds x to a mantissa of n bits.
func roundBits(x float64, n uint) float64 {
	r, _ := new(big.Float).SetPrec(n).SetFloat64(x).Float64()
	return r
}

// pi returns π by Machin's formula 16·atan(1/5) − 4·atan(1/239).
func (c *ctx) pi() *big.Float {
	atanInv := func(n int64) *big.Float {
		// atan(1/n) = Σ (−1)^k / ((2k+1) n^(2k+1))
		n2 := c.num(float64(n * n))
		p := c.quo(c.num(1), c.num(float64(n))) // 1/n^(2k+1)
		sum := c.z().Set(p)
		for k := 1; ; k++ {
			p = c.quo(p, n2)
			term := c.quo(p, c.num(float64(2*k+1)))
			if c.small(term, sum) {
				return sum
			}
			if k%2 == 1 {
				sum = c.sub(sum, term)
			} else {
				sum = c.add(sum, term)
			}
		}
	}
	return c.sub(c.mul(c.num(16), atanInv(5)), c.mul(c.num(4), atanInv(239)))
}

// normalTail returns ∫_r^∞ exp(−t²/2) dt = √(π/2) − e^(−r²/2)·Σ r^(2n+1)/(2n+1)!!
// for r ≥ 0. The series has positive terms; the subtraction loses
// log2(√(π/2)/tail) bits (about 13 at r ≈ 3.65), covered by the guard bits.
func (c *ctx) normalTail(r *big.Float) *big.Float {
	r2 := c.mul(r, r)
	term := c.z().Set(r)
	sum := c.z().Set(r)
	for n := 1; ; n++ {
		term = c.quo(c.mul(term, r2), c.num(float64(2*n+1)))
		if c.small(term, sum) {
			break
		}
		sum = c.add(sum, term)
	}
	h := c.z().SetMantExp(r2, -1)
	head := c.mul(c.exp(c.neg(h)), sum)
	halfPi := c.pi()
	halfPi.SetMantExp(halfPi, -1)
	return c.sub(c.sqrt(halfPi), head)
}
