package markov

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// MaxStates bounds a chain: the exact solve is dense, O(states²) memory.
const MaxStates = 4000

// state is one state of the chain: the attempts waiting, oldest first, each
// a zombie (0) or a live attempt of class a (1+a); and the attempts in
// service, counted by the same codes (svc[0] zombies, svc[1+a] live
// attempts of class a). A live attempt's class is its attempt number,
// from 0, when attempts are limited; with unlimited retries every live
// attempt is class 0.
type state struct {
	seq string
	svc string
}

func (s state) waiting() int { return len(s.seq) }

func (s state) busy() int {
	n := 0
	for i := range len(s.svc) {
		n += int(s.svc[i])
	}
	return n
}

// lives returns the live attempts, waiting and in service: one per agent
// whose request is outstanding.
func (s state) lives() int {
	n := 0
	for i := range len(s.seq) {
		if s.seq[i] > 0 {
			n++
		}
	}
	for i := 1; i < len(s.svc); i++ {
		n += int(s.svc[i])
	}
	return n
}

// arc is a transition and its rate, per second.
type arc struct {
	to   int
	rate float64
}

// chain is the continuous-time Markov chain of a System: its states, in
// order of the attempts at the server (the level) and then of their
// encoding, the transitions out of each, and per state the rates of the
// events the measures count.
type chain struct {
	sys    *System
	states []state
	out    [][]arc
	// Per state: the rate of retries sent, of attempts turned away (503),
	// and of requests failing at their last attempt's timeout.
	retry, reject, exhaust []float64
}

// buildChain enumerates the states reachable from the empty system (every
// agent thinking) and the transitions between them. It returns an error
// when there are more than MaxStates.
func buildChain(sys *System) (*chain, error) {
	classes := max(sys.Attempts, 1) // Attempts 0 (unlimited): one class
	mu, gamma, think := 1/sys.Service, 1/sys.Timeout, 1/sys.Think
	index := map[state]int{}
	var states []state
	type pending struct {
		arcs                   []arc
		retry, reject, exhaust float64
	}
	var rows []pending
	add := func(s state) int {
		if i, ok := index[s]; ok {
			return i
		}
		index[s] = len(states)
		states = append(states, s)
		rows = append(rows, pending{})
		return len(states) - 1
	}
	add(state{svc: string(make([]byte, 1+classes))})
	for i := 0; i < len(states); i++ {
		if len(states) > MaxStates {
			return nil, fmt.Errorf("validate: %s: more than %d states", sys.Name, MaxStates)
		}
		s := states[i]
		row := &rows[i]
		to := func(t state, rate float64) {
			j := add(t)
			row = &rows[i] // add may have moved rows
			if j != i {
				row.arcs = append(row.arcs, arc{j, rate})
			}
		}
		// arrive returns the state after an attempt of class a arrives at
		// s: into service if a worker is free, else into the waiting room;
		// false if it is turned away.
		arrive := func(s state, a int) (state, bool) {
			switch {
			case s.busy() < sys.Servers:
				svc := []byte(s.svc)
				svc[1+a]++
				return state{s.seq, string(svc)}, true
			case s.waiting() < sys.Buffer:
				return state{s.seq + string([]byte{byte(1 + a)}), s.svc}, true
			}
			return s, false
		}
		// timedOut: a live attempt of class a has just become a zombie
		// (in z); its client retries at once if it may.
		timedOut := func(z state, a int, rate float64) {
			next := a + 1
			switch {
			case sys.Attempts == 0:
				next = 0
			case next >= sys.Attempts:
				row.exhaust += rate
				to(z, rate)
				return
			}
			row.retry += rate
			t, ok := arrive(z, next)
			if !ok {
				row.reject += rate
			}
			to(t, rate)
		}
		if thinking := sys.Agents - s.lives(); thinking > 0 {
			rate := float64(thinking) * think
			t, ok := arrive(s, 0)
			if !ok {
				row.reject += rate
			}
			to(t, rate)
		}
		for pos := range len(s.seq) {
			if code := s.seq[pos]; code > 0 {
				seq := []byte(s.seq)
				seq[pos] = 0
				timedOut(state{string(seq), s.svc}, int(code)-1, gamma)
			}
		}
		for a := range classes {
			if n := s.svc[1+a]; n > 0 {
				svc := []byte(s.svc)
				svc[1+a]--
				svc[0]++
				timedOut(state{s.seq, string(svc)}, a, float64(n)*gamma)
			}
		}
		for code := range 1 + classes {
			if n := s.svc[code]; n > 0 {
				svc := []byte(s.svc)
				svc[code]--
				seq := s.seq
				if len(seq) > 0 { // the oldest waiting attempt takes the worker
					svc[seq[0]]++
					seq = seq[1:]
				}
				to(state{seq, string(svc)}, float64(n)*mu)
			}
		}
	}

	// Order by level, then by encoding: the order of the elimination.
	order := make([]int, len(states))
	for i := range order {
		order[i] = i
	}
	level := func(s state) int { return s.waiting() + s.busy() }
	slices.SortFunc(order, func(a, b int) int {
		sa, sb := states[a], states[b]
		return cmp.Or(cmp.Compare(level(sa), level(sb)), cmp.Compare(sa.svc, sb.svc), cmp.Compare(sa.seq, sb.seq))
	})
	rank := make([]int, len(states))
	for r, i := range order {
		rank[i] = r
	}
	c := &chain{sys: sys, states: make([]state, len(states)), out: make([][]arc, len(states)),
		retry: make([]float64, len(states)), reject: make([]float64, len(states)), exhaust: make([]float64, len(states))}
	for r, i := range order {
		c.states[r] = states[i]
		row := rows[i]
		merged := map[int]float64{}
		for _, a := range row.arcs {
			merged[rank[a.to]] += a.rate
		}
		for j, rate := range merged {
			c.out[r] = append(c.out[r], arc{j, rate})
		}
		slices.SortFunc(c.out[r], func(x, y arc) int { return cmp.Compare(x.to, y.to) })
		c.retry[r], c.reject[r], c.exhaust[r] = row.retry, row.reject, row.exhaust
	}
	return c, nil
}

