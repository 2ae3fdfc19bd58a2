package remedy

import (
	"reflect"
	"strings"
	"testing"
)

func TestConnectionArgs(t *testing.T) {
	for _, c := range []struct {
		conn Connection
		want string
	}{
		{Connection{}, "--server ldaps://DC01.EXAMPLE.COM --user ADMIN@EXAMPLE.COM --password-file ADMIN.PW"},
		{Connection{Server: "ldaps://dc1.contoso.com", CAFile: "dc ca.pem"}, "--server ldaps://dc1.contoso.com --ca-file dc ca.pem --user ADMIN@EXAMPLE.COM --password-file ADMIN.PW"},
		{Connection{Server: "dc1", User: "admin@contoso.com", PasswordFile: "admin.pass"}, "--server dc1 --user admin@contoso.com --password-file admin.pass"},
		{Connection{Domain: "contoso.com", DNSServer: "10.0.0.10", NTLM: true, User: `CONTOSO\admin`, PasswordFile: "pw"}, `--domain contoso.com --dns-server 10.0.0.10 --ntlm --user CONTOSO\admin --password-file pw`},
		{Connection{Server: "dc1", Kerberos: true, CCache: "/tmp/krb5cc_0", Krb5Conf: "krb5.conf", SPN: "ldap/dc1.contoso.com"}, "--server dc1 --kerberos --ccache /tmp/krb5cc_0 --krb5-conf krb5.conf --spn ldap/dc1.contoso.com"},
		{Connection{Server: "dc1", Kerberos: true, User: "admin@CONTOSO.COM", PasswordFile: "pw"}, "--server dc1 --kerberos --user admin@CONTOSO.COM --password-file pw"},
		{Connection{Server: "dc1", Keytab: "admin.keytab", User: "admin@CONTOSO.COM", PasswordFile: "ignored"}, "--server dc1 --keytab admin.keytab --user admin@CONTOSO.COM"},
		// --server wins over --domain (they are refused together before).
		{Connection{Server: "dc1", Domain: "contoso.com", User: "u"}, "--server dc1 --user u"},
	} {
		if got := strings.Join(c.conn.Args(), " "); got != c.want {
			t.Errorf("%+v:\n got %s\nwant %s", c.conn, got, c.want)
		}
	}
	if got := (Connection{}).Args(); !reflect.DeepEqual(got, ConnectionPlaceholder) {
		t.Errorf("no flags: %q, want the placeholder %q", got, ConnectionPlaceholder)
	}
}
