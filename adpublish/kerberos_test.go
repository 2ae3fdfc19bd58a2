package adpublish

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lpetrust/lpetrust/adpublish/sambatest"
)

// needKerberos returns the Samba environment with its Kerberos settings.
func needKerberos(t *testing.T) (sambaEnv, string, string) {
	env := needSamba(t)
	spn, keytab := os.Getenv("LPETRUST_TEST_KRB5_SPN"), os.Getenv("LPETRUST_TEST_KRB5_ADMIN_KEYTAB")
	if env.krb5Conf == "" || spn == "" || keytab == "" {
		sambatest.Skip(t, "no Kerberos settings in the Samba environment (LPETRUST_TEST_KRB5_CONF, _SPN, _ADMIN_KEYTAB: see .ci/samba-start.sh)")
	}
	return env, spn, keytab
}

func TestSambaKerberosKeytab(t *testing.T) {
	env, spn, keytab := needKerberos(t)
	opts := env.options(t, "", "")
	principal := "Administrator@" + env.realm
	opts.Auth = Auth{Kerberos: &Kerberos{Krb5Conf: env.krb5Conf, Keytab: keytab, Principal: principal, SPN: spn}}
	d, err := Connect(opts)
	if err != nil {
		t.Fatalf("GSSAPI bind with keytab: %v", err)
	}
	defer d.Close()
	if d.BoundAs != principal || d.ConfigNC != env.configNC {
		t.Errorf("bound as %q, config NC %q", d.BoundAs, d.ConfigNC)
	}
	// The bind carries the administrator's rights: a write works.
	raw := env.raw(t)
	c := genCA(t, "lpetrust kerberos test CA")
	dns := targetDNs(c, KindRoot, env.configNC)
	deleteIfPresent(t, raw, dns...)
	t.Cleanup(func() { deleteIfPresent(t, raw, dns...) })
	if r := d.Publish([]*x509.Certificate{c}, PublishOptions{Kind: KindRoot}); statuses(r) != "ca:created aia:created" {
		t.Fatalf("publish over a Kerberos bind: %+v", r.Outcomes)
	}
	for _, dn := range dns {
		wantObject(t, raw, dn, "lpetrust kerberos test CA", [][]byte{c.Raw})
	}
}

func TestSambaKerberosCCache(t *testing.T) {
	env, spn, _ := needKerberos(t)
	kinit, err := exec.LookPath("kinit")
	if err != nil {
		sambatest.Skip(t, "kinit not installed (Debian package krb5-user)")
	}
	ccache := filepath.Join(t.TempDir(), "ccache")
	cmd := exec.Command(kinit, "-c", "FILE:"+ccache, "Administrator@"+env.realm)
	cmd.Env = append(os.Environ(), "KRB5_CONFIG="+env.krb5Conf)
	cmd.Stdin = strings.NewReader(env.adminPassword + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kinit: %v\n%s", err, out)
	}
	opts := env.options(t, "", "")
	opts.Auth = Auth{Kerberos: &Kerberos{Krb5Conf: env.krb5Conf, CCache: "FILE:" + ccache, SPN: spn}}
	d, err := Connect(opts)
	if err != nil {
		t.Fatalf("GSSAPI bind from the credential cache: %v", err)
	}
	defer d.Close()
	if d.BoundAs != "Administrator@"+env.realm {
		t.Errorf("bound as %q", d.BoundAs)
	}
	if _, err := d.List(ListOptions{Containers: AllContainers}); err != nil {
		t.Fatal(err)
	}

	// A wrong service principal fails with a one-line error naming it.
	opts.Auth.Kerberos.SPN = "ldap/nosuchhost." + strings.ToLower(env.realm)
	_, err = Connect(opts)
	if err == nil || !strings.Contains(err.Error(), "service ldap/nosuchhost") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("wrong SPN: %v", err)
	}
}
