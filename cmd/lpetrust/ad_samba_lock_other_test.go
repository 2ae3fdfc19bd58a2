//go:build !unix

package main

import "testing"

// lockSamba is a no-op where the Samba tests cannot run anyway.
func lockSamba(t *testing.T, dir string, exclusive bool) {}
