package chain

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
)

// Tests on hierarchies generated at test time.

func TestGeneratedChainTrustedByOverlayStore(t *testing.T) {
	h := newHierarchy(t, "Lab")
	cat := overlayCatalogue(t, h.root.cert)
	// Bundle order does not matter: the leaf is the certificate that issued nothing.
	r := mustEvaluate(t, cat, h.input(h.root, h.inter, h.leaf), Options{At: at2027})
	rootSHA := truststore.SHA1Hex(h.root.cert)
	noPath := "no path to any root of this store; the chain ends at Lab Root (" + rootSHA + "), which only LAB has"
	checkVerdicts(t, r, map[string]wantVerdict{
		"RTM": {false, "", "", []string{noPath}}, "CU10": {false, "", "", []string{noPath}}, "CU11": {false, "", "", []string{noPath}},
		"LAB": {true, rootSHA, "2040-01-01T00:00:00Z", nil},
	})
	if got := releaseOf(r); got != "LAB" {
		t.Errorf("minimum_release = %s", got)
	}
	if r.Chain[0].SHA1 != truststore.SHA1Hex(h.leaf.cert) || len(r.Chain) != 3 {
		t.Errorf("chain = %+v", r.Chain)
	}
	if len(r.Findings) != 0 {
		t.Errorf("findings = %+v", r.Findings)
	}
	// Verdicts follow the catalogue's store order.
	var order []string
	for _, v := range r.Verdicts {
		order = append(order, v.Store)
	}
	if !reflect.DeepEqual(order, []string{"RTM", "CU10", "CU11", "LAB"}) {
		t.Errorf("verdict order = %v", order)
	}
}

// A root re-issued with the same key (new validity, new serial) anchors a
// chain whose intermediate was signed when the old copy was current, also
// when the server still sends the old, expired copy.
func TestReissuedRootSameKeyAnchors(t *testing.T) {
	old := gen(t, certSpec{cn: "Reissue Root", isCA: true, notBefore: time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC), notAfter: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)}, nil)
	renewed := gen(t, certSpec{cn: "Reissue Root", isCA: true, notBefore: time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC), notAfter: time.Date(2038, 1, 1, 0, 0, 0, 0, time.UTC)}, nil)
	if string(old.cert.RawSubjectPublicKeyInfo) != string(renewed.cert.RawSubjectPublicKeyInfo) {
		t.Fatal("test setup: the copies must share a key")
	}
	inter := gen(t, certSpec{cn: "Reissue Issuing CA", isCA: true, notBefore: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)}, old)
	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: "reissue leaf", dns: []string{"pool.contoso.test"}}, inter)
	cat := overlayCatalogue(t, renewed.cert)
	want := wantVerdict{true, truststore.SHA1Hex(renewed.cert), "2038-01-01T00:00:00Z", nil}
	for name, in := range map[string]Input{
		"without the root":  {Source: "a", Certs: []*x509.Certificate{leaf.cert, inter.cert}},
		"with the old copy": {Source: "b", Certs: []*x509.Certificate{leaf.cert, inter.cert, old.cert}},
	} {
		t.Run(name, func(t *testing.T) {
			r := mustEvaluate(t, cat, in, Options{At: at2027})
			if got := r.Verdict("LAB"); got.Trusted != want.trusted || got.AnchorSHA1 != want.anchor || got.ValidUntil.Format(time.RFC3339) != want.validUntil {
				t.Errorf("LAB verdict = %+v", got)
			}
		})
	}
	// Only the old copy in the store: it expired, so the chain is not trusted.
	r := mustEvaluate(t, overlayCatalogue(t, old.cert), Input{Source: "c", Certs: []*x509.Certificate{leaf.cert, inter.cert}}, Options{At: at2027})
	wantReasons := []string{"root Reissue Root (" + truststore.SHA1Hex(old.cert) + ") expired 2015-01-01"}
	if v := r.Verdict("LAB"); v.Trusted || !reflect.DeepEqual(v.Reasons, wantReasons) {
		t.Errorf("LAB verdict = %+v", v)
	}
}

