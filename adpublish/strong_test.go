package adpublish

// Tests against the second Samba AD DC of .ci/samba-start.sh (profile
// "strong"): 127.0.0.2, no TLS at all and "ldap server require strong auth
// = yes", like an AD DC without an LDAPS certificate that requires LDAP
// signing. They skip without its environment (LPETRUST_TEST_STRONG_*).

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/go-ldap/ldap/v3/gssapi"

	"github.com/lpetrust/lpetrust/adpublish/sambatest"
	"github.com/lpetrust/lpetrust/truststore"
)

type strongEnv struct {
	url, configNC, admin, adminPassword, disabled, disabledPassword, krb5Conf, spn, dir string
}

func needStrong(t *testing.T) strongEnv {
	t.Helper()
	e := strongEnv{
		url: os.Getenv("LPETRUST_TEST_STRONG_LDAP_URL"), configNC: os.Getenv("LPETRUST_TEST_STRONG_CONFIG_NC"),
		admin: os.Getenv("LPETRUST_TEST_STRONG_ADMIN"), disabled: os.Getenv("LPETRUST_TEST_STRONG_DISABLED"),
		krb5Conf: os.Getenv("LPETRUST_TEST_STRONG_KRB5_CONF"), spn: os.Getenv("LPETRUST_TEST_STRONG_SPN"),
		dir: os.Getenv("LPETRUST_TEST_STRONG_DIR"),
	}
	if e.url == "" || e.admin == "" || e.krb5Conf == "" {
		sambatest.Skip(t, "no signing-required Samba DC: run `sudo .ci/samba-start.sh DIR strong`, then `set -a; . DIR/env; set +a` (see .ci/samba-start.sh)")
	}
	e.adminPassword = readSecret(t, os.Getenv("LPETRUST_TEST_STRONG_ADMIN_PASSWORD_FILE"))
	e.disabledPassword = readSecret(t, os.Getenv("LPETRUST_TEST_STRONG_DISABLED_PASSWORD_FILE"))
	sambatest.Lock(t, e.dir, false)
	return e
}

func (e strongEnv) kerberos(principal, password string) ConnectOptions {
	return ConnectOptions{Server: e.url, Timeout: 20 * time.Second,
		Auth: Auth{Kerberos: &Kerberos{Krb5Conf: e.krb5Conf, Principal: principal, Password: password}}}
}

// tap is a loopback TCP proxy to the DC that keeps every byte the client sent.
type tap struct {
	addr string
	mu   sync.Mutex
	sent bytes.Buffer
}

