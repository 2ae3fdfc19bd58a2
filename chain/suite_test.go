package chain

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
)

// The public path-validation suites x509-limbo and BetterTLS (see
// testdata/suites/README.md) are run case by case: every case that applies
// to a phone must give the expected verdict; every other case is excluded
// by a rule of suiteExclusions, which says why it does not apply. The
// exclusion table with its counts is kept in README.md.

var updateREADME = flag.Bool("update-readme", false, "rewrite the generated tables of README.md (rules, suite exclusions)")

type suiteCase struct {
	ID                     string          `json:"id"`
	Features               []string        `json:"features"`
	Description            string          `json:"description"`
	ValidationKind         string          `json:"validation_kind"`
	TrustedCerts           []string        `json:"trusted_certs"`
	UntrustedIntermediates []string        `json:"untrusted_intermediates"`
	PeerCertificate        string          `json:"peer_certificate"`
	ValidationTime         *time.Time      `json:"validation_time"`
	ExpectedResult         string          `json:"expected_result"`
	ExtendedKeyUsage       []string        `json:"extended_key_usage"`
	MaxChainDepth          *int            `json:"max_chain_depth"`
	CRLs                   []string        `json:"crls"`
	ExpectedPeerName       json.RawMessage `json:"expected_peer_name"`
}

// suiteExclusion is one reason a set of cases does not apply to a phone.
type suiteExclusion struct {
	why   string
	match func(c *suiteCase) bool
}

func idPrefix(prefixes ...string) func(c *suiteCase) bool {
	return func(c *suiteCase) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(c.ID, p) {
				return true
			}
		}
		return false
	}
}

func idIn(ids ...string) func(c *suiteCase) bool {
	return func(c *suiteCase) bool { return slices.Contains(ids, c.ID) }
}

// suiteExclusions are checked in order; the first match excludes a case.
var suiteExclusions = []suiteExclusion{
	{"client certificate validation: phones validate server certificates only",
		func(c *suiteCase) bool { return c.ValidationKind != "SERVER" }},
	{"revocation (CRLs): not part of lpetrust's verdict, which judges the path only",
		func(c *suiteCase) bool { return len(c.CRLs) > 0 || strings.HasPrefix(c.ID, "crl::") }},
	{"max_chain_depth: a verifier option the phone's CryptoAPI call does not set",
		func(c *suiteCase) bool { return c.MaxChainDepth != nil }},
	{"SHA-1 and MD5 signatures refused by the suite: phones (2010-era CryptoAPI) accept them",
		func(c *suiteCase) bool { return c.ExpectedResult == "FAILURE" && weakHashSigned(c) }},
	{"hostname matching: the leaf does not name the expected peer; lpetrust reports names as findings, apart from the verdict",
		func(c *suiteCase) bool { return !peerNamed(c) }},
	{"hostname matching rules (CN against SAN, IP and IDN spellings, public-suffix wildcards, no SAN): names are findings, apart from the verdict",
		idPrefix("webpki::cn::", "webpki::san::public-suffix-", "webpki::san::no-san")},
	{"CA/Browser Forum profile rules (key sizes and types, AKI and EKU forms, certificate version, CA certificate as leaf, SAN criticality): CryptoAPI applies none",
		idPrefix("webpki::aki::", "webpki::eku::", "webpki::forbidden-", "webpki::v1-cert", "webpki::ee-basicconstraints-ca", "webpki::ca-as-leaf",
			"webpki::san::san-critical-with-nonempty-subject")},
	{"RFC 5280 profile rules CryptoAPI does not enforce (AKI/SKI presence, serial number form, empty names, DNS name syntax, criticality of policy and name constraints, name constraints in a leaf, keyCertSign in a leaf)",
		idIn("rfc5280::aki::leaf-missing-aki", "rfc5280::aki::intermediate-missing-aki", "rfc5280::aki::cross-signed-root-missing-aki",
			"rfc5280::ski::root-missing-ski", "rfc5280::ski::intermediate-missing-ski",
			"rfc5280::serial::too-long", "rfc5280::serial::zero", "rfc5280::serial::negative",
			"rfc5280::ee-empty-issuer", "rfc5280::ca-empty-subject", "rfc5280::san::noncritical-with-empty-subject", "rfc5280::san::underscore-dns",
			"rfc5280::nc::nc-permits-invalid-dns-san", "rfc5280::pc::ica-noncritical-pc", "rfc5280::nc::permitted-dns-match-noncritical",
			"rfc5280::nc::not-allowed-in-ee-noncritical", "rfc5280::nc::not-allowed-in-ee-critical", "rfc5280::leaf-ku-keycertsign")},
	{"trust anchor profile: a phone trusts its store's roots as they are (many are v1, or lack basicConstraints)",
		idIn("rfc5280::root-missing-basic-constraints", "rfc5280::root-non-critical-basic-constraints", "rfc5280::root-inconsistent-ca-extensions")},
	{"name constraint work limits (denial of service): the verdict is a verifier's own work limit; CryptoAPI's is not documented",
		idPrefix("pathological::nc-dos-")},
	{"sub-second validation time: the suite itself calls the case ambiguous",
		idIn("rfc5280::validity::notafter-fractional")},
}

// weakHashSigned reports whether a certificate of the case is signed with
// SHA-1 or MD5.
func weakHashSigned(c *suiteCase) bool {
	all := append(append([]string{c.PeerCertificate}, c.UntrustedIntermediates...), c.TrustedCerts...)
	certs, err := parsePEMCerts(nil, all...)
	if err != nil {
		return false
	}
	for _, x := range certs {
		switch x.SignatureAlgorithm {
		case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1, x509.MD5WithRSA:
			return true
		}
	}
	return false
}