// level returns the attempts at the server in state i.
func (c *chain) level(i int) int { return c.states[i].waiting() + c.states[i].busy() }

// solve returns the stationary distribution by the Grassmann–Taksar–Heyman
// elimination: the states are censored out one by one from the last, each
// step adding only non-negative terms (no subtraction, hence no
// cancellation, however slowly the chain mixes), and the distribution is
// rebuilt forwards. Every product is rounded on its own (float64(x*y)), so
// the result is the same bits on every machine. Cost: O(Σ fill²) with the
// states in level order, where the fill stays within two levels.
func (c *chain) solve() ([]float64, error) {
	n := len(c.states)
	r := make([][]float64, n) // off-diagonal rates, r[i][j] from i to j
	for i := range r {
		r[i] = make([]float64, n)
		for _, a := range c.out[i] {
			r[i][a.to] = a.rate
		}
	}
	exit := make([]float64, n) // S_k: the rate out of k into the states before it
	var cols, rows []int
	for k := n - 1; k > 0; k-- {
		cols, rows = cols[:0], rows[:0]
		var s float64
		for j := 0; j < k; j++ {
			if x := r[k][j]; x != 0 {
				s += x
				cols = append(cols, j)
			}
		}
		if s == 0 {
			return nil, errors.New("validate: the chain is not irreducible")
		}
		exit[k] = s
		for i := 0; i < k; i++ {
			if r[i][k] != 0 {
				rows = append(rows, i)
			}
		}
		for _, i := range rows {
			f := r[i][k] / s
			ri := r[i]
			for _, j := range cols {
				if j != i {
					ri[j] += float64(f * r[k][j])
				}
			}
		}
	}
	pi := make([]float64, n)
	pi[0] = 1
	total := 1.0
	for k := 1; k < n; k++ {
		var x float64
		for i := 0; i < k; i++ {
			if r[i][k] != 0 {
				x += float64(pi[i] * r[i][k])
			}
		}
		pi[k] = x / exit[k]
		total += pi[k]
	}
	for k := range pi {
		pi[k] /= total
	}
	return pi, nil
}

// solveLU returns the stationary distribution by a dense LU solve of
// πQ = 0, Σπ = 1 with gonum (the transposed generator with its last row
// replaced by the normalisation): an independent check of solve. Its last
// bits depend on the machine (gonum's kernels), so it never reaches an
// output.
func (c *chain) solveLU() ([]float64, error) {
	n := len(c.states)
	a := mat.NewDense(n, n, nil)
	for i, row := range c.out {
		var total float64
		for _, x := range row {
			a.Set(x.to, i, x.rate)
			total += x.rate
		}
		a.Set(i, i, -total)
	}
	for j := range n {
		a.Set(n-1, j, 1)
	}
	b := mat.NewVecDense(n, nil)
	b.SetVec(n-1, 1)
	var pi mat.VecDense
	if err := pi.SolveVec(a, b); err != nil {
		return nil, err
	}
	return pi.RawVector().Data, nil
}

// checkAgainstLU compares the elimination's distribution with gonum's LU
// solve: they must agree within 10⁻⁹ in every state's probability.
func (c *chain) checkAgainstLU(pi []float64) error {
	lu, err := c.solveLU()
	if err != nil {
		return fmt.Errorf("validate: %s: gonum's LU solve failed: %w", c.sys.Name, err)
	}
	var worst float64
	for i := range pi {
		worst = math.Max(worst, math.Abs(pi[i]-lu[i]))
	}
	if !(worst <= 1e-9) {
		return fmt.Errorf("validate: %s: the elimination and gonum's LU solve differ by %.3g in a state's probability", c.sys.Name, worst)
	}
	return nil
}
