package report

import (
	"crypto/x509"
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/truststore"
)

// TestPoolChain: members serving the same chain count once, a member
// serving another chain adds an input, an unreachable member becomes a
// note, and a member refusing the phones' handshake blocks every phone.
func TestPoolChain(t *testing.T) {
	cat := truststore.Default()
	a := []*x509.Certificate{cat.KnownBySHA1("340B2880F446FCC04E59ED33F52B3D08D6242964").Cert}
	b := []*x509.Certificate{cat.KnownBySHA1("D89E3BD43D5D909B47A18977AA9D5CE36CEE184C").Cert}
	ep := func(addr string, certs []*x509.Certificate, phoneOK bool, err error) live.Endpoint {
		return live.Endpoint{Target: "pool.contoso.com", Name: "pool.contoso.com", Address: netip.MustParseAddr(addr),
			Port: 5061, Certs: certs, Phone: live.Handshake{OK: phoneOK}, Err: err}
	}
	c, err := PoolChain("pool.contoso.com", []live.Endpoint{
		ep("127.0.0.1", a, true, nil),
		ep("127.0.0.2", a, true, nil),
		ep("127.0.0.3", b, false, nil),
		ep("127.0.0.4", nil, false, errors.New("connection refused")),
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "pool.contoso.com" || c.Kind != KindPool || c.Source.Check != "pool.contoso.com" {
		t.Errorf("chain %q kind %q source %+v", c.Name, c.Kind, c.Source)
	}
	var sources []string
	for _, in := range c.Inputs {
		sources = append(sources, in.Source)
	}
	if want := []string{"pool.contoso.com (127.0.0.1:5061)", "pool.contoso.com (127.0.0.3:5061)"}; !reflect.DeepEqual(sources, want) {
		t.Errorf("inputs %q, want %q", sources, want)
	}
	wantNotes := []string{
		"pool.contoso.com (127.0.0.4:5061): connection refused (not judged)",
		"the pool's members serve 2 different chains; a phone counts as trusted only when it trusts all of them",
	}
	if !reflect.DeepEqual(c.Notes, wantNotes) {
		t.Errorf("notes %q", c.Notes)
	}
	if want := "pool.contoso.com (127.0.0.3:5061) refuse(s) the phones' TLS 1.0 handshake (LPE cannot use TLS 1.2)"; c.Blocker != want {
		t.Errorf("blocker %q", c.Blocker)
	}

	_, err = PoolChain("pool.contoso.com", []live.Endpoint{ep("127.0.0.4", nil, false, errors.New("connection refused"))})
	if want := "pool.contoso.com: no endpoint presented a certificate chain (pool.contoso.com (127.0.0.4:5061): connection refused (not judged))"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}