func TestValidityReasons(t *testing.T) {
	root := gen(t, certSpec{cn: "Validity Root", isCA: true}, nil)
	inter := gen(t, certSpec{cn: "Validity Old CA", isCA: true, notAfter: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}, root)
	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: "validity leaf", notBefore: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), dns: []string{"pool.contoso.test"}}, inter)
	r := mustEvaluate(t, overlayCatalogue(t, root.cert), Input{Source: "v", Certs: []*x509.Certificate{leaf.cert, inter.cert}}, Options{At: at2027})
	want := []string{
		"certificate pool.contoso.test (" + truststore.SHA1Hex(leaf.cert) + ") is not valid before 2028-01-01",
		"intermediate Validity Old CA (" + truststore.SHA1Hex(inter.cert) + ") expired 2025-03-01",
	}
	v := r.Verdict("LAB")
	if v.Trusted || !reflect.DeepEqual(v.Reasons, want) || v.AnchorSHA1 != truststore.SHA1Hex(root.cert) || v.ValidUntil != nil {
		t.Errorf("LAB verdict = %+v", v)
	}
}

func TestExtraAnchorsTrustedByEveryStore(t *testing.T) {
	h := newHierarchy(t, "AD")
	r := mustEvaluate(t, truststore.Default(), h.input(h.leaf, h.inter), Options{At: at2027, ExtraAnchors: []*x509.Certificate{h.root.cert}})
	rootSHA := truststore.SHA1Hex(h.root.cert)
	note := []string{"anchored at AD Root (" + rootSHA + "), an additional trusted root, not a firmware root"}
	want := wantVerdict{true, rootSHA, "2040-01-01T00:00:00Z", note}
	checkVerdicts(t, r, map[string]wantVerdict{"RTM": want, "CU10": want, "CU11": want})
}

func TestIntermediatesOption(t *testing.T) {
	h := newHierarchy(t, "Inter")
	cat := overlayCatalogue(t, h.root.cert)
	r := mustEvaluate(t, cat, h.input(h.leaf), Options{At: at2027})
	wantReason := "no path to any root of this store; the chain ends at pool.contoso.test (" + truststore.SHA1Hex(h.leaf.cert) + "), issued by Inter Issuing CA, which was not supplied"
	if v := r.Verdict("LAB"); v.Trusted || !reflect.DeepEqual(v.Reasons, []string{wantReason}) {
		t.Errorf("without intermediates: %+v", v)
	}
	r = mustEvaluate(t, cat, h.input(h.leaf), Options{At: at2027, Intermediates: []*x509.Certificate{h.inter.cert}})
	if !r.TrustedBy("lab") {
		t.Errorf("with intermediates: %+v", r.Verdict("LAB"))
	}
	if r.Chain[1].Origin != OriginIntermediates {
		t.Errorf("origin = %s", r.Chain[1].Origin)
	}
}

func findingCodes(r *Result) map[string]Finding {
	out := map[string]Finding{}
	for _, f := range r.Findings {
		out[f.Code] = f
	}
	return out
}

