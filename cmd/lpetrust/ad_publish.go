package main

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

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
			offline := dryRun && f.server == "" && f.domain == ""
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
