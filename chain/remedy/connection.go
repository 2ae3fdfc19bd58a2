package remedy

// Connection is how the administrator reached the directory: the
// connection flags of lpetrust ad, repeated in the printed commands so that
// they reach it the same way. It never holds a password, only where one is
// read from.
type Connection struct {
	Server, Domain, DNSServer, CAFile string
	User, PasswordFile                string
	NTLM, Kerberos                    bool
	Keytab, CCache, Krb5Conf, SPN     string
}

// Placeholders in the printed commands, safe to paste in any shell and
// obviously to be replaced.
const (
	placeholderServer       = "ldaps://DC01.EXAMPLE.COM"
	placeholderUser         = "ADMIN@EXAMPLE.COM"
	placeholderPasswordFile = "ADMIN.PW"
)

// ConnectionPlaceholder are connection flags safe to paste in any shell
// and obviously to be replaced.
var ConnectionPlaceholder = []string{"--server", placeholderServer, "--user", placeholderUser, "--password-file", placeholderPasswordFile}

// Args are the flags of the printed lpetrust ad commands. Publishing needs
// a bind: without --user, --kerberos or --keytab the user and password file
// are placeholders; without --server or --domain, so is the server.
func (c Connection) Args() []string {
	var out []string
	switch {
	case c.Server != "":
		out = append(out, "--server", c.Server)
	case c.Domain != "":
		out = append(out, "--domain", c.Domain)
	default:
		out = append(out, "--server", placeholderServer)
	}
	if c.DNSServer != "" {
		out = append(out, "--dns-server", c.DNSServer)
	}
	if c.CAFile != "" {
		out = append(out, "--ca-file", c.CAFile)
	}
	kerberos := c.Kerberos || c.Keytab != ""
	switch {
	case c.Keytab != "":
		out = append(out, "--keytab", c.Keytab, "--user", c.User)
	case c.Kerberos:
		out = append(out, "--kerberos")
		if c.CCache != "" {
			out = append(out, "--ccache", c.CCache)
		}
		if c.User != "" {
			out = append(out, "--user", c.User)
		}
	case c.NTLM:
		out = append(out, "--ntlm", "--user", c.User)
	case c.User != "":
		out = append(out, "--user", c.User)
	default:
		out = append(out, "--user", placeholderUser, "--password-file", placeholderPasswordFile)
	}
	if c.User != "" && c.PasswordFile != "" && c.Keytab == "" {
		out = append(out, "--password-file", c.PasswordFile)
	}
	if kerberos {
		if c.Krb5Conf != "" {
			out = append(out, "--krb5-conf", c.Krb5Conf)
		}
		if c.SPN != "" {
			out = append(out, "--spn", c.SPN)
		}
	}
	return out
}
