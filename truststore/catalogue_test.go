package truststore

import (
	"bytes"
	"crypto/x509"
	"os"
	"strings"
	"testing"
	"time"
)

// TestGeneratedCatalogue checks the embedded cross and subordinate catalogue
// without the source directory: every certificate's SHA-1 is its index
// name (loadKnown refuses otherwise), its signature verifies under the key
// of every issuer the index names, and a cross-certificate carries the key
// of the root it names.
func TestGeneratedCatalogue(t *testing.T) {
	c := Default()
	counts := map[string]int{}
	for _, e := range catalogueTable {
		counts[e.kind]++
		k := c.KnownBySHA1(e.sha1)
		if k == nil {
			t.Fatalf("%s: indexed but not loaded", e.sha1)
		}
		if got := SHA1Hex(k.Cert); got != e.sha1 {
			t.Errorf("%s: thumbprint %s", e.sha1, got)
		}
		if e.kind == KindRoot {
			if !bytes.Equal(k.Cert.RawSubject, k.Cert.RawIssuer) {
				t.Errorf("%s: root is not self-issued", e.sha1)
			}
			continue
		}
		if len(k.IssuerSHA1s) == 0 {
			t.Errorf("%s: no issuer", e.sha1)
		}
		for _, is := range k.IssuerSHA1s {
			var parent = c.RootBySHA1(is)
			var pk = c.KnownBySHA1(is)
			switch {
			case parent != nil:
				if err := parent.Cert.CheckSignature(k.Cert.SignatureAlgorithm, k.Cert.RawTBSCertificate, k.Cert.Signature); err != nil {
					t.Errorf("%s: signature under LPE root %s: %v", e.sha1, is, err)
				}
			case pk != nil:
				if err := pk.Cert.CheckSignature(k.Cert.SignatureAlgorithm, k.Cert.RawTBSCertificate, k.Cert.Signature); err != nil {
					t.Errorf("%s: signature under %s: %v", e.sha1, is, err)
				}
			default:
				t.Errorf("%s: issuer %s unknown", e.sha1, is)
			}
		}
		if e.kind == KindCross {
			targets := splitFields(e.crossesTo)
			if len(targets) == 0 {
				t.Errorf("%s: cross-certificate without a target", e.sha1)
			}
			for _, sha := range targets {
				var tc *x509.Certificate
				if r := c.RootBySHA1(sha); r != nil {
					tc = r.Cert
				} else if k := c.KnownBySHA1(sha); k != nil {
					tc = k.Cert
				}
				switch {
				case tc == nil:
					t.Errorf("%s: cross target %s unknown", e.sha1, sha)
				case !bytes.Equal(tc.RawSubjectPublicKeyInfo, k.Cert.RawSubjectPublicKeyInfo):
					t.Errorf("%s: does not carry the key of %s", e.sha1, sha)
				}
			}
		}
	}
	want := map[string]int{KindRoot: 89, KindCross: 197, KindSubordinate: 878}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%d generated %s certificates, want %d", counts[k], k, n)
		}
	}
	if n := len(c.Known()); n != 1278 {
		t.Errorf("%d known CAs, want 1278", n)
	}
	// The hand-described crosses get their issuers by signature.
	if k := c.KnownBySHA1("D89E3BD43D5D909B47A18977AA9D5CE36CEE184C"); k == nil || strings.Join(k.IssuerSHA1s, " ") != "D1EB23A46D17D68FD92564C2F1F1601764D8E349" ||
		strings.Join(k.CrossesTo, " ") != "2B8F1B57330DBBA2D07A6C51F70EE90DDAB9AD8E" {
		t.Errorf("USERTrust RSA by AAA: %+v", k)
	}
}

// TestKnownRootsSelfSigned: every known CA of kind root is self-issued and
// its signature verifies under its own key; chain relies on it.
func TestKnownRootsSelfSigned(t *testing.T) {
	n := 0
	for _, k := range Default().Known() {
		if k.Kind != KindRoot {
			continue
		}
		n++
		if !bytes.Equal(k.Cert.RawSubject, k.Cert.RawIssuer) {
			t.Errorf("%s (%s): not self-issued", k.SHA1, k.Name)
		} else if err := k.Cert.CheckSignature(k.Cert.SignatureAlgorithm, k.Cert.RawTBSCertificate, k.Cert.Signature); err != nil {
			t.Errorf("%s (%s): self-signature: %v", k.SHA1, k.Name, err)
		}
	}
	if n != 187 {
		t.Errorf("%d known roots, want 187", n)
	}
}

