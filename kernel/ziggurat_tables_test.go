package kernel

import (
	"bytes"
	"math"
	"os"
	"testing"

	"github.com/agentchaos/agentchaos/kernel/internal/zigtables"
	"github.com/stretchr/testify/require"
)

// The checked-in tables are what the generator prints: they cannot drift.
func TestZigguratTablesUpToDate(t *testing.T) {
	want, err := zigtables.Source()
	require.NoError(t, err)
	got, err := os.ReadFile("ziggurat_tables.go")
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, got),
		"ziggurat_tables.go differs from the generator's output: run go generate ./kernel")
}

// zig is one ziggurat's tables, for tests that treat both alike.
type zig struct {
	name string
	r, v float64
	k    *[256]uint64
	w    *[256]float64
	f    *[257]float64
	pdf  func(x float64) float64 // the unnormalised density, exp(−x²/2) or exp(−x)
	// integral returns ∫_a^b pdf, for 0 ≤ a ≤ b ≤ +Inf.
	integral func(a, b float64) float64
}

var (
	zigN = zig{"normal", zigNormR, zigNormV, &zigNormK, &zigNormW, &zigNormF,
		func(x float64) float64 { return math.Exp(-x * x / 2) },
		func(a, b float64) float64 {
			return math.Sqrt(math.Pi/2) * (math.Erfc(a/math.Sqrt2) - math.Erfc(b/math.Sqrt2))
		}}
	zigE = zig{"exponential", zigExpR, zigExpV, &zigExpK, &zigExpW, &zigExpF,
		func(x float64) float64 { return math.Exp(-x) },
		func(a, b float64) float64 { return math.Exp(-a) - math.Exp(-b) }}
)

// x returns the width x[i] of layer i (x[256] = 0).
func (z *zig) x(i int) float64 {
	if i == 256 {
		return 0
	}
	return math.Ldexp(z.w[i], 53)
}

// The tables describe a ziggurat: widths fall from x[0] through x[1] = r to
// 0, heights are f at the widths, every layer has area v, and K is the
// exact fast-path threshold.
func TestZigguratTablesConsistent(t *testing.T) {
	for _, z := range []zig{zigN, zigE} {
		require.Equal(t, z.r, z.x(1), z.name)
		require.Equal(t, 1.0, z.f[256], z.name)
		require.Zero(t, z.k[255], "%s: the top layer has no inner rectangle", z.name)
		require.InEpsilon(t, z.v, float64(z.r*z.f[1])+z.integral(z.r, math.Inf(1)), 1e-14, z.name)
		require.InEpsilon(t, z.v, z.x(0)*z.f[1], 1e-14, z.name)
		for i := 0; i < 256; i++ {
			require.Greater(t, z.x(i), z.x(i+1), "%s: width %d", z.name, i)
			require.Less(t, z.f[i], z.f[i+1], "%s: height %d", z.name, i)
			require.InEpsilon(t, z.pdf(z.x(i)), z.f[i], 1e-14, "%s: f(x[%d])", z.name, i)
			if i > 0 {
				require.InEpsilon(t, z.v, z.x(i)*(z.f[i+1]-z.f[i]), 1e-12, "%s: area of layer %d", z.name, i)
			}
			// K counts the j with (2j+1)·x[i]/2⁵³ < x[i+1].
			q := z.x(i+1) / z.x(i) * 0x1p53
			require.InDelta(t, (q-1)/2, float64(z.k[i]), 2, "%s: K[%d]", z.name, i)
		}
	}
}
