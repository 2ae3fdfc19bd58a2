package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lpetrust/lpetrust/chain/live/livetest"
)

// The check command end to end, against real TLS servers and a real DNS
// server on loopback (package livetest): a three-member pool, one member
// renewed ahead of the others and one serving another certificate without
// SNI, and an Edge that refuses TLS 1.0. The pool's test root is added to
// the CU11 store with an overlay, as an administrator would for a private CA.

func checkOverlay(t *testing.T, p *livetest.Pool) string {
	t.Helper()
	dir := t.TempDir()
	root := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Good.Root.Cert.Raw})
	if err := os.WriteFile(filepath.Join(dir, "lab-root.pem"), root, 0o644); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(dir, "overlay.yaml")
	if err := os.WriteFile(overlay, []byte("stores:\n  - name: CU11\n    roots:\n      - file: lab-root.pem\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return overlay
}

func runLpetrust(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckDiscoveredPoolTable(t *testing.T) {
	p := livetest.StartPool(t)
	overlay := checkOverlay(t, p)
	code, out, errs := runLpetrust("--store", overlay, "--at", "2026-06-01", "check", "--discover", "lpe.test",
		"--resolver", p.DNS, "--port", fmt.Sprint(p.Port), "--timeout", "3s")
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	member := func(n int) string { return fmt.Sprintf("127.0.0.%d:%d", n, p.Port) }
	edge := fmt.Sprintf("127.0.0.5:%d", p.Edge)
	wantLines := []string{
		`^NAME +ADDRESS:PORT +SNI +EXPIRES +RTM +CU10 +CU11 +MINIMUM +PHONE HANDSHAKE$`,
		`^pool\.lpe\.test +` + member(2) + ` +pool\.lpe\.test +2027-03-01 +✗ +✗ +✓ +CU11 +✓ TLS 1\.0 AES_128_CBC_SHA$`,
		`^pool\.lpe\.test +` + member(3) + ` +pool\.lpe\.test +2028-03-01 +✗ +✗ +✓ +CU11 +✓ TLS 1\.0 AES_128_CBC_SHA$`,
		`^edge\.lpe\.test +` + edge + ` +edge\.lpe\.test +2027-06-01 +✗ +✗ +✗ +none +✗ refused$`,
		`^sip\.lpe\.test +` + member(2) + ` +sip\.lpe\.test +2027-03-01 +✗ +✗ +✓ +CU11 +✓ TLS 1\.0`,
		`^  - edge\.lpe\.test\s+\(` + edge + `\):\s+phone\s+handshake\s+\(TLS\s+1\.0,\s+RSA\s+CBC\s+suites\)\s+refused:\s+remote\s+error:\s+tls:\s+protocol\s+version\s+not\s+supported$`,
		`^  - pool\.lpe\.test\s+\(` + member(4) + `\):\s+without\s+SNI\s+the\s+server\s+presents\s+another\s+certificate\s+\([0-9A-F]{40},\s+edge\.lpe\.test\)`,
		`^Pool consistency:$`,
		`^  - pool\s+pool\.lpe\.test\s+port\s+\d+:\s+1\s+of\s+\d\s+members\s+differ\s+from\s+the\s+others:\s+` + member(3) + `\s+serves\s+leaf\s+[0-9A-F]{8}\s+\(pool\.lpe\.test,\s+expires\s+2028-03-01\)`,
		`^  1\. the chain is incomplete: the issuer of Other Issuing CA \(CN=Other Root,O=lpetrust tests\) was not supplied, so no$`,
		`^     firmware store can be judged; give the issuing CA's certificate with --intermediates FILE, or fetch it from the$`,
		`^  2\. re-enable TLS 1\.0 with RSA key exchange \(TLS_RSA_WITH_AES_128_CBC_SHA\) on edge\.lpe\.test \(` + edge + `\): LPE`,
		`^  \d\. publish Good Root \([0-9A-F]{40}\) in Active Directory \(Certification Authorities\) —$`,
		`^     brings back phones signing in with AD credentials with RTM, CU10 firmware \(one directory change, no phone touched\)$`,
		`^         lpetrust ad publish --as root [0-9A-F]{40}\.cer --server ldaps://DC01\.EXAMPLE\.COM --user ADMIN@EXAMPLE\.COM --password-file ADMIN\.PW$`,
		`^  \d\. install the same certificate chain on every member of pool\.lpe\.test port \d+ \(odd: ` + member(3) + `\)`,
		`^  \d\. make the pool certificate the default \(no-SNI\) certificate on pool\.lpe\.test \(` + member(4) + `\), so clients that send`,
	}
	for _, re := range wantLines {
		if !regexp.MustCompile("(?m)" + re).MatchString(out) {
			t.Errorf("no line matching %s in:\n%s", re, out)
		}
	}
}

func TestCheckTrustedPoolJSONAndCSV(t *testing.T) {
	p := livetest.StartPool(t)
	overlay := checkOverlay(t, p)
	target := fmt.Sprintf("pool.lpe.test:%d", p.Port)
	code, out, errs := runLpetrust("--store", overlay, "--at", "2026-06-01", "-o", "json", "check", target, "--resolver", p.DNS)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	var eps []map[string]any
	if err := json.Unmarshal([]byte(out), &eps); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	members := 3
	if p.V6 {
		members = 4
	}
	if len(eps) != members {
		t.Fatalf("%d endpoints, want %d", len(eps), members)
	}
	e := eps[0]
	for k, v := range map[string]any{"target": target, "address": "127.0.0.2", "port": float64(p.Port), "sni": "pool.lpe.test", "error": nil, "minimum_release": "CU11"} {
		if e[k] != v {
			t.Errorf("%s = %#v, want %#v", k, e[k], v)
		}
	}
	ph := e["phone_handshake"].(map[string]any)
	if ph["ok"] != true || ph["version"] != "TLS 1.0" || ph["cipher_suite"] != "TLS_RSA_WITH_AES_128_CBC_SHA" || ph["error"] != "" {
		t.Errorf("phone_handshake = %v", ph)
	}
	if v := e["verdicts"].([]any); len(v) != 3 || v[2].(map[string]any)["trusted"] != true || v[0].(map[string]any)["trusted"] != false {
		t.Errorf("verdicts = %v", v)
	}

	code, out, _ = runLpetrust("--store", overlay, "--at", "2026-06-01", "-o", "csv", "check", target, "--resolver", p.DNS)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != members+1 {
		t.Fatalf("exit %d, csv:\n%s", code, out)
	}
	if lines[0] != "target,via,name,address,port,sni,leaf_sha1,leaf_expires,trusted_RTM,trusted_CU10,trusted_CU11,minimum_release,missing_roots,phone_ok,phone_version,phone_cipher_suite,phone_error,modern_version,modern_cipher_suite,sni_differs,modern_differs,chain_from,error" {
		t.Errorf("csv header %s", lines[0])
	}
	want := fmt.Sprintf("%s,target,pool.lpe.test,127.0.0.2,%d,pool.lpe.test,%s,2027-03-01,false,false,true,CU11,%s,true,TLS 1.0,TLS_RSA_WITH_AES_128_CBC_SHA,,TLS 1.3,TLS_AES_128_GCM_SHA256,false,false,phone,",
		target, p.Port, hexSHA1(p.Good.Leaf.Cert.Raw), hexSHA1(p.Good.Root.Cert.Raw))
	if lines[1] != want {
		t.Errorf("csv row\n got %s\nwant %s", lines[1], want)
	}
}

func hexSHA1(b []byte) string { return fmt.Sprintf("%X", sha1.Sum(b)) }

// flat is s with every run of spaces and newlines made one space: the
// words of an output, whatever its wrapping to 120 columns, so that a test
// can assert the exact text of a wrapped sentence.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// containsFlat reports whether out holds want's words in order, however
// either is wrapped.
func containsFlat(out, want string) bool { return strings.Contains(flat(out), flat(want)) }

// TestCheckUpgradeAdvice: the pool is trusted from CU11 only (its root is in
// the CU11 store through the overlay); judged for CU10 phones, check says
// which release to upgrade to and which roots to publish instead.
func TestCheckUpgradeAdvice(t *testing.T) {
	p := livetest.StartPool(t)
	overlay := checkOverlay(t, p)
	dir := t.TempDir()
	code, out, errs := runLpetrust("--store", overlay, "--at", "2026-06-01", "check", fmt.Sprintf("127.0.0.2:%d", p.Port),
		"--firmware", "CU10", "--export-missing", dir)
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	rootFile := filepath.Join(dir, hexSHA1(p.Good.Root.Cert.Raw)+".pem")
	for _, want := range []string{
		"  2. hand Good Root (" + hexSHA1(p.Good.Root.Cert.Raw) + ") to PIN-authenticated phones",
		"  1. publish Good Root (" + hexSHA1(p.Good.Root.Cert.Raw) + ") in Active Directory (Certification Authorities) — brings back phones signing in with AD credentials with RTM, CU10 firmware",
		"         lpetrust ad publish --from-check 127.0.0.2:" + fmt.Sprint(p.Port) + " --store " + overlay + " --server ldaps://DC01.EXAMPLE.COM --user ADMIN@EXAMPLE.COM --password-file ADMIN.PW\n",
	} {
		if !containsFlat(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if _, err := os.Stat(rootFile); err != nil {
		t.Errorf("exported root: %v", err)
	}
}

// TestCheckAdviceNamesWhatFromCheckCanRedo: a single target checked with
// the default resolver is what "ad publish --from-check" audits again, so the
// advice names it; a chain the target firmware trusts but with an error
// finding gets "fix the findings", never an upgrade.
func TestCheckAdviceNamesWhatFromCheckCanRedo(t *testing.T) {
	p := livetest.StartPool(t)
	overlay := checkOverlay(t, p)
	target := fmt.Sprintf("127.0.0.2:%d", p.Port)
	code, out, errs := runLpetrust("--store", overlay, "--at", "2026-06-01", "check", target, "--firmware", "CU10")
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	want := "         lpetrust ad publish --from-check " + target + " --store " + overlay + " --server ldaps://DC01.EXAMPLE.COM --user ADMIN@EXAMPLE.COM --password-file ADMIN.PW\n"
	if !strings.Contains(out, want) {
		t.Errorf("no %q in:\n%s", want, out)
	}

	code, out, errs = runLpetrust("--store", overlay, "--at", "2026-06-01", "check", target, "--sip-domain", "fabrikam.test")
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	for _, want := range []string{
		"  - " + target + ": error [fact] sip_domain_not_in_san: sip.fabrikam.test is not in the certificate's subject alternative names: LPE phones require it explicitly\n",
		"  1. get a certificate the phones accept: sip.fabrikam.test is not in the certificate's subject alternative names: LPE phones require it explicitly — brings back phones with CU11 firmware (re-issue the certificate)\n",
	} {
		if !containsFlat(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^- +` + regexp.QuoteMeta(target) + ` +- +2027-03-01 +✗ +✗ +✓! +CU11 +✓ TLS 1\.0`).MatchString(out) {
		t.Errorf("no ✓! row for CU11 in:\n%s", out)
	}
}

// TestInspectPasswordFileFromWindows: a password file saved by PowerShell 5
// (UTF-16 with a byte order mark, CRLF) or by Notepad (UTF-8 with a BOM)
// opens the PFX; the password never appears in any output.
func TestInspectPasswordFileFromWindows(t *testing.T) {
	dir := t.TempDir()
	pw := "lpetrust-test-pfx"
	utf16le := []byte{0xff, 0xfe}
	for _, r := range pw + "\r\n" {
		utf16le = append(utf16le, byte(r), 0)
	}
	utf16be := []byte{0xfe, 0xff}
	for _, r := range pw + "\r\n" {
		utf16be = append(utf16be, 0, byte(r))
	}
	pfx := filepath.Join("..", "..", "testdata", "pfx", "aes256.pfx")
	for name, data := range map[string][]byte{
		"utf16le.txt": utf16le,
		"utf16be.txt": utf16be,
		"utf8bom.txt": append([]byte{0xef, 0xbb, 0xbf}, pw+"\n"...),
	} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runLpetrust("--at", "2026-11-22", "-o", "json", "inspect", pfx, "--password-file", file)
		if code != 1 || errs != "" || !strings.Contains(out, `"sha1": "9C310B15A12CF46E9F028F947E49FEF37DDD46C0"`) {
			t.Errorf("%s: exit %d, stderr %q, stdout:\n%s", name, code, errs, out)
		}
		if strings.Contains(out+errs, pw) {
			t.Errorf("%s: password in the output", name)
		}
	}
	// A wrong password says so in one line, without the password.
	file := filepath.Join(dir, "wrong.txt")
	if err := os.WriteFile(file, []byte("not-the-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runLpetrust("inspect", pfx, "--password-file", file)
	if code != 2 || out != "" || errs != "lpetrust: "+pfx+": wrong PKCS#12 password\n" {
		t.Errorf("wrong password: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
