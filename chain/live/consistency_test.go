package live

import (
	"crypto/x509"
	"net/netip"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain/live/livetest"
)

// TestConsistencyIntermediates: one member sends the right leaf with another
// intermediate (a re-issued CA certificate); members of other pools and
// endpoints without a chain are not compared.
func TestConsistencyIntermediates(t *testing.T) {
	h := livetest.NewHierarchy(t, "Pool", 0, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "pool.lpe.test")
	reissued := livetest.NewCert(t, "Pool Issuing CA", 1, h.Root, true, time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC))
	member := func(addr string, certs ...*x509.Certificate) Endpoint {
		return Endpoint{Name: "pool.lpe.test", Address: netip.MustParseAddr(addr), Port: 5061, Certs: certs}
	}
	eps := []Endpoint{
		member("127.0.0.51", h.Leaf.Cert, h.Inter.Cert),
		member("127.0.0.52", h.Leaf.Cert, reissued.Cert),
		member("127.0.0.53", h.Leaf.Cert, h.Inter.Cert),
		member("127.0.0.54"), // unreachable: no chain
		{Name: "other.lpe.test", Address: netip.MustParseAddr("127.0.0.59"), Port: 5061, Certs: []*x509.Certificate{h.Leaf.Cert}},
	}
	notes := Consistency(eps)
	if len(notes) != 1 {
		t.Fatalf("notes %+v", notes)
	}
	n := notes[0]
	want := "pool pool.lpe.test port 5061: 1 of 3 members differ from the others: 127.0.0.52:5061 serves the same leaf with other intermediates (Pool Issuing CA " +
		sha1Hex(reissued.Cert.Raw)[:8] + " instead of Pool Issuing CA " + sha1Hex(h.Inter.Cert.Raw)[:8] + ")"
	if n.Kind != "intermediates" || n.Members != 3 || len(n.Odd) != 1 || n.Odd[0] != "127.0.0.52:5061" || n.Message != want {
		t.Errorf("note %+v\nwant message %s", n, want)
	}
	if got := Consistency(eps[:1]); len(got) != 0 {
		t.Errorf("one member: %+v", got)
	}
}
