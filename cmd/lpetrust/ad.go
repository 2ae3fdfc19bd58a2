package main

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

func init() { commands = append(commands, newADCmd) }

// ldapPasswordEnv names the environment variable holding the bind password.
const ldapPasswordEnv = "LPETRUST_LDAP_PASSWORD"

// adFlags are the connection flags every ad subcommand shares.
type adFlags struct {
	server            string
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

Connection: ldaps:// (port 636) is the default; ldap:// is upgraded with
StartTLS. The DC's certificate is verified against the system roots or
--ca-file. A password is never sent in cleartext unless --insecure-plaintext
is given (cleartext, --no-starttls, is otherwise for anonymous reads only).

Authentication: a simple bind as --user (UPN admin@example.com, DN, or
DOMAIN\user) with the password from --password-file, the environment variable
` + ldapPasswordEnv + `, or a no-echo prompt on a terminal; or Kerberos
(--kerberos: GSSAPI from the credential cache of kinit, or --keytab with
--user as principal), over TLS only. NTLM is not supported.

Writing needs Enterprise Admins (or rights delegated on CN=Public Key
Services); reading works for any authenticated user.` + adExitCodes,
		Example: `  lpetrust ad list --server ldaps://dc1.example.com --user admin@example.com
  lpetrust ad publish DigiCertGlobalRootG2.pem --server dc1.example.com \
      --user 'EXAMPLE\admin' --password-file pw.txt
  lpetrust ad publish root.pem --dry-run --config-nc CN=Configuration,DC=example,DC=com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.server, "server", "", "domain controller `URL`: ldaps://dc.example.com[:636] (default scheme) or ldap://dc[:389] (StartTLS)")
	pf.StringVar(&f.caFile, "ca-file", "", "verify the DC's certificate with the CA certificates in `FILE` (PEM or DER) instead of the system roots")
	pf.BoolVar(&f.tlsSkipVerify, "tls-skip-verify", false, "do not verify the DC's certificate (insecure; warned about)")
	pf.BoolVar(&f.noStartTLS, "no-starttls", false, "stay in cleartext on ldap:// (anonymous reads only, unless --insecure-plaintext)")
	pf.BoolVar(&f.insecurePlaintext, "insecure-plaintext", false, "allow a bind over cleartext ldap:// (sends the password unprotected)")
	pf.StringVar(&f.user, "user", "", "bind as `USER`: UPN (admin@example.com), DN or DOMAIN\\user; Kerberos principal with --keytab")
	pf.StringVar(&f.passwordFile, "password-file", "", "read the bind password from the first line of `FILE`")
	pf.BoolVar(&f.kerberos, "kerberos", false, "bind with Kerberos (GSSAPI) from the credential cache (kinit), or --keytab")
	pf.StringVar(&f.krb5Conf, "krb5-conf", "", "Kerberos configuration `FILE` (default $KRB5_CONFIG or /etc/krb5.conf)")
	pf.StringVar(&f.ccache, "ccache", "", "Kerberos credential cache `FILE` (default $KRB5CCNAME or /tmp/krb5cc_UID)")
	pf.StringVar(&f.keytab, "keytab", "", "log in to Kerberos with the keytab `FILE` as --user (implies --kerberos)")
	pf.StringVar(&f.spn, "spn", "", "the DC's LDAP service principal `NAME` (default ldap/<server host>)")
	pf.StringVar(&f.configNC, "config-nc", "", "configuration naming context `DN` (default: read from the RootDSE)")
	pf.DurationVar(&f.timeout, "timeout", 30*time.Second, "timeout of connecting and of each LDAP request")
	cmd.AddCommand(newADListCmd(a, f), newADPublishCmd(a, f), newADRemoveCmd(a, f))
	return cmd
}