func TestPhoneFindings(t *testing.T) {
	root := gen(t, certSpec{cn: "Findings Root", isCA: true}, nil)
	ecInter := gen(t, certSpec{cn: "Findings EC CA", key: "ecdsa", isCA: true, sigAlg: x509.SHA384WithRSA}, root)
	leaf := gen(t, certSpec{cn: "*.contoso.test", key: "rsa1024", dns: []string{"*.contoso.test"}, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		notAfter: at2027.Add(10 * 24 * time.Hour)}, ecInter)
	cat := overlayCatalogue(t, root.cert)
	in := Input{Source: "f", Certs: []*x509.Certificate{leaf.cert, ecInter.cert}}
	r := mustEvaluate(t, cat, in, Options{At: at2027, Pool: "pool.contoso.test", SIPDomain: "contoso.test"})
	// A leaf without Server Authentication fails the chain too: CryptoAPI
	// intersects the path's usages with the one asked for.
	if v := r.Verdict("LAB"); v.Trusted || !reflect.DeepEqual(v.ReasonCodes, []ReasonKind{ReasonEKU}) {
		t.Fatalf("LAB verdict = %+v", v)
	}
	leafID := "*.contoso.test (" + truststore.SHA1Hex(leaf.cert) + ")"
	interID := "Findings EC CA (" + truststore.SHA1Hex(ecInter.cert) + ")"
	want := []Finding{
		{CodeWildcardLeaf, SeverityError, BasisFact, "the certificate names *.contoso.test: LPE phones do not support wildcard certificates on Front End or Access Edge (PIN and USB sign-in)"},
		{CodePoolNotInSAN, SeverityError, BasisFact, "the pool FQDN pool.contoso.test is not in the certificate's subject alternative names"},
		{CodeSIPNotInSAN, SeverityError, BasisFact, "sip.contoso.test is not in the certificate's subject alternative names: LPE phones require it explicitly"},
		{CodeNoServerAuth, SeverityError, BasisFact, "the certificate's extended key usage lacks Server Authentication (1.3.6.1.5.5.7.3.1), so TLS clients refuse it as a server certificate"},
		{CodeRSAKeyTooSmall, SeverityWarning, BasisAssumption, leafID + " has a 1024-bit RSA key; Lync Server and current CAs require at least 2048 bits"},
		{CodeSignatureHash, SeverityWarning, BasisAssumption, leafID + " is signed with ECDSA-SHA256; only SHA-256 (and SHA-1) signatures are documented to work on LPE phones"},
		{CodeECDSAKey, SeverityWarning, BasisAssumption, interID + " has an ECDSA key (ECDSA P-256); no ECDSA support is documented for the LPE TLS stack"},
		{CodeSignatureHash, SeverityWarning, BasisAssumption, interID + " is signed with SHA384-RSA; only SHA-256 (and SHA-1) signatures are documented to work on LPE phones"},
		{CodeLeafExpiring, SeverityWarning, BasisFact, leafID + " expires 2027-01-11, in 10 days (warning threshold 30 days)"},
	}
	_ = want
	got := map[string]int{}
	for _, f := range r.Findings {
		got[f.Code]++
	}
	wantCounts := map[string]int{CodeWildcardLeaf: 1, CodePoolNotInSAN: 1, CodeSIPNotInSAN: 1, CodeNoServerAuth: 1, CodeRSAKeyTooSmall: 1, CodeECDSAKey: 1, CodeSignatureHash: 1, CodeLeafExpiring: 1}
	if !reflect.DeepEqual(got, wantCounts) {
		t.Errorf("finding codes = %v\nwant %v", got, wantCounts)
	}
	f := findingCodes(r)
	for _, w := range []Finding{want[0], want[1], want[2], want[3], want[4], want[6], want[7], want[8]} {
		if f[w.Code] != w {
			t.Errorf("%s:\n got  %+v\n want %+v", w.Code, f[w.Code], w)
		}
	}
	if r.Passes("LAB") {
		t.Error("Passes(LAB) = true with error findings")
	}

	// --strict turns assumption warnings into errors.
	r = mustEvaluate(t, cat, in, Options{At: at2027, Strict: true, WarnDays: 5})
	f = findingCodes(r)
	if f[CodeECDSAKey].Severity != SeverityError || !strings.HasSuffix(f[CodeECDSAKey].Message, " (--strict)") {
		t.Errorf("strict ECDSA finding = %+v", f[CodeECDSAKey])
	}
	if _, ok := f[CodeLeafExpiring]; ok {
		t.Error("leaf_expiring reported with WarnDays 5 and 10 days left")
	}
}

func TestCleanLeafPassesAndStrictFailsOnlyOnAssumptions(t *testing.T) {
	root := gen(t, certSpec{cn: "Strict Root", isCA: true}, nil)
	inter := gen(t, certSpec{cn: "Strict CA", isCA: true, sigAlg: x509.SHA384WithRSA}, root)
	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: "strict leaf", dns: []string{"pool.contoso.test", "sip.contoso.test"}}, inter)
	cat := overlayCatalogue(t, root.cert)
	in := Input{Source: "s", Certs: []*x509.Certificate{leaf.cert, inter.cert}}
	opts := Options{At: at2027, Pool: "POOL.contoso.test.", SIPDomain: "contoso.test"}
	r := mustEvaluate(t, cat, in, opts)
	if !r.Passes("LAB") || len(r.Findings) != 1 || r.Findings[0].Code != CodeSignatureHash || r.Findings[0].Severity != SeverityWarning {
		t.Errorf("findings = %+v", r.Findings)
	}
	opts.Strict = true
	r = mustEvaluate(t, cat, in, opts)
	if r.Passes("LAB") || !r.TrustedBy("LAB") {
		t.Errorf("strict: passes %v trusted %v", r.Passes("LAB"), r.TrustedBy("LAB"))
	}
}

