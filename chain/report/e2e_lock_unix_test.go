//go:build unix

package report

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// lockSamba takes a shared lock on the DC's test lock file (the protocol of
// the adpublish tests: ordinary users share it, the test that stops and
// restarts the DC holds it exclusively), so that the DC stays up while this
// package's end-to-end test uses it.
func lockSamba(t *testing.T) {
	t.Helper()
	dir := os.Getenv("LPETRUST_TEST_SAMBA_DIR")
	if dir == "" {
		return
	}
	f, err := os.OpenFile(filepath.Join(dir, "run", "tests.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("test lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatalf("test lock: %v", err)
	}
	t.Cleanup(func() { f.Close() })
}
