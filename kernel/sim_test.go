package kernel

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// fired records events in firing order.
type fired struct{ evs []Event }

func (f *fired) add(ev Event) { f.evs = append(f.evs, ev) }

// checkOrder schedules events described by (time, kind) pairs, some of them
// from inside handlers, and checks the firing order against a stable sort of
// the schedule by time: the reference for "(time, scheduling sequence)".
func checkOrder(t *testing.T, times []uint8, nested []uint8) {
	t.Helper()
	s := New()
	var got fired
	type sched struct {
		at  Time
		seq int
	}
	var ref []sched
	seq := 0
	schedule := func(at Time) {
		s.At(at, 0, int64(seq), 0)
		ref = append(ref, sched{at, seq})
		seq++
	}
	k := 0
	s.Register(func(ev Event) {
		got.add(ev)
		// Some events schedule others, at the same instant or later.
		if k < len(nested) {
			schedule(ev.At + Time(nested[k]%4))
			k++
		}
	})
	for _, at := range times {
		schedule(Time(at % 16))
	}
	s.Run()
	sort.SliceStable(ref, func(i, j int) bool { return ref[i].at < ref[j].at })
	require.Len(t, got.evs, len(ref))
	for i, ev := range got.evs {
		require.Equal(t, ref[i].at, ev.At, "event %d", i)
		require.Equal(t, int64(ref[i].seq), ev.ID, "event %d fired out of scheduling order", i)
	}
}

func TestOrderMatchesReferenceSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		times := make([]uint8, r.IntN(300))
		for i := range times {
			times[i] = uint8(r.IntN(256))
		}
		nested := make([]uint8, r.IntN(100))
		for i := range nested {
			nested[i] = uint8(r.IntN(256))
		}
		checkOrder(t, times, nested)
	}
}

func FuzzOrder(f *testing.F) {
	f.Add([]byte{3, 1, 2, 1, 1, 0}, []byte{0, 1})
	f.Add([]byte{}, []byte{})
	f.Add([]byte{5, 5, 5, 5}, []byte{0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, times, nested []byte) { checkOrder(t, times, nested) })
}

func TestSameTimeFIFO(t *testing.T) {
	s := New()
	var got []int64
	k := s.Register(func(ev Event) { got = append(got, ev.ID) })
	for i := int64(0); i < 1000; i++ {
		s.At(Time(42*Millisecond), k, i, 0)
	}
	s.Run()
	for i, id := range got {
		require.Equal(t, int64(i), id)
	}
	require.Equal(t, Time(42*Millisecond), s.Now())
}

func TestCancel(t *testing.T) {
	s := New()
	r := rand.New(rand.NewPCG(3, 4))
	const n = 5000
	ids := make([]EventID, n)
	var got []int64
	s.Register(func(ev Event) { got = append(got, ev.ID) })
	for i := range ids {
		ids[i] = s.At(Time(r.IntN(100)), 0, int64(i), 0)
	}
	cancelled := map[int64]bool{}
	for i := 0; i < n; i += 3 {
		require.True(t, s.Cancel(ids[i]))
		require.False(t, s.Cancel(ids[i]), "second cancel of %d", i)
		cancelled[int64(i)] = true
	}
	require.Equal(t, n-len(cancelled), s.Pending())

	// Reference: the uncancelled events in (time, sequence) order.
	var want []int64
	for i := 0; i < n; i++ {
		if !cancelled[int64(i)] {
			want = append(want, int64(i))
		}
	}
	sort.SliceStable(want, func(a, b int) bool { return ids[want[a]].at < ids[want[b]].at })
	s.Run()
	require.Equal(t, want, got)
	require.Equal(t, 0, s.Pending())
	// Fired events cannot be cancelled.
	require.False(t, s.Cancel(ids[1]))
}

func TestCancelFromHandler(t *testing.T) {
	// A timeout pattern: a completion cancels its pending timeout.
	s := New()
	var timeouts, completions int
	var timeout EventID
	s.Register(func(Event) { completions++; require.True(t, s.Cancel(timeout)) })
	s.Register(func(Event) { timeouts++ })
	timeout = s.At(10, 1, 0, 0)
	s.At(5, 0, 0, 0)
	s.At(7, 1, 1, 0) // an unrelated event of the same kind still fires
	s.Run()
	require.Equal(t, 1, completions)
	require.Equal(t, 1, timeouts)
	require.Equal(t, Time(7), s.Now())
}

