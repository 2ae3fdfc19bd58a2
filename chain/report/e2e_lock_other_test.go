//go:build !unix

package report

import "testing"

// lockSamba: the DC tests run on unix only.
func lockSamba(t *testing.T) {}
