// Package goldentest is test support: it compares test output with golden
// files under a package's testdata/ and rewrites them when the tests run
// with -update:
//
//	go test ./... -update
//
// Import it only from _test.go files, like net/http/httptest. Importing it
// registers the -update flag in the test binary. `go test ./... -update`
// passes -update to every test binary, and a binary that does not know the
// flag fails, so every package with tests imports it, blank if it has no
// golden files:
//
//	import _ "github.com/agentchaos/agentchaos/kernel/goldentest"
//
// Outside a test binary, importing it panics.
package goldentest
