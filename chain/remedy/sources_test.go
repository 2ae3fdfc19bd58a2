package remedy

import (
	"crypto/x509"
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/chain/live/livetest"
	"github.com/lpetrust/lpetrust/truststore"
)

// The one rule, as inspect and check ask it: a root in the files the
// administrator gave is supplied; the same root sent by a server is not,
// unless it is also among the intermediates given.
func TestForFilesAndEndpoints(t *testing.T) {
	cat := truststore.Default()
	h := livetest.NewHierarchy(t, "lpetrust sources", 80, day("2028-01-01"), "pool.contoso.test")
	root := truststore.SHA1Hex(h.Root.Cert)
	opts := chain.Options{At: day("2026-11-22")}
	ins := []chain.Input{
		{Source: "full.pem", Certs: []*x509.Certificate{h.Leaf.Cert, h.Inter.Cert, h.Root.Cert}},
		{Source: "served.pem", Certs: []*x509.Certificate{h.Leaf.Cert, h.Inter.Cert}},
	}
	var results []*chain.Result
	for _, in := range ins {
		r, err := chain.Evaluate(cat, in, opts)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	base := Request{Catalogue: cat, Options: opts, Source: Source{PFXPasswordFile: "pfx.pass"}, Target: "CU11"}
	plans := ForFiles(base, ins, results)
	if len(plans) != 2 || plans[0].Chain != "full.pem" || plans[1].Chain != "served.pem" {
		t.Fatalf("plans %+v", plans)
	}
	if got := plans[0].Roots; len(got.Publish) != 1 || got.Publish[0].SHA1 != root || !got.Publish[0].Supplied || got.Unvouched {
		t.Errorf("full.pem roots %+v", got)
	}
	// served.pem lacks the root: the chain is incomplete, no root advised.
	if got := plans[1].Roots; len(got.Publish) != 0 || len(got.Refused) != 0 || kinds(plans[1]) != "incomplete" {
		t.Errorf("served.pem roots %+v, fixes %s", got, kinds(plans[1]))
	}

	ep := live.Endpoint{Target: "pool.contoso.test", Name: "pool.contoso.test", Address: netip.MustParseAddr("127.0.0.2"), Port: 5061,
		Phone: live.Handshake{OK: true}, Certs: ins[0].Certs, Result: results[0]}
	p := ForEndpoints(base, []live.Endpoint{ep}, nil)
	if len(p.Roots.Publish) != 0 || len(p.Roots.Refused) != 1 || p.Roots.Refused[0].SHA1 != root || p.Roots.Refused[0].Code != RefusedUnvouched {
		t.Errorf("served root: %+v", p.Roots)
	}
	base.Options.Intermediates = []*x509.Certificate{h.Root.Cert}
	p = ForEndpoints(base, []live.Endpoint{ep}, nil)
	if len(p.Roots.Publish) != 1 || p.Roots.Publish[0].SHA1 != root || !p.Roots.Publish[0].Supplied {
		t.Errorf("root given with --intermediates: %+v", p.Roots)
	}
	if got := AdvisedRoots(plans[0], nil, p, plans[1]); len(got) != 1 || got[0].SHA1 != root {
		t.Errorf("advised roots %+v", got)
	}
}

func TestSupplied(t *testing.T) {
	h := livetest.NewHierarchy(t, "lpetrust supplied", 83, day("2028-01-01"), "pool.contoso.test")
	got := Supplied([]*x509.Certificate{h.Root.Cert}, nil, []*x509.Certificate{h.Inter.Cert, h.Root.Cert})
	want := map[string]bool{truststore.SHA1Hex(h.Root.Cert): true, truststore.SHA1Hex(h.Inter.Cert): true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Supplied = %v, want %v", got, want)
	}
	if got := Supplied(); len(got) != 0 || got == nil {
		t.Errorf("Supplied() = %#v, want an empty set", got)
	}
}

func TestRefuseLookAlike(t *testing.T) {
	cat := truststore.Default()
	ins, err := chain.ReadFile("../../testdata/examples/renewal-digicert-g2.pem", chain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range ins[0].Certs {
		if err := RefuseLookAlike(cat, c); err != nil {
			var la *LookAlikeError
			if !errors.As(err, &la) || truststore.SHA1Hex(la.Known) != "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4" {
				t.Errorf("%T %v", err, err)
			}
			got = append(got, err.Error())
		}
	}
	want := []string{"DigiCert Global Root G2 (CFD56112A4E97964D8FB03CD6F83471B53141C83) carries the name of the known root DigiCert Global Root G2 (DF3C24F9BFD666761B268073FE06D1CC8D4F82A4) with another key: a look-alike, not published"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("refusals %q, want %q", got, want)
	}
	if err := RefuseLookAlike(cat, cat.KnownBySHA1("DF3C24F9BFD666761B268073FE06D1CC8D4F82A4").Cert); err != nil {
		t.Errorf("the known root itself: %v", err)
	}
}
