package kernel

import (
	"fmt"
	"testing"
)

func reportEvents(b *testing.B, events int) {
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkHold is the classic hold model: n events pending; each step fires
// one and schedules one at a random later time.
func BenchmarkHold(b *testing.B) {
	for _, n := range []int{10, 1000, 100000} {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			s := New()
			r := NewStream(1, "hold")
			s.Register(func(ev Event) { s.After(Duration(r.Uint64()%1000000), 0, 0, 0) })
			for i := 0; i < n; i++ {
				s.After(Duration(r.Uint64()%1000000), 0, 0, 0)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Step()
			}
			reportEvents(b, b.N)
		})
	}
}

// BenchmarkMMcK: c=4, λ=3.6, μ=1, 50 waiting places, on the kernel, against
// the hand-inlined yardstick in the same run.
func BenchmarkMMcK(b *testing.B) {
	b.Run("kernel", func(b *testing.B) {
		m := newMMcK(1, 4, 50, 3.6, 1)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			m.sim.Step()
		}
		reportEvents(b, b.N)
	})
	b.Run("yardstick", func(b *testing.B) {
		y := &yardstick{c: 4, buffer: 50, arrivalMean: 1 / 3.6, serviceMean: 1,
			arrivals: NewStream(1, "arrivals"), svcs: NewStream(1, "service")}
		y.push(0, false)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			y.step()
		}
		reportEvents(b, b.N)
	})
}

var sink float64

// BenchmarkSamplers times each sampler against its pre-ziggurat reference
// (sample_ref_test.go) in the same run: name/old and name/new.
func BenchmarkSamplers(b *testing.B) {
	cases := []struct {
		name     string
		old, new func(s *Stream) float64
	}{
		{"Exp", func(s *Stream) float64 { return refExp(s, 0.5) }, func(s *Stream) float64 { return s.Exp(0.5) }},
		{"Normal", func(s *Stream) float64 { return refNormal(s, 1, 2) }, func(s *Stream) float64 { return s.Normal(1, 2) }},
		{"LogNormal", func(s *Stream) float64 { return refLogNormal(s, -4, 0.6) }, func(s *Stream) float64 { return s.LogNormal(-4, 0.6) }},
		{"Gamma(3.7)", func(s *Stream) float64 { return refGamma(s, 3.7, 0.01) }, func(s *Stream) float64 { return s.Gamma(3.7, 0.01) }},
		{"Gamma(0.4)", func(s *Stream) float64 { return refGamma(s, 0.4, 1.5) }, func(s *Stream) float64 { return s.Gamma(0.4, 1.5) }},
	}
	for _, c := range cases {
		for _, v := range []struct {
			name string
			f    func(s *Stream) float64
		}{{"old", c.old}, {"new", c.new}} {
			b.Run(c.name+"/"+v.name, func(b *testing.B) {
				s := NewStream(1, "bench", 1)
				var acc float64
				b.ReportAllocs()
				for b.Loop() {
					acc += v.f(&s)
				}
				sink = acc
			})
		}
	}
}
