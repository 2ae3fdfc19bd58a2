package adpublish

import (
	"fmt"
	"os"
	"strings"

	"github.com/go-ldap/ldap/v3/gssapi"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
)

// Kerberos says where the credentials of a GSSAPI bind come from: a
// credential cache (kinit's) or a keytab with a principal.
type Kerberos struct {
	// Krb5Conf is the krb5.conf path; "" means $KRB5_CONFIG or /etc/krb5.conf.
	Krb5Conf string
	// CCache is the credential cache path; "" means $KRB5CCNAME or
	// /tmp/krb5cc_<uid>. Ignored when Keytab is set.
	CCache string
	// Keytab and Principal (user or user@REALM) log in without a cache.
	Keytab    string
	Principal string
	// SPN is the DC's service principal; "" means ldap/<server host>.
	SPN string
}

func (k *Kerberos) krb5Conf() string {
	if k.Krb5Conf != "" {
		return k.Krb5Conf
	}
	if v := os.Getenv("KRB5_CONFIG"); v != "" {
		return strings.SplitN(v, ":", 2)[0]
	}
	return "/etc/krb5.conf"
}

func (k *Kerberos) ccache() string {
	if k.CCache != "" {
		return strings.TrimPrefix(k.CCache, "FILE:")
	}
	if v := os.Getenv("KRB5CCNAME"); v != "" {
		return strings.TrimPrefix(v, "FILE:")
	}
	return fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid())
}

// kerberosBind binds with GSSAPI. go-ldap's client negotiates no SASL
// security layer, which is why ParseServer only allows it over TLS.
func (d *Directory) kerberosBind(k *Kerberos, ep Endpoint) (string, error) {
	quiet := client.DisablePAFXFAST(true)
	var (
		cl  *gssapi.Client
		err error
		who string
	)
	if k.Keytab != "" {
		if k.Principal == "" {
			return "", fmt.Errorf("kerberos: a keytab needs a principal (--user)")
		}
		user, realm, _ := strings.Cut(k.Principal, "@")
		if realm == "" {
			// A bare user name is in the default realm, as kinit takes it.
			cfg, err := config.Load(k.krb5Conf())
			if err != nil {
				return "", fmt.Errorf("kerberos: %s: %w", k.krb5Conf(), err)
			}
			if realm = cfg.LibDefaults.DefaultRealm; realm == "" {
				return "", fmt.Errorf("kerberos: principal %s has no realm and %s sets no default_realm: give --user user@REALM", k.Principal, k.krb5Conf())
			}
		}
		cl, err = gssapi.NewClientWithKeytab(user, realm, k.Keytab, k.krb5Conf(), quiet)
		if err != nil {
			return "", fmt.Errorf("kerberos: keytab %s with %s: %w", k.Keytab, k.krb5Conf(), err)
		}
		if err := cl.Login(); err != nil {
			return "", fmt.Errorf("kerberos: log in as %s with keytab %s: %w", k.Principal, k.Keytab, err)
		}
		who = user + "@" + realm
	} else {
		cl, err = gssapi.NewClientFromCCache(k.ccache(), k.krb5Conf(), quiet)
		if err != nil {
			return "", fmt.Errorf("kerberos: credential cache %s: %w (run kinit, or give --keytab)", k.ccache(), err)
		}
		who = cl.Credentials.CName().PrincipalNameString() + "@" + cl.Credentials.Realm()
	}
	defer cl.Close()
	spn := k.SPN
	if spn == "" {
		spn = "ldap/" + ep.Host
	}
	if err := d.conn.GSSAPIBind(cl, spn, ""); err != nil {
		return "", fmt.Errorf("kerberos bind as %s to %s (service %s): %s", who, ep.URL, spn, Explain(err, ""))
	}
	return who, nil
}