// peerNamed reports whether the case's leaf names its expected peer: a SAN
// of the peer's kind (DNS with a one-label wildcard, or IP), or the subject
// CN when the leaf has no SAN.
func peerNamed(c *suiteCase) bool {
	var peer struct{ Kind, Value string }
	if len(c.ExpectedPeerName) == 0 || string(c.ExpectedPeerName) == "null" {
		return true
	}
	if json.Unmarshal(c.ExpectedPeerName, &peer) != nil {
		return false
	}
	leaf, err := parsePEMCerts(nil, c.PeerCertificate)
	if err != nil || len(leaf) != 1 {
		return true // judged (and failed) as unparsable
	}
	l := leaf[0]
	switch peer.Kind {
	case "IP":
		ip := net.ParseIP(peer.Value)
		for _, a := range l.IPAddresses {
			if a.Equal(ip) {
				return true
			}
		}
		return false
	case "DNS":
		names := l.DNSNames
		if len(names) == 0 && len(l.IPAddresses) == 0 && len(l.EmailAddresses) == 0 && len(l.URIs) == 0 {
			names = []string{l.Subject.CommonName}
		}
		host := strings.ToLower(peer.Value)
		for _, n := range names {
			n = strings.ToLower(n)
			if n == host {
				return true
			}
			if rest, ok := strings.CutPrefix(n, "*."); ok {
				if _, after, found := strings.Cut(host, "."); found && after == rest {
					return true
				}
			}
		}
		return false
	}
	return false
}

func loadSuite(t testing.TB) []suiteCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "suites", "limbo-bettertls.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   int         `json:"version"`
		Testcases []suiteCase `json:"testcases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Testcases
}

func parsePEMCerts(t testing.TB, blocks ...string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, b := range blocks {
		rest := []byte(b)
		for {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				break
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// runSuiteCase judges one case as a phone would: the trusted certificates
// are roots of every store, the intermediates come with the server's chain.
func runSuiteCase(t testing.TB, cat *truststore.Catalogue, c *suiteCase) (trusted bool, detail string) {
	roots, err := parsePEMCerts(t, c.TrustedCerts...)
	if err != nil {
		return false, "trusted certificate unparsable: " + err.Error()
	}
	inters, err := parsePEMCerts(t, c.UntrustedIntermediates...)
	if err != nil {
		return false, "intermediate unparsable: " + err.Error()
	}
	leaf, err := parsePEMCerts(t, c.PeerCertificate)
	if err != nil || len(leaf) != 1 {
		return false, fmt.Sprintf("peer certificate unparsable: %v", err)
	}
	at := time.Now()
	if c.ValidationTime != nil {
		at = *c.ValidationTime
	}
	r, err := Evaluate(cat, Input{Source: c.ID, Certs: leaf, Leaf: leaf[0]},
		Options{At: at, Intermediates: inters, ExtraAnchors: roots, WarnDays: -1})
	if err != nil {
		return false, err.Error()
	}
	v := r.Verdict("LAB")
	return v.Trusted, fmt.Sprintf("%v %v", v.ReasonCodes, v.Reasons)
}

func TestSuites(t *testing.T) {
	cases := loadSuite(t)
	// The verdict of a store whose only root is unrelated to every case:
	// only a case's trusted certificates (extra anchors) anchor.
	cat := overlayCatalogue(t, gen(t, certSpec{cn: "Suite Placeholder Root", key: "ec suite placeholder", isCA: true}, nil).cert)
	excluded := make([]int, len(suiteExclusions))
	applicable, disagreements := 0, 0
	for i := range cases {
		c := &cases[i]
		skip := -1
		for k, ex := range suiteExclusions {
			if ex.match(c) {
				skip = k
				break
			}
		}
		if skip >= 0 {
			excluded[skip]++
			continue
		}
		applicable++
		trusted, detail := runSuiteCase(t, cat, c)
		if want := c.ExpectedResult == "SUCCESS"; trusted != want {
			disagreements++
			t.Errorf("%s: trusted=%v, want %s: %s", c.ID, trusted, c.ExpectedResult, detail)
		}
	}
	t.Logf("%d cases: %d applicable, %d disagreements", len(cases), applicable, disagreements)
	checkREADMESection(t, "suite-exclusions", exclusionTable(len(cases), applicable, excluded))
}

// exclusionTable renders the README table of the suite run.
func exclusionTable(total, applicable int, excluded []int) string {
	var b strings.Builder
	b.WriteString("| cases | why they do not apply to a phone |\n|---:|---|\n")
	for k, ex := range suiteExclusions {
		fmt.Fprintf(&b, "| %d | %s |\n", excluded[k], ex.why)
	}
	fmt.Fprintf(&b, "| **%d** | **applicable: each gives the expected verdict** |\n", applicable)
	fmt.Fprintf(&b, "| %d | all cases |\n", total)
	return b.String()
}

// checkREADMESection compares the generated text between README.md's
// markers for name with want (-update-readme rewrites it).
func checkREADMESection(t *testing.T, name, want string) {
	t.Helper()
	start := "<!-- " + name + ": generated by go test ./chain -update-readme -->\n"
	end := "<!-- /" + name + " -->\n"
	p := filepath.Join("..", "README.md")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %s markers", name)
	}
	if s[i+len(start):j] == want {
		return
	}
	if *updateREADME {
		s = s[:i+len(start)] + want + s[j:]
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's %s table is stale (go test ./chain -update-readme):\n%s", name, want)
}
