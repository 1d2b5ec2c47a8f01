package zigtables

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest" // every test binary knows -update
)

// Reference digits computed independently with mpmath (its own exp, log,
// erfc and root finder, at 300 bits).
const (
	refNormR  = "3.6541528853610087716454297203995157629748545997463"
	refNormV  = "0.0049286732339746553473617754023360280691353847028565"
	refNormX  = "0.21524189598488169932597613706837287356966154956989" // x[255]
	refExpR   = "7.6971174701310497140446280480152154991139686400553"
	refExpV   = "0.0039496598225815572199775719568148610919128123713095"
	refExpX   = "0.063852163815003480172532296693804383066683880186602"
	refPi     = "3.1415926535897932384626433832795028841971693993751"
	refTail3  = "0.0033836925739527275859667277140756123976382197725848" // ∫_3^∞ exp(−t²/2) dt
	refExp75  = "0.0005530843701478335831020000885303571978113365824402" // e^−7.5
	refLog0p3 = "-1.203972804325935992622746217761838502953610930806"    // ln 0.3
)

// agree requires got to match the decimal want to within a relative 1e-48
// (the references have 50 significant digits).
func agree(t *testing.T, what string, want string, got *big.Float) {
	t.Helper()
	w, _, err := big.ParseFloat(want, 10, 400, big.ToNearestEven)
	require.NoError(t, err)
	d := new(big.Float).SetPrec(400).Sub(got, w)
	d.Quo(d, w)
	tol := big.NewFloat(1e-48)
	require.True(t, new(big.Float).Abs(d).Cmp(tol) < 0, "%s: got %s, want %s", what, got.Text('g', 50), want)
}

func TestElementaryFunctions(t *testing.T) {
	c := &ctx{prec: 320}
	agree(t, "pi", refPi, c.pi())
	agree(t, "normal tail at 3", refTail3, c.normalTail(c.num(3)))
	agree(t, "exp(-7.5)", refExp75, c.exp(c.num(-7.5)))
	x, _, err := big.ParseFloat("0.3", 10, 320, big.ToNearestEven)
	require.NoError(t, err)
	agree(t, "log(0.3)", refLog0p3, c.log(x))
	// log inverts exp across the range the recursion uses, to about 2⁻²⁹⁰
	// (exp loses a bit for each of its squarings: ≤ 24 at these arguments).
	for _, v := range []float64{1e-6, 0.01, 0.5, 0.999, 0.999999} {
		y := c.num(v)
		back := c.exp(c.log(y))
		d := c.quo(c.sub(back, y), y)
		t.Logf("exp(log(%g)): relative error %.3g", v, d)
		require.True(t, d.Sign() == 0 || d.MantExp(nil) < -288, "exp(log(%g))", v)
	}
}

func TestTablesMatchReference(t *testing.T) {
	n, err := Normal(Prec)
	require.NoError(t, err)
	agree(t, "normal r", refNormR, n.R)
	agree(t, "normal v", refNormV, n.V)
	agree(t, "normal x[255]", refNormX, n.X[255])
	e, err := Exponential(Prec)
	require.NoError(t, err)
	agree(t, "exponential r", refExpR, e.R)
	agree(t, "exponential v", refExpV, e.V)
	agree(t, "exponential x[255]", refExpX, e.X[255])
}

// The float64 tables do not depend on the working precision: computed with
// 192 bits instead of 256 every entry rounds to the same float64, so each
// is the correctly rounded exact value.
func TestTablesStableInPrecision(t *testing.T) {
	for _, f := range []func(uint) (*Table, error){Normal, Exponential} {
		a, err := f(Prec)
		require.NoError(t, err)
		b, err := f(192)
		require.NoError(t, err)
		require.Equal(t, *a.Round(), *b.Round(), a.Name)
	}
}