// connectOptions turns the flags into adpublish options, refusing (exit 2,
// before any connection and before asking for a password) a bind that would
// send the password in cleartext.
func (f *adFlags) connectOptions(a *app) (adpublish.ConnectOptions, error) {
	opts := adpublish.ConnectOptions{
		Server:             f.server,
		InsecureSkipVerify: f.tlsSkipVerify,
		NoStartTLS:         f.noStartTLS,
		InsecurePlaintext:  f.insecurePlaintext,
		ConfigNC:           f.configNC,
		Timeout:            f.timeout,
		Auth:               adpublish.Auth{User: f.user},
	}
	if f.server == "" {
		return opts, usageError("--server is required (e.g. --server ldaps://dc1.example.com)")
	}
	if f.configNC != "" {
		if err := checkDN(f.configNC); err != nil {
			return opts, usageError("--config-nc %q: %s", f.configNC, err)
		}
	}
	if f.keytab != "" || f.kerberos {
		opts.Auth = adpublish.Auth{Kerberos: &adpublish.Kerberos{Krb5Conf: f.krb5Conf, CCache: f.ccache,
			Keytab: f.keytab, Principal: f.user, SPN: f.spn}}
		if f.passwordFile != "" {
			return opts, usageError("--password-file is for simple binds; Kerberos uses the credential cache or --keytab")
		}
		if f.keytab != "" && f.user == "" {
			return opts, usageError("--keytab needs --user (the principal, e.g. admin@EXAMPLE.COM)")
		}
		// Files named on the command line must exist: say so before dialing.
		for _, file := range []struct{ flag, path string }{{"--keytab", f.keytab}, {"--krb5-conf", f.krb5Conf}, {"--ccache", f.ccache}} {
			if file.path == "" {
				continue
			}
			if _, err := os.Stat(strings.TrimPrefix(file.path, "FILE:")); err != nil {
				return opts, badInput(fmt.Errorf("%s %s: %w", file.flag, file.path, withoutPath(err)))
			}
		}
	} else if f.krb5Conf != "" || f.ccache != "" || f.spn != "" {
		return opts, usageError("--krb5-conf, --ccache and --spn need --kerberos")
	}
	if _, err := adpublish.ParseServer(opts); err != nil {
		return opts, usageError("--server: %s", err)
	}
	if f.caFile != "" {
		pool, err := adpublish.LoadCAFile(f.caFile)
		if err != nil {
			return opts, badInput(fmt.Errorf("--ca-file: %w", withoutPath(err)))
		}
		opts.RootCAs = pool
	}
	if opts.Auth.User != "" {
		pw, err := f.password(a)
		if err != nil {
			return opts, err
		}
		opts.Auth.Password = pw
	} else if f.passwordFile != "" {
		return opts, usageError("--password-file needs --user")
	}
	return opts, nil
}

// password reads the bind password: --password-file, the environment, or a
// no-echo prompt when standard input is a terminal.
func (f *adFlags) password(a *app) (string, error) {
	if f.passwordFile != "" {
		data, err := os.ReadFile(f.passwordFile)
		if err != nil {
			return "", badInput(fmt.Errorf("--password-file %s: %w", f.passwordFile, withoutPath(err)))
		}
		line, _, _ := bytes.Cut(data, []byte("\n"))
		pw := string(bytes.TrimSuffix(line, []byte("\r")))
		if pw == "" {
			return "", badInput(fmt.Errorf("--password-file %s: the first line is empty", f.passwordFile))
		}
		return pw, nil
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
		fmt.Fprintln(a.stderr, "lpetrust: warning: --tls-skip-verify: the domain controller's certificate is NOT verified")
	}
	d, err := adpublish.Connect(opts)
	if err != nil {
		fmt.Fprintf(a.stderr, "lpetrust: %s\n", oneLine(err.Error()))
		return nil, negative()
	}
	return d, nil
}

// adServer describes the connection in reports.
type adServer struct {
	Server      string `json:"server"`
	Transport   string `json:"transport"`
	TLSVerified bool   `json:"tls_verified"`
	BoundAs     string `json:"bound_as"`
	ConfigNC    string `json:"config_nc"`
}

