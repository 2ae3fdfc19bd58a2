package report

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore/textwrap"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

// examplesDir holds the README's example chains, among them the real
// COMODO chain through the AAA Certificate Services cross-certificate.
var examplesDir = filepath.Join("..", "..", "testdata", "examples")

func readChainFile(t testing.TB, path, label string) Chain {
	t.Helper()
	ins, err := chain.ReadFile(path, chain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return Chain{Name: label, Kind: KindCandidate, Inputs: ins}
}

func utc(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, time.UTC)
}

// TestHorizonTestdataChains: the horizon of the testdata chains on the Lync
// inventory of 11 phones, with exact dates, certificates and counts.
func TestHorizonTestdataChains(t *testing.T) {
	chains := append(todayAndRenewal(t), readChainFile(t, filepath.Join(examplesDir, "today-comodo-via-aaa.pem"), "via-aaa"))
	var buf bytes.Buffer
	s := runReport(t, contosoCatalogue(t), lyncReport, chains, Options{}, NewJSONWriter(&buf))
	want := map[string]struct {
		trustedNow int
		end        time.Time
		events     []HorizonEvent
	}{
		// The Contoso chain: CU10 and CU11 (the overlay's enterprise root)
		// trust it until its issuing CA expires.
		"today": {7, utc(2027, 3, 31, 0, 0, 0), []HorizonEvent{{
			Date: utc(2027, 3, 31, 0, 0, 0), Cause: "intermediate Contoso Issuing CA 2019 (9ABCCB92D53EAF661715520A82A36613EDCB5E99) expires",
			SHA1: "9ABCCB92D53EAF661715520A82A36613EDCB5E99", Name: "Contoso Issuing CA 2019", Role: CertRoleIntermediate,
			Stores: []string{"CU10", "CU11"}, Stranded: 7, TrustedAfter: 0,
		}}},
		// No store trusts the G2 renewal: nothing to lose.
		"renewal": {0, at2026, []HorizonEvent{}},
		// Every store trusts the COMODO chain through the AAA cross until
		// the cross-certificate and AAA itself expire.
		"via-aaa": {11, utc(2028, 12, 31, 23, 59, 59), []HorizonEvent{{
			Date:  utc(2028, 12, 31, 23, 59, 59),
			Cause: "cross-certificate COMODO RSA Certification Authority (8D4C4A23BA9EE84EA7348FA98CC6E65FBB69DE7B) and root AAA Certificate Services (D1EB23A46D17D68FD92564C2F1F1601764D8E349) expire",
			SHA1:  "8D4C4A23BA9EE84EA7348FA98CC6E65FBB69DE7B", Name: "COMODO RSA Certification Authority", Role: CertRoleCross,
			Stores: []string{"RTM", "CU10", "CU11"}, Stranded: 11, TrustedAfter: 0,
		}}},
	}
	for _, c := range s.Chains {
		w := want[c.Name]
		if c.HorizonTrusted != w.trustedNow || !c.HorizonEnd.Equal(w.end) {
			t.Errorf("%s: %d trusted now until %s, want %d until %s", c.Name, c.HorizonTrusted, c.HorizonEnd, w.trustedNow, w.end)
		}
		if !reflect.DeepEqual(c.Horizon, w.events) {
			t.Errorf("%s: horizon\n got %+v\nwant %+v", c.Name, c.Horizon, w.events)
		}
	}
	// The JSON carries the events under "horizon".
	var doc struct {
		Summary struct {
			Chains []struct {
				Horizon []map[string]any `json:"horizon"`
			} `json:"chains"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Summary.Chains[2].Horizon[0]
	if got["date"] != "2028-12-31T23:59:59Z" || got["sha1"] != "8D4C4A23BA9EE84EA7348FA98CC6E65FBB69DE7B" || got["phones_trusted_after"] != 0.0 || got["phones_stranded"] != 11.0 {
		t.Errorf("JSON horizon event %v", got)
	}
}

// TestHorizonSteps: a chain whose stores lose trust on different dates,
// one of them switching to a second path when the first expires.
//
// The server sends the leaf and two certificates of one intermediate key:
// "old" issued by Old Root (in CU10 and CU11) until 2028-09-30, and "new"
// issued by New Root (CU11 only), valid from 2027-06-01. At the report's
// moment both stores use the old path; when it expires CU10 is stranded and
// CU11 goes on through the new one until the leaf expires.
func TestHorizonSteps(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return utc(y, m, day, 0, 0, 0) }
	oldRoot := fixtureCert(t, pkix.Name{CommonName: "Old Root"}, true, nil, d(2015, 1, 1), d(2029, 6, 30), nil)
	newRoot := fixtureCert(t, pkix.Name{CommonName: "New Root"}, true, nil, d(2020, 1, 1), d(2040, 1, 1), nil)
	ca := fixtureCert(t, pkix.Name{CommonName: "Issuing CA"}, true, oldRoot, d(2020, 1, 1), d(2028, 9, 30), nil)
	caNew := reissueFixture(t, ca, newRoot, d(2027, 6, 1), d(2033, 3, 31))
	leaf := fixtureCert(t, pkix.Name{CommonName: "pool01.contoso.com"}, false, ca, d(2026, 1, 1), d(2031, 12, 31),
		[]string{"pool01.contoso.com", "sip.contoso.com"})

	dir := t.TempDir()
	writePEM := func(name string, certs ...*x509.Certificate) string {
		var out []byte
		for _, c := range certs {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	writePEM("old-root.pem", oldRoot.cert)
	writePEM("new-root.pem", newRoot.cert)
	chainFile := writePEM("chain.pem", leaf.cert, ca.cert, caNew.cert)
	overlay := filepath.Join(dir, "overlay.yaml")
	if err := os.WriteFile(overlay, []byte("stores:\n"+
		"  - name: CU10\n    roots:\n      - file: old-root.pem\n"+
		"  - name: CU11\n    roots:\n      - file: old-root.pem\n      - file: new-root.pem\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := truststore.Load(overlay)
	if err != nil {
		t.Fatal(err)
	}
	s := runReport(t, cat, lyncReport, []Chain{readChainFile(t, chainFile, "two-paths")}, Options{Horizon: 3 * 365 * 24 * time.Hour}, NewJSONWriter(&bytes.Buffer{}))
	c := s.Chains[0]
	sha := truststore.SHA1Hex
	// The Lync inventory: 2 phones run CU10 builds, 5 CU11 builds.
	want := []HorizonEvent{{
		Date: d(2028, 9, 30), Cause: "intermediate Issuing CA (" + sha(ca.cert) + ") expires", SHA1: sha(ca.cert),
		Name: "Issuing CA", Role: CertRoleIntermediate, Stores: []string{"CU10", "CU11"}, Stranded: 2, TrustedAfter: 5,
	}, {
		Date: d(2031, 12, 31), Cause: "the leaf pool01.contoso.com (" + sha(leaf.cert) + ") expires", SHA1: sha(leaf.cert),
		Name: "pool01.contoso.com", Role: CertRoleLeaf, Stores: []string{"CU11"}, Stranded: 5, TrustedAfter: 0,
	}}
	if c.HorizonTrusted != 7 || !reflect.DeepEqual(c.Horizon, want) || !c.HorizonEnd.Equal(d(2031, 12, 31)) {
		t.Errorf("horizon: %d trusted now until %s\n got %+v\nwant %+v", c.HorizonTrusted, c.HorizonEnd, c.Horizon, want)
	}
	// The phones stranded within the (3-year) --horizon are the CU10 ones,
	// on the date their only path expires; CU11 phones are not, although
	// the certificate their path uses today expires then too.
	if c.Expiring != 2 || len(c.ExpiringDates) != 1 || !c.ExpiringDates[0].Date.Equal(d(2028, 9, 30)) {
		t.Errorf("expiring %d %+v, want 2 on 2028-09-30", c.Expiring, c.ExpiringDates)
	}

	// A table shows the same events.
	var tab bytes.Buffer
	runReport(t, cat, lyncReport, []Chain{readChainFile(t, chainFile, "two-paths")}, Options{}, NewTableWriter(&tab, remedy.SH))
	for _, line := range []string{
		"  Trust horizon: 7 phones trust it on 2026-11-22\n",
		// Wrapped to 120 columns, the continuation under the event's text.
		textwrap.Wrap("    2028-09-30  ", strings.Repeat(" ", 16), "intermediate Issuing CA ("+sha(ca.cert)+") expires (CU10, CU11): 2 phones stranded, 5 still trust it", textwrap.Width),
		textwrap.Wrap("    2031-12-31  ", strings.Repeat(" ", 16), "the leaf pool01.contoso.com ("+sha(leaf.cert)+") expires (CU11): 5 phones stranded, none trusts it after", textwrap.Width),
	} {
		if !strings.Contains(tab.String(), line) {
			t.Errorf("table lacks %q:\n%s", line, tab.String())
		}
	}
}

// reissueFixture certifies f's key again, issued by parent.
func reissueFixture(t *testing.T, f, parent *fixture, from, to time.Time) *fixture {
	t.Helper()
	fixtureSerial++
	tmpl := *f.cert
	tmpl.SerialNumber = big.NewInt(fixtureSerial)
	tmpl.NotBefore, tmpl.NotAfter = from, to
	tmpl.AuthorityKeyId = nil
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, parent.cert, &f.key.PublicKey, parent.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{cert: c, key: f.key}
}
