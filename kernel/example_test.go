package kernel_test

import (
	"fmt"

	"github.com/agentchaos/agentchaos/kernel"
)

// An M/M/1 queue: Poisson arrivals at 0.8 per second, exponential service
// of mean 1 s, one server, first come first served. Each component registers
// its own handlers and gets its kinds back. Arrivals draw from one stream;
// each request's service time from its own keyed stream (the family
// "service", id = request number), so changing the arrivals or adding a
// server would leave every request's service time as it is.
func Example_mm1() {
	const seed = 2026
	sim := kernel.New()
	arrivals := kernel.NewStream(seed, "arrivals")
	service := kernel.NewFamily(seed, "service")

	var (
		inSystem []kernel.Time   // arrival instants, first in service, FIFO
		served   int             // requests that have departed
		sojourn  kernel.Duration // their total time in the system
		depart   kernel.Kind     // set below; used by startService
		longest  kernel.Duration // the longest single stay
	)
	startService := func(id int64) {
		s := service.Stream(uint64(id))
		sim.After(kernel.Seconds(s.Exp(1.0)), depart, id, 0)
	}
	var arrive kernel.Kind
	arrive = sim.Register(func(ev kernel.Event) { // ev.ID is the request number
		inSystem = append(inSystem, ev.At)
		if len(inSystem) == 1 {
			startService(ev.ID)
		}
		sim.After(kernel.Seconds(arrivals.Exp(1/0.8)), arrive, ev.ID+1, 0)
	})
	depart = sim.Register(func(ev kernel.Event) {
		stay := ev.At.Sub(inSystem[0])
		served, sojourn, longest = served+1, sojourn+stay, max(longest, stay)
		inSystem = inSystem[1:]
		if len(inSystem) > 0 {
			startService(ev.ID + 1) // FIFO: the next request by number
		}
	})
	sim.At(0, arrive, 0, 0)
	sim.RunUntil(kernel.Time(0).Add(100_000 * kernel.Second))

	fmt.Printf("at %v: %d requests served, %d in the system\n", sim.Now(), served, len(inSystem))
	fmt.Printf("mean time in system %.3f s (theory 1/(μ−λ) = 5 s), longest %.1f s\n",
		sojourn.Seconds()/float64(served), longest.Seconds())
	fmt.Printf("events fired: %d\n", sim.Fired())
	// One run's mean varies: over seeds 1–40 it had mean 4.99 s and
	// standard deviation 0.17 s; this seed's is on the high side.

	// Output:
	// at 100000s: 80298 requests served, 0 in the system
	// mean time in system 5.368 s (theory 1/(μ−λ) = 5 s), longest 52.9 s
	// events fired: 160596
}

// The timeout pattern: a request schedules its completion and its timeout;
// whichever fires first cancels the other with Cancel, so exactly one of
// them fires for each request.
func ExampleSim_Cancel() {
	sim := kernel.New()
	type request struct{ done, timeout kernel.EventID }
	var reqs [3]request
	var complete, expire kernel.Kind
	complete = sim.Register(func(ev kernel.Event) {
		cancelled := sim.Cancel(reqs[ev.ID].timeout)
		fmt.Printf("%v: request %d completed; its timeout cancelled: %v\n", ev.At, ev.ID, cancelled)
	})
	expire = sim.Register(func(ev kernel.Event) {
		cancelled := sim.Cancel(reqs[ev.ID].done)
		fmt.Printf("%v: request %d timed out; its completion cancelled: %v\n", ev.At, ev.ID, cancelled)
	})

	const timeout = 2 * kernel.Second
	work := []kernel.Duration{1200 * kernel.Millisecond, 3 * kernel.Second, 1500 * kernel.Millisecond}
	for id, w := range work {
		reqs[id].done = sim.After(w, complete, int64(id), 0)
		reqs[id].timeout = sim.After(timeout, expire, int64(id), 0)
	}
	sim.Run()
	fmt.Printf("fired %d of %d scheduled events; pending %d\n", sim.Fired(), 2*len(work), sim.Pending())
	// Cancelling an event that has fired does nothing.
	fmt.Println("cancel a fired event:", sim.Cancel(reqs[0].done))
	// Output:
	// 1.2s: request 0 completed; its timeout cancelled: true
	// 1.5s: request 2 completed; its timeout cancelled: true
	// 2s: request 1 timed out; its completion cancelled: true
	// fired 3 of 6 scheduled events; pending 0
	// cancel a fired event: false
}

// A Family names a set of streams under one root seed; its member for a
// tuple of ids is the same stream as NewStream with that name and those ids,
// and draws the same values however many other streams exist or have drawn.
func ExampleFamily() {
	const seed = 7
	service := kernel.NewFamily(seed, "service")

	a := service.Stream(3, 2) // agent 3, its request 2
	first := a.Exp(0.25)

	for agent := uint64(0); agent < 100; agent++ { // other streams, drawn from
		o := service.Stream(agent, 1)
		o.Exp(0.25)
	}
	b := kernel.NewStream(seed, "service", 3, 2)
	fmt.Printf("%.6f %.6f\n", first, b.Exp(0.25))

	// A Stream is a value: a copy is a fork that replays the same draws.
	c := a
	fmt.Println(a.IntN(1000), c.IntN(1000))
	// A different id, name or seed is an unrelated stream.
	d := service.Stream(3, 3)
	fmt.Printf("%.6f\n", d.Exp(0.25))
	// Output:
	// 0.402725 0.402725
	// 960 960
	// 0.820473
}

// The samplers draw from a keyed stream. Their values are the same bits on
// every architecture, so figures like these can be pinned in tests.
func ExampleStream() {
	s := kernel.NewStream(42, "example")
	fmt.Printf("Exp(2)            %.6f\n", s.Exp(2))
	fmt.Printf("Normal(10, 3)     %.6f\n", s.Normal(10, 3))
	fmt.Printf("LogNormal(0, 0.5) %.6f\n", s.LogNormal(0, 0.5))
	fmt.Printf("Gamma(2.5, 1)     %.6f\n", s.Gamma(2.5, 1))
	fmt.Printf("Uniform(0, 1)     %.6f\n", s.Uniform(0, 1))
	fmt.Printf("IntN(6)           %d\n", s.IntN(6))
	// Output:
	// Exp(2)            1.511576
	// Normal(10, 3)     16.902347
	// LogNormal(0, 0.5) 0.775369
	// Gamma(2.5, 1)     0.620382
	// Uniform(0, 1)     0.038434
	// IntN(6)           2
}