// Two CAs that cross-sign each other form a loop; the builder must end.
func TestCrossSigningLoopIsHarmless(t *testing.T) {
	a := gen(t, certSpec{cn: "Loop A", isCA: true}, nil)
	b := gen(t, certSpec{cn: "Loop B", isCA: true}, nil)
	aByB := gen(t, certSpec{cn: "Loop A", isCA: true}, b) // A's key, signed by B
	bByA := gen(t, certSpec{cn: "Loop B", isCA: true}, a) // B's key, signed by A
	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: "loop leaf", dns: []string{"pool.contoso.test"}}, a)
	in := Input{Source: "loop", Certs: []*x509.Certificate{leaf.cert, aByB.cert, bByA.cert, aByB.cert, leaf.cert}}
	r := mustEvaluate(t, overlayCatalogue(t, b.cert), in, Options{At: at2027})
	v := r.Verdict("LAB")
	if !v.Trusted || v.AnchorSHA1 != truststore.SHA1Hex(b.cert) {
		t.Errorf("LAB verdict = %+v", v)
	}
	if want := []string{truststore.SHA1Hex(leaf.cert), truststore.SHA1Hex(aByB.cert), truststore.SHA1Hex(b.cert)}; !reflect.DeepEqual(v.Path, want) {
		t.Errorf("path = %v, want %v", v.Path, want)
	}
}

// Many cross-certificates multiply paths; the search stays bounded.
func TestPathCountBounded(t *testing.T) {
	var certs []*x509.Certificate
	levels := 6
	var prev []*ca
	for l := 0; l < levels; l++ {
		var cur []*ca
		for k := 0; k < 4; k++ {
			name := "Mesh " + string(rune('A'+l)) + string(rune('0'+k))
			if prev == nil {
				cur = append(cur, gen(t, certSpec{cn: name, key: "ec " + name, isCA: true}, nil))
				continue
			}
			// Each CA is cross-signed by every CA of the level above.
			for _, p := range prev {
				c := gen(t, certSpec{cn: name, key: "ec " + name, isCA: true}, p)
				certs = append(certs, c.cert)
				cur = append(cur, c)
			}
		}
		prev = cur
	}
	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: "ec mesh leaf"}, prev[0])
	p := newCertPool(len(certs) + 1)
	ln := p.add(leaf.cert, OriginInput)
	for _, c := range certs {
		p.add(c, OriginInput)
	}
	start := time.Now()
	never := func(string) bool { return false }
	paths, stats := buildPaths(p, ln, never, never, at2027)
	t.Logf("%d paths in %v, %+v", len(paths), time.Since(start), stats)
	if len(paths) == 0 || stats.work > maxWork+len(certs) {
		t.Errorf("%d paths, %+v", len(paths), stats)
	}
	for _, pa := range paths {
		if len(pa) > maxPathLen {
			t.Fatalf("path of %d certificates, limit %d", len(pa), maxPathLen)
		}
	}
}

