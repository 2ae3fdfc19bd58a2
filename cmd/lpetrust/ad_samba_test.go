package main

// End-to-end tests of lpetrust ad against a real Samba AD DC on loopback.
// They skip unless the environment of .ci/samba-start.sh is loaded:
//
//	sudo .ci/samba-start.sh DIR; set -a; . DIR/env; set +a; go test ./cmd/lpetrust/ -run AD

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/adpublish/sambatest"
	"github.com/lpetrust/lpetrust/truststore"
)

type adEnv struct {
	url, ca, configNC, admin, adminPW, user, userPW string
}

func needADEnv(t *testing.T) adEnv {
	t.Helper()
	return needADEnvLock(t, false)
}

// needADEnvLock takes the DC's test lock, exclusive for a test that
// compares a whole container before and after.
func needADEnvLock(t *testing.T, exclusive bool) adEnv {
	t.Helper()
	e := adEnv{
		url: os.Getenv("LPETRUST_TEST_LDAP_URL"), ca: os.Getenv("LPETRUST_TEST_LDAP_CA"),
		configNC: os.Getenv("LPETRUST_TEST_LDAP_CONFIG_NC"),
		admin:    os.Getenv("LPETRUST_TEST_LDAP_ADMIN"), adminPW: os.Getenv("LPETRUST_TEST_LDAP_ADMIN_PASSWORD_FILE"),
		user: os.Getenv("LPETRUST_TEST_LDAP_USER"), userPW: os.Getenv("LPETRUST_TEST_LDAP_USER_PASSWORD_FILE"),
	}
	if e.url == "" || e.ca == "" || e.admin == "" || e.adminPW == "" {
		sambatest.Skip(t, "no Samba AD DC: run `sudo .ci/samba-install.sh && sudo .ci/samba-start.sh DIR`, "+
			"then `set -a; . DIR/env; set +a` and go test ./cmd/lpetrust/ -run AD (see .ci/samba-start.sh)")
	}
	sambatest.Lock(t, os.Getenv("LPETRUST_TEST_SAMBA_DIR"), exclusive)
	return e
}