func TestNSSRoots(t *testing.T) {
	c := Default()
	byName := map[string]*PublicRoot{}
	nss := 0
	all := c.PublicRoots()
	for _, p := range all {
		byName[p.Name] = p
		if p.InNSS {
			nss++
		}
	}
	if len(all) != 205 || nss != 117 {
		t.Errorf("%d public roots, %d in NSS: want 205 and 117", len(all), nss)
	}
	if g := byName["GlobalSign Root CA - R3"]; g == nil || g.SHA1 != "D69B561148F01C77C54578C10926DF5B856976AD" {
		t.Errorf("GlobalSign R3 is named by its OU: %+v", g)
	}
	gts := byName["GTS Root R1"]
	if gts == nil || !gts.InNSS || gts.SHA1 != "E58C1CC4913B38634BE9106EE3AD8E6B9DD9814A" || !gts.DistrustAfter.IsZero() || gts.LPE {
		t.Fatalf("GTS Root R1: %+v", gts)
	}
	iz := byName["Izenpe.com"]
	if iz == nil || !iz.DistrustAfter.Equal(time.Date(2026, 4, 15, 23, 59, 59, 0, time.UTC)) {
		t.Fatalf("Izenpe.com: %+v", iz)
	}
	if !iz.IssuesTLS(day("2026-04-15")) || iz.IssuesTLS(day("2026-04-16")) {
		t.Errorf("Izenpe.com: issues TLS %v before, %v after its distrust-after date", iz.IssuesTLS(day("2026-04-15")), iz.IssuesTLS(day("2026-04-16")))
	}
	// An LPE root that NSS also has, and ones NSS dropped.
	if g := byName["Go Daddy Root Certificate Authority - G2"]; g == nil || !g.LPE || !g.InNSS {
		t.Errorf("Go Daddy Root Certificate Authority - G2: %+v", g)
	}
	if g := byName["DigiCert Global Root CA"]; g == nil || !g.LPE || g.InNSS {
		t.Errorf("DigiCert Global Root CA: %+v", g)
	}
	if a := byName["AAA Certificate Services"]; a == nil || !a.LPE || a.InNSS || a.IssuesTLS(day("2026-12-01")) {
		t.Errorf("AAA Certificate Services: %+v", a)
	}
	if k := c.KnownBySHA1("E58C1CC4913B38634BE9106EE3AD8E6B9DD9814A"); k == nil || !k.InNSS || k.Kind != KindRoot {
		t.Errorf("GTS Root R1 as a known CA: %+v", k)
	}
}

// TestDigiCertG2Rescues: DigiCert Global Root G2 is cross-signed by two LPE
// roots; the best cross per store, with every store it rescues.
func TestDigiCertG2Rescues(t *testing.T) {
	c := Default()
	g2 := c.KnownBySHA1("DF3C24F9BFD666761B268073FE06D1CC8D4F82A4")
	got := describeRescues(Rescues(c.CrossPaths(g2.Cert, day("2026-12-01")), c.Stores()))
	want := "8BF7F178A745A11BAC6AE5B586FC1838EADCB2CF[CU11 2031-11-09]; B7402517EEAAC80AB04681186E8247BD7851CD0A[CU10 2031-11-08, CU11 2031-11-08]"
	if got != want {
		t.Errorf("rescues:\n got %s\nwant %s", got, want)
	}
	// After the High Assurance EV cross expires nothing rescues CU10.
	if got := describeRescues(Rescues(c.CrossPaths(g2.Cert, day("2031-11-09")), c.Stores())); got != "8BF7F178A745A11BAC6AE5B586FC1838EADCB2CF[CU11 2031-11-09]" {
		t.Errorf("rescues on 2031-11-09: %s", got)
	}
}

func describeRescues(ps []CrossPath) string {
	var parts []string
	for _, p := range ps {
		var shas, stores []string
		for _, k := range p.Certs {
			shas = append(shas, k.SHA1)
		}
		for _, s := range p.Stores {
			stores = append(stores, s.Store+" "+s.Until.Format(time.DateOnly))
		}
		parts = append(parts, strings.Join(shas, "+")+"["+strings.Join(stores, ", ")+"]")
	}
	return strings.Join(parts, "; ")
}

