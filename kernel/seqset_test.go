package kernel

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// seqSet against a map under random adds and removes, with keys dense
// (sequences close together, as the kernel makes them) and sparse (long
// probe runs that wrap around the table's end).
func TestSeqSetMatchesAMap(t *testing.T) {
	for _, spread := range []uint64{64, 1 << 40} {
		rng := rand.New(rand.NewPCG(spread, 9))
		var s seqSet
		ref := map[uint64]bool{}
		for op := 0; op < 200_000; op++ {
			seq := 1 + rng.Uint64N(spread)
			switch {
			case rng.IntN(3) > 0 && !ref[seq]:
				s.add(seq)
				ref[seq] = true
			default:
				require.Equal(t, ref[seq], s.remove(seq), "remove %d", seq)
				delete(ref, seq)
			}
			probe := 1 + rng.Uint64N(spread)
			require.Equal(t, ref[probe], s.has(probe), "has %d", probe)
			require.Equal(t, len(ref), s.len())
		}
		for seq := range ref {
			require.True(t, s.has(seq))
		}
		s.clear()
		require.Zero(t, s.len())
		require.False(t, s.has(1))
	}
}
