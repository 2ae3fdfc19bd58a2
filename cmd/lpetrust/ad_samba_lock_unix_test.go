//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// lockSamba serializes tests of several packages sharing one DC: ordinary
// tests hold a shared lock, the test that stops and restarts the DC an
// exclusive one. The lock file lives in the DC's directory.
func lockSamba(t *testing.T, dir string, exclusive bool) {
	t.Helper()
	if dir == "" {
		return
	}
	f, err := os.OpenFile(filepath.Join(dir, "run", "tests.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("test lock: %v", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		t.Fatalf("test lock: %v", err)
	}
	t.Cleanup(func() { f.Close() })
}
