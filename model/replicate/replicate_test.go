package replicate

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
)

// TestOrderedDeliversInOrder: results come back in index order whatever
// order the jobs finish in, each worker keeps its own state, and no more
// than the window of jobs runs ahead of the delivered ones.
func TestOrderedDeliversInOrder(t *testing.T) {
	for _, workers := range []int{1, 2, 7} {
		const n = 500
		var started atomic.Int64
		var delivered atomic.Int64
		var ahead atomic.Int64
		var states sync.Map
		var got []int
		err := Ordered(context.Background(), n, workers, func() *int { return new(int) },
			func(s *int, i int) (int, error) {
				states.Store(s, true)
				*s++ // unshared: the race detector would see a shared one
				if d := started.Add(1) - delivered.Load(); d > ahead.Load() {
					ahead.Store(d)
				}
				if i%7 == 0 {
					time.Sleep(time.Millisecond) // finish out of order
				}
				return i * i, nil
			},
			func(i, r int) error {
				require.Equal(t, i*i, r)
				got = append(got, i)
				delivered.Add(1)
				return nil
			})
		require.NoError(t, err)
		require.Len(t, got, n)
		for i, g := range got {
			require.Equal(t, i, g)
		}
		require.LessOrEqual(t, ahead.Load(), int64(4*workers+4))
		nstates := 0
		states.Range(func(any, any) bool { nstates++; return true })
		require.LessOrEqual(t, nstates, workers)
	}
}

// TestOrderedStopsAtTheFirstError: an error from a job or from done stops
// the run; done saw every result before it, and nothing after.
func TestOrderedStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	var got []int
	err := Ordered(context.Background(), 1000, 3, nil,
		func(_ struct{}, i int) (int, error) {
			if i == 40 || i == 90 {
				return 0, boom
			}
			return i, nil
		},
		func(i, r int) error { got = append(got, r); return nil })
	require.ErrorIs(t, err, boom)
	require.Len(t, got, 40)

	got = nil
	full := errors.New("disk full")
	var ran atomic.Int64
	err = Ordered(context.Background(), 1000, 3, nil,
		func(_ struct{}, i int) (int, error) { ran.Add(1); return i, nil },
		func(i, r int) error {
			if i == 10 {
				return full
			}
			got = append(got, r)
			return nil
		})
	require.ErrorIs(t, err, full)
	require.Len(t, got, 10)
	require.Less(t, ran.Load(), int64(100), "stopped starting jobs")
}

// TestOrderedCancelled: a cancelled context stops the run, lets the started
// jobs finish, delivers what it can in order and returns the cause.
func TestOrderedCancelled(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("interrupted")
	var got []int
	err := Ordered(ctx, 1_000_000, 2, nil,
		func(_ struct{}, i int) (int, error) {
			if i == 100 {
				cancel(stop)
			}
			return i, nil
		},
		func(i, r int) error { got = append(got, r); return nil })
	require.ErrorIs(t, err, stop)
	require.GreaterOrEqual(t, len(got), 100)
	require.Less(t, len(got), 100+4*2+4+1)
	for i, g := range got {
		require.Equal(t, i, g)
	}
	require.NoError(t, Ordered(ctx, 0, 2, nil, func(struct{}, int) (int, error) { return 0, nil }, nil))
}

func TestMap(t *testing.T) {
	for _, workers := range []int{1, 3, 100} {
		seen := make([]int, 50)
		Map(len(seen), workers, func(i int) { seen[i]++ })
		for i, s := range seen {
			require.Equal(t, 1, s, "job %d", i)
		}
	}
	Map(0, 4, func(int) { t.Fatal("no jobs") })
}
