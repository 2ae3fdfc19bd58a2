package truststore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore/hostiletest"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestEmbeddedStores(t *testing.T) {
	c := Default()
	want := map[string]int{ReleaseRTM: 17, ReleaseCU10: 18, ReleaseCU11: 34}
	for _, s := range c.Stores() {
		if got := len(s.Roots); got != want[s.Name] {
			t.Errorf("store %s: %d roots, want %d", s.Name, got, want[s.Name])
		}
		for _, r := range s.Roots {
			if got := SHA1Hex(r.Cert); got != r.SHA1 {
				t.Errorf("root %s: certificate thumbprint %s", r.SHA1, got)
			}
		}
	}
	if n := len(c.Roots()); n != 34 {
		t.Errorf("%d distinct roots, want 34", n)
	}
	if n := len(c.Known()); n != 1278 {
		t.Errorf("%d known CAs, want 1278", n)
	}
}

func TestValidRootsAt(t *testing.T) {
	c := Default()
	tests := []struct {
		store, at string
		valid     int
	}{
		{ReleaseRTM, "2026-11-22", 5},
		{ReleaseCU10, "2026-11-22", 6},
		{ReleaseCU11, "2026-11-22", 21},
		{ReleaseCU11, "2026-11-28", 20}, // Entrust Root CA (B31EB1B7) expires 2026-11-27
		{ReleaseCU11, "2029-06-01", 16}, // AAA, GlobalSign R1 2028, Class 2/3 PCA (2028-08-01) gone
	}
	for _, tt := range tests {
		if got := len(c.Store(tt.store).ValidAt(day(tt.at))); got != tt.valid {
			t.Errorf("store %s at %s: %d valid roots, want %d", tt.store, tt.at, got, tt.valid)
		}
	}
}

func TestRootFacts(t *testing.T) {
	c := Default()
	tests := []struct {
		sha1, key, sig, notAfter, name string
	}{
		{"4463C531D7CCC1006794612BB656D3BF8257846F", "RSA 1000", "MD2-RSA", "2010-01-07", "Secure Server Certification Authority"},
		{"D1EB23A46D17D68FD92564C2F1F1601764D8E349", "RSA 2048", "SHA1-RSA", "2028-12-31", "AAA Certificate Services"},
		{"2F173F7DE99667AFA57AF80AA2D1B12FAC830338", "RSA 2048", "MD5-RSA", "2014-01-28", "GlobalSign Root CA"},
		{"D4DE20D05E66FC53FE1A50882C78DB2852CAE474", "RSA 2048", "SHA1-RSA", "2025-05-12", "Baltimore CyberTrust Root"},
	}
	for _, tt := range tests {
		r := c.RootBySHA1(strings.ToLower(tt.sha1))
		if r == nil {
			t.Fatalf("root %s missing", tt.sha1)
		}
		if got := PublicKeyDescription(r.Cert); got != tt.key {
			t.Errorf("%s key %q, want %q", tt.sha1, got, tt.key)
		}
		if got := SignatureAlgorithmName(r.Cert); got != tt.sig {
			t.Errorf("%s signature %q, want %q", tt.sha1, got, tt.sig)
		}
		if got := r.Cert.NotAfter.UTC().Format(time.DateOnly); got != tt.notAfter {
			t.Errorf("%s expiry %s, want %s", tt.sha1, got, tt.notAfter)
		}
		if got := DisplayName(r.Cert); got != tt.name {
			t.Errorf("%s name %q, want %q", tt.sha1, got, tt.name)
		}
		if r.Note == "" {
			t.Errorf("%s: correction note missing", tt.sha1)
		}
	}
	// The two GlobalSign R1 copies and the two Entrust.net (2048) copies share one key.
	for _, pair := range [][2]string{
		{"2F173F7DE99667AFA57AF80AA2D1B12FAC830338", "B1BC968BD4F49D622AA89A81F2150152A41D829C"},
		{"801D62D07B449D5C5C035C98EA61FA443C2A58FE", "503006091D97D4F5AE39F7CBE7927D7D652D3431"},
	} {
		a, b := c.RootBySHA1(pair[0]).Cert, c.RootBySHA1(pair[1]).Cert
		if string(a.RawSubjectPublicKeyInfo) != string(b.RawSubjectPublicKeyInfo) {
			t.Errorf("%s and %s should share a key", pair[0], pair[1])
		}
	}
	if got := c.StoresHolding("5FB7EE0633E259DBAD0C4C9AE6D38F1A61C7DC25"); strings.Join(got, ",") != "CU10,CU11" {
		t.Errorf("DigiCert EV held by %v, want CU10,CU11", got)
	}
}

