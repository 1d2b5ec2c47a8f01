package outfiletest

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
)

// HelperCommand returns a command that runs this test binary again with
// args (typically -test.run of a helper test). Under `go test -exec
// qemu-aarch64-static` on another architecture (CI's arm64 run) the binary
// cannot be executed directly, as there is no binfmt handler: the command
// then runs it through the same emulator. It skips the test if neither
// works.
func HelperCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	probe := exec.Command(os.Args[0], "-test.run=^$")
	err := probe.Run()
	if err == nil {
		return exec.Command(os.Args[0], args...)
	}
	if !errors.Is(err, syscall.ENOEXEC) {
		t.Fatalf("cannot run the test binary again: %v", err)
	}
	qemu, lerr := exec.LookPath("qemu-" + map[string]string{"arm64": "aarch64", "amd64": "x86_64"}[runtime.GOARCH] + "-static")
	if lerr != nil {
		t.Skipf("the %s test binary cannot be executed here (%v) and no qemu-user emulator is in PATH", runtime.GOARCH, err)
	}
	return exec.Command(qemu, append([]string{os.Args[0]}, args...)...)
}
