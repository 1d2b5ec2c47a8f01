package stats

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel/goldentest"
)

// tReference reads testdata/tcritical.txt: 50-digit critical values.
func tReference(t *testing.T) (conf []float64, df []int, want []float64) {
	t.Helper()
	f, err := os.Open("testdata/tcritical.txt")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		require.Len(t, fs, 3, line)
		c, err1 := strconv.ParseFloat(fs[0], 64)
		d, err2 := strconv.Atoi(fs[1])
		w, err3 := strconv.ParseFloat(fs[2], 64)
		require.NoError(t, err1)
		require.NoError(t, err2)
		require.NoError(t, err3)
		conf, df, want = append(conf, c), append(df, d), append(want, w)
	}
	require.NoError(t, sc.Err())
	require.Greater(t, len(want), 200)
	return conf, df, want
}

// TestTCriticalAgainstReference: within 10⁻¹³ of a 50-digit computation,
// from one degree of freedom to 10⁸ and from a confidence of 1/2 to
// 1 − 10⁻⁷, on both sides of the switch to the Cornish–Fisher expansion.
func TestTCriticalAgainstReference(t *testing.T) {
	conf, df, want := tReference(t)
	for i := range want {
		got := TCritical(conf[i], df[i])
		require.InEpsilon(t, want[i], got, 1e-13, "confidence %v, %d degrees of freedom", conf[i], df[i])
	}
}

// TestTCriticalClosedForms: one and two degrees of freedom have closed
// forms, tan(πc/2) and c·√(2/(1−c²)); small confidences take the central
// branch.
func TestTCriticalClosedForms(t *testing.T) {
	for _, c := range []float64{0.05, 0.3, 0.5, 0.9, 0.95, 0.99} {
		require.InEpsilon(t, math.Tan(math.Pi/2*c), TCritical(c, 1), 1e-14, "c=%v", c)
		require.InEpsilon(t, c*math.Sqrt(2/(1-c*c)), TCritical(c, 2), 1e-14, "c=%v", c)
	}
	require.InEpsilon(t, 2.7764451051977987, TCritical(0.95, 4), 1e-14)
	// Increasing in the confidence, decreasing in the degrees of freedom.
	prev := 0.0
	for _, c := range []float64{0.1, 0.5, 0.50000001, 0.9, 0.99, 0.999} {
		v := TCritical(c, 7)
		require.Greater(t, v, prev)
		prev = v
	}
	for _, d := range []int{1, 2, 3, 10, 50, 199, 1000, 1998, 1999, 2000, 2001, 2002, 5000} {
		require.Less(t, TCritical(0.99, d+1), TCritical(0.99, d), "df %d", d)
	}
}

// TestTCriticalGolden pins the bits of every reference case: .ci/run runs
// it for arm64 and for FMA-capable amd64 against the same file.
func TestTCriticalGolden(t *testing.T) {
	conf, df, _ := tReference(t)
	var b strings.Builder
	for i := range conf {
		fmt.Fprintf(&b, "%v %d %016x\n", conf[i], df[i], math.Float64bits(TCritical(conf[i], df[i])))
	}
	goldentest.Check(t, "testdata/tcritical.golden", []byte(b.String()))
}

func TestTCriticalPanicsAndCache(t *testing.T) {
	require.Panics(t, func() { TCritical(1, 5) })
	require.Panics(t, func() { TCritical(0, 5) })
	require.Panics(t, func() { TCritical(math.NaN(), 5) })
	require.Panics(t, func() { TCritical(0.9, 0) })
	var wg sync.WaitGroup
	got := make([]float64, 8)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = TCritical(0.987654, 321) }()
	}
	wg.Wait()
	for _, g := range got {
		require.Equal(t, got[0], g)
	}
}

func TestNormalUpper(t *testing.T) {
	for _, c := range []struct{ a, z float64 }{
		{0.5, 0}, {0.025, 1.959963984540054}, {0.005, 2.5758293035489004}, {1e-10, 6.361340902404056},
	} {
		require.InDelta(t, c.z, normalUpper(c.a), 1e-15*max(1, c.z), "a=%v", c.a)
	}
}

func TestAtan(t *testing.T) {
	for _, x := range []float64{0, 1e-300, 0.1, 0.5, 0.66, 0.7, 1, 2.4, 2.5, 10, 1e8, 1e300, math.Inf(1)} {
		require.InDelta(t, math.Atan(x), atan(x), 2e-16*math.Max(1, math.Atan(x)), "x=%v", x)
	}
}
