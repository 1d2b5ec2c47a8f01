// Package outfiletest helps test what two processes writing the same
// output do: a test runs its own binary again as the second writer, or as
// a writer it kills mid-run. Import it only from tests.
package outfiletest
