package adpublish

// Integration tests against a real Samba AD domain controller on loopback.
// They need the environment .ci/samba-start.sh writes; without it they skip:
//
//	sudo .ci/samba-install.sh              # Debian packages, once
//	sudo .ci/samba-start.sh DIR            # provision (first time) and start
//	set -a; . DIR/env; set +a
//	go test ./adpublish/                   # as root: the restart test stops and starts the DC
//	sudo .ci/samba-stop.sh DIR

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/lpetrust/lpetrust/adpublish/sambatest"
)

// sambaEnv is the test directory's description from DIR/env.
type sambaEnv struct {
	url, startTLSURL, caFile, configNC string
	admin, adminPassword               string
	user, userPassword                 string
	krb5Conf, realm                    string
	dir, start, stop                   string
}

func needSamba(t *testing.T) sambaEnv {
	t.Helper()
	e := sambaEnvironment(t)
	sambatest.Lock(t, e.dir, false)
	return e
}

// needSambaExclusive is needSamba for a test that stops the DC.
func needSambaExclusive(t *testing.T) sambaEnv {
	t.Helper()
	e := sambaEnvironment(t)
	sambatest.Lock(t, e.dir, true)
	return e
}

func sambaEnvironment(t *testing.T) sambaEnv {
	t.Helper()
	e := sambaEnv{
		url: os.Getenv("LPETRUST_TEST_LDAP_URL"), startTLSURL: os.Getenv("LPETRUST_TEST_LDAP_STARTTLS_URL"),
		caFile: os.Getenv("LPETRUST_TEST_LDAP_CA"), configNC: os.Getenv("LPETRUST_TEST_LDAP_CONFIG_NC"),
		admin: os.Getenv("LPETRUST_TEST_LDAP_ADMIN"), user: os.Getenv("LPETRUST_TEST_LDAP_USER"),
		krb5Conf: os.Getenv("LPETRUST_TEST_KRB5_CONF"), realm: os.Getenv("LPETRUST_TEST_KRB5_REALM"),
		dir: os.Getenv("LPETRUST_TEST_SAMBA_DIR"), start: os.Getenv("LPETRUST_TEST_SAMBA_START"),
		stop: os.Getenv("LPETRUST_TEST_SAMBA_STOP"),
	}
	if e.url == "" || e.caFile == "" || e.admin == "" {
		sambatest.Skip(t, "no Samba AD DC: run `sudo .ci/samba-install.sh && sudo .ci/samba-start.sh DIR`, "+
			"then `set -a; . DIR/env; set +a` and go test ./adpublish/ (see .ci/samba-start.sh)")
	}
	e.adminPassword = readSecret(t, os.Getenv("LPETRUST_TEST_LDAP_ADMIN_PASSWORD_FILE"))
	e.userPassword = readSecret(t, os.Getenv("LPETRUST_TEST_LDAP_USER_PASSWORD_FILE"))
	return e
}

func readSecret(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("password file: %v", err)
	}
	return strings.TrimRight(string(b), "\r\n")
}

func (e sambaEnv) options(t *testing.T, user, password string) ConnectOptions {
	t.Helper()
	pool, err := LoadCAFile(e.caFile)
	if err != nil {
		t.Fatal(err)
	}
	return ConnectOptions{Server: e.url, RootCAs: pool, Auth: Auth{User: user, Password: password}, Timeout: 20 * time.Second}
}

func (e sambaEnv) connectAdmin(t *testing.T) *Directory {
	t.Helper()
	d, err := Connect(e.options(t, e.admin, e.adminPassword))
	if err != nil {
		t.Fatalf("connect as admin: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if d.ConfigNC != e.configNC {
		t.Fatalf("config NC from RootDSE = %q, want %q", d.ConfigNC, e.configNC)
	}
	return d
}

// raw is an independent LDAP connection (not the code under test) that the
// tests use to prepare and inspect the directory.
func (e sambaEnv) raw(t *testing.T) *ldap.Conn {
	t.Helper()
	pool, err := LoadCAFile(e.caFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ldap.DialURL(e.url, ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}))
	if err != nil {
		t.Fatalf("raw dial: %v", err)
	}
	if err := c.Bind(e.admin, e.adminPassword); err != nil {
		t.Fatalf("raw bind: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// entry is an object's attributes as read by the raw connection; nil when absent.
func entry(t *testing.T, c *ldap.Conn, dn string) map[string][][]byte {
	t.Helper()
	res, err := c.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"objectClass", "cn", AttrCACertificate, AttrCrossCertificate, AttrAuthorityRevList, AttrCertificateRevList}, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil
	}
	if err != nil {
		t.Fatalf("read %s: %v", dn, err)
	}
	m := map[string][][]byte{}
	for _, a := range res.Entries[0].Attributes {
		m[a.Name] = a.ByteValues
	}
	return m
}

// deleteIfPresent removes a test object left by an earlier run.
func deleteIfPresent(t *testing.T, c *ldap.Conn, dns ...string) {
	t.Helper()
	for _, dn := range dns {
		if err := c.Del(ldap.NewDelRequest(dn, nil)); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			t.Fatalf("clean up %s: %v", dn, err)
		}
	}
}

