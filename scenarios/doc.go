// Package scenarios holds the JSON scenario profiles embedded in the binary
// and the strict loader that turns a profile into a model.Config.
//
// A profile is a JSON object whose fields are model.Config's JSON names.
// Fields left out take the defaults in load.go: the original framework's
// detector and throttle, exponential think and service times, and a mix of
// LIGHT, HEAVY and BURST requests. The loader rejects unknown
// fields, duplicate fields, wrong types and out-of-range values with an
// [*Error] naming the field and its line:column (of the offending character,
// columns in characters; a UTF-8 byte order mark is skipped), and files
// over [MaxInputBytes] unread. A trace-driven scenario's agents.trace.file,
// a CSV of one timestamp a line or of "t,rate" lines, is read relative to
// the scenario file ([Load], [ParseDir]) into agents.trace.times or
// agents.trace.rates; its errors name the CSV's line:column. The same strict decoding
// ([Decode], [ErrorAt]) and scenario fields addressed by JSON path
// ([Field], [Doc]) serve package sweep, which runs one scenario at many
// points of a parameter space; package phase draws a two-axis sweep.
//
// Units are those of model.Config: seconds for times, fractions for
// probabilities. Nothing here panics on user input.
package scenarios
