//go:build unix

package sambatest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func lock(t testing.TB, dir string, exclusive bool) {
	f, err := os.OpenFile(filepath.Join(dir, "run", "tests.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("test lock: %v", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		t.Fatalf("test lock: %v", err)
	}
	t.Cleanup(func() { f.Close() })
}
