package main

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
)

// adPublishOptions are the flags of lpetrust ad publish.
type adPublishOptions struct {
	app                                   *app
	conn                                  *adFlags
	files                                 []string
	as, fromInspect, chainFile, fromCheck string
	src                                   chainSourceFlags
	dryRun, force, allowExpired           bool
	publishUnknown                        bool
}

func newADPublishCmd(a *app, f *adFlags, runF func(*adPublishOptions) error) *cobra.Command {
	o := &adPublishOptions{app: a, conn: f}
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
under the one rule every lpetrust advice follows: a known public root (the
catalogue, or a --store overlay) or a root you supplied in a file (the chain
FILE, --intermediates) is published; a root only a server sent, or that no
catalogue knows, only with --publish-unknown, and with a warning, since every
domain member then trusts it; a look-alike (a known root's name with another
key) never, not even as a CERT argument.

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
			o.files = args
			if runF != nil {
				return runF(o)
			}
			return runADPublish(o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.as, "as", "root", "publish as root, sub, cross or ntauth (certutil's RootCA, SubCA, CrossCA, NTAuthCA)")
	fl.BoolVar(&o.dryRun, "dry-run", false, "print the LDIF of what would change and write nothing")
	fl.BoolVar(&o.force, "force", false, "publish certificates that are not CA certificates")
	fl.BoolVar(&o.allowExpired, "allow-expired", false, "publish certificates that are expired (or not yet valid) at --at")
	fl.StringVar(&o.fromInspect, "from-inspect", "", "publish the missing roots in `FILE` (lpetrust inspect -o json, or a certificate chain)")
	fl.StringVar(&o.chainFile, "chain", "", "publish the missing roots of the certificate chain in `FILE`")
	fl.StringVar(&o.fromCheck, "from-check", "", "publish the missing roots of the live endpoint `TARGET` (host[:port])")
	fl.BoolVar(&o.publishUnknown, "publish-unknown", false, "also publish missing roots that are not known public roots and that only a server sent (warned about: every domain member will trust them)")
	o.src.register(fl)
	return cmd
}

func runADPublish(o *adPublishOptions) error {
	a, f, args := o.app, o.conn, o.files
	if err := a.checkOutput("table", "json"); err != nil {
		return err
	}
	kind, err := adpublish.ParseKind(o.as)
	if err != nil {
		return usageError("--as: %s", err)
	}
	if o.chainFile != "" && o.fromInspect != "" {
		return usageError("give --chain or --from-inspect, not both")
	}
	source := o.chainFile + o.fromInspect
	if len(args) == 0 && source == "" && o.fromCheck == "" {
		return usageError("nothing to publish: give certificate files, --from-inspect FILE or --from-check TARGET")
	}
	cat, err := a.Catalogue()
	if err != nil {
		return err
	}
	offline := o.dryRun && f.server == "" && f.domain == ""
	if offline && f.configNC == "" {
		return usageError("--dry-run without --server needs --config-nc (e.g. CN=Configuration,DC=example,DC=com)")
	}
	if offline {
		if err := checkDN(f.configNC); err != nil {
			return usageError("--config-nc %q: %s", f.configNC, err)
		}
	}
	var copts adpublish.ConnectOptions
	if !offline {
		if copts, err = f.connectOptions(a); err != nil {
			return err
		}
		if copts.Auth.Anonymous() && !o.dryRun {
			return usageError("publishing needs a bind: give --user (with a password) or --kerberos")
		}
	}
	certs, err := publishInputs(a, cat, kind, args, source, o.fromCheck, &o.src, o.publishUnknown, adpublish.Policy{Force: o.force, AllowExpired: o.allowExpired, At: a.At()})
	if err != nil {
		return err
	}
	var report *adpublish.Report
	var srv *adServer
	if offline {
		report = adpublish.PlanOffline(certs, kind, f.configNC)
	} else {
		d, err := f.connect(a, copts)
		if err != nil {
			return err
		}
		defer d.Close()
		s := serverOf(d)
		srv = &s
		report = d.Publish(certs, adpublish.PublishOptions{Kind: kind, DryRun: o.dryRun})
	}
	if err := printADReport(a, srv, report); err != nil {
		return err
	}
	if report.Failed() {
		return negative()
	}
	return nil
}

// publishInputs reads and checks every certificate before anything is
// written: one bad input refuses the whole run (exit 2). The missing roots
// of --from-* are decided by the planner's rule; a look-alike of a known
// root is refused even as a CERT argument published as a root.
func publishInputs(a *app, cat *truststore.Catalogue, kind adpublish.Kind, files []string, source, check string, src *chainSourceFlags, publishUnknown bool, p adpublish.Policy) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	seen := map[string]bool{}
	add := func(c *x509.Certificate, from string) error {
		if err := adpublish.CheckCertificate(c, p); err != nil {
			return badInput(fmt.Errorf("%s: %s", from, publishRefusal(err)))
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
				if err := remedy.RefuseLookAlike(cat, c); err != nil && kind == adpublish.KindRoot {
					return nil, badInput(fmt.Errorf("%s: %w", in.Source, err))
				}
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
	roots := remedy.DecideRoots(cat, missing, remedy.RootOptions{PublishUnknown: publishUnknown,
		Check: func(c *x509.Certificate) error { return adpublish.CheckCertificate(c, p) }})
	if len(roots.Refused) > 0 {
		m := roots.Refused[0]
		reason := m.Reason
		if m.Err != nil {
			reason = publishRefusal(m.Err)
		}
		return nil, badInput(fmt.Errorf("%s: missing root %s (%s) is not published: %s", from, m.Name, m.SHA1, reason))
	}
	for _, w := range roots.Warnings {
		fmt.Fprintf(a.stderr, "lpetrust: %s\n", w)
	}
	for _, m := range roots.Publish {
		if err := add(m.Cert, from+": missing root "+m.Name); err != nil {
			return nil, err
		}
	}
	if (source != "" || check != "") && len(files) == 0 && len(certs) == 0 {
		a.note("%s has no missing roots: nothing to publish", from)
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

// publishRefusal is a refusal of adpublish.CheckCertificate with the flag of
// ad publish that overrides it, if one does.
func publishRefusal(err error) string {
	var re *adpublish.RefusedError
	if errors.As(err, &re) {
		switch re.Reason {
		case adpublish.RefusedNotCA:
			return err.Error() + "; --force publishes it anyway"
		case adpublish.RefusedExpired, adpublish.RefusedNotYetValid:
			return err.Error() + "; --allow-expired publishes it anyway"
		}
	}
	return err.Error()
}
