package remedy

import (
	"context"
	"crypto/x509"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/chain/live/livetest"
	"github.com/lpetrust/lpetrust/truststore"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func kinds(p *Plan) string {
	var out []string
	for _, f := range p.Fixes {
		out = append(out, string(f.Kind))
	}
	return strings.Join(out, " ")
}

func planFor(t *testing.T, certs []*x509.Certificate, req Request) *Plan {
	t.Helper()
	cat := truststore.Default()
	if req.Options.At.IsZero() {
		req.Options.At = day("2026-11-22")
	}
	in := chain.Input{Source: "chain.pem", Certs: certs}
	r, err := chain.Evaluate(cat, in, req.Options)
	if err != nil {
		t.Fatal(err)
	}
	req.Catalogue, req.Inputs, req.Results = cat, []chain.Input{in}, []*chain.Result{r}
	if req.Roots.Supplied == nil {
		req.Roots.Supplied = map[string]bool{}
	}
	return Make(req)
}

// Item 8: a leaf whose issuer was not supplied is an incomplete chain, said
// so, and "try --aia" only when --aia was not given.
func TestIncompleteChain(t *testing.T) {
	h := livetest.NewHierarchy(t, "lpetrust incomplete", 60, day("2028-01-01"), "pool.contoso.test")
	for _, aia := range []bool{false, true} {
		p := planFor(t, []*x509.Certificate{h.Leaf.Cert}, Request{Source: Source{File: "leaf.cer", AIA: aia}, Target: "CU11"})
		if kinds(p) != "incomplete" {
			t.Fatalf("aia %v: fixes %s", aia, kinds(p))
		}
		want := "the chain is incomplete: the issuer of pool.contoso.test (CN=lpetrust incomplete Issuing CA,O=lpetrust tests) was not supplied, so no firmware store can be judged; give the issuing CA's certificate with --intermediates FILE, or fetch it from the caIssuers URL with --aia"
		if aia {
			want = "the chain is incomplete: the issuer of pool.contoso.test (CN=lpetrust incomplete Issuing CA,O=lpetrust tests) was not supplied, so no firmware store can be judged; the caIssuers download (--aia) did not find it either: give the issuing CA's certificate with --intermediates FILE"
		}
		if got := p.Fixes[0].Title; got != want {
			t.Errorf("aia %v:\n got %s\nwant %s", aia, got, want)
		}
		for _, f := range p.Fixes {
			if strings.Contains(f.Title, "get the certificate from a CA whose root the phones have") {
				t.Errorf("a replace fix for an incomplete chain: %s", f.Title)
			}
		}
	}
}

// Item 6: a firmware fix says the catch-22, for a pool serving the chain
// (stranded phones cannot update over it) and before a renewal.
func TestFirmwareCatch22(t *testing.T) {
	// The Contoso chain: its root is in the CU10 and CU11 stores (overlay);
	// the policy refuses to publish it, so firmware is the fix for RTM.
	cat, err := truststore.Load("../../testdata/inventory/chains/overlay-contoso.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ins, err := chain.ReadFile("../../testdata/inventory/chains/today.pem", chain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opts := chain.Options{At: day("2026-11-22")}
	r, err := chain.Evaluate(cat, ins[0], opts)
	if err != nil {
		t.Fatal(err)
	}
	groups := []Group{{Store: "RTM", Family: truststore.FamilyCX500, AD: true, Phones: 3, Stranded: true}}
	for _, live := range []bool{true, false} {
		p := Make(Request{Catalogue: cat, Live: live, Inputs: ins, Results: []*chain.Result{r}, Options: opts, Groups: groups,
			Source: Source{File: "today.pem"}, Roots: RootOptions{Check: func(*x509.Certificate) error { return errRefused }}})
		if kinds(p) != "firmware" || p.Fixes[0].Title != "update Polycom CX500 / CX600 / CX3000 to 4.0.7577.4414 (CU10) or later" || p.Fixes[0].Phones != 3 {
			t.Fatalf("live %v: fixes %+v", live, p.Fixes)
		}
		want := "update them before this certificate is installed: once it is, stranded phones cannot download the update, since the Device Update service uses the same TLS chain"
		if live {
			want = "phones stranded now cannot download the update: the Device Update service uses the same TLS chain. First serve a chain they trust (or publish the roots, above), then update them; after the update they trust this chain"
		}
		if st := p.Fixes[0].Steps; len(st) != 1 || st[0].Text != want {
			t.Errorf("live %v: steps %+v", live, st)
		}
		if n := p.Notes; len(n) == 0 || !strings.HasSuffix(n[0], ": refused by the test policy") {
			t.Errorf("notes %q", n)
		}
		// The policy's own error stays with the refusal, for ad publish
		// to say which of its flags overrides it.
		if rf := p.Roots.Refused; len(rf) == 0 || rf[0].Code != RefusedPolicy || rf[0].Err != errRefused {
			t.Errorf("refused %+v", rf)
		}
	}
}

type refused struct{}

func (refused) Error() string { return "refused by the test policy" }

var errRefused = refused{}

// Item 5: cumulative counts; a fix that brings back nobody is left out.
func TestCumulative(t *testing.T) {
	ins, err := chain.ReadFile("../../testdata/certs/modern/DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.pem", chain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	groups := []Group{
		{Store: "RTM", Family: truststore.FamilyCX500, AD: true, Phones: 5, Stranded: true},
		{Store: "CU11", Family: truststore.FamilyHP, AD: true, Phones: 4, Stranded: true},
		{Store: "CU11", Family: truststore.FamilyHP, AD: false, Phones: 2, Stranded: true},
	}
	p := planFor(t, ins[0].Certs, Request{Groups: groups, Source: Source{File: "g2.pem"}})
	var got []string
	for _, f := range p.Fixes {
		got = append(got, string(f.Kind)+":"+itoa(f.Phones)+"/"+itoa(f.Remaining))
	}
	// The CU11 phones (AD and PIN) come back with the cross-certificate,
	// the RTM ones by publishing the root; certprov brings back nobody more.
	if strings.Join(got, " ") != "cross-certificate:6/5 publish-ad:5/0" || p.Stranded != 11 || p.Remaining != 0 {
		t.Errorf("fixes %v, stranded %d, remaining %d", got, p.Stranded, p.Remaining)
	}
	// Only RTM phones, one of them PIN-authenticated: publishing, then
	// certprov for the PIN one.
	p = planFor(t, ins[0].Certs, Request{Groups: []Group{groups[0], {Store: "RTM", Family: truststore.FamilyHP, Phones: 1, Stranded: true}}, Source: Source{File: "g2.pem"}})
	if kinds(p) != "publish-ad certprov" || p.Fixes[1].Phones != 1 {
		t.Errorf("fixes %s", kinds(p))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// Item 2 and 4: a root only a pool sent is not advised (no command that
// would then refuse it), unless PublishUnknown, which warns and carries
// --publish-unknown into the command.
func TestServerOnlyRoot(t *testing.T) {
	h := livetest.NewHierarchy(t, "lpetrust pool-only", 70, day("2028-01-01"), "pool.contoso.test")
	certs := []*x509.Certificate{h.Leaf.Cert, h.Inter.Cert, h.Root.Cert}
	p := planFor(t, certs, Request{Live: true, Source: Source{Check: "pool.contoso.test"}})
	if len(p.Roots.Publish) != 0 || len(p.Roots.Refused) != 1 || p.Roots.Refused[0].Code != RefusedUnvouched {
		t.Fatalf("roots %+v", p.Roots)
	}
	for _, f := range p.Fixes {
		for _, c := range f.Commands() {
			if strings.Contains(c.Render(SH), "ad publish") {
				t.Errorf("a publish command for a refused root: %s", c.Render(SH))
			}
		}
	}
	p = planFor(t, certs, Request{Live: true, Source: Source{Check: "pool.contoso.test"}, Roots: RootOptions{PublishUnknown: true}})
	sha := truststore.SHA1Hex(h.Root.Cert)
	if len(p.Roots.Publish) != 1 || !p.Roots.Unvouched || len(p.Notes) == 0 ||
		p.Notes[0] != "warning: lpetrust pool-only Root ("+sha+") is not a known public root and was not supplied in a file: publishing it in Active Directory makes every domain member trust it (every computer and user, not only the phones) for any name it signs" {
		t.Fatalf("roots %+v notes %q", p.Roots, p.Notes)
	}
	want := "lpetrust ad publish --from-check pool.contoso.test --publish-unknown --server ldaps://DC01.EXAMPLE.COM --user ADMIN@EXAMPLE.COM --password-file ADMIN.PW"
	if got := p.Fixes[0].Commands()[0].Render(SH); p.Fixes[0].Kind != KindPublishAD || got != want {
		t.Errorf("publish command %s", got)
	}
	// Supplied in a file: advised without a warning.
	p = planFor(t, certs, Request{Source: Source{File: "chain.pem"}, Roots: RootOptions{Supplied: map[string]bool{sha: true}}})
	if len(p.Roots.Publish) != 1 || p.Roots.Unvouched || len(p.Notes) != 1 || !strings.HasPrefix(p.Notes[0], "No certificate the server could send") {
		t.Errorf("supplied: roots %+v notes %q", p.Roots, p.Notes)
	}
}

// Item 7: a DNS server that does not answer, and a name that does not
// exist, are said as such, not as endpoints to fix or remove from DNS.
func TestDNSProblems(t *testing.T) {
	cat := truststore.Default()
	zone := livetest.NewZone()
	dnsAddr := livetest.StartDNS(t, zone)
	res, err := live.DNSResolver(dnsAddr)
	if err != nil {
		t.Fatal(err)
	}
	eps, err := live.Audit(context.Background(), cat, live.Request{Discover: []string{"nowhere.test"}, Resolver: res, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a := FromEndpoints(eps, nil)
	p := Make(Request{Catalogue: cat, Live: true, Servers: a.Servers})
	if len(p.Fixes) != 1 || p.Fixes[0].Title != "nowhere.test: the name does not exist in DNS; check the name, or create the records the phones look up" {
		t.Errorf("no such domain: %+v", p.Fixes)
	}

	// A resolver nobody answers on (a closed UDP port on loopback).
	dead, err := live.DNSResolver("127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	eps, err = live.Audit(context.Background(), cat, live.Request{Discover: []string{"contoso.test"}, Resolver: dead, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a = FromEndpoints(eps, nil)
	p = Make(Request{Catalogue: cat, Live: true, Servers: a.Servers})
	if len(p.Fixes) != 1 || !strings.HasPrefix(p.Fixes[0].Title, "the DNS server 127.0.0.1:9 did not answer (for ") ||
		!strings.HasSuffix(p.Fixes[0].Title, "): check that it is the server the phones use and that it is reachable, then check again") {
		t.Errorf("dead resolver: %+v", p.Fixes)
	}
	for _, f := range p.Fixes {
		if strings.Contains(f.Title, "remove from DNS") {
			t.Errorf("%s", f.Title)
		}
	}
}

// Look-alikes are refused even when supplied.
func TestLookAlike(t *testing.T) {
	ins, err := chain.ReadFile("../../testdata/inventory/chains/renewal-g2.pem", chain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sup := map[string]bool{}
	for _, c := range ins[0].Certs {
		sup[truststore.SHA1Hex(c)] = true
	}
	p := planFor(t, ins[0].Certs, Request{Source: Source{File: "renewal-g2.pem"}, Roots: RootOptions{Supplied: sup, PublishUnknown: true}})
	if len(p.Roots.Publish) != 0 || len(p.Roots.Refused) != 1 || p.Roots.Refused[0].Code != RefusedLookAlike {
		t.Errorf("roots %+v", p.Roots)
	}
}

// One cross-certificate that covers two stores is listed once, naming both,
// with the phone counts of every group it brings back summed; a second
// cross that would bring back only phones the first did is not listed.
func TestCrossListedOnce(t *testing.T) {
	ins, err := chain.ReadFile("../../testdata/certs/modern/DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.pem", chain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	certs := ins[0].Certs
	const b740 = "B7402517EEAAC80AB04681186E8247BD7851CD0A"
	crosses := func(p *Plan) []Fix {
		var out []Fix
		for _, f := range p.Fixes {
			if f.Kind == KindCross {
				out = append(out, f)
			}
		}
		return out
	}
	// Without an inventory: stores.
	p := planFor(t, certs, Request{Target: "CU11"})
	cs := crosses(p)
	if len(cs) != 1 || !strings.Contains(cs[0].Title, b740) || strings.Join(cs[0].Stores, ",") != "CU10,CU11" {
		t.Fatalf("crosses %+v", cs)
	}
	if got := p.Reach(cs[0]); got != "brings back phones with CU10, CU11 firmware" {
		t.Errorf("reach %q", got)
	}
	// With an inventory: the phones of both stores, and the cumulative
	// remaining count.
	groups := []Group{
		{Store: "RTM", Family: truststore.Families[0], AD: true, Phones: 2, Stranded: true},
		{Store: "CU10", Family: truststore.Families[0], AD: true, Phones: 3, Stranded: true},
		{Store: "CU11", Family: truststore.Families[0], AD: true, Phones: 4, Stranded: true},
	}
	p = planFor(t, certs, Request{Target: "CU11", Groups: groups})
	cs = crosses(p)
	if len(cs) != 1 || cs[0].Phones != 7 || cs[0].Remaining != 2 || strings.Join(cs[0].Stores, ",") != "CU10,CU11" {
		t.Fatalf("crosses %+v", cs)
	}
	if p.Stranded != 9 || p.Fixes[0].Kind != KindCross {
		t.Errorf("stranded %d, fixes %s", p.Stranded, kinds(p))
	}
	if got := p.Reach(cs[0]); got != "brings back 7 phones, 2 stranded phones remain" {
		t.Errorf("reach %q", got)
	}
}

func TestRemains(t *testing.T) {
	for n, want := range map[int]string{0: "none remain", 1: "1 stranded phone remains", 2: "2 stranded phones remain"} {
		if got := Remains(n); got != want {
			t.Errorf("Remains(%d) = %q, want %q", n, got, want)
		}
	}
	for _, tc := range []struct {
		kind      Kind
		n, remain int
		want      string
	}{
		{KindCross, 3, 1, "brings back 3 phones, 1 stranded phone remains"},
		{KindPublishAD, 1, 2, "brings back 1 phone, 2 stranded phones remain"},
		{KindReplace, 2, 0, "brings back 2 phones, none remain"},
		{KindRenew, 7, 0, "keeps 7 phones signing in; none remain"},
	} {
		if got := InventoryReach(tc.kind, tc.n, tc.remain); got != tc.want {
			t.Errorf("%s %d %d: %q, want %q", tc.kind, tc.n, tc.remain, got, tc.want)
		}
	}
}
