// Package sambatest lets the tests of several packages share the real Samba
// AD domain controller that .ci/samba-start.sh runs on loopback.
//
// Ordinary tests hold a shared lock on the DC's test lock file; a test that
// stops and restarts the DC holds it exclusively, so no other package's test
// meets the DC down. The DC's directory comes from LPETRUST_TEST_SAMBA_DIR;
// without it (no DC, or not on a unix system) Lock does nothing.
package sambatest

import "testing"

// Lock takes the DC's test lock for the rest of the test: shared, or
// exclusive for a test that stops the DC.
func Lock(t testing.TB, dir string, exclusive bool) {
	t.Helper()
	if dir == "" {
		return
	}
	lock(t, dir, exclusive)
}
