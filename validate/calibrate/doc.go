// Package calibrate fits the free parameters of the EXP profiles to the
// published table (package reproduce) and lands every cell on the
// experiments' own seeds (`agentchaos calibrate`). The knobs (calibrate.go)
// list what is fitted, with each knob's range and fixed starting value;
// [Run] fits and lands; everything else in the profiles is fixed.
//
// Units: a knob is in the unit of its scenario field (seconds for times,
// probabilities as fractions); the landing's perturbations are relative
// (Options.Spread, e.g. 0.003) and rounded to six significant digits, the
// fit's to four, so the profiles hold short decimals that are exactly the
// values run.
//
// Invariants: deterministic — a fixed start, keyed random streams for every
// perturbation and results reduced in index order whatever the number of
// workers — so a rerun writes the same parameters. The configurations given
// are not modified. Errors: a table and configurations of different lengths
// are an error; nothing here panics on user input.
package calibrate
