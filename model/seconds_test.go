package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/agentchaos/agentchaos/kernel"
)

// fastSeconds must round exactly as kernel.Seconds does.
func TestFastSecondsMatchesKernel(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), 1e-9, 0.5e-9, 1.5e-9, 2.5e-9, 0.49999999999999994e-9,
		math.Nextafter(0.5e-9, 0), math.Nextafter(0.5e-9, 1), 1, 0.1, 123.456789123, 4.5e6, 4.503599627370495e6,
		math.Nextafter(float64(1<<52)/1e9, 0), float64(1<<52) / 1e9, -1e-9, -0.3, 1e9, math.Inf(1), math.NaN()}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		xs = append(xs, r.ExpFloat64()*math.Pow(10, float64(r.IntN(12)-6)), float64(r.IntN(1<<20))/2e9)
	}
	for _, x := range xs {
		d, ok := fastSeconds(x)
		if !ok {
			if ns := x * 1e9; ns >= 0 && ns < 1<<52 {
				t.Errorf("fastSeconds(%v) declined", x)
			}
			continue
		}
		if want := kernel.Seconds(x); d != want {
			t.Errorf("fastSeconds(%v) = %d, kernel.Seconds %d", x, d, want)
		}
	}
}
