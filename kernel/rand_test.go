package kernel

import (
	"fmt"
	"math"
	"strings"
	"testing"

	golden "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/stretchr/testify/require"
)

func TestStreamReplaysAndIgnoresOthers(t *testing.T) {
	a := NewStream(7, "request", 17, 4)
	var first []uint64
	for i := 0; i < 10; i++ {
		first = append(first, a.Uint64())
	}
	// Other streams created and consumed in between change nothing.
	for i := uint64(0); i < 100; i++ {
		o := NewStream(7, "request", 17, i+5)
		o.Uint64()
	}
	b := NewStream(7, "request", 17, 4)
	for i := 0; i < 10; i++ {
		require.Equal(t, first[i], b.Uint64())
	}
}

func TestStreamKeysDiffer(t *testing.T) {
	seen := map[uint64]string{}
	keys := []struct {
		seed uint64
		name string
		ids  []uint64
	}{
		{1, "agent", []uint64{17}}, {1, "agent", []uint64{18}}, {2, "agent", []uint64{17}},
		{1, "request", []uint64{17}}, {1, "request", []uint64{17, 0}}, {1, "request", []uint64{0, 17}},
		{1, "faults", nil}, {1, "fault", nil}, {1, "", nil}, {1, "ab", []uint64{1}}, {1, "a", []uint64{1}},
	}
	for _, k := range keys {
		s := NewStream(k.seed, k.name, k.ids...)
		v := s.Uint64()
		desc := fmt.Sprint(k)
		prev, dup := seen[v]
		require.False(t, dup, "%s and %s give the same first draw", desc, prev)
		seen[v] = desc
	}
}

// Adjacent keys (request i and i+1 of one agent) must look independent: the
// correlation of their draws is within sampling noise, and pooled first
// draws over many keys are uniform.
func TestAdjacentStreamsIndependent(t *testing.T) {
	const n = 20000
	var sx, sy, sxy, sxx, syy float64
	bins := make([]int, 20)
	for i := uint64(0); i < n; i++ {
		a := NewStream(99, "request", 3, i)
		b := NewStream(99, "request", 3, i+1)
		x, y := a.Float64(), b.Float64()
		sx, sy, sxy, sxx, syy = sx+x, sy+y, sxy+x*y, sxx+x*x, syy+y*y
		bins[int(x*20)]++
	}
	cov := sxy/n - (sx/n)*(sy/n)
	corr := cov / math.Sqrt((sxx/n-(sx/n)*(sx/n))*(syy/n-(sy/n)*(sy/n)))
	require.Less(t, math.Abs(corr), 4/math.Sqrt(n), "correlation %g", corr)
	chi2 := 0.0
	for _, c := range bins {
		d := float64(c) - n/20.0
		chi2 += d * d / (n / 20.0)
	}
	require.Less(t, chi2, 43.8, "chi-square with 19 dof (p=0.001 critical value 43.8)")
}

func TestIntNUniformAndBounded(t *testing.T) {
	s := NewStream(5, "intn")
	counts := make([]int, 7)
	for i := 0; i < 70000; i++ {
		counts[s.IntN(7)]++
	}
	for _, c := range counts {
		require.InDelta(t, 10000, c, 500)
	}
	require.Panics(t, func() { s.IntN(0) })
}

// TestSamplerGolden pins the first draws of every sampler for a fixed key.
// The file is the same on amd64 and arm64 (.ci/run checks under qemu).
func TestSamplerGolden(t *testing.T) {
	var b strings.Builder
	draw := func(name string, f func(s *Stream) float64) {
		s := NewStream(20261128, "golden", uint64(len(name)))
		fmt.Fprintf(&b, "%s:", name)
		for i := 0; i < 8; i++ {
			fmt.Fprintf(&b, " %x", math.Float64bits(f(&s)))
		}
		b.WriteString("\n")
	}
	draw("uint64", func(s *Stream) float64 { return math.Float64frombits(s.Uint64()) })
	draw("float64", func(s *Stream) float64 { return s.Float64() })
	draw("uniform(2,5)", func(s *Stream) float64 { return s.Uniform(2, 5) })
	draw("exp(0.5)", func(s *Stream) float64 { return s.Exp(0.5) })
	draw("normal(1,2)", func(s *Stream) float64 { return s.Normal(1, 2) })
	draw("lognormal(-4,0.6)", func(s *Stream) float64 { return s.LogNormal(-4, 0.6) })
	draw("gamma(0.4,1.5)", func(s *Stream) float64 { return s.Gamma(0.4, 1.5) })
	draw("gamma(3.7,0.01)", func(s *Stream) float64 { return s.Gamma(3.7, 0.01) })
	draw("erlang(4,2)", func(s *Stream) float64 { return s.Erlang(4, 2) })
	draw("pareto(1,2.5)", func(s *Stream) float64 { return s.Pareto(1, 2.5) })
	draw("intn(1000)", func(s *Stream) float64 { return float64(s.IntN(1000)) })
	// The elementary functions over a spread of arguments.
	fn := NewStream(20261128, "golden-math")
	fmt.Fprintf(&b, "log/exp/pow:")
	for i := 0; i < 16; i++ {
		x := math.Ldexp(fn.OpenFloat64(), int(fn.IntN(80))-40)
		y := float64(fn.Float64()*80) - 40
		fmt.Fprintf(&b, " %x/%x/%x", math.Float64bits(Log(x)), math.Float64bits(Exp(y)), math.Float64bits(Pow(x, y/10)))
	}
	b.WriteString("\n")
	golden.Check(t, "testdata/samplers.golden", []byte(b.String()))
}

// The zero Family is usable and is not the family of seed 0 with the empty
// name (its doc says so).
func TestZeroFamily(t *testing.T) {
	var zero Family
	a, b := zero.Stream(1, 2), NewFamily(0, "").Stream(1, 2)
	again := zero.Stream(1, 2)
	x := a.Uint64()
	if x == b.Uint64() {
		t.Fatal("the zero Family is NewFamily(0, \"\")")
	}
	if x != again.Uint64() {
		t.Fatal("the zero Family's streams are not reproducible")
	}
}
