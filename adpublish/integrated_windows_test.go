//go:build windows

package adpublish

import "testing"

// Without a bind there is no security context and so no layer; the
// machine's domain is read without failing (empty off a domain).
func TestSSPIBeforeBind(t *testing.T) {
	c := &sspiClient{}
	if l, _ := c.layer(); l != nil {
		t.Fatal("a layer without a context")
	}
	if err := c.DeleteSecContext(); err != nil {
		t.Fatal(err)
	}
	_ = DefaultDomain()
}