func TestResolve(t *testing.T) {
	c := Default()
	tests := []struct {
		input, version, release, store string
		verified                       bool
		families                       string
	}{
		{"4.0.7577.4411", "4.0.7577.4411", "CU10", "CU10", true, FamilyCX700},
		{"4.0.7577.4414", "4.0.7577.4414", "CU10", "CU10", true, FamilyCX500 + "|" + FamilyAastra + "|" + FamilyHP},
		{"4.0.7577.4372", "4.0.7577.4372", "CU7", "RTM", true, FamilyCX500},
		{"4.0.7577.4366", "4.0.7577.4366", "CU7", "RTM", true, FamilyAastra + "|" + FamilyHP},
		{"4.0.7576.0", "4.0.7576.0", "RTM", "RTM", true, FamilyCX700 + "|" + FamilyCX500 + "|" + FamilyAastra},
		{"CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)", "4.0.7577.4420", "CU11", "CU11", true, strings.Join(Families, "|")},
		{"cpe/4.0.7577.4397 ocphone/4.0.7577.4397 (Microsoft Lync 2010 Phone Edition)", "4.0.7577.4397", "CU9", "RTM", true, strings.Join(Families, "|")},
		{"OCPhone/4.0.7577.4455 (Microsoft Lync Phone Edition)", "4.0.7577.4455", "CU15", "CU11", true, FamilyCX500 + "|" + FamilyAastra + "|" + FamilyHP},
		{"4.0.7577.4463", "4.0.7577.4463", "May 2015", "CU11", false, strings.Join(Families, "|")},
		{"3.5.6907.222", "3.5.6907.222", "OCS 2007 R2", "RTM", false, FamilyCX700},
		{"1.0.522.999", "1.0.522.999", "pre-RTM", "RTM", false, ""},
		{"4.0.7577.9999", "4.0.7577.9999", "newer than May 2015", "CU11", false, ""},
		{"4.0.7577.4405", "4.0.7577.4405", "CU9", "RTM", false, ""},
		{"cu13", "4.0.7577.4450", "CU13", "CU11", true, FamilyCX500 + "|" + FamilyAastra + "|" + FamilyHP},
	}
	for _, tt := range tests {
		rs, err := c.Resolve(tt.input)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.input, err)
			continue
		}
		r := rs[len(rs)-1]
		got := []string{r.Version, r.Release, r.Store, strings.Join(r.Families, "|")}
		want := []string{tt.version, tt.release, tt.store, tt.families}
		if strings.Join(got, ";") != strings.Join(want, ";") || r.Verified != tt.verified {
			t.Errorf("Resolve(%q) = %q verified=%v, want %q verified=%v", tt.input, got, r.Verified, want, tt.verified)
		}
		if !r.Verified && r.Note == "" {
			t.Errorf("Resolve(%q): unverified without a note", tt.input)
		}
	}
	if rs, _ := c.Resolve("CU10"); len(rs) != 2 {
		t.Errorf("CU10 resolves to %d builds, want 2", len(rs))
	}
	if rs, _ := c.Resolve("CU7"); len(rs) != 3 {
		t.Errorf("CU7 resolves to %d builds, want 3", len(rs))
	}
}