func serverOf(d *adpublish.Directory) adServer {
	return adServer{Server: d.Endpoint.URL, Transport: string(d.Endpoint.Transport), TLSVerified: d.Verified,
		BoundAs: d.BoundAs, ConfigNC: d.ConfigNC}
}

func (s adServer) line() string {
	v := "certificate verified"
	switch {
	case s.Transport == string(adpublish.TransportPlaintext):
		v = "CLEARTEXT"
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
func missingRootsSource(a *app, cat *truststore.Catalogue, file, check string, src *chainSourceFlags) ([]chain.MissingRoot, error) {
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
		}
	}
	if check != "" {
		return missingRootsFromCheck(a, cat, check, opts)
	}
	ms, err := adpublish.MissingRootsFromFile(cat, file, chain.ReadOptions{Password: pfxPassword(a, src.pfxPasswordFile)}, opts)
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

func newADListCmd(a *app, f *adFlags) *cobra.Command {
	var container, chainFile, fromInspect, fromCheck string
	var src chainSourceFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the CA certificates published in Active Directory",
		Long: `List every certificationAuthority object of the chosen containers and every
certificate value in it: DN, object name, subject, SHA-1, expiry, whether it is
expired at --at, and which LPE firmware stores already hold it. One-byte
placeholder values are skipped. Searches are paged.

With --chain FILE (a certificate chain, judged like lpetrust inspect does) or
--from-inspect FILE (the JSON of lpetrust inspect -o json; a certificate file
is accepted too) or --from-check TARGET, also says which of the missing roots
found are published in Certification Authorities (what phones read).` + adExitCodes,
		Example: `  lpetrust ad list --server ldaps://dc1.example.com --user admin@example.com --password-file pw.txt
  lpetrust ad list --server dc1.example.com --kerberos --container ca -o json
  lpetrust ad list --server dc1.example.com --user 'EXAMPLE\audit' --chain pool-chain.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput("table", "json"); err != nil {
				return err
			}
			containers, err := adpublish.ParseContainers(container)
			if err != nil {
				return usageError("--container: %s", err)
			}
			if chainFile != "" && fromInspect != "" {
				return usageError("give --chain or --from-inspect, not both")
			}
			cat, err := a.Catalogue()
			if err != nil {
				return err
			}
			opts, err := f.connectOptions(a)
			if err != nil {
				return err
			}
			missing, err := missingRootsSource(a, cat, chainFile+fromInspect, fromCheck, &src)
			if err != nil {
				return err
			}
			d, err := f.connect(a, opts)
			if err != nil {
				return err
			}
			defer d.Close()
			objs, err := d.List(adpublish.ListOptions{Containers: containers, Catalogue: cat, At: a.At()})
			if err != nil {
				fmt.Fprintf(a.stderr, "lpetrust: %s\n", oneLine(err.Error()))
				return negative()
			}
			// "Published" means in Certification Authorities: read it even
			// when --container leaves it out of the listing.
			matchIn := objs
			if len(missing) > 0 && !slices.Contains(containers, adpublish.ContainerCA) {
				ca, err := d.List(adpublish.ListOptions{Containers: []adpublish.Container{adpublish.ContainerCA}, Catalogue: cat, At: a.At()})
				if err != nil {
					fmt.Fprintf(a.stderr, "lpetrust: %s\n", oneLine(err.Error()))
					return negative()
				}
				matchIn = append(ca, objs...)
			}
			var pubs []adpublish.Publication
			allPublished := true
			for _, m := range missing {
				p := adpublish.PublishedSHA1(matchIn, m.SHA1, m.Subject, m.Name)
				pubs = append(pubs, p)
				allPublished = allPublished && p.Published
			}
			if err := printADList(a, serverOf(d), objs, pubs, missing != nil || chainFile+fromInspect+fromCheck != ""); err != nil {
				return err
			}
			if !allPublished {
				return negative()
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&container, "container", "all", "`CONTAINER` to read: ca (Certification Authorities), aia, ntauth or all")
	fl.StringVar(&chainFile, "chain", "", "also check the missing roots of the certificate chain in `FILE`")
	fl.StringVar(&fromInspect, "from-inspect", "", "also check the missing roots in `FILE` (lpetrust inspect -o json, or a certificate file)")
	fl.StringVar(&fromCheck, "from-check", "", "also check the missing roots of the live endpoint `TARGET` (host[:port])")
	src.register(fl)
	return cmd
}

// pfxHint says how to give the password of an encrypted PFX.
func pfxHint(err error) error {
	if errors.Is(err, chain.ErrPasswordRequired) {
		return fmt.Errorf("%w (give it with --pfx-password-file FILE or %s)", err, pfxPasswordEnv)
	}
	return err
}

func printADList(a *app, srv adServer, objs []adpublish.Object, pubs []adpublish.Publication, withMissing bool) error {
	if a.output == "json" {
		if objs == nil {
			objs = []adpublish.Object{}
		}
		out := struct {
			Connection   adServer                `json:"connection"`
			Objects      []adpublish.Object      `json:"objects"`
			MissingRoots []adpublish.Publication `json:"missing_roots,omitempty"`
		}{srv, objs, pubs}
		if withMissing && pubs == nil {
			out.MissingRoots = []adpublish.Publication{}
		}
		return writeJSON(a.stdout, out)
	}
	fmt.Fprintln(a.stdout, srv.line())
	fmt.Fprintln(a.stdout)
	t := newTable(a.stdout, "CONTAINER", "NAME", "SHA1", "EXPIRES", "EXPIRED", "LPE STORES", "SUBJECT", "DN")
	n := 0
	for _, o := range objs {
		for _, v := range o.Certificates {
			n++
			expires, expired, subject := day(v.NotAfter), yesNo(v.Expired), v.Subject
			if v.Error != "" {
				expires, expired, subject = "-", "-", v.Error
			}
			stores := strings.Join(v.LPEStores, ",")
			if stores == "" {
				stores = "-"
			}
			attr := ""
			if v.Attribute == adpublish.AttrCrossCertificate {
				attr = " (cross)"
			}
			t.row(string(o.Container)+attr, o.Name, v.SHA1, expires, expired, stores, subject, o.DN)
		}
		if len(o.Certificates) == 0 {
			t.row(string(o.Container), o.Name, "-", "-", "-", "-", "(no certificate: placeholders only)", o.DN)
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\n%d objects, %d certificates\n", len(objs), n)
	if withMissing {
		fmt.Fprintln(a.stdout)
		if len(pubs) == 0 {
			fmt.Fprintln(a.stdout, "The chain has no missing roots.")
			return nil
		}
		t := newTable(a.stdout, "MISSING ROOT", "SHA1", "PUBLISHED", "CONTAINERS")
		for _, p := range pubs {
			var cs []string
			for _, c := range p.Containers {
				cs = append(cs, string(c))
			}
			where := strings.Join(cs, ",")
			if where == "" {
				where = "-"
			}
			t.row(p.Name, p.SHA1, yesNo(p.Published), where)
		}
		return t.flush()
	}
	return nil
}

func newADPublishCmd(a *app, f *adFlags) *cobra.Command {
	var (
		as, fromInspect, chainFile, fromCheck string
		src                                   chainSourceFlags
		dryRun, force, allowExpired           bool
	)
	cmd := &cobra.Command{
		Use:   "publish [CERT...]",
		Short: "Publish CA certificates to Active Directory, as certutil -dspublish does",
		Long: `Publish CA certificates where certutil -f -dspublish would:

  --as root    CN=Certification Authorities and CN=AIA, cACertificate (default;
               what phones download)
  --as sub     CN=AIA, cACertificate
  --as cross   CN=AIA, crossCertificatePair
  --as ntauth  the CN=NTAuthCertificates object (created if absent)

The object's name is the certificate's MS-WCCE sanitized name. A new object
gets the certificate plus one-byte placeholders for authorityRevocationList and
certificateRevocationList; an existing object gets the certificate added as one
more value (never replacing or removing another); a certificate already there
is "unchanged". Every write is read back. Each certificate and container is
reported created, added, unchanged or failed (with the LDAP result in words).

Refused before anything is written: a certificate that is not a CA certificate
(unless --force), larger than 32768 bytes, or expired at --at (unless
--allow-expired).

--from-inspect FILE (lpetrust inspect -o json, or a certificate chain) and
--from-check TARGET publish exactly the missing roots the chain engine found,
taken from the embedded catalogue (or --store overlay). A root the catalogue
does not know is published only from a certificate chain FILE (or
--intermediates) that holds it: never because a server sent it.

--dry-run prints the LDIF of exactly what would change and writes nothing; with
--config-nc and no --server it needs no directory at all, assuming none of the
objects exist yet (and saying so).` + adExitCodes,
		Example: `  lpetrust ad publish DigiCertGlobalRootG2.pem --server ldaps://dc1.example.com \
      --user admin@example.com --password-file pw.txt
  lpetrust ad publish issuing-ca.cer --as sub --server dc1.example.com --kerberos
  lpetrust inspect pool.pem -o json > pool.json
  lpetrust ad publish --from-inspect pool.json --server dc1.example.com --user 'EXAMPLE\admin'
  lpetrust ad publish root.pem --dry-run --config-nc CN=Configuration,DC=example,DC=com > root.ldif`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput("table", "json"); err != nil {
				return err
			}
			kind, err := adpublish.ParseKind(as)
			if err != nil {
				return usageError("--as: %s", err)
			}
			if chainFile != "" && fromInspect != "" {
				return usageError("give --chain or --from-inspect, not both")
			}
			source := chainFile + fromInspect
			if len(args) == 0 && source == "" && fromCheck == "" {
				return usageError("nothing to publish: give certificate files, --from-inspect FILE or --from-check TARGET")
			}
			cat, err := a.Catalogue()
			if err != nil {
				return err
			}
			offline := dryRun && f.server == ""
			if offline && f.configNC == "" {
				return usageError("--dry-run without --server needs --config-nc (e.g. CN=Configuration,DC=example,DC=com)")
			}
			if offline {
				if err := checkDN(f.configNC); err != nil {
					return usageError("--config-nc %q: %s", f.configNC, err)
				}
			}
			var opts adpublish.ConnectOptions
			if !offline {
				if opts, err = f.connectOptions(a); err != nil {
					return err
				}
				if opts.Auth.Anonymous() && !dryRun {
					return usageError("publishing needs a bind: give --user (with a password) or --kerberos")
				}
			}
			certs, err := publishInputs(a, cat, args, source, fromCheck, &src, adpublish.Policy{Force: force, AllowExpired: allowExpired, At: a.At()})
			if err != nil {
				return err
			}
			var report *adpublish.Report
			var srv *adServer
			if offline {
				report = adpublish.PlanOffline(certs, kind, f.configNC)
			} else {
				d, err := f.connect(a, opts)
				if err != nil {
					return err
				}
				defer d.Close()
				s := serverOf(d)
				srv = &s
				report = d.Publish(certs, adpublish.PublishOptions{Kind: kind, DryRun: dryRun})
			}
			if err := printADReport(a, srv, report); err != nil {
				return err
			}
			if report.Failed() {
				return negative()
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&as, "as", "root", "publish as root, sub, cross or ntauth (certutil's RootCA, SubCA, CrossCA, NTAuthCA)")
	fl.BoolVar(&dryRun, "dry-run", false, "print the LDIF of what would change and write nothing")
	fl.BoolVar(&force, "force", false, "publish certificates that are not CA certificates")
	fl.BoolVar(&allowExpired, "allow-expired", false, "publish certificates that are expired (or not yet valid) at --at")
	fl.StringVar(&fromInspect, "from-inspect", "", "publish the missing roots in `FILE` (lpetrust inspect -o json, or a certificate chain)")
	fl.StringVar(&chainFile, "chain", "", "publish the missing roots of the certificate chain in `FILE`")
	fl.StringVar(&fromCheck, "from-check", "", "publish the missing roots of the live endpoint `TARGET` (host[:port])")
	src.register(fl)
	return cmd
}

// publishInputs reads and checks every certificate before anything is
// written: one bad input refuses the whole run (exit 2).
func publishInputs(a *app, cat *truststore.Catalogue, files []string, source, check string, src *chainSourceFlags, p adpublish.Policy) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	seen := map[string]bool{}
	add := func(c *x509.Certificate, from string) error {
		if err := adpublish.CheckCertificate(c, p); err != nil {
			return badInput(fmt.Errorf("%s: %s", from, err))
		}
		if s := truststore.SHA1Hex(c); !seen[s] {
			seen[s] = true
			certs = append(certs, c)
		}
		return nil
	}
	for _, file := range files {
		ins, err := chain.ReadFile(file, chain.ReadOptions{Password: pfxPassword(a, src.pfxPasswordFile)})
		if err != nil {
			return nil, badInput(pfxHint(err))
		}
		for _, in := range ins {
			for _, c := range in.Certs {
				if err := add(c, in.Source); err != nil {
					return nil, err
				}
			}
		}
	}
	missing, err := missingRootsSource(a, cat, source, check, src)
	if err != nil {
		return nil, err
	}
	from := source
	if from == "" {
		from = check
	}
	for _, m := range missing {
		// A root the catalogue does not know is published only when the
		// admin supplied it (in the chain file or --intermediates), never
		// because a server sent it (--from-check); inspect JSON carries no
		// certificates, so its unknown roots have none.
		if m.Cert == nil || !m.Known && check != "" {
			return nil, badInput(fmt.Errorf("%s: missing root %s (%s) is not in the catalogue; if you trust it, publish its certificate file", from, m.SHA1, m.Subject))
		}
		if err := add(m.Cert, from+": missing root "+m.Name); err != nil {
			return nil, err
		}
	}
	if (source != "" || check != "") && len(files) == 0 && len(certs) == 0 {
		fmt.Fprintf(a.stderr, "lpetrust: %s has no missing roots: nothing to publish\n", from)
	}
	return certs, nil
}

func printADReport(a *app, srv *adServer, r *adpublish.Report) error {
	var ldif bytes.Buffer
	if r.DryRun {
		var comments []string
		if r.AssumedAbsent {
			comments = append(comments, "dry run without a directory: assuming none of the objects exist yet")
		} else {
			comments = append(comments, "dry run: nothing was written")
		}
		comments = append(comments, "configuration NC: "+r.ConfigNC)
		for _, o := range r.Outcomes {
			comments = append(comments, outcomeComment(o))
		}
		if err := adpublish.WriteLDIF(&ldif, r.Changes, comments...); err != nil {
			return err
		}
	}
	if a.output == "json" {
		out := struct {
			// Connection is null for a dry run made without a directory.
			Connection *adServer `json:"connection"`
			*adpublish.Report
			LDIF *string `json:"ldif,omitempty"`
		}{Connection: srv, Report: r}
		if out.Outcomes == nil {
			out.Outcomes = []adpublish.Outcome{}
		}
		if r.DryRun {
			s := ldif.String()
			out.LDIF = &s
		}
		return writeJSON(a.stdout, out)
	}
	if r.DryRun {
		_, err := io.Copy(a.stdout, &ldif)
		return err
	}
	if srv != nil {
		fmt.Fprintln(a.stdout, srv.line())
		fmt.Fprintln(a.stdout)
	}
	t := newTable(a.stdout, "STATUS", "CONTAINER", "NAME", "SHA1", "DETAIL")
	counts := map[adpublish.Status]int{}
	for _, o := range r.Outcomes {
		counts[o.Status]++
		detail := o.DN
		switch {
		case o.Error != "":
			detail = o.Error
		case o.ObjectDeleted:
			detail = o.DN + " (object deleted: that was its last certificate)"
		case o.Note != "":
			detail = o.DN + " (" + o.Note + ")"
		}
		name := o.Name
		if name == "" {
			name = "-"
		}
		t.row(string(o.Status), string(o.Container), name, o.SHA1, detail)
	}
	if err := t.flush(); err != nil {
		return err
	}
	var parts []string
	for _, s := range []adpublish.Status{adpublish.StatusCreated, adpublish.StatusAdded, adpublish.StatusUnchanged, adpublish.StatusRemoved, adpublish.StatusFailed} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(a.stdout, "\n%s\n", strings.Join(parts, ", "))
	}
	return nil
}

func outcomeComment(o adpublish.Outcome) string {
	s := fmt.Sprintf("%s %s %s %s", o.Status, o.Container, o.SHA1, o.DN)
	if o.ObjectDeleted {
		s += " (object deleted)"
	}
	if o.Error != "" {
		s += ": " + o.Error
	}
	return s
}

func newADRemoveCmd(a *app, f *adFlags) *cobra.Command {
	var sha1, container string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "remove --sha1 HEX",
		Short: "Remove a certificate from Active Directory",
		Long: `Remove the certificate with that SHA-1 thumbprint from every object of the
chosen containers that holds it. Other certificates in the same object are never
touched; an object whose last certificate goes is deleted (except the forest's
NTAuthCertificates object, which keeps a placeholder). Each container is
reported removed, unchanged (not published there) or failed.

--dry-run prints the LDIF of what would change and writes nothing (it still
reads the directory, so it needs --server).` + adExitCodes,
		Example: `  lpetrust ad remove --sha1 DF3C24F9BFD666761B268073FE06D1CC8D4F82A4 \
      --server ldaps://dc1.example.com --user admin@example.com --password-file pw.txt
  lpetrust ad remove --sha1 df3c24f9bfd666761b268073fe06d1cc8d4f82a4 --container ca --dry-run \
      --server dc1.example.com --kerberos`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput("table", "json"); err != nil {
				return err
			}
			if sha1 == "" {
				return usageError("--sha1 is required (40 hex digits, as lpetrust ad list shows)")
			}
			h, err := adpublish.ParseSHA1(sha1)
			if err != nil {
				return usageError("--sha1: %s", err)
			}
			containers, err := adpublish.ParseContainers(container)
			if err != nil {
				return usageError("--container: %s", err)
			}
			opts, err := f.connectOptions(a)
			if err != nil {
				return err
			}
			if opts.Auth.Anonymous() && !dryRun {
				return usageError("removing needs a bind: give --user (with a password) or --kerberos")
			}
			d, err := f.connect(a, opts)
			if err != nil {
				return err
			}
			defer d.Close()
			r, err := d.Remove(adpublish.RemoveOptions{SHA1: h, Containers: containers, DryRun: dryRun})
			if err != nil {
				fmt.Fprintf(a.stderr, "lpetrust: %s\n", oneLine(err.Error()))
				return negative()
			}
			s := serverOf(d)
			if err := printADReport(a, &s, r); err != nil {
				return err
			}
			if r.Failed() {
				return negative()
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&sha1, "sha1", "", "SHA-1 thumbprint `HEX` of the certificate to remove")
	fl.StringVar(&container, "container", "all", "`CONTAINER` to remove from: ca, aia, ntauth or all")
	fl.BoolVar(&dryRun, "dry-run", false, "print the LDIF of what would change and write nothing")
	return cmd
}