func newTap(t *testing.T, target string) *tap {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	tp := &tap{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				s, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer s.Close()
				go io.Copy(c, s)
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						tp.mu.Lock()
						tp.sent.Write(buf[:n])
						tp.mu.Unlock()
						s.Write(buf[:n])
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return tp
}

func (tp *tap) bytes() []byte {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return append([]byte(nil), tp.sent.Bytes()...)
}

// TestStrongSimpleBindRefusedBeforePassword: on ldap:// without TLS a
// simple bind is refused by lpetrust before anything is sent; forced with
// InsecurePlaintext, the DC refuses it itself (it requires signing). (The
// StartTLS path is not taken here: Samba without TLS crashes on StartTLS;
// fakeldap_test.go plays an AD DC that refuses it.)
func TestStrongSimpleBindRefusedBeforePassword(t *testing.T) {
	e := needStrong(t)
	tp := newTap(t, strings.TrimPrefix(e.url, "ldap://"))
	_, err := Connect(ConnectOptions{Server: "ldap://" + tp.addr, NoStartTLS: true, Timeout: 10 * time.Second,
		Auth: Auth{User: e.admin, Password: e.adminPassword}})
	if !errors.Is(err, ErrPlaintextBind) || len(tp.bytes()) != 0 {
		t.Fatalf("Connect = %v, %d bytes sent; want ErrPlaintextBind before any", err, len(tp.bytes()))
	}
	_, err = Connect(ConnectOptions{Server: e.url, InsecurePlaintext: true, Timeout: 10 * time.Second,
		Auth: Auth{User: e.admin, Password: e.adminPassword}})
	var be *BindError
	want := "bind as " + e.admin + " to " + e.url + ": the domain controller requires a signed or encrypted connection for this bind (LDAP signing, AD 00002028): use LDAPS or StartTLS, or Kerberos, which lpetrust signs (LDAP result 8)"
	if !errors.As(err, &be) || be.Refusal != RefusalStrongAuthRequired || err.Error() != want {
		t.Fatalf("forced plaintext bind = %v\nwant %s", err, want)
	}
}

// TestStrongKerberosWithoutLayerRefused proves the DC enforces signing: a
// Kerberos bind that negotiates no security layer (go-ldap's own GSSAPI
// client) is refused with result 8, and lpetrust words it.
func TestStrongKerberosWithoutLayerRefused(t *testing.T) {
	e := needStrong(t)
	cl, err := gssapi.NewClientWithPassword(strings.Split(e.admin, "@")[0], strings.Split(e.admin, "@")[1], e.adminPassword, e.krb5Conf)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	c, err := ldap.DialURL(e.url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.GSSAPIBind(cl, e.spn, "")
	if ResultCode(err) != ldap.LDAPResultStrongAuthRequired || bindRefusal(err) != RefusalNoSecurityLayerSASL {
		t.Fatalf("bind without a security layer: %v (refusal %d)", err, bindRefusal(err))
	}
}

// TestStrongKerberosPasswordPublishes: lpetrust's Kerberos bind with a
// password, sealed and signed only, lists, publishes and removes; ldapsearch
// (OpenLDAP's client, its own GSSAPI) confirms the values.
func TestStrongKerberosPasswordPublishes(t *testing.T) {
	e := needStrong(t)
	if _, err := exec.LookPath("ldapsearch"); err != nil {
		sambatest.Skip(t, "ldapsearch not installed (Debian package ldap-utils)")
	}
	if _, err := exec.LookPath("kinit"); err != nil {
		sambatest.Skip(t, "kinit not installed (Debian package krb5-user)")
	}
	ccache := filepath.Join(t.TempDir(), "ccache")
	kinit := exec.Command("kinit", "-c", "FILE:"+ccache, e.admin)
	kinit.Env = append(os.Environ(), "KRB5_CONFIG="+e.krb5Conf)
	kinit.Stdin = strings.NewReader(e.adminPassword + "\n")
	if out, err := kinit.CombinedOutput(); err != nil {
		t.Fatalf("kinit: %v\n%s", err, out)
	}
	ldapsearch := func(dn string) (string, error) {
		cmd := exec.Command("ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-N", "-Q", "-Y", "GSSAPI", "-H", e.url,
			"-b", dn, "-s", "base", "cACertificate")
		cmd.Env = append(os.Environ(), "KRB5_CONFIG="+e.krb5Conf, "KRB5CCNAME=FILE:"+ccache)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, tc := range []struct {
		signOnly bool
		want     Transport
	}{{false, TransportSealed}, {true, TransportSigned}} {
		opts := e.kerberos(e.admin, e.adminPassword)
		opts.signOnly = tc.signOnly
		d, err := Connect(opts)
		if err != nil {
			t.Fatalf("Kerberos bind with a password: %v", err)
		}
		if d.Endpoint.Transport != tc.want || d.BoundAs != e.admin || d.ConfigNC != e.configNC || d.Verified {
			t.Fatalf("connected: %+v bound as %q NC %q verified %v; want %s", d.Endpoint, d.BoundAs, d.ConfigNC, d.Verified, tc.want)
		}
		c := genCA(t, "lpetrust strong test CA "+string(tc.want))
		dns := targetDNs(c, KindRoot, e.configNC)
		// Removal leaves emptied objects behind: start from none.
		deleteIfPresent(t, d.conn, dns...)
		if r := d.Publish([]*x509.Certificate{c}, PublishOptions{Kind: KindRoot}); statuses(r) != "ca:created aia:created" {
			t.Fatalf("publish over %s: %+v", tc.want, r.Outcomes)
		}
		objs, err := d.List(ListOptions{Containers: []Container{ContainerCA}})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, o := range objs {
			for _, v := range o.Certificates {
				found = found || bytes.Equal(v.Raw, c.Raw)
			}
		}
		if !found {
			t.Fatalf("list over %s does not show the published root", tc.want)
		}
		for _, dn := range dns {
			out, err := ldapsearch(dn)
			if err != nil || !strings.Contains(out, "cACertificate:: "+base64.StdEncoding.EncodeToString(c.Raw)+"\n") {
				t.Fatalf("ldapsearch %s: %v\n%s", dn, err, out)
			}
		}
		r, err := d.Remove(RemoveOptions{SHA1: truststore.SHA1Hex(c), Containers: AllContainers})
		if err != nil {
			t.Fatal(err)
		}
		if statuses(r) != "ca:removed aia:removed ntauth:unchanged" {
			t.Fatalf("remove over %s: %+v", tc.want, r.Outcomes)
		}
		for _, dn := range dns {
			// The object stays, emptied: a placeholder and not the certificate.
			if out, err := ldapsearch(dn); err != nil || !strings.Contains(out, "cACertificate:: AA==\n") || strings.Contains(out, base64.StdEncoding.EncodeToString(c.Raw)) {
				t.Fatalf("ldapsearch %s after remove: %v\n%s", dn, err, out)
			}
		}
		deleteIfPresent(t, d.conn, dns...)
		d.Close()
	}
}

// TestStrongKerberosRefusals: a wrong password and a disabled account, each
// refused by the KDC, each in its own words.
func TestStrongKerberosRefusals(t *testing.T) {
	e := needStrong(t)
	_, err := Connect(e.kerberos(e.admin, "Wr0ng-password-for-test"))
	var be *BindError
	if !errors.As(err, &be) || be.Refusal != RefusalWrongPassword ||
		err.Error() != "kerberos: log in as "+e.admin+": wrong password (AD code 52e); each wrong try counts towards locking the account out" {
		t.Fatalf("wrong password: %v", err)
	}
	_, err = Connect(e.kerberos(e.disabled, e.disabledPassword))
	if !errors.As(err, &be) || be.Refusal != RefusalRevoked ||
		err.Error() != "kerberos: log in as "+e.disabled+": the KDC refuses the account: it is disabled, locked out or expired (KDC_ERR_CLIENT_REVOKED)" {
		t.Fatalf("disabled account: %v", err)
	}
}