func targetDNs(c *x509.Certificate, k Kind, configNC string) []string {
	var dns []string
	for _, tg := range Targets(c, k, configNC) {
		dns = append(dns, tg.DN)
	}
	return dns
}

func loadCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "certs", path))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	digiCertG2    = "modern/DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.pem" // not in any LPE store
	entrust2048   = "lpe/503006091D97D4F5AE39F7CBE7927D7D652D3431.pem"    // 2029 re-issue (CU11)
	entrust2048v1 = "lpe/801D62D07B449D5C5C035C98EA61FA443C2A58FE.pem"    // 1999 original, expired 2019
)

// genCA makes a self-signed CA certificate with a fresh key.
func genCA(t testing.TB, cn string) *x509.Certificate {
	c, _ := genCAKey(t, cn)
	return c
}

// genCAKey is genCA that also returns the key.
func genCAKey(t testing.TB, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	return makeCertKey(t, &x509.Certificate{
		Subject:   pkix.Name{CommonName: cn, Organization: []string{"lpetrust tests"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	})
}

func statuses(r *Report) string {
	var s []string
	for _, o := range r.Outcomes {
		s = append(s, fmt.Sprintf("%s:%s", o.Container, o.Status))
	}
	return strings.Join(s, " ")
}

// sameValues compares multi-valued attributes as sets.
func sameValues(got, want [][]byte) bool {
	if len(got) != len(want) {
		return false
	}
	g := append([][]byte(nil), got...)
	w := append([][]byte(nil), want...)
	less := func(s [][]byte) func(i, j int) bool {
		return func(i, j int) bool { return bytes.Compare(s[i], s[j]) < 0 }
	}
	sort.Slice(g, less(g))
	sort.Slice(w, less(w))
	for i := range g {
		if !bytes.Equal(g[i], w[i]) {
			return false
		}
	}
	return true
}

// wantObject asserts an object's exact certificationAuthority attributes.
func wantObject(t *testing.T, c *ldap.Conn, dn, cn string, caCerts [][]byte) {
	t.Helper()
	e := entry(t, c, dn)
	if e == nil {
		t.Fatalf("%s: absent, want an object", dn)
	}
	if got := e["cn"]; len(got) != 1 || string(got[0]) != cn {
		t.Errorf("%s: cn = %q, want %q", dn, got, cn)
	}
	if !sameValues(e["objectClass"], [][]byte{[]byte("top"), []byte("certificationAuthority")}) {
		t.Errorf("%s: objectClass = %q", dn, e["objectClass"])
	}
	if !sameValues(e[AttrCACertificate], caCerts) {
		t.Errorf("%s: %d cACertificate values, want exactly the %d expected", dn, len(e[AttrCACertificate]), len(caCerts))
	}
	for _, a := range []string{AttrAuthorityRevList, AttrCertificateRevList} {
		if !sameValues(e[a], [][]byte{{0}}) {
			t.Errorf("%s: %s = %x, want the one-byte placeholder 00", dn, a, e[a])
		}
	}
}

func TestSambaPublishRoot(t *testing.T) {
	env := needSamba(t)
	raw := env.raw(t)
	g2 := loadCert(t, digiCertG2)
	dns := targetDNs(g2, KindRoot, env.configNC)
	deleteIfPresent(t, raw, dns...)
	t.Cleanup(func() { deleteIfPresent(t, raw, dns...) })
	d := env.connectAdmin(t)

	wantDNs := []string{
		"CN=DigiCert Global Root G2,CN=Certification Authorities,CN=Public Key Services,CN=Services," + env.configNC,
		"CN=DigiCert Global Root G2,CN=AIA,CN=Public Key Services,CN=Services," + env.configNC,
	}
	if strings.Join(dns, "|") != strings.Join(wantDNs, "|") {
		t.Fatalf("targets = %q, want %q", dns, wantDNs)
	}

	r := d.Publish([]*x509.Certificate{g2}, PublishOptions{Kind: KindRoot})
	if got := statuses(r); got != "ca:created aia:created" {
		t.Fatalf("first publish: %s; %+v", got, r.Outcomes)
	}
	for _, dn := range wantDNs {
		wantObject(t, raw, dn, "DigiCert Global Root G2", [][]byte{g2.Raw})
	}

	r = d.Publish([]*x509.Certificate{g2}, PublishOptions{Kind: KindRoot})
	if got := statuses(r); got != "ca:unchanged aia:unchanged" {
		t.Fatalf("second publish: %s", got)
	}
	if len(r.Changes) != 0 {
		t.Errorf("second publish changed %d things", len(r.Changes))
	}
	for _, dn := range wantDNs {
		wantObject(t, raw, dn, "DigiCert Global Root G2", [][]byte{g2.Raw})
	}

	objs, err := d.List(ListOptions{Containers: AllContainers, At: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	pubs := Published(objs, []*x509.Certificate{g2})
	if !pubs[0].Published || fmt.Sprint(pubs[0].Containers) != "[ca aia]" {
		t.Errorf("Published = %+v, want in ca and aia", pubs[0])
	}
	for _, o := range objs {
		if o.DN == wantDNs[0] {
			if len(o.Certificates) != 1 || o.Certificates[0].SHA1 != "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4" ||
				o.Certificates[0].Expired || o.Name != "DigiCert Global Root G2" {
				t.Errorf("listed %+v", o)
			}
		}
	}
}

func TestSambaSameNameTwoCertificates(t *testing.T) {
	env := needSamba(t)
	raw := env.raw(t)
	newer, older := loadCert(t, entrust2048), loadCert(t, entrust2048v1)
	if ObjectName(newer) != ObjectName(older) {
		t.Fatalf("names differ: %q %q", ObjectName(newer), ObjectName(older))
	}
	dns := targetDNs(newer, KindRoot, env.configNC)
	deleteIfPresent(t, raw, dns...)
	t.Cleanup(func() { deleteIfPresent(t, raw, dns...) })
	d := env.connectAdmin(t)

	r := d.Publish([]*x509.Certificate{newer, older}, PublishOptions{Kind: KindRoot})
	if got := statuses(r); got != "ca:created aia:created ca:added aia:added" {
		t.Fatalf("publish: %s %+v", got, r.Outcomes)
	}
	const cn = "Entrust.net Certification Authority !00282048!0029"
	for _, dn := range dns {
		if !strings.HasPrefix(dn, `CN=`+cn+`,`) {
			t.Errorf("DN %s", dn)
		}
		wantObject(t, raw, dn, cn, [][]byte{newer.Raw, older.Raw})
	}

	r, err := d.Remove(RemoveOptions{SHA1: "801D62D07B449D5C5C035C98EA61FA443C2A58FE", Containers: AllContainers})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(r); got != "ca:removed aia:removed ntauth:unchanged" {
		t.Fatalf("remove older: %s %+v", got, r.Outcomes)
	}
	for _, dn := range dns {
		wantObject(t, raw, dn, cn, [][]byte{newer.Raw})
	}

	r, err = d.Remove(RemoveOptions{SHA1: "503006091D97D4F5AE39F7CBE7927D7D652D3431", Containers: []Container{ContainerCA, ContainerAIA}})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(r); got != "ca:removed aia:removed" || r.Outcomes[0].ObjectDeleted || r.Outcomes[1].ObjectDeleted {
		t.Fatalf("remove last: %s %+v", got, r.Outcomes)
	}
	// The emptied objects stay with a placeholder: a delete could take a
	// value another publisher adds at that moment.
	for _, dn := range dns {
		wantObject(t, raw, dn, cn, [][]byte{{0}})
	}
}

func TestSambaNTAuthCreated(t *testing.T) {
	env := needSamba(t)
	raw := env.raw(t)
	dn := ContainerDN(ContainerNTAuth, env.configNC)
	deleteIfPresent(t, raw, dn)
	t.Cleanup(func() { deleteIfPresent(t, raw, dn) })
	d := env.connectAdmin(t)
	g2 := loadCert(t, digiCertG2)

	r := d.Publish([]*x509.Certificate{g2}, PublishOptions{Kind: KindNTAuth})
	if got := statuses(r); got != "ntauth:created" || r.Outcomes[0].DN != dn {
		t.Fatalf("publish: %s %+v", got, r.Outcomes)
	}
	wantObject(t, raw, dn, "NTAuthCertificates", [][]byte{g2.Raw})

	other := genCA(t, "lpetrust NTAuth test CA")
	r = d.Publish([]*x509.Certificate{other}, PublishOptions{Kind: KindNTAuth})
	if got := statuses(r); got != "ntauth:added" {
		t.Fatalf("second: %s", got)
	}
	wantObject(t, raw, dn, "NTAuthCertificates", [][]byte{g2.Raw, other.Raw})
}

func TestSambaNonAdminInsufficientAccess(t *testing.T) {
	env := needSamba(t)
	raw := env.raw(t)
	g2 := loadCert(t, digiCertG2)
	fresh := genCA(t, "lpetrust access test CA")
	dns := append(targetDNs(g2, KindRoot, env.configNC), targetDNs(fresh, KindRoot, env.configNC)...)
	deleteIfPresent(t, raw, dns...)
	t.Cleanup(func() { deleteIfPresent(t, raw, dns...) })

	// An existing object (modify path) and a missing one (add path).
	admin := env.connectAdmin(t)
	if r := admin.Publish([]*x509.Certificate{genCA(t, "DigiCert Global Root G2")}, PublishOptions{Kind: KindRoot}); r.Failed() {
		t.Fatalf("setup: %+v", r.Outcomes)
	}
	before := entry(t, raw, dns[0])

	user, err := Connect(env.options(t, env.user, env.userPassword))
	if err != nil {
		t.Fatalf("connect as ordinary user: %v", err)
	}
	defer user.Close()
	r := user.Publish([]*x509.Certificate{g2, fresh}, PublishOptions{Kind: KindRoot})
	for i, o := range r.Outcomes {
		want := "insufficient access: needs Enterprise Admins or delegated rights on " + o.DN + " (LDAP result 50)"
		if o.Status != StatusFailed || o.ResultCode != 50 || o.Error != want {
			t.Errorf("outcome %d: %s %d %q, want failed 50 %q", i, o.Status, o.ResultCode, o.Error, want)
		}
	}
	if after := entry(t, raw, dns[0]); !sameValues(after[AttrCACertificate], before[AttrCACertificate]) {
		t.Errorf("%s changed by a refused publish", dns[0])
	}
	for _, dn := range dns[2:] {
		if entry(t, raw, dn) != nil {
			t.Errorf("%s created by a non-admin", dn)
		}
	}
}

func TestSambaPlaintextBindRefusedBeforeSending(t *testing.T) {
	env := needSamba(t)
	// A loopback listener records whether anything connects at all.
	ln, err := netListen(t)
	if err != nil {
		t.Fatal(err)
	}
	opts := ConnectOptions{Server: "ldap://" + ln.addr, NoStartTLS: true, Auth: Auth{User: env.admin, Password: env.adminPassword}}
	_, err = Connect(opts)
	if err == nil || !strings.Contains(err.Error(), ErrPlaintextBind.Error()) {
		t.Fatalf("Connect = %v, want %v", err, ErrPlaintextBind)
	}
	if strings.Contains(err.Error(), env.adminPassword) {
		t.Fatal("the error shows the password")
	}
	if n := ln.accepted(); n != 0 {
		t.Fatalf("%d connections reached the server; the refusal must come before dialing", n)
	}
	// The same against the real DC's cleartext port.
	opts.Server = env.startTLSURL
	if _, err := Connect(opts); err == nil || !strings.Contains(err.Error(), ErrPlaintextBind.Error()) {
		t.Fatalf("Connect to the DC = %v, want %v", err, ErrPlaintextBind)
	}
	// Forced with --insecure-plaintext, Samba (like AD with signing required)
	// refuses the simple bind itself: result 8, explained.
	opts.InsecurePlaintext = true
	_, err = Connect(opts)
	if err == nil || !strings.Contains(err.Error(), "requires a signed or encrypted connection") || !strings.Contains(err.Error(), "(LDAP result 8)") {
		t.Fatalf("insecure plaintext bind: %v", err)
	}
}

func TestSambaWrongPassword(t *testing.T) {
	env := needSamba(t)
	const wrong = "Wr0ng-password-for-test"
	_, err := Connect(env.options(t, env.admin, wrong))
	want := "bind as " + env.admin + " to " + env.url + ": wrong password (AD code 52e); each wrong try counts towards locking the account out (LDAP result 49)"
	if err == nil || err.Error() != want {
		t.Fatalf("Connect = %v\nwant %s", err, want)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %q shows the password or spans lines", err)
	}
}

func TestSambaStartTLSAndUserForms(t *testing.T) {
	env := needSamba(t)
	realm := strings.SplitN(env.admin, "@", 2)
	netbios := strings.ToUpper(strings.SplitN(realm[1], ".", 2)[0])
	for _, tc := range []struct{ server, user string }{
		{env.startTLSURL, env.admin},
		{env.url, netbios + `\` + realm[0]},
		{env.url, "CN=" + realm[0] + ",CN=Users," + strings.TrimPrefix(env.configNC, "CN=Configuration,")},
	} {
		opts := env.options(t, tc.user, env.adminPassword)
		opts.Server = tc.server
		d, err := Connect(opts)
		if err != nil {
			t.Errorf("%s as %s: %v", tc.server, tc.user, err)
			continue
		}
		if _, err := d.List(ListOptions{Containers: AllContainers}); err != nil {
			t.Errorf("%s as %s: list: %v", tc.server, tc.user, err)
		}
		d.Close()
	}
}

// TestSambaDCStoppedMidPublish stops the DC while 20 certificates are being
// published, restarts it and publishes again: exactly the 20 end up present
// and a value published before is kept.
func TestSambaDCStoppedMidPublish(t *testing.T) {
	env := needSambaExclusive(t)
	if env.dir == "" || env.start == "" || env.stop == "" || os.Geteuid() != 0 {
		sambatest.Skip(t, "needs root and LPETRUST_TEST_SAMBA_DIR/START/STOP to stop and restart the DC")
	}
	raw := env.raw(t)
	var certs []*x509.Certificate
	var dns []string
	for i := 1; i <= 20; i++ {
		c := genCA(t, fmt.Sprintf("lpetrust restart test CA %02d", i))
		certs = append(certs, c)
		dns = append(dns, targetDNs(c, KindRoot, env.configNC)...)
	}
	earlier := genCA(t, "lpetrust restart test CA 05") // same name, another key
	deleteIfPresent(t, raw, dns...)
	t.Cleanup(func() {
		c := env.raw(t)
		deleteIfPresent(t, c, dns...)
	})
	d := env.connectAdmin(t)
	if r := d.Publish([]*x509.Certificate{earlier}, PublishOptions{Kind: KindRoot}); r.Failed() {
		t.Fatalf("earlier value: %+v", r.Outcomes)
	}
	raw.Close()

	restarted := false
	t.Cleanup(func() {
		if !restarted {
			runScript(t, env.start, env.dir)
		}
	})
	n := 0
	r := d.Publish(certs, PublishOptions{Kind: KindRoot, Progress: func(Outcome) {
		n++
		if n == 15 { // the middle of certificate 8
			runScript(t, env.stop, env.dir)
		}
	}})
	counts := map[Status]int{}
	for _, o := range r.Outcomes {
		counts[o.Status]++
	}
	if counts[StatusCreated]+counts[StatusAdded] != 15 || counts[StatusAdded] != 2 || counts[StatusFailed] != 25 || len(r.Outcomes) != 40 {
		t.Fatalf("first run: %v", counts)
	}
	if o := r.Outcomes[15]; !strings.HasPrefix(o.Error, "cannot reach the directory") {
		t.Errorf("failure after the stop: %q", o.Error)
	}

	runScript(t, env.start, env.dir)
	restarted = true
	d2 := env.connectAdmin(t)
	r = d2.Publish(certs, PublishOptions{Kind: KindRoot})
	counts = map[Status]int{}
	for _, o := range r.Outcomes {
		counts[o.Status]++
	}
	if counts[StatusUnchanged] != 15 || counts[StatusCreated]+counts[StatusAdded] != 25 {
		t.Fatalf("rerun: %v %+v", counts, r.Outcomes)
	}
	raw = env.raw(t)
	for i, c := range certs {
		want := [][]byte{c.Raw}
		if i == 4 {
			want = append(want, earlier.Raw)
		}
		for _, dn := range targetDNs(c, KindRoot, env.configNC) {
			wantObject(t, raw, dn, c.Subject.CommonName, want)
		}
	}
	// Small pages: the listing must come back whole across many of them.
	defer func(p uint32) { pageSize = p }(pageSize)
	pageSize = 3
	objs, err := d2.List(ListOptions{Containers: []Container{ContainerCA}})
	if err != nil {
		t.Fatal(err)
	}
	present := 0
	for _, o := range objs {
		if strings.HasPrefix(o.Name, "lpetrust restart test CA ") {
			present += len(o.Certificates)
		}
	}
	if present != 21 {
		t.Errorf("%d test certificates in Certification Authorities, want 20 plus the earlier one", present)
	}
}

func runScript(t *testing.T, script, dir string) {
	t.Helper()
	out, err := exec.Command("bash", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", script, dir, err, out)
	}
}

func TestSambaTwoPublishersAtOnce(t *testing.T) {
	env := needSamba(t)
	raw := env.raw(t)
	for round := 0; round < 5; round++ {
		name := fmt.Sprintf("lpetrust race test CA %d", round)
		a, b := genCA(t, name), genCA(t, name)
		dns := targetDNs(a, KindRoot, env.configNC)
		deleteIfPresent(t, raw, dns...)
		t.Cleanup(func() { deleteIfPresent(t, env.raw(t), dns...) })
		da, db := env.connectAdmin(t), env.connectAdmin(t)

		var wg sync.WaitGroup
		start := make(chan struct{})
		reports := make([]*Report, 2)
		for i, p := range []struct {
			d *Directory
			c *x509.Certificate
		}{{da, a}, {db, b}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				reports[i] = p.d.Publish([]*x509.Certificate{p.c}, PublishOptions{Kind: KindRoot})
			}()
		}
		close(start)
		wg.Wait()
		for i, r := range reports {
			if r.Failed() {
				t.Fatalf("round %d publisher %d: %+v", round, i, r.Outcomes)
			}
		}
		for _, dn := range dns {
			wantObject(t, raw, dn, name, [][]byte{a.Raw, b.Raw})
		}
	}
}

// recorder is a loopback TCP listener that only counts connections.
type recorder struct {
	addr string
	mu   sync.Mutex
	n    int
}

func (r *recorder) accepted() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

func netListen(t *testing.T) (*recorder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { ln.Close() })
	r := &recorder{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.mu.Lock()
			r.n++
			r.mu.Unlock()
			c.Close()
		}
	}()
	return r, nil
}

// TestSambaCrossAndRootSameName puts the USERTrust RSA root (cACertificate)
// and its cross-certificate from AAA (crossCertificatePair) in one AIA
// object, then removes the root: cACertificate, mandatory, falls back to the
// placeholder and the cross-certificate stays.
func TestSambaCrossAndRootSameName(t *testing.T) {
	env := needSamba(t)
	raw := env.raw(t)
	root := loadCert(t, "modern/2B8F1B57330DBBA2D07A6C51F70EE90DDAB9AD8E.pem")
	cross := loadCert(t, "modern/D89E3BD43D5D909B47A18977AA9D5CE36CEE184C.pem")
	dns := targetDNs(root, KindRoot, env.configNC)
	aia := dns[1]
	if got := targetDNs(cross, KindCross, env.configNC); len(got) != 1 || got[0] != aia {
		t.Fatalf("cross target %q, want %q", got, aia)
	}
	deleteIfPresent(t, raw, dns...)
	t.Cleanup(func() { deleteIfPresent(t, raw, dns...) })
	d := env.connectAdmin(t)

	if r := d.Publish([]*x509.Certificate{root}, PublishOptions{Kind: KindRoot}); statuses(r) != "ca:created aia:created" {
		t.Fatalf("root: %s", statuses(r))
	}
	if r := d.Publish([]*x509.Certificate{cross}, PublishOptions{Kind: KindCross}); statuses(r) != "aia:added" {
		t.Fatalf("cross: %s", statuses(r))
	}
	e := entry(t, raw, aia)
	if !sameValues(e[AttrCACertificate], [][]byte{root.Raw}) || !sameValues(e[AttrCrossCertificate], [][]byte{cross.Raw}) {
		t.Fatalf("AIA object after both: %d cACertificate, %d crossCertificatePair", len(e[AttrCACertificate]), len(e[AttrCrossCertificate]))
	}

	r, err := d.Remove(RemoveOptions{SHA1: "2B8F1B57330DBBA2D07A6C51F70EE90DDAB9AD8E", Containers: []Container{ContainerAIA}})
	if err != nil || statuses(r) != "aia:removed" || r.Outcomes[0].ObjectDeleted {
		t.Fatalf("remove root from AIA: %v %+v", err, r)
	}
	e = entry(t, raw, aia)
	if !sameValues(e[AttrCACertificate], [][]byte{{0}}) || !sameValues(e[AttrCrossCertificate], [][]byte{cross.Raw}) {
		t.Fatalf("AIA object after removing the root: cACertificate %x…, %d crossCertificatePair", e[AttrCACertificate], len(e[AttrCrossCertificate]))
	}
	objs, err := d.List(ListOptions{Containers: []Container{ContainerAIA}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.DN == aia && (len(o.Certificates) != 1 || o.Certificates[0].Attribute != AttrCrossCertificate) {
			t.Errorf("listed %+v: the placeholder must be skipped", o)
		}
	}
	r, err = d.Remove(RemoveOptions{SHA1: "D89E3BD43D5D909B47A18977AA9D5CE36CEE184C", Containers: AllContainers})
	if err != nil || statuses(r) != "ca:unchanged aia:removed ntauth:unchanged" || r.Outcomes[1].ObjectDeleted {
		t.Fatalf("remove cross: %v %s", err, statuses(r))
	}
	if e = entry(t, raw, aia); e == nil || !sameValues(e[AttrCACertificate], [][]byte{{0}}) || len(e[AttrCrossCertificate]) != 0 {
		t.Fatalf("AIA object after its last certificate went: %v", e)
	}
	// The root is still in Certification Authorities.
	wantObject(t, raw, dns[0], "USERTrust RSA Certification Authority", [][]byte{root.Raw})
}

// TestSambaDryRunAgainstDirectory plans against what is there and writes nothing.
func TestSambaDryRunAgainstDirectory(t *testing.T) {
	env := needSamba(t)
	raw := env.raw(t)
	first, second := genCA(t, "lpetrust dry run test CA"), genCA(t, "lpetrust dry run test CA")
	dns := targetDNs(first, KindRoot, env.configNC)
	deleteIfPresent(t, raw, dns...)
	t.Cleanup(func() { deleteIfPresent(t, raw, dns...) })
	d := env.connectAdmin(t)
	if r := d.Publish([]*x509.Certificate{first}, PublishOptions{Kind: KindRoot}); r.Failed() {
		t.Fatal(r.Outcomes)
	}
	r := d.Publish([]*x509.Certificate{first, second}, PublishOptions{Kind: KindRoot, DryRun: true})
	if got := statuses(r); got != "ca:unchanged aia:unchanged ca:added aia:added" {
		t.Fatalf("dry run: %s", got)
	}
	if len(r.Changes) != 2 || r.Changes[0].Type != ChangeModify || r.Changes[0].Op != OpAdd || !bytes.Equal(r.Changes[0].Attrs[0].Values[0], second.Raw) {
		t.Fatalf("dry-run changes %+v", r.Changes)
	}
	for _, dn := range dns {
		wantObject(t, raw, dn, "lpetrust dry run test CA", [][]byte{first.Raw})
	}
	rr, err := d.Remove(RemoveOptions{SHA1: SHA1Of(first.Raw), Containers: AllContainers, DryRun: true})
	if err != nil || statuses(rr) != "ca:removed aia:removed ntauth:unchanged" || len(rr.Changes) != 4 || rr.Changes[0].Type != ChangeModify || rr.Changes[0].Op != OpDelete {
		t.Fatalf("remove dry run: %v %s %+v", err, statuses(rr), rr.Changes)
	}
	for _, dn := range dns {
		wantObject(t, raw, dn, "lpetrust dry run test CA", [][]byte{first.Raw})
	}
}

// TestSambaRemoveKeepsRevocationList removes the only certificate of an
// object that also holds a real CRL: the object must stay (a placeholder
// takes the certificate's place) and the CRL must not be lost.
func TestSambaRemoveKeepsRevocationList(t *testing.T) {
	env := needSamba(t)
	raw := env.raw(t)
	ca, key := genCAKey(t, "lpetrust CRL test CA")
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(24 * time.Hour)}, ca, key)
	if err != nil {
		t.Fatal(err)
	}
	dn := ContainerDN(ContainerCA, env.configNC)
	dn = "CN=" + ObjectName(ca) + "," + dn
	deleteIfPresent(t, raw, dn)
	t.Cleanup(func() { deleteIfPresent(t, raw, dn) })
	add := ldap.NewAddRequest(dn, nil)
	add.Attribute("objectClass", []string{"top", "certificationAuthority"})
	add.Attribute("cn", []string{ObjectName(ca)})
	add.Attribute(AttrCACertificate, []string{string(ca.Raw)})
	add.Attribute(AttrAuthorityRevList, []string{"\x00"})
	add.Attribute(AttrCertificateRevList, []string{string(crl)})
	if err := raw.Add(add); err != nil {
		t.Fatalf("setup: %v", err)
	}

	d := env.connectAdmin(t)
	r, err := d.Remove(RemoveOptions{SHA1: SHA1Of(ca.Raw), Containers: []Container{ContainerCA}})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(r); got != "ca:removed" || r.Outcomes[0].ObjectDeleted {
		t.Fatalf("remove: %s, object deleted %v", got, r.Outcomes[0].ObjectDeleted)
	}
	e := entry(t, raw, dn)
	if e == nil {
		t.Fatalf("%s deleted with its CRL", dn)
	}
	if !sameValues(e[AttrCACertificate], [][]byte{{0}}) {
		t.Errorf("cACertificate = %x, want the placeholder 00", e[AttrCACertificate])
	}
	if !sameValues(e[AttrCertificateRevList], [][]byte{crl}) {
		t.Errorf("certificateRevocationList changed: %d values", len(e[AttrCertificateRevList]))
	}
}

// TestSambaNTAuthKeptWhenEmptied: removing the last certificate of the
// forest's NTAuthCertificates object leaves the object (with the one-byte
// placeholder) rather than deleting it.
func TestSambaNTAuthKeptWhenEmptied(t *testing.T) {
	env := needSamba(t)
	raw := env.raw(t)
	dn := ContainerDN(ContainerNTAuth, env.configNC)
	deleteIfPresent(t, raw, dn)
	t.Cleanup(func() { deleteIfPresent(t, raw, dn) })
	d := env.connectAdmin(t)
	ca := genCA(t, "lpetrust NTAuth removal test CA")
	if r := d.Publish([]*x509.Certificate{ca}, PublishOptions{Kind: KindNTAuth}); statuses(r) != "ntauth:created" {
		t.Fatalf("publish: %s %+v", statuses(r), r.Outcomes)
	}
	r, err := d.Remove(RemoveOptions{SHA1: SHA1Of(ca.Raw), Containers: []Container{ContainerNTAuth}})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(r); got != "ntauth:removed" || r.Outcomes[0].ObjectDeleted {
		t.Fatalf("remove: %s, object deleted %v", got, r.Outcomes[0].ObjectDeleted)
	}
	wantObject(t, raw, dn, "NTAuthCertificates", [][]byte{{0}})
}

// TestSambaRemoveWhilePublishing races a remove of the only value of an
// object against a publish of another value into the same object name, 200
// times (in 4 lanes of 50, each on its own object, the publisher starting at
// a different moment of the remove each time): the publisher's value is
// never lost, the removed one never stays.
func TestSambaRemoveWhilePublishing(t *testing.T) {
	env := needSamba(t)
	const lanes, tries = 4, 50
	var mu sync.Mutex
	lost, reported := 0, 0
	var lanesWG sync.WaitGroup
	for lane := range lanes {
		name := fmt.Sprintf("lpetrust remove race CA %d", lane)
		dn := targetDNs(genCA(t, name), KindRoot, env.configNC)
		raw := env.raw(t)
		deleteIfPresent(t, raw, dn...)
		t.Cleanup(func() { deleteIfPresent(t, env.raw(t), dn...) })
		remover, publisher := env.connectAdmin(t), env.connectAdmin(t)
		lanesWG.Add(1)
		go func() {
			defer lanesWG.Done()
			for try := range tries {
				a, b := genCA(t, name), genCA(t, name)
				// The object holds a alone, as certutil -dspublish makes it.
				add := ldap.NewAddRequest(dn[0], nil)
				for _, at := range newObjectEntry(Targets(a, KindRoot, env.configNC)[0], a.Raw) {
					add.Attribute(at.Name, at.strings())
				}
				if err := raw.Add(add); err != nil {
					t.Errorf("lane %d try %d: setup: %v", lane, try, err)
					return
				}
				var wg sync.WaitGroup
				start := make(chan struct{})
				var rr, pr *Report
				var rerr error
				wg.Add(2)
				go func() {
					defer wg.Done()
					<-start
					rr, rerr = remover.Remove(RemoveOptions{SHA1: SHA1Of(a.Raw), Containers: []Container{ContainerCA}})
				}()
				go func() {
					defer wg.Done()
					<-start
					time.Sleep(time.Duration((try*7)%tries) * 6 * time.Millisecond)
					pr = publisher.Publish([]*x509.Certificate{b}, PublishOptions{Kind: KindRoot})
				}()
				close(start)
				wg.Wait()
				if rerr != nil {
					t.Errorf("lane %d try %d: remove: %v", lane, try, rerr)
					return
				}
				e := entry(t, raw, dn[0])
				has := func(v []byte) bool {
					for _, x := range e[AttrCACertificate] {
						if bytes.Equal(x, v) {
							return true
						}
					}
					return false
				}
				mu.Lock()
				if pr.Outcomes[0].Status == StatusFailed {
					reported++
				} else if e == nil || !has(b.Raw) {
					lost++
					t.Errorf("lane %d try %d: the published value is gone (publish %s, remove %+v)", lane, try, pr.Outcomes[0].Status, rr.Outcomes[0])
				}
				if rr.Outcomes[0].ObjectDeleted {
					t.Errorf("lane %d try %d: the remove deleted the object", lane, try)
				}
				mu.Unlock()
				if rr.Outcomes[0].Status != StatusFailed && e != nil && has(a.Raw) {
					t.Errorf("lane %d try %d: the removed value is still there: %+v", lane, try, rr.Outcomes[0])
				}
				for _, d := range dn {
					if err := raw.Del(ldap.NewDelRequest(d, nil)); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
						t.Errorf("lane %d try %d: cleanup: %v", lane, try, err)
						return
					}
				}
			}
		}()
	}
	lanesWG.Wait()
	t.Logf("%d tries: %d values lost, %d publishes reported failed", lanes*tries, lost, reported)
}
