package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
	"github.com/lpetrust/lpetrust/truststore/inputfile"
)

// ldapPasswordEnv names the environment variable holding the bind password.
const ldapPasswordEnv = "LPETRUST_LDAP_PASSWORD"

// adFlags are the connection flags every ad subcommand shares.
type adFlags struct {
	server            string
	domain            string
	dnsServer         string
	ntlm              bool
	deadline          time.Duration
	caFile            string
	tlsSkipVerify     bool
	noStartTLS        bool
	insecurePlaintext bool
	user              string
	passwordFile      string
	kerberos          bool
	krb5Conf          string
	ccache            string
	keytab            string
	spn               string
	configNC          string
	timeout           time.Duration
}

const adExitCodes = `

Exit codes: 0 everything succeeded (or nothing needed doing); 1 something
failed (a connection, a bind, or any certificate in any container; for list:
a missing root of --chain/--from-inspect/--from-check is not published in
Certification Authorities); 2 usage or bad input (nothing was written).`

func newADCmd(a *app) *cobra.Command {
	f := &adFlags{}
	cmd := &cobra.Command{
		Use:   "ad",
		Short: "Publish and audit CA certificates in Active Directory over LDAP",
		Long: `Publish root certificates to Active Directory, where Lync Phone Edition phones
that sign in with AD credentials download them, and audit what is there.

Phones read CN=Certification Authorities,CN=Public Key Services,CN=Services,
<configuration naming context>; this is what "certutil -f -dspublish FILE RootCA"
does from a domain-joined Windows server. lpetrust does it from anywhere.

Connection: --server names the DC: ldaps:// (port 636) is the default;
ldap:// is upgraded with StartTLS. Or --domain finds the domain's DCs in DNS
(_ldap._tcp.dc._msdcs.DOMAIN) and tries them in priority and weight order,
going on to the next one that cannot be reached; on Windows it defaults to
the computer's domain. The DC's certificate is verified against the system
roots or --ca-file. A password is never sent in cleartext unless
--insecure-plaintext is given.

Authentication: a simple bind as --user (UPN admin@example.com, DN, or
DOMAIN\user) with the password from --password-file (as Windows writes it:
UTF-16 or UTF-8, with or without a byte order mark), the environment variable
` + ldapPasswordEnv + `, or a no-echo prompt on a terminal, over TLS; or
Kerberos (--kerberos): with --user and that password, from the credential
cache of kinit, or --keytab with --user as principal. The KDC comes from
krb5.conf or, without one, from DNS (_kerberos._tcp.REALM). On ldap:// a
Kerberos bind signs and seals the connection itself (SASL GSSAPI), so it
works on DCs with no LDAPS certificate that require LDAP signing; StartTLS is
used when the DC lists it in its RootDSE. On Windows, with neither --user nor --kerberos,
lpetrust binds as the logged-on user (integrated sign-on). --ntlm binds with
NTLM (Windows DCs; over TLS only; not tested against a live DC).

Writing needs Enterprise Admins (or rights delegated on CN=Public Key
Services); reading works for any authenticated user.` + adExitCodes,
		Example: `  lpetrust ad list --server ldaps://dc1.example.com --user admin@example.com
  lpetrust ad publish DigiCertGlobalRootG2.pem --server dc1.example.com \
      --user 'EXAMPLE\admin' --password-file pw.txt
  lpetrust ad publish root.pem --dry-run --config-nc CN=Configuration,DC=example,DC=com
  lpetrust ad list --domain example.com --kerberos --user admin@EXAMPLE.COM --password-file pw.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	f.register(cmd.PersistentFlags(), "timeout")
	cmd.AddCommand(newADListCmd(a, f, nil), newADPublishCmd(a, f, nil), newADRemoveCmd(a, f, nil))
	return cmd
}

// register adds the connection flags, one set for every command that
// reaches the directory; timeoutFlag names the per-step timeout (commands
// that also time other network steps call it ldap-timeout).
func (f *adFlags) register(pf *pflag.FlagSet, timeoutFlag string) {
	pf.StringVar(&f.server, "server", "", "domain controller `URL`: ldaps://dc.example.com[:636] (default scheme) or ldap://dc[:389] (StartTLS)")
	pf.StringVar(&f.domain, "domain", "", "find the domain controllers of `DOMAIN` in DNS instead of --server (default on Windows: the computer's domain)")
	pf.StringVar(&f.dnsServer, "dns-server", "", "ask the DNS server `HOST[:PORT]` (e.g. a DC) for DCs, KDCs and their names instead of the system's resolver")
	pf.BoolVar(&f.ntlm, "ntlm", false, "bind as --user with NTLM (Windows DCs only; TLS only; untested against a live DC)")
	pf.StringVar(&f.caFile, "ca-file", "", "verify the DC's certificate with the CA certificates in `FILE` (PEM or DER) instead of the system roots")
	pf.BoolVar(&f.tlsSkipVerify, "tls-skip-verify", false, "do not verify the DC's certificate (insecure; warned about)")
	pf.BoolVar(&f.noStartTLS, "no-starttls", false, "no StartTLS on ldap://: anonymous reads, Kerberos (which signs), or a simple bind with --insecure-plaintext")
	pf.BoolVar(&f.insecurePlaintext, "insecure-plaintext", false, "allow a bind over cleartext ldap:// (sends the password unprotected)")
	pf.StringVar(&f.user, "user", "", "bind as `USER`: UPN (admin@example.com), DN or DOMAIN\\user; Kerberos principal with --keytab")
	pf.StringVar(&f.passwordFile, "password-file", "", "read the bind password from the first line of `FILE` (UTF-8 or UTF-16, as Windows writes it)")
	pf.BoolVar(&f.kerberos, "kerberos", false, "bind with Kerberos (GSSAPI): as --user with its password, from the credential cache (kinit), or --keytab")
	pf.StringVar(&f.krb5Conf, "krb5-conf", "", "Kerberos configuration `FILE` (default $KRB5_CONFIG or /etc/krb5.conf)")
	pf.StringVar(&f.ccache, "ccache", "", "Kerberos credential cache `FILE` (default $KRB5CCNAME or /tmp/krb5cc_UID)")
	pf.StringVar(&f.keytab, "keytab", "", "log in to Kerberos with the keytab `FILE` as --user (implies --kerberos)")
	pf.StringVar(&f.spn, "spn", "", "the DC's LDAP service principal `NAME` (default ldap/<server host>)")
	pf.StringVar(&f.configNC, "config-nc", "", "configuration naming context `DN` (default: read from the RootDSE)")
	pf.DurationVar(&f.timeout, timeoutFlag, 30*time.Second, "timeout of each network step: DNS lookup, connect, TLS or StartTLS handshake, Kerberos logon, bind, each LDAP request")
	pf.DurationVar(&f.deadline, "deadline", 10*time.Minute, "total time allowed for the whole session with the directory")
}

// connection is the connection as the printed commands repeat it.
func (f *adFlags) connection() remedy.Connection {
	return remedy.Connection{Server: f.server, Domain: f.domain, DNSServer: f.dnsServer, CAFile: f.caFile,
		User: f.user, PasswordFile: f.passwordFile, NTLM: f.ntlm, Kerberos: f.kerberos,
		Keytab: f.keytab, CCache: f.ccache, Krb5Conf: f.krb5Conf, SPN: f.spn}
}

// connectOptions turns the flags into adpublish options, refusing (exit 2,
// before any connection and before asking for a password) a bind that would
// send the password in cleartext.
func (f *adFlags) connectOptions(a *app) (adpublish.ConnectOptions, error) {
	opts := adpublish.ConnectOptions{
		Server:             f.server,
		Domain:             f.domain,
		DNSServer:          f.dnsServer,
		InsecureSkipVerify: f.tlsSkipVerify,
		NoStartTLS:         f.noStartTLS,
		InsecurePlaintext:  f.insecurePlaintext,
		ConfigNC:           f.configNC,
		Timeout:            f.timeout,
	}
	switch {
	case f.server != "" && f.domain != "":
		return opts, usageError("give one of --server and --domain")
	case f.server == "" && f.domain == "":
		if opts.Domain = adpublish.DefaultDomain(); opts.Domain == "" {
			return opts, usageError("--server is required (e.g. --server ldaps://dc1.example.com), or --domain to find the DCs in DNS")
		}
	}
	if f.timeout < 0 || f.deadline < 0 {
		return opts, usageError("--timeout and --deadline must be positive")
	}
	if f.configNC != "" {
		if err := checkDN(f.configNC); err != nil {
			return opts, usageError("--config-nc %q: %s", f.configNC, err)
		}
	}
	auth, err := f.auth(runtime.GOOS)
	if err != nil {
		return opts, err
	}
	opts.Auth = auth
	if _, err := adpublish.ParseServer(opts); err != nil {
		flag := "--server"
		if opts.Server == "" {
			flag = "--domain"
		}
		return opts, usageError("%s: %s", flag, err)
	}
	if k := opts.Auth.Kerberos; k != nil {
		// The Kerberos files are read now: a bad one is bad input, said before dialing.
		if err := k.Load(); err != nil {
			return opts, badInput(f.kerberosFileError(err))
		}
	}
	if f.caFile != "" {
		pool, err := adpublish.LoadCAFile(f.caFile)
		if err != nil {
			return opts, badInput(fmt.Errorf("--ca-file: %w", err))
		}
		opts.RootCAs = pool
	}
	// The password is asked for last, once everything else is known good.
	switch {
	case opts.Auth.Kerberos != nil && opts.Auth.Kerberos.Keytab == "" && f.user != "":
		pw, err := f.password(a)
		if err != nil {
			return opts, err
		}
		opts.Auth.Kerberos.Password = pw
	case opts.Auth.Kerberos == nil && f.user != "":
		pw, err := f.password(a)
		if err != nil {
			return opts, err
		}
		opts.Auth.Password = pw
		a.secrets = append(a.secrets, pw)
	}
	return opts, nil
}

// auth decides the kind of bind from the flags (no password yet) on the
// operating system goos.
func (f *adFlags) auth(goos string) (adpublish.Auth, error) {
	kerberos := f.kerberos || f.keytab != ""
	switch {
	case f.ntlm && kerberos:
		return adpublish.Auth{}, usageError("give one of --ntlm and --kerberos")
	case f.ntlm && f.user == "":
		return adpublish.Auth{}, usageError("--ntlm needs --user (DOMAIN\\user or user@example.com)")
	case f.ntlm && f.insecurePlaintext:
		return adpublish.Auth{}, usageError("--ntlm never binds over cleartext (it cannot sign here): drop --insecure-plaintext")
	case !kerberos && (f.krb5Conf != "" || f.ccache != "" || f.spn != ""):
		return adpublish.Auth{}, usageError("--krb5-conf, --ccache and --spn need --kerberos")
	case f.passwordFile != "" && f.user == "":
		return adpublish.Auth{}, usageError("--password-file needs --user")
	case f.ntlm:
		return adpublish.Auth{User: f.user, NTLM: true}, nil
	case !kerberos && f.user == "" && goos == "windows":
		// As certutil -dspublish does: the logged-on user.
		return adpublish.Auth{Integrated: true}, nil
	case !kerberos:
		return adpublish.Auth{User: f.user}, nil
	}
	switch {
	case f.keytab != "" && f.user == "":
		return adpublish.Auth{}, usageError("--keytab needs --user (the principal, e.g. admin@EXAMPLE.COM)")
	case f.keytab != "" && f.passwordFile != "":
		return adpublish.Auth{}, usageError("give one of --keytab and --password-file")
	case f.ccache != "" && (f.keytab != "" || f.user != ""):
		return adpublish.Auth{}, usageError("--ccache holds its own principal: drop --user (or drop --ccache to log in as --user with a password)")
	}
	return adpublish.Auth{Kerberos: &adpublish.Kerberos{Krb5Conf: f.krb5Conf, CCache: f.ccache,
		Keytab: f.keytab, Principal: f.user, SPN: f.spn}}, nil
}

// password reads the bind password: --password-file, the environment, or a
// no-echo prompt when standard input is a terminal.
func (f *adFlags) password(a *app) (string, error) {
	if f.passwordFile != "" {
		data, err := inputfile.ReadPassword(f.passwordFile)
		if err != nil {
			return "", badInput(fmt.Errorf("--password-file %s: %w", f.passwordFile, err))
		}
		return string(data), nil
	}
	if pw := os.Getenv(ldapPasswordEnv); pw != "" {
		return pw, nil
	}
	in, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return "", usageError("no password for --user %s: give --password-file FILE, set %s, or run on a terminal to be asked", f.user, ldapPasswordEnv)
	}
	fmt.Fprintf(a.stderr, "Password for %s: ", f.user)
	pw, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", usageError("reading the password: %s", err)
	}
	if len(pw) == 0 {
		return "", usageError("empty password for --user %s", f.user)
	}
	return string(pw), nil
}

// kerberosFileError names the flag of a Kerberos file that cannot be read,
// or says that the path is a default the flag overrides.
func (f *adFlags) kerberosFileError(err error) error {
	var fe *adpublish.FileError
	if !errors.As(err, &fe) {
		return err
	}
	names := map[adpublish.KerberosFile][2]string{
		adpublish.FileKrb5Conf: {"--krb5-conf", f.krb5Conf},
		adpublish.FileKeytab:   {"--keytab", f.keytab},
		adpublish.FileCCache:   {"--ccache", f.ccache},
	}[fe.File]
	flag, given := names[0], names[1]
	hint := ""
	if fe.File == adpublish.FileCCache && errors.Is(fe.Err, os.ErrNotExist) {
		hint = " (run kinit, or give --keytab)"
	}
	if given == "" {
		return fmt.Errorf("%s %s (the default; give %s): %w%s", fe.File, fe.Path, flag, fe.Err, hint)
	}
	return fmt.Errorf("%s %s: %w%s", flag, fe.Path, fe.Err, hint)
}

// checkDN accepts something shaped like a DN: attr=value pairs.
func checkDN(dn string) error {
	for _, rdn := range strings.Split(dn, ",") {
		k, v, ok := strings.Cut(rdn, "=")
		if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			return errors.New("not a DN (want e.g. CN=Configuration,DC=example,DC=com)")
		}
	}
	return nil
}

// connect opens the directory and warns when the DC is not verified.
func (f *adFlags) connect(a *app, opts adpublish.ConnectOptions) (*adpublish.Directory, error) {
	if f.tlsSkipVerify {
		a.note("warning: --tls-skip-verify: the domain controller's certificate is NOT verified")
	}
	if f.insecurePlaintext {
		a.note("warning: --insecure-plaintext: a password bind travels unprotected")
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.deadline)
	defer cancel() // the session keeps only the deadline
	opts.Trace = a.tracer()
	bar := a.newProgressBar("")
	bar.status("connecting to the directory")
	d, err := adpublish.ConnectContext(ctx, opts)
	bar.finish()
	if err != nil {
		fmt.Fprintf(a.stderr, "lpetrust: %s%s\n", oneLine(err.Error()), connectHint(err))
		return nil, negative()
	}
	return d, nil
}

// connectHint adds the flags that fix a refusal (the library names none).
func connectHint(err error) string {
	var be *adpublish.BindError
	if !errors.As(err, &be) {
		return ""
	}
	switch be.Refusal {
	case adpublish.RefusalStrongAuthRequired, adpublish.RefusalNoSecurityLayerSASL:
		return " (--kerberos on ldap:// signs)"
	case adpublish.RefusalChannelBindingRequired:
		return " (--kerberos over ldaps://, or on Windows drop --user)"
	}
	return ""
}

// adServer describes the connection in reports.
type adServer struct {
	Server      string `json:"server"`
	Transport   string `json:"transport"`
	TLSVerified bool   `json:"tls_verified"`
	BoundAs     string `json:"bound_as"`
	ConfigNC    string `json:"config_nc"`
	// PasswordInClear: a bind over cleartext (only with --insecure-plaintext).
	PasswordInClear bool `json:"password_sent_in_clear"`
}

func serverOf(d *adpublish.Directory) adServer {
	return adServer{Server: d.Endpoint.URL, Transport: string(d.Endpoint.Transport), TLSVerified: d.Verified,
		BoundAs: d.BoundAs, ConfigNC: d.ConfigNC,
		PasswordInClear: d.Endpoint.Transport == adpublish.TransportPlaintext && d.BoundAs != ""}
}

func (s adServer) line() string {
	v := "certificate verified"
	switch s.Transport {
	case string(adpublish.TransportPlaintext):
		v = "CLEARTEXT"
		if s.PasswordInClear {
			v = "CLEARTEXT, the password was sent unprotected (--insecure-plaintext)"
		}
	case string(adpublish.TransportSigned):
		v = "signed by the Kerberos session, DC proven by Kerberos"
	case string(adpublish.TransportSealed):
		v = "signed and encrypted by the Kerberos session, DC proven by Kerberos"
	}
	switch {
	case v != "certificate verified":
	case !s.TLSVerified:
		v = "certificate NOT verified (--tls-skip-verify)"
	}
	who := s.BoundAs
	if who == "" {
		who = "anonymous"
	}
	return fmt.Sprintf("Server: %s (%s, %s), bound as %s, configuration NC %s", s.Server, s.Transport, v, who, s.ConfigNC)
}

// missingRootsSource reads the missing roots of --chain/--from-inspect FILE
// or --from-check TARGET.
func missingRootsSource(a *app, cat *truststore.Catalogue, file, check string, src *chainSourceFlags) ([]remedy.Root, error) {
	switch {
	case file != "" && check != "":
		return nil, usageError("give one of --chain/--from-inspect FILE and --from-check TARGET")
	case file == "" && check == "":
		return nil, nil
	}
	opts := chain.Options{At: a.At()}
	for _, f := range src.intermediates {
		ins, err := chain.ReadFile(f, chain.ReadOptions{})
		if err != nil {
			return nil, badInput(fmt.Errorf("--intermediates: %w", err))
		}
		for _, in := range ins {
			opts.Intermediates = append(opts.Intermediates, in.Certs...)
			warnSkipped(a, "--intermediates", in)
		}
	}
	if check != "" {
		return missingRootsFromCheck(a, cat, check, opts)
	}
	ms, err := remedy.RootsFromFile(cat, file, chain.ReadOptions{Password: pfxPassword(a, src.pfxPasswordFile)}, opts)
	var unidentified *remedy.UnidentifiedRootError
	if errors.As(err, &unidentified) {
		if h, ok := adHints[unidentified.Code]; ok {
			err = fmt.Errorf("%s: %w", file, &remedy.UnidentifiedRootError{Reason: hintedReason(unidentified.Reason, h), Code: unidentified.Code})
		}
	}
	if err != nil {
		return nil, badInput(pfxHint(withoutPath(err)))
	}
	return ms, nil
}

// chainSourceFlags are the flags for reading the chains whose missing roots
// ad list and ad publish look at.
type chainSourceFlags struct {
	pfxPasswordFile string
	intermediates   []string
}

func (s *chainSourceFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&s.pfxPasswordFile, "pfx-password-file", "", "password of an encrypted PFX input, first line of `FILE` (or env "+pfxPasswordEnv+")")
	fl.StringArrayVar(&s.intermediates, "intermediates", nil, "extra CA certificates `FILE` for building the paths of --chain/--from-inspect/--from-check (repeatable)")
}
