package report

import (
	"crypto/x509"
	"errors"
	"reflect"
	"testing"

	"github.com/lpetrust/lpetrust/truststore"
)

// TestPlanRoots: a root already in AD is left alone, a root only the pool
// sent is refused, a root the publishing policy refuses is refused with its
// reason, the rest is published, and the PIN channel covers every root the
// phones will have.
func TestPlanRoots(t *testing.T) {
	cat := truststore.Default()
	root := func(sha1 string, known bool) MissingRoot {
		k := cat.KnownBySHA1(sha1)
		return MissingRoot{SHA1: k.SHA1, Name: k.Name, Known: known, Cert: k.Cert}
	}
	g2 := root("DF3C24F9BFD666761B268073FE06D1CC8D4F82A4", true)        // published already
	isrg := root("CABD2A79A1076A31F21D253635CB039D4329A5E8", true)      // to publish
	g3 := root("7E04DE896A3E666D00E687D33FFAD93BE83D349E", true)        // refused by the policy
	poolOnly := root("A78849DC5D7C758C8CDE399856B3AAD0B2A57135", false) // unknown, only the pool sent it
	supplied := root("8DA7F965EC5EFC37910F1C6E59FDC1CC6A6EDE16", false) // unknown, the admin gave it

	policy := func(c *x509.Certificate) error {
		if truststore.SHA1Hex(c) == g3.SHA1 {
			return errors.New("refused by policy")
		}
		return nil
	}
	p := PlanRoots([]MissingRoot{g2, isrg, g3, poolOnly, supplied}, []*x509.Certificate{g2.Cert},
		map[string]bool{supplied.SHA1: true}, policy)

	if !reflect.DeepEqual(p.AlreadyPublished, []MissingRoot{g2}) {
		t.Errorf("already published: %+v", p.AlreadyPublished)
	}
	if !reflect.DeepEqual(p.Publish, []MissingRoot{isrg, supplied}) {
		t.Errorf("publish: %+v", p.Publish)
	}
	wantRefused := []RefusedRoot{{g3, "refused by policy"}, {poolOnly, ReasonPoolOnly}}
	if !reflect.DeepEqual(p.Refused, wantRefused) {
		t.Errorf("refused: %+v", p.Refused)
	}
	if got := p.Certificates(); len(got) != 2 || got[0] != isrg.Cert || got[1] != supplied.Cert {
		t.Errorf("certificates: %d", len(got))
	}
	wantPIN := []string{
		"$ca1 = New-CsWebTrustedCACertificate -Thumbprint DF3C24F9BFD666761B268073FE06D1CC8D4F82A4 -CAStore TrustedRootCA",
		"Set-CsWebServiceConfiguration -Identity Global -TrustedCACerts @{Add=$ca1}",
		"$ca2 = New-CsWebTrustedCACertificate -Thumbprint CABD2A79A1076A31F21D253635CB039D4329A5E8 -CAStore TrustedRootCA",
		"Set-CsWebServiceConfiguration -Identity Global -TrustedCACerts @{Add=$ca2}",
		"$ca3 = New-CsWebTrustedCACertificate -Thumbprint 8DA7F965EC5EFC37910F1C6E59FDC1CC6A6EDE16 -CAStore TrustedRootCA",
		"Set-CsWebServiceConfiguration -Identity Global -TrustedCACerts @{Add=$ca3}",
	}
	if !reflect.DeepEqual(p.PINChannel, wantPIN) {
		t.Errorf("PIN channel:\n%q\nwant\n%q", p.PINChannel, wantPIN)
	}
}