func TestResolveErrors(t *testing.T) {
	c := Default()
	tests := []struct{ input, want string }{
		{"UCCAPI/4.0.7577.314 OC/4.0.7577.314 (Microsoft Lync 2010)", "not a Lync Phone Edition user-agent"},
		{"Mozilla/5.0 (Windows NT 10.0)", "not a Lync Phone Edition user-agent"},
		{"CU99", `unknown release "CU99"`},
		{"4.0.x", `malformed version "4.0.x"`},
		{"4.0.7577.4414.1", `malformed version`},
		{"", "empty firmware input"},
	}
	for _, tt := range tests {
		_, err := c.Resolve(tt.input)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Resolve(%q) error %v, want it to contain %q", tt.input, err, tt.want)
		}
	}
	if _, err := c.Resolve("UCCAPI/4.0.7577.314 OC/4.0.7577.314 (Microsoft Lync 2010)"); !errors.Is(err, ErrNotPhoneUserAgent) {
		t.Errorf("desktop user-agent: error %v is not ErrNotPhoneUserAgent", err)
	}
}

func TestEarliestBuilds(t *testing.T) {
	c := Default()
	cu10 := c.EarliestBuilds(func(s string) bool { return s == ReleaseCU10 || s == ReleaseCU11 })
	want := map[string]string{FamilyCX700: "4.0.7577.4411", FamilyCX500: "4.0.7577.4414", FamilyAastra: "4.0.7577.4414", FamilyHP: "4.0.7577.4414"}
	for f, v := range want {
		if cu10[f].Version != v {
			t.Errorf("earliest CU10+ build for %s: %q, want %s", f, cu10[f].Version, v)
		}
	}
	rtm := c.EarliestBuilds(func(s string) bool { return true })
	if rtm[FamilyHP].Version != "4.0.7577.4047" {
		t.Errorf("earliest HP build %q, want CU4 4.0.7577.4047", rtm[FamilyHP].Version)
	}
	if rtm[FamilyCX700].Version != "4.0.7576.0" {
		t.Errorf("earliest verified CX700 build %q, want RTM 4.0.7576.0", rtm[FamilyCX700].Version)
	}
}

func TestFamilyOfDevice(t *testing.T) {
	tests := []struct{ manufacturer, model, want string }{
		{"POLYCOM", "CX700", FamilyCX700},
		{"POLYCOM", "CX600", FamilyCX500},
		{"POLYCOM", "CX3000", FamilyCX500},
		{"Aastra", "6725ip", FamilyAastra},
		{"LG-Nortel", "IP8540", FamilyCX700},
		{"HP", "4120", FamilyHP},
		{"Microsoft", "CPE", ""},
		{"Polycom", "VVX 600", ""},
	}
	for _, tt := range tests {
		if got := FamilyOfDevice(tt.manufacturer, tt.model); got != tt.want {
			t.Errorf("FamilyOfDevice(%q, %q) = %q, want %q", tt.manufacturer, tt.model, got, tt.want)
		}
	}
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOverlay(t *testing.T) {
	dir := t.TempDir()
	g2, err := os.ReadFile(filepath.Join("certs", "known", "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.pem"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "g2.pem", string(g2))
	overlay := writeFile(t, dir, "overlay.yaml", `stores:
  - name: CONTOSO
    base: CU11
    roots:
      - file: g2.pem
        note: published in AD
firmware:
  - version: 4.0.7577.4470
    release: Contoso pilot
    store: CONTOSO
    released: 2016-01-15
    families: [cx500, 6725ip]
`)
	c, err := Load(overlay)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Store("contoso")
	if s == nil || len(s.Roots) != 35 || !s.UserData || s.Base != "CU11" {
		t.Fatalf("overlay store: %+v", s)
	}
	r := c.RootBySHA1("DF3C24F9BFD666761B268073FE06D1CC8D4F82A4")
	if r == nil || !r.UserData || r.AddedIn != "CONTOSO" || !strings.HasPrefix(r.Note, "user data from g2.pem") {
		t.Fatalf("overlay root: %+v", r)
	}
	rs, err := c.Resolve("4.0.7577.4470")
	if err != nil {
		t.Fatal(err)
	}
	b := rs[0].Build
	if b.Store != "CONTOSO" || !b.UserData || b.Release != "Contoso pilot" || strings.Join(b.Families, "|") != FamilyCX500+"|"+FamilyAastra {
		t.Fatalf("overlay build: %+v", b)
	}
	// The embedded catalogue is untouched.
	if Default().Store("CONTOSO") != nil || len(Default().Store("CU11").Roots) != 34 {
		t.Fatal("overlay changed the embedded catalogue")
	}
	// JSON is accepted too.
	j := writeFile(t, dir, "overlay.json", `{"stores": [{"name": "CU11", "roots": [{"file": "g2.pem"}]}]}`)
	c, err = Load(j)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Store("CU11").Roots); n != 35 {
		t.Fatalf("JSON overlay: CU11 has %d roots, want 35", n)
	}
}

func TestOverlayErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, data, want string }{
		{"badpem.yaml", "stores:\n  - name: X\n    roots:\n      - pem: |\n          -----BEGIN CERTIFICATE-----\n          AAAA\n", "badpem.yaml:4: root inline PEM: truncated or malformed PEM block"},
		{"notcert.yaml", "stores:\n  - name: X\n    roots:\n      - pem: hello\n", "notcert.yaml:4: root inline PEM: no PEM certificate found"},
		{"missing.yaml", "stores:\n  - name: X\n    roots:\n      - file: nope.pem\n", "missing.yaml:4: root file nope.pem: no such file or directory"},
		{"unknownkey.yaml", "stores:\n  - name: X\n    rootz: []\n", `unknownkey.yaml:2: store: unknown field "rootz"`},
		{"topkey.yaml", "storez: []\n", `topkey.yaml:1: unknown field "storez" (allowed: stores, firmware)`},
		{"syntax.yaml", "stores: [\n", "syntax.yaml:"},
		{"nostore.yaml", "firmware:\n  - version: 4.0.7577.4470\n    store: NOPE\n", `nostore.yaml:2: firmware 4.0.7577.4470: store "NOPE" is not defined`},
		{"badver.yaml", "firmware:\n  - version: 4.x\n    store: CU11\n", `badver.yaml:2: firmware: malformed version "4.x"`},
		{"badfam.yaml", "firmware:\n  - version: 4.0.7577.4470\n    store: CU11\n    families: [vvx]\n", `unknown device family "vvx"`},
		{"empty.yaml", "", "empty.yaml: empty file"},
	}
	for _, tt := range tests {
		p := writeFile(t, dir, tt.name, tt.data)
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", tt.name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "absent.yaml")); err == nil || !strings.Contains(err.Error(), "absent.yaml: no such file") {
		t.Errorf("absent overlay: %v", err)
	}
}