func TestReachOf(t *testing.T) {
	c := Default()
	tests := []struct {
		sha1, at, want string
	}{
		// Go Daddy G2: CU11 has it; RTM and CU10 through the Go Daddy Class 2 cross.
		{"47BEABC922EAE80E78783462A79F45C254FDE68B", "2026-12-01",
			"RTM via_cross 340B2880F446FCC04E59ED33F52B3D08D6242964 2031-05-30; CU10 via_cross 340B2880F446FCC04E59ED33F52B3D08D6242964 2031-05-30; CU11 in_store 2037-12-31"},
		// Amazon Root CA 1 through Starfield Services G2, two crosses.
		{"8DA7F965EC5EFC37910F1C6E59FDC1CC6A6EDE16", "2026-12-01",
			"RTM via_cross BEE49A10FDA4ABDD9C8B477D2D3DF836EB7BD707+0ED4389DA291346F6C47F0E3C9A6FA7965A32322 2034-06-28; CU10 via_cross BEE49A10FDA4ABDD9C8B477D2D3DF836EB7BD707+0ED4389DA291346F6C47F0E3C9A6FA7965A32322 2034-06-28; CU11 via_cross BEE49A10FDA4ABDD9C8B477D2D3DF836EB7BD707+0ED4389DA291346F6C47F0E3C9A6FA7965A32322 2034-06-28"},
		// Sectigo R46 through AAA until AAA expires; then only AD.
		{"AD98F9F3E47D753B65D482B3A45217BB6EF5E438", "2026-12-01",
			"RTM via_cross B84733486BA4F61D833FCD3F2C81804989373118 2028-12-31; CU10 via_cross B84733486BA4F61D833FCD3F2C81804989373118 2028-12-31; CU11 via_cross B84733486BA4F61D833FCD3F2C81804989373118 2028-12-31"},
		{"AD98F9F3E47D753B65D482B3A45217BB6EF5E438", "2029-06-01",
			"RTM publish_root; CU10 publish_root; CU11 publish_root"},
		// DigiCert G2: no cross for RTM.
		{"DF3C24F9BFD666761B268073FE06D1CC8D4F82A4", "2026-12-01",
			"RTM publish_root; CU10 via_cross B7402517EEAAC80AB04681186E8247BD7851CD0A 2031-11-08; CU11 via_cross 8BF7F178A745A11BAC6AE5B586FC1838EADCB2CF 2031-11-09"},
		// An ECDSA root with no cross: phones cannot use it even published.
		{"9EBC751042B302F381F4F73062D48FC3A751B2DD", "2026-12-01",
			"RTM no_path; CU10 no_path; CU11 no_path"},
	}
	for _, tt := range tests {
		var root = c.KnownBySHA1(tt.sha1)
		var cert = c.RootBySHA1(tt.sha1)
		if root == nil && cert == nil {
			t.Fatalf("%s unknown", tt.sha1)
		}
		rc := func() *KnownCA {
			if root != nil {
				return root
			}
			return &KnownCA{Cert: cert.Cert}
		}()
		var parts []string
		for _, r := range c.ReachOf(rc.Cert, day(tt.at)) {
			s := r.Store + " " + r.Status
			var shas []string
			for _, k := range r.Crosses {
				shas = append(shas, k.SHA1)
			}
			if len(shas) > 0 {
				s += " " + strings.Join(shas, "+")
			}
			if !r.Until.IsZero() {
				s += " " + r.Until.Format(time.DateOnly)
			}
			parts = append(parts, s)
		}
		if got := strings.Join(parts, "; "); got != tt.want {
			t.Errorf("%s at %s:\n got %s\nwant %s", tt.sha1, tt.at, got, tt.want)
		}
	}
}

// TestSnapshot: the NSS bundle version the generator recorded is the one
// go.mod requires.
func TestSnapshot(t *testing.T) {
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	s := Snapshot()
	if !strings.Contains(string(gomod), "\t"+nssBundleModule+" "+s.NSSBundle+"\n") {
		t.Errorf("snapshot names NSS bundle %s; go.mod requires another (re-run the generator)", s.NSSBundle)
	}
	if _, err := time.Parse(time.DateOnly, s.CatalogueGenerated); err != nil {
		t.Errorf("catalogue date %q: %v", s.CatalogueGenerated, err)
	}
}

// BenchmarkKnown measures parsing every known CA (NSS and the generated
// catalogue), which commands that build chains pay once, not at start.
func BenchmarkKnown(b *testing.B) {
	for b.Loop() {
		if _, err := loadKnown(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRootsNamed: the by-name index finds a known public root no firmware
// has, and nothing for a name no root carries.
func TestRootsNamed(t *testing.T) {
	c := Default()
	got := c.RootsNamed("CN=DigiCert Global Root G2,OU=www.digicert.com,O=DigiCert Inc,C=US")
	if len(got) != 1 || SHA1Hex(got[0]) != "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4" {
		var shas []string
		for _, g := range got {
			shas = append(shas, SHA1Hex(g))
		}
		t.Fatalf("RootsNamed(DigiCert Global Root G2) = %v, want [DF3C24F9BFD666761B268073FE06D1CC8D4F82A4]", shas)
	}
	if got := c.RootsNamed("CN=No Such Root"); len(got) != 0 {
		t.Fatalf("RootsNamed(CN=No Such Root) = %d roots, want 0", len(got))
	}
}
