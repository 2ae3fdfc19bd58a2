package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/chain/live/livetest"
	"github.com/lpetrust/lpetrust/truststore"
)

// TestADPublishFromCheckUnknownRoot audits a real TLS server on loopback
// whose chain ends at a private root: --from-check finds the missing root,
// and publish refuses it (exit 2) because the catalogue does not know it.
func TestADPublishFromCheckUnknownRoot(t *testing.T) {
	addr, root := privatePool(t, "lpetrust private test")
	code, out, errOut := lpetrust(t, "ad", "publish", "--from-check", addr, "--dry-run",
		"--config-nc", "CN=Configuration,DC=example,DC=com")
	want := "lpetrust: " + addr + ": missing root lpetrust private test Root (" + truststore.SHA1Hex(root) + ") is not published: not a known public root, and only a server sent it: publishing it would make every domain member trust it; supply its certificate in a file you trust, or ask for it explicitly with --publish-unknown\n"
	if code != 2 || out != "" || errOut != want {
		t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant   %q", code, out, errOut, want)
	}
	// Explicitly asked: published, with the warning.
	code, out, errOut = lpetrust(t, "ad", "publish", "--from-check", addr, "--publish-unknown", "--dry-run",
		"--config-nc", "CN=Configuration,DC=example,DC=com")
	warn := "lpetrust: warning: lpetrust private test Root (" + truststore.SHA1Hex(root) + ") is not a known public root and was not supplied in a file: publishing it in Active Directory makes every domain member trust it (every computer and user, not only the phones) for any name it signs\n"
	if code != 0 || errOut != warn || !strings.Contains(out, "cACertificate:: ") {
		t.Fatalf("--publish-unknown: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	// Item 3: the root handed over with --intermediates is supplied, so
	// --from-check publishes it (as its help says).
	file := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = lpetrust(t, "ad", "publish", "--from-check", addr, "--intermediates", file, "--dry-run",
		"--config-nc", "CN=Configuration,DC=example,DC=com")
	if code != 0 || errOut != "" || !strings.Contains(out, "cACertificate:: ") {
		t.Fatalf("--intermediates: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
}

// TestADPublishLookAlike: item 4, the generated "DigiCert Global Root G2"
// (another key than DigiCert's) is refused, from a chain file or as a file.
func TestADPublishLookAlike(t *testing.T) {
	for _, args := range [][]string{
		{"--from-inspect", "../../testdata/examples/renewal-digicert-g2.pem"},
		{"../../testdata/inventory/chains/g2-root.pem"},
	} {
		code, out, errOut := lpetrust(t, append(append([]string{"ad", "publish"}, args...), "--dry-run", "--config-nc", "CN=Configuration,DC=example,DC=com")...)
		if code != 2 || out != "" || !strings.Contains(errOut, "DigiCert Global Root G2 (CFD56112A4E97964D8FB03CD6F83471B53141C83)") ||
			!strings.Contains(errOut, "known root DigiCert Global Root G2 (DF3C24F9BFD666761B268073FE06D1CC8D4F82A4) with another key: a look-alike") {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %q", args, code, out, errOut)
		}
	}
}

// privatePool serves, on loopback, a real TLS server whose chain (leaf,
// issuing CA and root, all sent) ends at a generated root no catalogue
// knows. It returns the server's address and that root.
func privatePool(t *testing.T, label string) (addr string, root *x509.Certificate) {
	t.Helper()
	h := livetest.NewHierarchy(t, label, 3, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), "pool.example.com")
	cert := h.TLSCert()
	cert.Certificate = append(cert.Certificate, h.Root.Cert.Raw)
	ls := livetest.ListenSamePort(t, "127.0.0.1")
	livetest.ServeTLS(t, ls[0], livetest.ServerConfig(cert, true))
	return ls[0].Addr().String(), h.Root.Cert
}

// TestADAuthChoice: which bind the flags make, on Windows and elsewhere;
// NTLM's rules. No network.
func TestADAuthChoice(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    adFlags
		goos string
		want string
	}{
		{"windows default", adFlags{}, "windows", "integrated"},
		{"linux default", adFlags{}, "linux", "anonymous"},
		{"windows user", adFlags{user: "a@b"}, "windows", "simple a@b"},
		{"windows kerberos", adFlags{kerberos: true}, "windows", "kerberos ccache"},
		{"kerberos password", adFlags{kerberos: true, user: "a@B"}, "linux", "kerberos password a@B"},
		{"keytab", adFlags{keytab: "k", user: "a@B"}, "linux", "kerberos keytab a@B"},
		{"ntlm", adFlags{ntlm: true, user: `D\u`}, "windows", `ntlm D\u`},
		{"ntlm no user", adFlags{ntlm: true}, "windows", "error: --ntlm needs --user (DOMAIN\\user or user@example.com)"},
		{"ntlm kerberos", adFlags{ntlm: true, kerberos: true, user: "u"}, "linux", "error: give one of --ntlm and --kerberos"},
		{"ntlm cleartext", adFlags{ntlm: true, user: "u", insecurePlaintext: true}, "linux", "error: --ntlm never binds over cleartext (it cannot sign here): drop --insecure-plaintext"},
	} {
		a, err := tc.f.auth(tc.goos)
		var got string
		switch {
		case err != nil:
			got = "error: " + err.Error()
		case a.Integrated:
			got = "integrated"
		case a.NTLM:
			got = "ntlm " + a.User
		case a.Kerberos != nil && a.Kerberos.Keytab != "":
			got = "kerberos keytab " + a.Kerberos.Principal
		case a.Kerberos != nil && a.Kerberos.Principal != "":
			got = "kerberos password " + a.Kerberos.Principal
		case a.Kerberos != nil:
			got = "kerberos ccache"
		case a.User != "":
			got = "simple " + a.User
		default:
			got = "anonymous"
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestCheckExportServerOnlyRoot: item 4, check --export-missing writes no
// root that only the server sent (a file would pass for one the
// administrator vouched for), and says why; --publish-unknown exports it,
// warns, and prints a publish command that carries --publish-unknown.
func TestCheckExportServerOnlyRoot(t *testing.T) {
	addr, root := privatePool(t, "lpetrust check export")
	sha := truststore.SHA1Hex(root)
	dir := t.TempDir()
	code, out, errOut := lpetrust(t, "check", addr, "--export-missing", dir)
	if code != 1 || errOut != "" {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Errorf("exported %v", files)
	}
	note := "  not advised for Active Directory: lpetrust check export Root (" + sha + "): not a known public root, and only a server sent it: publishing it would make every domain member trust it; supply its certificate in a file you trust, or ask for it explicitly with --publish-unknown\n"
	if !containsFlat(out, note) || strings.Contains(out, "lpetrust ad publish") {
		t.Errorf("no refusal, or a publish command:\n%s", out)
	}
	code, out, _ = lpetrust(t, "check", addr, "--export-missing", dir, "--publish-unknown")
	if _, err := os.Stat(filepath.Join(dir, sha+".pem")); code != 1 || err != nil {
		t.Errorf("--publish-unknown: exit %d, %v", code, err)
	}
	if !containsFlat(out, "  warning: lpetrust check export Root ("+sha+") is not a known public root and was not supplied in a file: publishing it in Active Directory makes every domain member trust it") ||
		!strings.Contains(out, "lpetrust ad publish --from-check "+addr+" --publish-unknown --server ldaps://DC01.EXAMPLE.COM --user ADMIN@EXAMPLE.COM --password-file ADMIN.PW\n") {
		t.Errorf("--publish-unknown:\n%s", out)
	}
}

// TestPublishRefusal checks that ad publish names the flag that overrides
// a refusal, and only where one does (remediate and the plans, which have
// no such flag, print the refusal alone).
func TestPublishRefusal(t *testing.T) {
	at := time.Date(2019, 12, 24, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		err  error
		want string
	}{
		{&adpublish.RefusedError{Name: "Old CA", Reason: adpublish.RefusedExpired, Date: at}, `"Old CA" expired on 2019-12-24; --allow-expired publishes it anyway`},
		{&adpublish.RefusedError{Name: "New CA", Reason: adpublish.RefusedNotYetValid, Date: at}, `"New CA" is not valid before 2019-12-24; --allow-expired publishes it anyway`},
		{&adpublish.RefusedError{Name: "pool", Reason: adpublish.RefusedNotCA}, `"pool" is not a CA certificate (basicConstraints CA:FALSE, or none and neither keyCertSign nor self-issued); --force publishes it anyway`},
		{&adpublish.RefusedError{Name: "Big CA", Reason: adpublish.RefusedTooLarge, Size: 40000}, "certificate is 40000 bytes, larger than the 32768 the directory schema allows"},
		{fmt.Errorf("wrapped: %w", &adpublish.RefusedError{Name: "Old CA", Reason: adpublish.RefusedExpired, Date: at}), `wrapped: "Old CA" expired on 2019-12-24; --allow-expired publishes it anyway`},
		{errors.New("other"), "other"},
	} {
		if got := publishRefusal(c.err); got != c.want {
			t.Errorf("publishRefusal(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
