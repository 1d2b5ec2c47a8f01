// Package scenarios holds the JSON scenario profiles embedded in the binary,
// the strict loader that turns a profile into a model.Config, and sweeps (a
// sweep is a family of scenarios run in parallel).
//
// A profile is a JSON object whose fields are model.Config's JSON names.
// Fields left out take the defaults of [Default]. The loader rejects unknown
// fields, duplicate fields, wrong types and out-of-range values with an
// [*Error] naming the field and its line:column.
//
// Sweeps: [ParseSpec] and [LoadSpec] read a sweep spec, [Sweep] runs it
// (deterministic, crash-safe, shardable), [Merge] joins shards, and
// [Aggregate] summarises points; see [Spec], [ReplicationSeed] and [Header]
// for the format and the seeding. Package phase draws a two-axis sweep as a
// phase diagram.
package scenarios