// BenchmarkColdStart measures parsing the embedded data, the work a fresh
// `lpetrust roots` does before printing (target: well under 30 ms).
func BenchmarkColdStart(b *testing.B) {
	for b.Loop() {
		if _, err := loadEmbedded(); err != nil {
			b.Fatal(err)
		}
	}
}

// A version with a sign in it is malformed everywhere (it once passed
// ParseVersion, resolved to nothing and crashed ResolveStore).
func TestSignedVersionIsMalformed(t *testing.T) {
	c := Default()
	for in, part := range map[string]string{"4.-0": "-0", "0.-0": "-0", "4.+1": "+1"} {
		want := fmt.Sprintf("malformed version %q: %q is not a number", in, part)
		if _, _, err := c.ResolveStore(in); err == nil || err.Error() != want {
			t.Errorf("ResolveStore(%q): %v", in, err)
		}
		if _, err := c.Resolve(in); err == nil {
			t.Errorf("Resolve(%q): no error", in)
		}
	}
}

// An overlay whose aliases expand a small file a thousandfold is refused
// before it is decoded (the file below would decode to 30 GiB).
func TestOverlayAliasBomb(t *testing.T) {
	p := writeFile(t, t.TempDir(), "bomb.yaml", string(hostiletest.OverlayAliasBomb(1<<20, 30000)))
	_, err := Load(p)
	if want := "overlay " + p + ":5: the document is larger than 16 MiB with its aliases expanded"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	p = writeFile(t, t.TempDir(), "laughs.yaml", string(hostiletest.OverlayLaughs(9)))
	_, err = Load(p)
	if want := "overlay " + p + ":6: the document holds more than 200000 values with its aliases expanded"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	p = writeFile(t, t.TempDir(), "many.yaml", string(hostiletest.OverlayAliasBomb(1, 300000)))
	_, err = Load(p)
	if want := "overlay " + p + ": too large (5100068 bytes, the limit is 4 MiB)"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}
