package model

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel"
)

// draws is every random quantity of one request (attempt 0), as the stages
// draw them.
type draws struct {
	Workload uint8
	Think    kernel.Duration
	Backoff  float64 // the jitter uniform after it
	Service  float64 // base service time per work unit
	Spike    kernel.Duration
	Fault    float64 // the error draw
}

func drawsOf(t testing.TB, cfg *Config, agent, seq int32) draws {
	t.Helper()
	s, err := NewSystem(cfg, Options{})
	require.NoError(t, err)
	return s.drawsOf(agent, seq)
}

func (s *System) drawsOf(agent, seq int32) draws {
	return draws{
		Workload: s.draws.Workload(agent, seq),
		Think:    s.draws.Think(agent, seq),
		Backoff:  s.draws.BackoffJitter(agent, seq),
		Service:  s.draws.Service(agent, seq, 0),
		Spike:    s.faults.inj.Spike(agent, seq, 0, s.faults.inj.spikeP),
		Fault:    s.faults.inj.ErrorDraw(agent, seq, 0),
	}
}

// crnConfig has a mix, a heavy-tailed service law that rejects a variable
// number of uniforms (gamma), spikes and backoff: every quantity is drawn.
func crnConfig() *Config {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 40, Arrival: Closed, RequestsPerAgent: 25,
		Think: Dist{Kind: LogNormal, Mean: 0.5, CV: 1}, Stagger: 1,
		Mix:     []WorkloadType{{"A", 2, 1}, {"B", 1, 2.5}, {"C", 1, 4}},
		Backoff: BackoffConfig{Base: 0.1, Multiplier: 2, Max: 1, Jitter: 1, On: []string{"QUEUE_OVERFLOW"}}}
	cfg.Workers = WorkerConfig{Count: 3, Service: Dist{Kind: Gamma, Mean: 0.01, CV: 0.5}}
	cfg.Faults = FaultConfig{SpikeProbability: 0.1, SpikeDuration: Dist{Kind: Gamma, Mean: 0.05, CV: 2}, ErrorProbability: 0.1}
	return cfg
}

// TestCommonRandomNumbers changes one setting at a time and checks that every
// other quantity's draws are unchanged for every (agent, request): each
// quantity has its own keyed stream, so drawing or not drawing one, or a
// sampler rejecting a different number of uniforms, never moves another.
// (Before keyed streams per quantity, spike probability 0 vs 0.1 changed
// 1000 of 1000 think times.)
func TestCommonRandomNumbers(t *testing.T) {
	type change struct {
		name    string
		edit    func(c *Config)
		changes func(a, b draws) bool // the quantities the setting may move
	}
	cases := []change{
		{"spike probability 0.1 → 0", func(c *Config) { c.Faults.SpikeProbability = 0 },
			func(a, b draws) bool { return a.Spike != b.Spike }},
		{"spike probability 0.1 → 0.5", func(c *Config) { c.Faults.SpikeProbability = 0.5 },
			func(a, b draws) bool { return a.Spike != b.Spike }},
		{"service cv 0.5 → 2", func(c *Config) { c.Workers.Service.CV = 2 },
			func(a, b draws) bool { return a.Service != b.Service }},
		{"service law gamma → exponential", func(c *Config) { c.Workers.Service = Dist{Kind: Exponential, Mean: 0.01} },
			func(a, b draws) bool { return a.Service != b.Service }},
		{"the mix", func(c *Config) { c.Agents.Mix = []WorkloadType{{"A", 1, 1}, {"B", 3, 2}} },
			func(a, b draws) bool { return a.Workload != b.Workload }},
		{"backoff off", func(c *Config) { c.Agents.Backoff = BackoffConfig{} }, nil},
		{"error probability 0.1 → 0.4", func(c *Config) { c.Faults.ErrorProbability = 0.4 }, nil},
		{"think cv 1 → 3", func(c *Config) { c.Agents.Think.CV = 3 },
			func(a, b draws) bool { return a.Think != b.Think }},
	}
	base := crnConfig()
	sb, err := NewSystem(base, Options{})
	require.NoError(t, err)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := crnConfig()
			c.edit(cfg)
			sc, err := NewSystem(cfg, Options{})
			require.NoError(t, err)
			moved := 0
			for a := int32(0); a < int32(cfg.Agents.Count); a++ {
				for i := int32(0); i < int32(cfg.Agents.RequestsPerAgent); i++ {
					x, y := sb.drawsOf(a, i), sc.drawsOf(a, i)
					if c.changes != nil && c.changes(x, y) {
						moved++
						// Only the changed quantity may move: copy it over.
						switch {
						case x.Spike != y.Spike:
							y.Spike = x.Spike
						case x.Service != y.Service:
							y.Service = x.Service
						case x.Workload != y.Workload:
							y.Workload = x.Workload
						case x.Think != y.Think:
							y.Think = x.Think
						}
					}
					require.Equal(t, x, y, "agent %d request %d", a, i)
				}
			}
			if c.changes != nil {
				require.Positive(t, moved, "the change moved its own quantity")
			}
		})
	}
}