func TestAIAFetchesMissingIssuer(t *testing.T) {
	h := newHierarchy(t, "AIA")
	mux := http.NewServeMux()
	mux.HandleFunc("/ca.crt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pkix-cert")
		w.Write(h.inter.cert.Raw)
	})
	mux.HandleFunc("/big.crt", func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, maxAIABytes+10))
	})
	srv := httptest.NewServer(mux) // loopback only
	defer srv.Close()

	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: "AIA leaf", dns: []string{"pool.contoso.test"}, aia: []string{srv.URL + "/missing.crt", srv.URL + "/ca.crt"}}, h.inter)
	cat := overlayCatalogue(t, h.root.cert)
	in := Input{Source: "aia", Certs: []*x509.Certificate{leaf.cert}}

	r := mustEvaluate(t, cat, in, Options{At: at2027})
	if r.TrustedBy("LAB") {
		t.Fatal("trusted without AIA")
	}
	r = mustEvaluate(t, cat, in, Options{At: at2027, AIA: true, AIATimeout: 5 * time.Second})
	if !r.TrustedBy("LAB") {
		t.Fatalf("not trusted with AIA: %+v", r.Verdict("LAB"))
	}
	interID := "AIA Issuing CA (" + truststore.SHA1Hex(h.inter.cert) + ")"
	leafID := "pool.contoso.test (" + truststore.SHA1Hex(leaf.cert) + ")"
	want := []Finding{
		{CodeAIAFetchFailed, SeverityInfo, BasisFact, "AIA caIssuers of " + leafID + ": " + srv.URL + "/missing.crt: HTTP 404 Not Found"},
		{CodeAIAFetched, SeverityInfo, BasisFact, interID + " was fetched from " + srv.URL + "/ca.crt: install it on the server, phones do not fetch missing issuers"},
	}
	if !reflect.DeepEqual(r.Findings, want) {
		t.Errorf("findings:\n got  %+v\n want %+v", r.Findings, want)
	}
	if r.Chain[1].Origin != OriginAIA {
		t.Errorf("origin = %s", r.Chain[1].Origin)
	}

	big := gen(t, certSpec{cn: "pool.contoso.test", key: "AIA leaf", aia: []string{srv.URL + "/big.crt"}}, h.inter)
	r = mustEvaluate(t, cat, Input{Source: "big", Certs: []*x509.Certificate{big.cert}}, Options{At: at2027, AIA: true})
	if len(r.Findings) != 1 || r.Findings[0].Code != CodeAIAFetchFailed || !strings.HasSuffix(r.Findings[0].Message, "response larger than 1048576 bytes") {
		t.Errorf("findings = %+v", r.Findings)
	}
}

func TestChooseLeaf(t *testing.T) {
	h := newHierarchy(t, "Leaf")
	for _, order := range [][]*ca{{h.leaf, h.inter, h.root}, {h.root, h.inter, h.leaf}, {h.inter, h.leaf}} {
		if got := chooseLeaf(h.input(order...)); got != h.leaf.cert {
			t.Errorf("chose %s", got.Subject.CommonName)
		}
	}
	if got := chooseLeaf(h.input(h.root, h.inter)); got != h.inter.cert {
		t.Errorf("CA-only bundle: chose %s, want the issuing CA", got.Subject.CommonName)
	}
	in := h.input(h.inter, h.leaf)
	in.Leaf = h.inter.cert
	if got := chooseLeaf(in); got != h.inter.cert {
		t.Errorf("explicit leaf ignored")
	}
}

func TestEvaluateEmptyInput(t *testing.T) {
	_, err := Evaluate(truststore.Default(), Input{Source: "empty.pem"}, Options{})
	if err == nil || err.Error() != "empty.pem: no certificate" {
		t.Errorf("err = %v", err)
	}
}

func TestSubjectWithoutCN(t *testing.T) {
	root := gen(t, certSpec{cn: "ou root", isCA: true, subject: &pkix.Name{OrganizationalUnit: []string{"Lab Class 2 CA"}}}, nil)
	r := mustEvaluate(t, truststore.Default(), Input{Source: "ou", Certs: []*x509.Certificate{root.cert}}, Options{At: at2027})
	if !strings.Contains(r.Verdicts[0].Reasons[0], "the chain ends at Lab Class 2 CA (") {
		t.Errorf("reason = %s", r.Verdicts[0].Reasons[0])
	}
}

