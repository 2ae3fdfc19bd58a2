// Package sambatest lets the tests of several packages share the real Samba
// AD domain controller that .ci/samba-start.sh runs on loopback.
//
// Ordinary tests hold a shared lock on the DC's test lock file; a test that
// stops and restarts the DC holds it exclusively, so no other package's test
// meets the DC down. The DC's directory comes from LPETRUST_TEST_SAMBA_DIR;
// without it (no DC, or not on a unix system) Lock does nothing.
package sambatest

import (
	"os"
	"testing"
)

// Lock takes the DC's test lock for the rest of the test: shared, or
// exclusive for a test that stops the DC.
func Lock(t testing.TB, dir string, exclusive bool) {
	t.Helper()
	if dir == "" {
		return
	}
	lock(t, dir, exclusive)
}

// RequireEnv names the environment variable that turns skips into failures:
// CI sets it once it has started the DC and installed Chromium, so a test
// that silently skipped there would be a lie.
const RequireEnv = "LPETRUST_REQUIRE_INTEGRATION"

// Skip skips a test whose real part (DC, Kerberos, browser) is missing, or
// fails it when RequireEnv is set.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("integration test cannot run although "+RequireEnv+" is set: "+format, args...)
	}
	t.Skipf(format, args...)
}
