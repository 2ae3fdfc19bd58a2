package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/adpublish/fakeldap"
	"github.com/lpetrust/lpetrust/adpublish/sambatest"
	"github.com/lpetrust/lpetrust/chain/live/livetest"
)

// TestADStartTLSStall: a server that accepts StartTLS and then goes silent
// (a fake: no real DC does this) ends in the timeout, one line naming it.
func TestADStartTLSStall(t *testing.T) {
	s := fakeldap.Start(t, fakeldap.StallAfterStartTLS)
	start := time.Now()
	code, out, errOut := lpetrust(t, "ad", "list", "--server", "ldap://"+s.Addr, "--timeout", "1s")
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %s", took)
	}
	if want := "lpetrust: StartTLS with ldap://" + s.Addr + ": no answer within 1s\n"; code != 1 || out != "" || errOut != want {
		t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant   %q", code, out, errOut, want)
	}
}

// utf16File writes s as PowerShell 5's Out-File does: UTF-16LE with a BOM, CRLF.
func utf16File(t *testing.T, s string) string {
	b := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s + "\r\n")) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	p := filepath.Join(t.TempDir(), "pw-utf16.txt")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestADPasswordFilesAsWindowsWritesThem: UTF-16LE with a BOM (Out-File)
// and UTF-8 with a BOM (Notepad), CRLF, both bind.
func TestADPasswordFilesAsWindowsWritesThem(t *testing.T) {
	e := needADEnv(t)
	pw, err := os.ReadFile(e.adminPW)
	if err != nil {
		t.Fatal(err)
	}
	utf8BOM := filepath.Join(t.TempDir(), "pw-utf8.txt")
	if err := os.WriteFile(utf8BOM, append([]byte("\xef\xbb\xbf"), append(pw, "\r\n"...)...), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{utf16File(t, string(pw)), utf8BOM} {
		code, out, errOut := lpetrust(t, "ad", "list", "--server", e.url, "--ca-file", e.ca, "--user", e.admin, "--password-file", f, "--container", "ca")
		if code != 0 || !strings.Contains(out, "bound as "+e.admin) {
			t.Errorf("%s: exit %d\n%s%s", filepath.Base(f), code, out, errOut)
		}
	}
}

// TestADDisabledAccount: a disabled account (a test user made for it, never
// the administrator) gets AD's 533 sentence.
func TestADDisabledAccount(t *testing.T) {
	e := needADEnv(t)
	adminPW, _ := os.ReadFile(e.adminPW)
	pool, err := adpublish.LoadCAFile(e.ca)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ldap.DialURL(e.url, ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.Bind(e.admin, strings.TrimSpace(string(adminPW))); err != nil {
		t.Fatal(err)
	}
	domainDN := strings.TrimPrefix(e.configNC, "CN=Configuration,")
	name := "lpedisabled13"
	dn := "CN=" + name + ",CN=Users," + domainDN
	_ = raw.Del(ldap.NewDelRequest(dn, nil))
	const userPW = "D1sabled-test-passw0rd"
	quoted := utf16.Encode([]rune(`"` + userPW + `"`))
	pwBytes := make([]byte, 0, 2*len(quoted))
	for _, u := range quoted {
		pwBytes = binary.LittleEndian.AppendUint16(pwBytes, u)
	}
	add := ldap.NewAddRequest(dn, nil)
	add.Attribute("objectClass", []string{"user"})
	add.Attribute("sAMAccountName", []string{name})
	add.Attribute("userPrincipalName", []string{name + "@" + strings.SplitN(e.admin, "@", 2)[1]})
	add.Attribute("unicodePwd", []string{string(pwBytes)})
	add.Attribute("userAccountControl", []string{"514"}) // normal account, disabled
	if err := raw.Add(add); err != nil {
		t.Fatalf("add the disabled test user: %v", err)
	}
	t.Cleanup(func() { _ = raw.Del(ldap.NewDelRequest(dn, nil)) })
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(userPW), 0o600); err != nil {
		t.Fatal(err)
	}
	user := name + "@" + strings.SplitN(e.admin, "@", 2)[1]
	code, out, errOut := lpetrust(t, "ad", "list", "--server", e.url, "--ca-file", e.ca, "--user", user, "--password-file", pwFile)
	want := "lpetrust: bind as " + user + " to " + e.url + ": the account is disabled (AD code 533): an administrator must enable it (LDAP result 49)\n"
	if code != 1 || out != "" || errOut != want {
		t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant   %q", code, out, errOut, want)
	}
}

// TestADDomainDiscovery: --domain finds the DCs from SRV records served by
// a loopback DNS server; the first (priority 0) is down, the second is used,
// for a simple bind and for Kerberos with a password and no krb5.conf (the
// KDC comes from _kerberos._tcp too); remediate and report --with-ad find
// it the same way and print commands that do.
func TestADDomainDiscovery(t *testing.T) {
	e := needADEnv(t)
	realm := os.Getenv("LPETRUST_TEST_KRB5_REALM")
	if realm == "" {
		sambatest.Skip(t, "no LPETRUST_TEST_KRB5_REALM in the Samba environment")
	}
	domain := strings.ToLower(realm)
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downPort := down.Addr().(*net.TCPAddr).Port
	down.Close() // nothing listens there now
	z := livetest.NewZone()
	z.Add(fmt.Sprintf("_ldap._tcp.dc._msdcs.%s. 60 IN SRV 0 100 %d dcdown.%s.", domain, downPort, domain))
	z.Add(fmt.Sprintf("_ldap._tcp.dc._msdcs.%s. 60 IN SRV 10 100 389 dc1.%s.", domain, domain))
	z.Add(fmt.Sprintf("_kerberos._tcp.%s. 60 IN SRV 0 100 88 dc1.%s.", realm, domain))
	z.Add(fmt.Sprintf("dcdown.%s. 60 IN A 127.0.0.1", domain))
	z.Add(fmt.Sprintf("dc1.%s. 60 IN A 127.0.0.1", domain))
	dns := livetest.StartDNS(t, z)

	code, out, errOut := lpetrust(t, "ad", "list", "--domain", domain, "--dns-server", dns, "--ca-file", e.ca,
		"--user", e.admin, "--password-file", e.adminPW, "--container", "ca", "--timeout", "5s")
	want := "Server: ldap://dc1." + domain + ":389 (starttls, certificate verified), bound as " + e.admin
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("simple bind: exit %d\n%s%s\nwant %s", code, out, errOut, want)
	}

	t.Setenv("KRB5_CONFIG", filepath.Join(t.TempDir(), "no-krb5.conf"))
	code, out, errOut = lpetrust(t, "ad", "list", "--domain", domain, "--dns-server", dns, "--kerberos",
		"--user", "Administrator@"+realm, "--password-file", e.adminPW, "--container", "ca", "--timeout", "5s")
	want = "Server: ldap://dc1." + domain + ":389 (sasl-sealed, signed and encrypted by the Kerberos session, DC proven by Kerberos), bound as Administrator@" + realm
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("kerberos: exit %d\n%s%s\nwant %s", code, out, errOut, want)
	}

	// remediate takes the same connection flags: its plan (nothing is
	// written without --apply) reads the DC found through DNS, and the
	// printed commands reach it the same way. The root is made here, so no
	// other test has published it.
	h := livetest.NewHierarchy(t, "lpetrust remediate domain", 90, time.Now().AddDate(1, 0, 0), "pool.lpe.test")
	chainFile := filepath.Join(t.TempDir(), "pool.pem")
	var pemData []byte
	for _, c := range []*x509.Certificate{h.Leaf.Cert, h.Inter.Cert, h.Root.Cert} {
		pemData = append(pemData, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(chainFile, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = lpetrust(t, "--shell", "sh", "remediate", "--chain", chainFile, "--domain", domain, "--dns-server", dns, "--ca-file", e.ca,
		"--user", e.admin, "--password-file", e.adminPW, "--ldap-timeout", "5s", "--deadline", "1m")
	want = "Server: ldap://dc1." + domain + ":389 (starttls, certificate verified), bound as " + e.admin
	publish := "lpetrust ad publish --from-inspect " + chainFile + " --domain " + domain + " --dns-server " + dns + " --ca-file " + e.ca +
		" --user " + e.admin + " --password-file " + e.adminPW + "\n"
	if code != 1 || !strings.HasPrefix(out, want) || !strings.Contains(out, publish) || !strings.Contains(out, "Directory changes planned (nothing written):") {
		t.Fatalf("remediate --domain: exit %d\n%s%s\nwant %s\nand %s", code, out, errOut, want, publish)
	}

	// report --with-ad too: the roots are read from the DC found through
	// DNS, and the plan's commands say --domain.
	code, out, errOut = lpetrust(t, "--shell", "sh", "report", "--inventory", filepath.Join("..", "..", "testdata", "inventory", "phones-semicolon.csv"),
		"--chain", chainFile, "--with-ad", "--domain", domain, "--dns-server", dns, "--ca-file", e.ca, "--user", e.admin, "--password-file", e.adminPW)
	if code != 1 || errOut != "" || !strings.Contains(out, publish) {
		t.Fatalf("report --with-ad --domain: exit %d\n%s%s\nwant %s", code, out, errOut, publish)
	}

	// Every DC down: one line naming each.
	z2 := livetest.NewZone()
	z2.Add(fmt.Sprintf("_ldap._tcp.dc._msdcs.%s. 60 IN SRV 0 100 %d dcdown.%s.", domain, downPort, domain))
	z2.Add(fmt.Sprintf("dcdown.%s. 60 IN A 127.0.0.1", domain))
	dns2 := livetest.StartDNS(t, z2)
	code, _, errOut = lpetrust(t, "ad", "list", "--domain", domain, "--dns-server", dns2, "--timeout", "2s")
	if want := fmt.Sprintf("lpetrust: connect to ldap://dcdown.%s:%d: cannot reach the directory: dial tcp 127.0.0.1:%d: connection refused\n", domain, downPort, downPort); code != 1 || errOut != want {
		t.Fatalf("all down: exit %d, stderr %q\nwant %q", code, errOut, want)
	}
}

// TestADKerberosPasswordSigningDC: against the DC that requires signing and
// has no TLS, lpetrust ad with --kerberos and a password lists, publishes
// and removes over the sealed SASL layer.
func TestADKerberosPasswordSigningDC(t *testing.T) {
	url, admin, krb5 := os.Getenv("LPETRUST_TEST_STRONG_LDAP_URL"), os.Getenv("LPETRUST_TEST_STRONG_ADMIN"), os.Getenv("LPETRUST_TEST_STRONG_KRB5_CONF")
	pwFile := os.Getenv("LPETRUST_TEST_STRONG_ADMIN_PASSWORD_FILE")
	if url == "" || admin == "" || krb5 == "" {
		sambatest.Skip(t, "no signing-required Samba DC: run `sudo .ci/samba-start.sh DIR strong` and load DIR/env")
	}
	sambatest.Lock(t, os.Getenv("LPETRUST_TEST_STRONG_DIR"), false)
	args := func(cmd ...string) []string {
		return append(cmd, "--server", url, "--kerberos", "--user", admin, "--password-file", utf16File(t, readFile(t, pwFile)), "--krb5-conf", krb5)
	}
	lpetrust(t, args("ad", "remove", "--sha1", rootSHA1)...)
	code, out, errOut := lpetrust(t, args("ad", "publish", rootFile)...)
	if code != 0 || !strings.Contains(out, "(sasl-sealed, signed and encrypted by the Kerberos session, DC proven by Kerberos), bound as "+admin) {
		t.Fatalf("publish: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = lpetrust(t, args("ad", "list", "--container", "ca", "-o", "json")...)
	if code != 0 || !strings.Contains(out, rootSHA1) || !strings.Contains(out, `"transport": "sasl-sealed"`) {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = lpetrust(t, args("ad", "remove", "--sha1", rootSHA1)...)
	if code != 0 {
		t.Fatalf("remove: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = lpetrust(t, args("ad", "list", "--container", "ca", "-o", "json")...)
	if code != 0 || strings.Contains(out, rootSHA1) {
		t.Fatalf("after remove: exit %d\n%s", code, out)
	}
}

func readFile(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