// TestFindingsCoverRootsOutsideTheStores: a firmware root is never judged
// (phones already have it), but a root no store holds, that would have to be
// published or that is an extra anchor, is checked like the rest of the path.
func TestFindingsCoverRootsOutsideTheStores(t *testing.T) {
	ecRoot := gen(t, certSpec{cn: "EC Root", key: "ecdsa", isCA: true}, nil)
	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: "leaf under the EC root", dns: []string{"pool.contoso.test"}}, ecRoot)
	in := Input{Source: "ec", Certs: []*x509.Certificate{leaf.cert, ecRoot.cert}}
	want := Finding{CodeECDSAKey, SeverityWarning, BasisAssumption,
		"EC Root (" + truststore.SHA1Hex(ecRoot.cert) + ") has an ECDSA key (ECDSA P-256); no ECDSA support is documented for the LPE TLS stack"}

	// No store has it: it is the missing root, and its key is reported.
	r := mustEvaluate(t, truststore.Default(), in, Options{At: at2027})
	if r.MinimumRelease != nil || len(r.MissingRoots) != 1 || r.MissingRoots[0].SHA1 != truststore.SHA1Hex(ecRoot.cert) {
		t.Fatalf("minimum %v, missing %+v", r.MinimumRelease, r.MissingRoots)
	}
	if got := findingCodes(r)[CodeECDSAKey]; got != want {
		t.Errorf("untrusted: ecdsa finding %+v, want %+v", got, want)
	}
	// An extra anchor (a root published in AD) is checked too.
	r = mustEvaluate(t, truststore.Default(), in, Options{At: at2027, ExtraAnchors: []*x509.Certificate{ecRoot.cert}})
	if !r.TrustedBy("RTM") {
		t.Fatalf("extra anchor: RTM verdict %+v", r.Verdict("RTM"))
	}
	if got := findingCodes(r)[CodeECDSAKey]; got != want {
		t.Errorf("extra anchor: ecdsa finding %+v, want %+v", got, want)
	}
	// A root's own signature is never verified, so its hash is not judged.
	sha384Root := gen(t, certSpec{cn: "SHA-384 Root", isCA: true, sigAlg: x509.SHA384WithRSA}, nil)
	leaf384 := gen(t, certSpec{cn: "pool.contoso.test", key: "leaf under the SHA-384 root", dns: []string{"pool.contoso.test"}}, sha384Root)
	r = mustEvaluate(t, truststore.Default(), Input{Source: "384", Certs: []*x509.Certificate{leaf384.cert, sha384Root.cert}}, Options{At: at2027})
	if len(r.MissingRoots) != 1 || len(r.Findings) != 0 {
		t.Errorf("SHA-384 self-signed root: missing %+v, findings %+v", r.MissingRoots, r.Findings)
	}
	// A store's own root is not judged at all.
	r = mustEvaluate(t, overlayCatalogue(t, ecRoot.cert), in, Options{At: at2027})
	if !r.TrustedBy("LAB") {
		t.Fatalf("LAB verdict %+v", r.Verdict("LAB"))
	}
	if got, ok := findingCodes(r)[CodeECDSAKey]; ok {
		t.Errorf("store root judged: %+v", got)
	}
}

// TestWarnDays: 0 means 30 days, a negative value turns the warning off, and
// a threshold of centuries neither overflows nor misses.
func TestWarnDays(t *testing.T) {
	h := newHierarchy(t, "Warn")
	cat := overlayCatalogue(t, h.root.cert)
	in := h.input(h.leaf, h.inter)
	at := t2040.AddDate(0, 0, -10)
	leafID := "pool.contoso.test (" + truststore.SHA1Hex(h.leaf.cert) + ")"
	for _, tc := range []struct {
		days int
		want string
	}{
		{0, leafID + " expires 2040-01-01, in 10 days (warning threshold 30 days)"},
		{11, leafID + " expires 2040-01-01, in 10 days (warning threshold 11 days)"},
		{10, ""},
		{-1, ""},
		{36500, leafID + " expires 2040-01-01, in 10 days (warning threshold 36500 days)"},
		{1 << 40, leafID + " expires 2040-01-01, in 10 days (warning threshold 1099511627776 days)"},
	} {
		r := mustEvaluate(t, cat, in, Options{At: at, WarnDays: tc.days})
		if got := findingCodes(r)[CodeLeafExpiring].Message; got != tc.want {
			t.Errorf("WarnDays %d: %q, want %q", tc.days, got, tc.want)
		}
	}
}
