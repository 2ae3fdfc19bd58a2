package truststore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lpetrust/lpetrust/truststore/hostiletest"
)

// FuzzResolve feeds arbitrary versions, release names and user-agents to
// the resolver: it must never panic, and every answer names a defined store.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"4.0.7577.4414", "CU10", "rtm", "3.5.6907.222", "1.0.199", "4.0.7577.99999999",
		"CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)",
		"UCCAPI/4.0.7577.314 OC/4.0.7577.314 (Microsoft Lync 2010)", "OCPhone/1.2", "4..1", "",
	} {
		f.Add(s)
	}
	c := Default()
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := c.Resolve(in)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error for %q: %q", in, err)
			}
			return
		}
		if len(rs) == 0 {
			t.Fatalf("Resolve(%q): no result and no error", in)
		}
		for _, r := range rs {
			if c.Store(r.Store) == nil {
				t.Fatalf("Resolve(%q): undefined store %q", in, r.Store)
			}
		}
	})
}

// FuzzParseVersion: ParseVersion accepts exactly two to four dot-separated
// runs of one to nine ASCII digits, and what it accepts resolves to a
// defined store through every entry point (no panic, no empty answer).
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"4.0.7577.4414", "4.-0", "0.-0", "4.+1", "4.0x1", "1.2.3.4.5", "4.٣", "4..0", "007.1"} {
		f.Add(s)
	}
	c := Default()
	f.Fuzz(func(t *testing.T, in string) {
		v, err := ParseVersion(in)
		parts := strings.Split(in, ".")
		valid := len(parts) >= 2 && len(parts) <= 4
		for _, p := range parts {
			valid = valid && p != "" && len(p) <= 9 && strings.Trim(p, "0123456789") == ""
		}
		if (err == nil) != valid {
			t.Fatalf("ParseVersion(%q) = %v, %v; valid = %v", in, v, err, valid)
		}
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		s, r, err := c.ResolveStore(in)
		if err != nil || s == nil || c.Store(r.Store) == nil {
			t.Fatalf("ResolveStore(%q) = %v, %+v, %v", in, s, r, err)
		}
	})
}

// FuzzOverlay feeds arbitrary overlay files to the loader: no panic, errors
// on one line, and the embedded catalogue untouched.
func FuzzOverlay(f *testing.F) {
	f.Add("stores:\n  - name: X\n    base: CU11\nfirmware:\n  - version: 4.0.7577.4470\n    store: X\n    families: [cx500]\n")
	f.Add(`{"stores": [{"name": "CU11", "roots": [{"pem": "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"}]}]}`)
	f.Add("stores: [\n")
	f.Add("firmware:\n  - version: 1\n")
	f.Add(string(hostiletest.OverlayLaughs(4)))
	f.Add(string(hostiletest.OverlayAliasBomb(100, 20)))
	f.Add("a: &a [*a]\n")
	f.Fuzz(func(t *testing.T, data string) {
		p := filepath.Join(t.TempDir(), "overlay.yaml")
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(p); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error: %q", err)
		}
		if n := len(Default().Store(ReleaseCU11).Roots); n != 34 {
			t.Fatalf("overlay changed the embedded CU11 store: %d roots", n)
		}
	})
}