// lpetrust runs the CLI in-process and returns its exit code and output.
func lpetrust(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func (e adEnv) adminArgs() []string {
	return []string{"--server", e.url, "--ca-file", e.ca, "--user", e.admin, "--password-file", e.adminPW}
}

// Amazon Root CA 1: a modern root no adpublish test publishes.
const rootFile = "../../testdata/certs/modern/8DA7F965EC5EFC37910F1C6E59FDC1CC6A6EDE16.pem"
const rootSHA1 = "8DA7F965EC5EFC37910F1C6E59FDC1CC6A6EDE16"

// deleteRootObjects deletes the objects rootFile is published in.
func deleteRootObjects(t *testing.T, e adEnv) {
	t.Helper()
	pool, err := adpublish.LoadCAFile(e.ca)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ldap.DialURL(e.url, ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pw, err := os.ReadFile(e.adminPW)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Bind(e.admin, strings.TrimSpace(string(pw))); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(rootFile)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range adpublish.Targets(c, adpublish.KindRoot, e.configNC) {
		if err := conn.Del(ldap.NewDelRequest(tg.DN, nil)); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			t.Fatalf("delete %s: %v", tg.DN, err)
		}
	}
}

func TestADSambaCLI(t *testing.T) {
	e := needADEnv(t)
	args := func(cmd ...string) []string { return append(cmd, e.adminArgs()...) }
	// Start from nothing (ad remove leaves emptied objects: delete them).
	deleteRootObjects(t, e)
	t.Cleanup(func() { deleteRootObjects(t, e) })

	// A dry run against the directory reads but writes nothing.
	code, out, errOut := lpetrust(t, args("ad", "publish", rootFile, "--dry-run")...)
	if code != 0 || !strings.Contains(out, "# dry run: nothing was written\n") || !strings.Contains(out, "changetype: add\n") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = lpetrust(t, args("ad", "list", "--container", "ca", "-o", "json")...)
	if code != 0 || strings.Contains(out, rootSHA1) {
		t.Fatalf("after the dry run: exit %d, %s", code, out)
	}

	// The chain's missing root is not published yet: list exits 1.
	code, out, _ = lpetrust(t, args("ad", "list", "--chain", rootFile)...)
	if code != 1 || !strings.Contains(out, "Amazon Root CA 1  "+rootSHA1+"  no ") {
		t.Fatalf("list --chain before publishing: exit %d\n%s", code, out)
	}

	code, out, errOut = lpetrust(t, args("ad", "publish", rootFile)...)
	if code != 0 || !strings.Contains(out, "\n2 created\n") || !strings.HasPrefix(out, "Server: "+e.url) {
		t.Fatalf("publish: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = lpetrust(t, args("ad", "publish", rootFile)...)
	if code != 0 || !strings.Contains(out, "\n2 unchanged\n") {
		t.Fatalf("publish again: exit %d\n%s", code, out)
	}

	code, out, _ = lpetrust(t, args("ad", "list", "--chain", rootFile, "-o", "json")...)
	var listed struct {
		Connection struct {
			TLSVerified bool   `json:"tls_verified"`
			ConfigNC    string `json:"config_nc"`
		} `json:"connection"`
		Objects []struct {
			Container    string `json:"container"`
			DN           string `json:"dn"`
			Certificates []struct {
				SHA1      string   `json:"sha1"`
				Expired   bool     `json:"expired"`
				LPEStores []string `json:"lpe_stores"`
			} `json:"certificates"`
		} `json:"objects"`
		MissingRoots []struct {
			SHA1       string   `json:"sha1"`
			Published  bool     `json:"published"`
			Containers []string `json:"containers"`
		} `json:"missing_roots"`
	}
	if err := json.Unmarshal([]byte(out), &listed); err != nil || code != 0 {
		t.Fatalf("list -o json: exit %d, %v\n%s", code, err, out)
	}
	if !listed.Connection.TLSVerified || listed.Connection.ConfigNC != e.configNC {
		t.Errorf("connection %+v", listed.Connection)
	}
	if len(listed.MissingRoots) != 1 || !listed.MissingRoots[0].Published || strings.Join(listed.MissingRoots[0].Containers, ",") != "ca,aia" {
		t.Errorf("missing roots %+v", listed.MissingRoots)
	}

	// Published means in Certification Authorities, whatever --container lists.
	code, out, _ = lpetrust(t, args("ad", "list", "--container", "aia", "--chain", rootFile)...)
	if code != 0 || !strings.Contains(out, "Amazon Root CA 1  "+rootSHA1+"  yes ") {
		t.Errorf("list --container aia --chain: exit %d\n%s", code, out)
	}

	// An ordinary user: refused by the directory, explained, exit 1.
	if e.user != "" {
		other := filepath.Join("..", "..", "testdata", "certs", "modern", "CABD2A79A1076A31F21D253635CB039D4329A5E8.pem")
		code, out, _ = lpetrust(t, "ad", "publish", other, "--server", e.url, "--ca-file", e.ca, "--user", e.user, "--password-file", e.userPW)
		want := "failed  ca         ISRG Root X1  CABD2A79A1076A31F21D253635CB039D4329A5E8  insufficient access: needs Enterprise Admins or delegated rights on CN=ISRG Root X1,CN=Certification Authorities,CN=Public Key Services,CN=Services," + e.configNC + " (LDAP result 50)"
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("non-admin publish: exit %d\n%s\nwant line %s", code, out, want)
		}
	}

	// A wrong password: one line, exit 1, the password never shown.
	bad := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(bad, []byte("Wr0ng-Passw0rd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = lpetrust(t, "ad", "list", "--server", e.url, "--ca-file", e.ca, "--user", e.admin, "--password-file", bad)
	wantErr := "lpetrust: bind as " + e.admin + " to " + e.url + ": wrong password (AD code 52e); each wrong try counts towards locking the account out (LDAP result 49)\n"
	if code != 1 || out != "" || errOut != wantErr {
		t.Errorf("wrong password: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// --tls-skip-verify warns and says so in the output.
	code, out, errOut = lpetrust(t, "ad", "list", "--server", e.url, "--tls-skip-verify", "--user", e.admin, "--password-file", e.adminPW)
	if code != 0 || !strings.Contains(errOut, "warning: --tls-skip-verify") || !strings.Contains(out, "certificate NOT verified (--tls-skip-verify)") {
		t.Errorf("--tls-skip-verify: exit %d\n%s%s", code, out, errOut)
	}
	// Without --ca-file the test DC's private CA is unknown: refused.
	code, _, errOut = lpetrust(t, "ad", "list", "--server", e.url, "--user", e.admin, "--password-file", e.adminPW)
	if code != 1 || !strings.Contains(errOut, "certificate signed by unknown authority") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("unverified DC: exit %d, %q", code, errOut)
	}

	code, out, _ = lpetrust(t, args("ad", "remove", "--sha1", strings.ToLower(rootSHA1), "--container", "ca")...)
	if code != 0 || !strings.Contains(out, "removed  ca         Amazon Root CA 1") || !strings.Contains(out, "(the object stays, emptied (placeholders only): deleting it could take a value another publisher adds at that moment)") {
		t.Errorf("remove: exit %d\n%s", code, out)
	}
}

func TestADSambaKerberosCLI(t *testing.T) {
	e := needADEnv(t)
	keytab, conf, spn, realm := os.Getenv("LPETRUST_TEST_KRB5_ADMIN_KEYTAB"), os.Getenv("LPETRUST_TEST_KRB5_CONF"),
		os.Getenv("LPETRUST_TEST_KRB5_SPN"), os.Getenv("LPETRUST_TEST_KRB5_REALM")
	if keytab == "" || conf == "" || spn == "" {
		sambatest.Skip(t, "no Kerberos settings in the Samba environment (see .ci/samba-start.sh)")
	}
	code, out, errOut := lpetrust(t, "ad", "list", "--server", e.url, "--ca-file", e.ca, "--keytab", keytab,
		"--user", "Administrator@"+realm, "--krb5-conf", conf, "--spn", spn, "--container", "ca")
	if code != 0 || !strings.Contains(out, "bound as Administrator@"+realm+",") {
		t.Fatalf("ad list with a keytab: exit %d\n%s%s", code, out, errOut)
	}
	// A bare user name is in krb5.conf's default realm, as kinit takes it.
	code, out, errOut = lpetrust(t, "ad", "list", "--server", e.url, "--ca-file", e.ca, "--keytab", keytab,
		"--user", "Administrator", "--krb5-conf", conf, "--spn", spn, "--container", "ca")
	if code != 0 || !strings.Contains(out, "bound as Administrator@"+realm+",") {
		t.Fatalf("ad list with a keytab and a bare user name: exit %d\n%s%s", code, out, errOut)
	}
}

// TestRemediatePoolSentUnknownRoot: a real TLS server on loopback sends its
// chain with a private root the catalogue does not know. remediate refuses
// to publish a root only the pool vouches for (as ad publish --from-check
// does), even with --apply; --dry-run plans without contacting the DC; and
// with --publish-unknown --apply it publishes exactly the planned root
// (Certification Authorities and AIA) and nothing else, with the warning.
func TestRemediatePoolSentUnknownRoot(t *testing.T) {
	e := needADEnvLock(t, true)
	addr, root := privatePool(t, "lpetrust remediate private")
	sha1 := truststore.SHA1Hex(root)
	t.Cleanup(func() { removeRoot(t, e, sha1) })

	type plan struct {
		Publish []struct {
			SHA1 string `json:"sha1"`
		} `json:"publish"`
		Refused []struct {
			SHA1   string `json:"sha1"`
			Code   string `json:"code"`
			Reason string `json:"reason"`
		} `json:"refused"`
		Outcomes []adpublish.Outcome `json:"outcomes"`
		Verified *bool               `json:"verified"`
		Server   *struct{}           `json:"server"`
	}
	run := func(args ...string) (int, plan, string) {
		t.Helper()
		code, out, errOut := lpetrust(t, append([]string{"remediate", "--pool", addr, "-o", "json"}, args...)...)
		var p plan
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("exit %d: %v\n%s%s", code, err, out, errOut)
		}
		return code, p, errOut
	}
	before := caRoots(t, e)
	want := "not a known public root, and only a server sent it: publishing it would make every domain member trust it; supply its certificate in a file you trust, or ask for it explicitly with --publish-unknown"
	for _, apply := range []bool{false, true} {
		args := e.adminArgs()
		if apply {
			args = append(args, "--apply")
		}
		code, p, _ := run(args...)
		if code != 1 || len(p.Publish) != 0 || len(p.Refused) != 1 || p.Refused[0].SHA1 != sha1 || p.Refused[0].Code != "unvouched" || p.Refused[0].Reason != want {
			t.Fatalf("pool-sent root (apply %v): exit %d, publish %+v, refused %+v", apply, code, p.Publish, p.Refused)
		}
	}
	if after := caRoots(t, e); !sameSet(before, after) {
		t.Fatalf("a refused root changed Certification Authorities: %v -> %v", before, after)
	}

	// Supplied with --intermediates: planned; a dry run contacts no DC
	// (the server named does not exist).
	rootFile := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(rootFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	code, p, errOut := run("--intermediates", rootFile, "--dry-run", "--server", "ldaps://127.0.0.1:1", "--config-nc", e.configNC)
	if code != 1 || len(p.Publish) != 1 || p.Publish[0].SHA1 != sha1 || len(p.Refused) != 0 || p.Server != nil || errOut != "" {
		t.Fatalf("dry run with the root supplied: exit %d, publish %+v, refused %+v, stderr %q", code, p.Publish, p.Refused, errOut)
	}

	// Explicitly asked for: published, exactly that root.
	code, p, errOut = run(append(e.adminArgs(), "--publish-unknown", "--apply")...)
	warn := "lpetrust: warning: lpetrust remediate private Root (" + sha1 + ") is not a known public root and was not supplied in a file: publishing it in Active Directory makes every domain member trust it (every computer and user, not only the phones) for any name it signs\n"
	if len(p.Publish) != 1 || p.Publish[0].SHA1 != sha1 || p.Verified == nil || !*p.Verified || errOut != warn {
		t.Fatalf("--publish-unknown --apply: exit %d, publish %+v, verified %v, stderr %q", code, p.Publish, p.Verified, errOut)
	}
	if len(p.Outcomes) != 2 {
		t.Fatalf("outcomes %+v", p.Outcomes)
	}
	for _, o := range p.Outcomes {
		// "added" when an earlier run left the object (ad remove keeps it).
		if o.SHA1 != sha1 || o.Status != adpublish.StatusCreated && o.Status != adpublish.StatusAdded {
			t.Errorf("outcome %+v", o)
		}
	}
	after := caRoots(t, e)
	if added := minus(after, before); len(added) != 1 || added[0] != sha1 || len(minus(before, after)) != 0 {
		t.Errorf("Certification Authorities changed by %v (want exactly %s)", added, sha1)
	}
}

// caRoots lists the SHA-1s in CN=Certification Authorities.
func caRoots(t *testing.T, e adEnv) []string {
	t.Helper()
	code, out, errOut := lpetrust(t, append([]string{"ad", "list", "--container", "ca", "-o", "json"}, e.adminArgs()...)...)
	var l struct {
		Objects []struct {
			Certificates []struct {
				SHA1 string `json:"sha1"`
			} `json:"certificates"`
		} `json:"objects"`
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil || code != 0 {
		t.Fatalf("ad list: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	var shas []string
	for _, o := range l.Objects {
		for _, c := range o.Certificates {
			shas = append(shas, c.SHA1)
		}
	}
	return shas
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func sameSet(a, b []string) bool { return len(minus(a, b)) == 0 && len(minus(b, a)) == 0 }

func removeRoot(t *testing.T, e adEnv, sha1 string) {
	lpetrust(t, append([]string{"ad", "remove", "--sha1", sha1}, e.adminArgs()...)...)
}
