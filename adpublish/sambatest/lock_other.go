//go:build !unix

package sambatest

import "testing"

// lock does nothing where the Samba tests cannot run anyway.
func lock(t testing.TB, dir string, exclusive bool) {}