func TestRunUntilStepStop(t *testing.T) {
	s := New()
	var got []Time
	s.Register(func(ev Event) {
		got = append(got, ev.At)
		if ev.ID == 1 {
			s.Stop()
		}
	})
	s.At(10, 0, 0, 0)
	s.At(20, 0, 0, 0)
	s.At(30, 0, 1, 0)
	s.At(40, 0, 0, 0)

	s.RunUntil(20)
	require.Equal(t, []Time{10, 20}, got)
	require.Equal(t, Time(20), s.Now())

	s.RunUntil(25) // nothing due: the clock advances
	require.Equal(t, Time(25), s.Now())

	s.Run() // stops after the event at 30
	require.Equal(t, []Time{10, 20, 30}, got)
	require.Equal(t, 1, s.Pending())

	require.True(t, s.Step())
	require.Equal(t, []Time{10, 20, 30, 40}, got)
	require.False(t, s.Step())
	require.Equal(t, uint64(4), s.Fired())
}

func TestSchedulePanics(t *testing.T) {
	s := New()
	s.Register(func(Event) {})
	s.At(10, 0, 0, 0)
	s.Run()
	require.Panics(t, func() { s.At(5, 0, 0, 0) })
	require.Panics(t, func() { s.After(-1, 0, 0, 0) })
	require.Panics(t, func() { s.After(Duration(Forever), 0, 0, 0) }, "past Forever")
	require.Panics(t, func() { s.At(11, 7, 0, 0) }, "a kind with no handler")
	require.Panics(t, func() { s.Register(nil) })
}

func TestScheduleFireAllocatesNothing(t *testing.T) {
	s := New()
	s.Register(func(ev Event) {})
	for i := 0; i < 1000; i++ {
		s.After(Duration(i%17), 0, 0, 0)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		s.After(13, 0, 0, 0)
		s.Step()
	})
	require.Zero(t, allocs)
}

func TestSecondsConversion(t *testing.T) {
	require.Equal(t, 1500*Millisecond, Seconds(1.5))
	require.Equal(t, Duration(1), Seconds(1e-9))
	require.Equal(t, 0.25, (250 * Millisecond).Seconds())
	require.Equal(t, "0.05s", (50 * Millisecond).String())
	require.Panics(t, func() { Seconds(1e300) })
	require.Panics(t, func() { Seconds(math.NaN()) })
}

// Seconds' truncation fast path rounds exactly as math.Round (half away
// from zero) does, on the edges and on random times over 18 decades.
func TestSecondsRoundsAsMathRound(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), 1e-9, 0.5e-9, 1.5e-9, 2.5e-9, 0.49999999999999994e-9,
		math.Nextafter(0.5e-9, 0), math.Nextafter(0.5e-9, 1), 1, 0.1, 123.456789123, 4.5e6, 4.503599627370495e6,
		math.Nextafter(float64(1<<52)/1e9, 0), float64(1<<52) / 1e9, -1e-9, -0.3, -2.5e-9, 1e9, 9.2e9}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		xs = append(xs, r.Float64()*math.Pow(10, float64(r.IntN(18)-9)), float64(r.IntN(1<<20))/2e9, -r.Float64())
	}
	for _, x := range xs {
		if want := Duration(math.Round(float64(x * 1e9))); Seconds(x) != want {
			t.Fatalf("Seconds(%v) = %d, math.Round gives %d", x, Seconds(x), want)
		}
	}
}

// A cancelled entry at the top of the heap must not let RunUntil fire an
// event past its bound (it did: Step dropped the cancelled entry and fired
// the next one without checking the bound).
func TestRunUntilSkipsCancelledWithoutOvershooting(t *testing.T) {
	s := New()
	var got []Time
	k := s.Register(func(ev Event) { got = append(got, ev.At) })
	early := s.At(5, k, 0, 0)
	s.At(10, k, 0, 0)
	require.True(t, s.Cancel(early))
	s.RunUntil(7)
	require.Empty(t, got, "the event at 10 fired during RunUntil(7)")
	require.Equal(t, Time(7), s.Now())
	require.Equal(t, 1, s.Pending())
	s.Run()
	require.Equal(t, []Time{10}, got)
}