// An open (Poisson) scenario's request creation times depend on the arrival
// streams alone: changing the fault or service settings leaves every one in
// place (with the throttle off; a throttle reacts to the system's state by
// design).
func TestOpenArrivalsIndependentOfServiceAndFaults(t *testing.T) {
	cfg := crnConfig()
	cfg.Agents.Arrival, cfg.Agents.Think = Poisson, Dist{Kind: Exponential, Mean: 0.2}
	cfg.Agents.Backoff = BackoffConfig{}
	cfg.Queue = QueueConfig{Buffer: 10, Timeout: 0.05}
	created := func(c *Config) []Event {
		_, rec := run(t, c)
		return rec.of(Created)
	}
	want := created(cfg)
	require.Len(t, want, cfg.Agents.Count*cfg.Agents.RequestsPerAgent)
	for name, edit := range map[string]func(c *Config){
		"no spikes":          func(c *Config) { c.Faults.SpikeProbability = 0 },
		"more errors":        func(c *Config) { c.Faults.ErrorProbability = 0.5 },
		"slower service":     func(c *Config) { c.Workers.Service.Mean = 0.05 },
		"other service law":  func(c *Config) { c.Workers.Service = Dist{Kind: LogNormal, Mean: 0.02, CV: 3} },
		"pressure slowdown":  func(c *Config) { c.Workers.Slowdown = Slowdown{Alpha: 2, Gamma: 1} },
		"spikes in response": func(c *Config) { c.Faults.SpikeInResponse = true },
	} {
		cfg2 := crnConfig()
		*cfg2 = *cfg
		edit(cfg2)
		got := created(cfg2)
		require.Len(t, got, len(want), name)
		for i := range want {
			require.Equal(t, want[i].T, got[i].T, "%s: request %d/%d", name, want[i].Agent, want[i].Seq)
			require.Equal(t, want[i].Workload, got[i].Workload, name)
		}
	}
}

// BenchmarkRequestDraws: everything random about one request, drawn from a
// keyed stream per quantity (what the stages do), against the former scheme
// of one stream per request drawing every quantity in sequence, in the same
// run. The EXP profiles' laws: lognormal service, exponential think and
// spike duration.
func BenchmarkRequestDraws(b *testing.B) {
	cfg := crnConfig()
	cfg.Workers.Service = Dist{Kind: LogNormal, Mean: 0.002, CV: 0.3}
	cfg.Agents.Think = Dist{Kind: Exponential, Mean: 0.8}
	cfg.Faults.SpikeDuration = Dist{Kind: Exponential, Mean: 0.05}
	s, err := NewSystem(cfg, Options{})
	require.NoError(b, err)
	var sink draws
	b.Run("stream-per-quantity", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sink = s.drawsOf(int32(i%1000), int32(i/1000))
		}
	})
	b.Run("stream-per-request", func(b *testing.B) {
		service, think, spike := cfg.Workers.Service.compile(), cfg.Agents.Think.compile(), cfg.Faults.SpikeDuration.compile()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			rs := kernel.NewStream(cfg.Seed, "request", uint64(i%1000), uint64(i/1000))
			var d draws
			u := rs.Float64()
			for int(d.Workload) < len(s.draws.mixCum)-1 && u >= s.draws.mixCum[d.Workload] {
				d.Workload++
			}
			d.Service = service.draw(&rs)
			hit := rs.Float64() < cfg.Faults.SpikeProbability
			if dur := kernel.Seconds(spike.draw(&rs)); hit {
				d.Spike = dur
			}
			d.Fault = rs.Float64()
			d.Think = kernel.Seconds(think.draw(&rs))
			d.Backoff = rs.Float64()
			sink = d
		}
	})
	_ = sink
}
