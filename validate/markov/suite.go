package markov

// Suite returns the Markov-chain configurations of `agentchaos validate`,
// service of mean 1 s:
//
//   - "3 tries": light load, a retry limit (three attempts), the chain
//     tracking each live attempt's number;
//   - two workers, retries without limit;
//   - overload: a full server that sheds most arrivals, its time spent
//     mostly on zombies;
//   - bimodal: six agents at a third of the server's capacity, a timeout
//     of 2.5 s on average and retries without limit: the distribution of
//     the attempts at the server has a peak at an idle server and one at a
//     full server kept full by zombies and retries (metastability), whose
//     time shares are measured (n ≤ 2 and n ≥ 7).
//
// Each replication's warm-up takes the chain from the empty system to
// within 10⁻⁶ of steady state in total variation (TestWarmUpReachesSteadyState),
// and its length is over a thousand relaxation times (inverse spectral
// gaps: 2.6, 2.4, 1.5 and 12.6 s).
func Suite() []*System {
	return []*System{
		{Name: "CTMC 3 tries N=4 c=1 B=3", Agents: 4, Think: 4, Servers: 1, Buffer: 3, Service: 1, Timeout: 4, Attempts: 3,
			WarmUp: 100, Length: 4000},
		{Name: "CTMC N=5 c=2 B=4", Agents: 5, Think: 3, Servers: 2, Buffer: 4, Service: 1, Timeout: 3,
			WarmUp: 100, Length: 4000},
		{Name: "CTMC overload N=6 c=1 B=5", Agents: 6, Think: 2, Servers: 1, Buffer: 5, Service: 1, Timeout: 3,
			WarmUp: 100, Length: 4000},
		{Name: "CTMC bimodal N=6 c=1 B=8", Agents: 6, Think: 12, Servers: 1, Buffer: 8, Service: 1, Timeout: 2.5,
			WarmUp: 500, Length: 20000, Modes: &[2]int{2, 7}},
	}
}