// The zero EventID names no event (it used to cancel the first event ever
// scheduled, whose sequence was 0).
func TestZeroEventIDCancelsNothing(t *testing.T) {
	var s Sim // the zero value is ready to use
	fired := 0
	k := s.Register(func(Event) { fired++ })
	s.At(0, k, 0, 0)
	var none EventID
	require.False(t, s.Cancel(none))
	s.Run()
	require.Equal(t, 1, fired)
	require.False(t, s.Cancel(none))
}

func TestTimeAndDuration(t *testing.T) {
	var t0 Time
	t1 := t0.Add(1500 * Millisecond)
	require.Equal(t, Time(1_500_000_000), t1)
	require.Equal(t, 1500*Millisecond, t1.Sub(t0))
	require.Equal(t, -1500*Millisecond, t0.Sub(t1))
	require.Equal(t, "1.5s", t1.String())
	require.Equal(t, 1.5, t1.Seconds())
}

func TestFamilyIsNewStream(t *testing.T) {
	f := NewFamily(42, "service")
	for _, ids := range [][]uint64{{}, {1}, {3, 4}, {3, 4, 0}} {
		a, b := f.Stream(ids...), NewStream(42, "service", ids...)
		for i := 0; i < 4; i++ {
			require.Equal(t, b.Uint64(), a.Uint64(), "ids %v", ids)
		}
	}
}

// StepLate fires what is due, in order, with the clock at the late instant;
// handlers schedule relative to it.
func TestStepLate(t *testing.T) {
	s := New()
	type firing struct{ at, now Time }
	var got []firing
	var k Kind
	k = s.Register(func(ev Event) {
		got = append(got, firing{ev.At, s.Now()})
		if ev.ID == 1 {
			s.After(5, k, 2, 0) // relative to the late now
		}
	})
	s.At(10, k, 1, 0)
	s.At(12, k, 3, 0)
	s.At(30, k, 4, 0)
	at, ok := s.Next()
	require.True(t, ok)
	require.Equal(t, Time(10), at)
	require.False(t, s.StepLate(9), "nothing due yet")
	for s.StepLate(20) {
	}
	require.Equal(t, []firing{{10, 20}, {12, 20}}, got)
	at, _ = s.Next()
	require.Equal(t, Time(25), at, "scheduled 5 after the late instant 20")
	require.Panics(t, func() { s.StepLate(19) })
	s.Run()
	require.Equal(t, []firing{{10, 20}, {12, 20}, {25, 25}, {30, 30}}, got)
	_, ok = s.Next()
	require.False(t, ok)
}

// TestResetIsAFreshSim: after a run and a Reset, the same run fires the same
// events at the same times with the same kinds, and scheduling allocates
// nothing.
func TestResetIsAFreshSim(t *testing.T) {
	run := func(s *Sim) []Event {
		var fired []Event
		var k Kind
		k = s.Register(func(ev Event) {
			fired = append(fired, ev)
			if ev.ID < 50 {
				s.After(Duration(ev.ID%7+1), k, ev.ID+1, 0)
				s.Cancel(s.After(3, k, 1000, 0))
			}
		})
		s.At(5, k, 0, 0)
		s.Run()
		return fired
	}
	var s Sim
	first := run(&s)
	s.Stop()
	s.Reset()
	require.Zero(t, s.Now())
	require.Zero(t, s.Pending())
	require.Zero(t, s.Fired())
	require.Equal(t, first, run(&s))
	s.Reset()
	k := s.Register(func(Event) {})
	require.Equal(t, Kind(0), k, "kinds start again at 0")
	require.Zero(t, testing.AllocsPerRun(10, func() {
		for i := 0; i < 20; i++ {
			s.After(Duration(i), k, 0, 0)
		}
		s.Run()
	}))
}
