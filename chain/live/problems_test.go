package live

import (
	"crypto/x509"
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live/livetest"
	"github.com/lpetrust/lpetrust/truststore"
)

func TestProblems(t *testing.T) {
	h := livetest.NewHierarchy(t, "Problems", 20, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "pool.lpe.test")
	other := livetest.NewCert(t, "other.lpe.test", 23, h.Inter, false, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "other.lpe.test")
	untrusted := &chain.Result{Verdicts: []chain.Verdict{{Store: "CU11", Reasons: []string{"no path to a CU11 root"}}},
		Findings: []chain.Finding{{Severity: chain.SeverityWarning, Basis: chain.BasisAssumption, Code: "wildcard", Message: "a wildcard name"},
			{Severity: chain.SeverityInfo, Code: "info", Message: "not a problem"}}}
	trusted := &chain.Result{Verdicts: []chain.Verdict{{Store: "CU11", Trusted: true}}}
	at := func(addr string) Endpoint {
		return Endpoint{Name: "pool.lpe.test", Address: netip.MustParseAddr(addr), Port: 5061, Phone: Handshake{OK: true}, Result: trusted}
	}
	a, b, c, d := at("127.0.0.2"), at("127.0.0.3"), at("127.0.0.4"), at("127.0.0.5")
	a.Result = untrusted
	b.Phone = Handshake{Error: "handshake failure"}
	c.ModernDiffers, c.Modern = true, Handshake{OK: true, Certs: []*x509.Certificate{other.Cert}}
	c.SNIDiffers, c.NoSNI = true, &Handshake{OK: true, Certs: []*x509.Certificate{other.Cert}}
	d.Err = errors.New("connection refused")
	sha := truststore.SHA1Hex(other.Cert)
	want := []string{
		"pool.lpe.test (127.0.0.2:5061): not trusted by CU11: no path to a CU11 root",
		"pool.lpe.test (127.0.0.2:5061): warning [assumption] wildcard: a wildcard name",
		"pool.lpe.test (127.0.0.3:5061): phone handshake (TLS 1.0, RSA CBC suites) refused: handshake failure",
		"pool.lpe.test (127.0.0.4:5061): a modern client gets another certificate (" + sha + ", other.lpe.test, " + truststore.PublicKeyDescription(other.Cert) + ") than the phone probe; the phone's is the one judged",
		"pool.lpe.test (127.0.0.4:5061): without SNI the server presents another certificate (" + sha + ", other.lpe.test); clients that send no server name get it (whether LPE phones send one is undocumented)",
	}
	if got := Problems([]Endpoint{a, b, c, d}, "CU11"); !reflect.DeepEqual(got, want) {
		t.Errorf("Problems:\n got %q\nwant %q", got, want)
	}
	if got := Problems([]Endpoint{at("127.0.0.2")}, "CU11"); got != nil {
		t.Errorf("a good endpoint: %q", got)
	}
}
