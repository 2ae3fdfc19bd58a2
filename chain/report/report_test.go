package report

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var (
	at2026     = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	goldenDir  = filepath.Join("..", "..", "testdata", "golden")
	invDir     = filepath.Join("..", "..", "testdata", "inventory")
	lyncReport = filepath.Join(invDir, "lync-ip-phone-inventory.csv")
)

func contosoCatalogue(t testing.TB) *truststore.Catalogue {
	t.Helper()
	cat, err := truststore.Load(filepath.Join(fixtureDir, "overlay-contoso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func readChain(t testing.TB, name, label, kind string) Chain {
	t.Helper()
	ins, err := chain.ReadFile(filepath.Join(fixtureDir, name), chain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return Chain{Name: label, Kind: kind, Inputs: ins, Source: remedy.Source{File: name}}
}

func fileOpener(path string) Opener {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

// todayAndRenewal are the two chains side by side: what the pool serves
// today and the DigiCert G2 renewal.
func todayAndRenewal(t testing.TB) []Chain {
	return []Chain{
		readChain(t, "today.pem", "today", KindCandidate),
		readChain(t, "renewal-g2.pem", "renewal", KindCandidate),
	}
}

func runReport(t *testing.T, cat *truststore.Catalogue, inv string, chains []Chain, opts Options, w Writer) *Summary {
	t.Helper()
	if opts.At.IsZero() {
		opts.At = at2026
	}
	s, err := Run(cat, filepath.Base(inv), fileOpener(inv), chains, opts, w)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSummaryCounts(t *testing.T) {
	var buf bytes.Buffer
	s := runReport(t, contosoCatalogue(t), lyncReport, todayAndRenewal(t), Options{}, NewJSONWriter(&buf))
	inv := s.Inventory
	if inv.Phones != 11 || inv.DuplicateRows != 1 || inv.Records != 18 || inv.BadRows != 4 || inv.PhoneRows != 12 || inv.WithoutMAC != 0 {
		t.Errorf("inventory %+v", inv)
	}
	today, renewal := s.Chains[0], s.Chains[1]
	// RTM phones (bob CU6, carol CU7, lobby CU4, ivan CU9) lack the Contoso root;
	// the CU10/CU11 ones trust it until the issuing CA expires on 2027-03-31.
	if today.Phones != 11 || today.Stranded != 4 || today.Trusted != 0 || today.Expiring != 7 {
		t.Errorf("today: %d phones, %d stranded, %d trusted, %d expiring", today.Phones, today.Stranded, today.Trusted, today.Expiring)
	}
	wantDates := []ExpiryCount{{Date: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), Phones: 7}}
	if !reflect.DeepEqual(today.ExpiringDates, wantDates) {
		t.Errorf("expiring dates %+v", today.ExpiringDates)
	}
	if renewal.Stranded != 11 || renewal.Trusted != 0 || renewal.Expiring != 0 || renewal.MinimumRelease != nil {
		t.Errorf("renewal: %+v", renewal)
	}
	var releases []string
	for _, r := range renewal.ByRelease {
		releases = append(releases, r.Release+":"+strings.Join(r.Versions, "+"))
	}
	want := "CU4:4.0.7577.4047 CU6:4.0.7577.4100 CU7:4.0.7577.4363 CU9:4.0.7577.4397 CU10:4.0.7577.4411+4.0.7577.4414 CU11:4.0.7577.4420 CU12:4.0.7577.4444 CU14:4.0.7577.4451 CU15:4.0.7577.4455 May 2015:4.0.7577.4463"
	if got := strings.Join(releases, " "); got != want {
		t.Errorf("releases\n got %s\nwant %s", got, want)
	}
	var fixes []string
	for _, f := range today.Fixes {
		fixes = append(fixes, f.Kind+":"+itoa(f.Phones))
	}
	// Every phone's sign-in method is unknown (the Lync report has none), so
	// by default they are assumed to get AD-published roots.
	// Item 5: cumulative. Publishing brings back all 4 stranded phones, so
	// no firmware fix follows it and no fix bringing back nobody is listed.
	if got := strings.Join(fixes, " "); got != "publish-ad:4 renew:7" {
		t.Errorf("today's fixes: %s", got)
	}
	fixes = nil
	for _, f := range renewal.Fixes {
		fixes = append(fixes, f.Kind+":"+itoa(f.Phones))
	}
	// Item 4: the renewal's root is a generated look-alike of DigiCert
	// Global Root G2: refused, so no publishing fix; item 5: the phones of
	// unknown model are to be replaced too (no firmware trusts the chain),
	// not "updated to a build whose store trusts the chain".
	if got := strings.Join(fixes, " "); got != "replace:2 replace:4 replace:2 replace:2 replace:1" {
		t.Errorf("renewal's fixes: %s", got)
	}
	if r := renewal.Plan.Roots.Refused; len(r) != 1 || r[0].Code != remedy.RefusedLookAlike || r[0].SHA1 != "CFD56112A4E97964D8FB03CD6F83471B53141C83" ||
		r[0].Reason != "it carries the name of the known root DigiCert Global Root G2 (DF3C24F9BFD666761B268073FE06D1CC8D4F82A4) with another key: a look-alike, never published" {
		t.Errorf("refused roots %+v", r)
	}
	if got := today.Fixes[0].Commands[0]; got != "lpetrust ad publish --from-inspect today.pem --server ldaps://DC01.EXAMPLE.COM --user ADMIN@EXAMPLE.COM --password-file ADMIN.PW" {
		t.Errorf("publish command %q", got)
	}
	if f := today.Fixes[0]; f.Phones != 4 || f.Remaining != 0 {
		t.Errorf("publish fix: %d brought back, %d remaining", f.Phones, f.Remaining)
	}

	var doc struct {
		Summary json.RawMessage `json:"summary"`
		Phones  []Phone         `json:"phones"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JSON output does not parse: %v", err)
	}
	if len(doc.Phones) != 11 {
		t.Errorf("%d phones in JSON", len(doc.Phones))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestPINPhonesAndWithAD(t *testing.T) {
	cat := contosoCatalogue(t)
	g2 := readChain(t, "renewal-g2.pem", "renewal", KindCandidate)
	root := readChain(t, "g2-root.pem", "root", KindCandidate).Inputs[0].Certs[0]
	inv := filepath.Join(invDir, "phones-semicolon.csv")
	var buf bytes.Buffer
	s := runReport(t, cat, inv, []Chain{g2}, Options{WithAD: true, ADRoots: []*x509.Certificate{root}}, NewCSVWriter(&buf))
	c := s.Chains[0]
	// 7 phones: 3 PIN (stay stranded: AD roots do not reach them), 3 AD, 1 unknown (assumed AD).
	if c.Stranded != 3 || c.Trusted != 4 {
		t.Errorf("with AD: %d stranded, %d trusted", c.Stranded, c.Trusted)
	}
	if s.Inventory.SignIn["pin"] != 3 || s.Inventory.SignIn["ad"] != 3 || s.Inventory.SignIn["unknown"] != 1 {
		t.Errorf("sign-in %v", s.Inventory.SignIn)
	}
	if !strings.Contains(buf.String(), "trusted through DigiCert Global Root G2 (") {
		t.Errorf("CSV does not say the AD root trusts the phone:\n%s", buf.String())
	}
	buf.Reset()
	s = runReport(t, cat, inv, []Chain{g2}, Options{WithAD: true, ADRoots: []*x509.Certificate{root}, UnknownSignInIsPIN: true}, NewCSVWriter(&buf))
	if c := s.Chains[0]; c.Stranded != 4 || c.Trusted != 3 {
		t.Errorf("unknown as PIN: %d stranded, %d trusted", c.Stranded, c.Trusted)
	}
}

func TestGolden(t *testing.T) {
	cat := contosoCatalogue(t)
	for _, tc := range []struct {
		file string
		w    func(io.Writer) Writer
	}{
		{"report_table.txt", func(w io.Writer) Writer { return NewTableWriter(w, remedy.SH) }},
		{"report_phones.csv", func(w io.Writer) Writer { return NewCSVWriter(w) }},
		{"report_summary.json", func(w io.Writer) Writer { return NewJSONWriter(w) }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var buf bytes.Buffer
			runReport(t, cat, lyncReport, todayAndRenewal(t), Options{}, tc.w(&buf))
			golden(t, tc.file, buf.Bytes())
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./chain/report -run TestGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (rerun with -update after checking):\n%s", name, diff(string(want), string(got)))
	}
}

// diff shows the first differing line.
func diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\nwant: " + w + "\n got: " + g
		}
	}
	return ""
}

// TestWildcardLeafStrandsEveryPhone: a chain every store trusts still
// strands every phone when its leaf is a wildcard (LPE does not support
// wildcard certificates on the Front End: a fact), and the first fix is a
// new certificate.
func TestWildcardLeafStrandsEveryPhone(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	root := fixtureCert(t, pkix.Name{CommonName: "Lab Root"}, true, nil, d(2020, 1, 1), d(2040, 1, 1), nil)
	leaf := fixtureCert(t, pkix.Name{CommonName: "*.contoso.com"}, false, root, d(2026, 1, 1), d(2028, 1, 1), []string{"*.contoso.com"})
	dir := t.TempDir()
	writePEM(t, filepath.Join(dir, "root.pem"), root.cert.Raw)
	overlay := "stores:\n"
	for _, s := range []string{"RTM", "CU10", "CU11"} {
		overlay += "  - name: " + s + "\n    roots:\n      - file: root.pem\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "overlay.yaml"), []byte(overlay), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := truststore.Load(filepath.Join(dir, "overlay.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := Chain{Name: "wildcard", Kind: KindCandidate, Inputs: []chain.Input{{Source: "wildcard.pem", Certs: []*x509.Certificate{leaf.cert}}}}
	var buf bytes.Buffer
	s := runReport(t, cat, lyncReport, []Chain{c}, Options{}, NewCSVWriter(&buf))
	cs := s.Chains[0]
	if cs.Stranded != 11 || cs.MinimumRelease == nil || *cs.MinimumRelease != "RTM" {
		t.Errorf("%d stranded, minimum release %v", cs.Stranded, cs.MinimumRelease)
	}
	if len(cs.Fixes) == 0 || cs.Fixes[0].Kind != FixCertificate || !strings.Contains(cs.Fixes[0].Title, "wildcard") {
		t.Errorf("fixes %+v", cs.Fixes)
	}
	if len(cs.Reasons) != 1 || !strings.Contains(cs.Reasons[0].Reason, "wildcard") || strings.Join(cs.Reasons[0].Stores, ",") != "RTM,CU10,CU11" {
		t.Errorf("reasons %+v", cs.Reasons)
	}
}

// The table says "no certificate the server could send makes … trust this
// chain" once per chain (in the plan), not again as an "Instead:" line; and
// counts what remains with the plan's words.
func TestTableSaysInsteadOnce(t *testing.T) {
	var buf bytes.Buffer
	runReport(t, contosoCatalogue(t), lyncReport, todayAndRenewal(t), Options{}, NewTableWriter(&buf, remedy.SH))
	out := buf.String()
	if n := strings.Count(strings.ToLower(out), "no certificate the server could send makes"); n != 2 {
		t.Errorf("said %d times for 2 chains:\n%s", n, out)
	}
	if strings.Contains(out, "Instead:") {
		t.Errorf("an Instead: line repeats the plan:\n%s", out)
	}
	for _, want := range []string{"brings back 2 phones, 1 stranded phone remains (replace 2 phones)", "brings back 4 phones, none remain"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "stranded remain") {
		t.Errorf("a count without its noun:\n%s", out)
	}
	// The HTML report counts with the same words.
	buf.Reset()
	runReport(t, contosoCatalogue(t), lyncReport, todayAndRenewal(t), Options{}, NewHTMLWriter(&buf))
	for _, want := range []string{": brings back 2 phones, 1 stranded phone remains (replace 2 phones).", ": brings back 4 phones, none remain ("} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

// The inventory's SHA-256 is taken only for the formats that show it.
func TestInventoryHashOnlyWhereShown(t *testing.T) {
	data, err := os.ReadFile(lyncReport)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%X", sha256.Sum256(data))
	cat := contosoCatalogue(t)
	for _, c := range []struct {
		format string
		w      Writer
		hash   string
	}{
		{"json", NewJSONWriter(io.Discard), want},
		{"html", NewHTMLWriter(io.Discard), want},
		{"table", NewTableWriter(io.Discard, remedy.SH), ""},
		{"csv", NewCSVWriter(io.Discard), ""},
		{"csv-long", NewLongCSVWriter(io.Discard), ""},
	} {
		s := runReport(t, cat, lyncReport, todayAndRenewal(t), Options{}, c.w)
		if s.Inventory.SHA256 != c.hash {
			t.Errorf("%s: inventory SHA-256 %q, want %q", c.format, s.Inventory.SHA256, c.hash)
		}
	}
}

// TestRunEvaluationError: a chain that cannot be evaluated (Run evaluates
// the chains beside the first pass) fails the run with the chain's error,
// before the writer is given anything, in every output format.
func TestRunEvaluationError(t *testing.T) {
	path := inventoryFile(t, 2000, 2000)
	cat := contosoCatalogue(t)
	chains := append(todayAndRenewal(t), Chain{Name: "empty.pem", Kind: KindCandidate, Inputs: []chain.Input{{Source: "empty.pem"}}})
	for name, w := range map[string]func(io.Writer) Writer{
		"html":     func(w io.Writer) Writer { return NewHTMLWriter(w) },
		"table":    func(w io.Writer) Writer { return NewTableWriter(w, remedy.SH) },
		"csv":      func(w io.Writer) Writer { return NewCSVWriter(w) },
		"csv-long": func(w io.Writer) Writer { return NewLongCSVWriter(w) },
		"json":     func(w io.Writer) Writer { return NewJSONWriter(w) },
	} {
		var out bytes.Buffer
		_, err := Run(cat, "inventory.csv", fileOpener(path), chains, Options{At: at2026}, w(&out))
		if err == nil || err.Error() != "empty.pem: empty.pem: no certificate" {
			t.Errorf("%s: Run error %v, want empty.pem: empty.pem: no certificate", name, err)
		}
		if out.Len() != 0 {
			t.Errorf("%s: %d bytes written before the error", name, out.Len())
		}
	}
}
