package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/chain/report"
	"github.com/lpetrust/lpetrust/truststore/textwrap"
)

// remediation is what remediate found and did, as JSON shows it.
type remediation struct {
	// Server is null for a dry run, which contacts no directory.
	Server *adServer `json:"server"`
	*report.Remediation
}

// remediateOptions are the flags of lpetrust remediate.
type remediateOptions struct {
	app    *app
	report reportFlags
	apply  bool
	dryRun bool
}

func newRemediateCmd(a *app, runF func(*remediateOptions) error) *cobra.Command {
	o := &remediateOptions{app: a}
	cmd := &cobra.Command{
		Use:   "remediate --pool TARGET [--chain FILE] [--inventory FILE] (--server URL [--apply] | --dry-run)",
		Short: "Publish the roots a pool's phones are missing to Active Directory, and show who comes back",
		Long: `remediate repairs stranded phones the way that needs no phone to be touched:
it publishes the roots the chain engine finds missing in Active Directory,
where phones that sign in with AD credentials (USB tethering or NTLM) download
them.

  1. audit: judge what --pool serves now (and --chain, a candidate) and find
     the roots their untrusted paths end at;
  2. plan: under one rule, the roots to publish: known public roots and roots
     you supplied in a file (--chain, --intermediates); a root only the pool
     sent is refused unless --publish-unknown (then with a warning: every
     domain member would trust it); a look-alike of a known root, a root that
     is not a CA certificate or is expired, never. With --inventory, how many
     phones are stranded now and would be after publishing (phones without a
     sign-in column are assumed to use AD credentials unless
     --unknown-sign-in pin), and the whole fix list, cumulative;
  3. without --apply: print the plan and the LDIF of exactly the changes, and
     change nothing. --dry-run prints the plan without contacting any
     directory (the LDIF too when --config-nc names the naming context);
  4. with --apply: publish the planned roots, and nothing else, as
     "lpetrust ad publish --as root" does (Certification Authorities and AIA,
     values added, never replaced), read them back, then judge everything
     again with the roots read from the directory and print the stranded
     counts before and after.

PIN-authenticated phones do not read Active Directory: the PowerShell lines
that hand the same roots to them through the Certificate Provisioning service
are printed for a Front End server.

Connection flags are those of lpetrust ad (--server or --domain,
--dns-server, --ca-file, --user, --password-file or env ` + ldapPasswordEnv + `,
--kerberos, --keytab, --ntlm, --deadline…), with --ldap-timeout for its
--timeout; the PFX password of --chain is read from --pfx-password-file.

Exit codes:
  0  nothing is stranded after the command (without --apply: nothing is
     stranded now, so there is nothing to do)
  1  something is still stranded (without --apply: always, when the plan has
     work), or a publication failed or could not be verified
  2  bad input or usage; nothing was written to the directory`,
		Example: `  # The whole plan, offline: no directory contacted
  lpetrust remediate --pool pool01.contoso.com --inventory phones.csv --dry-run --config-nc CN=Configuration,DC=contoso,DC=com

  # What would publishing fix? (changes nothing; prints the LDIF)
  lpetrust remediate --pool pool01.contoso.com --inventory phones.csv --server ldaps://dc1.contoso.com --user admin@contoso.com --password-file admin.pass

  # Before installing a renewed certificate, publish its root and verify:
  lpetrust remediate --pool pool01.contoso.com --chain pool2026.pem --inventory phones.csv --server ldaps://dc1.contoso.com --user admin@contoso.com --password-file admin.pass --apply`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runRemediate(cmd, o)
		},
	}
	o.report.register(cmd.Flags())
	cmd.Flags().BoolVar(&o.apply, "apply", false, "publish the planned roots, verify them and judge again (without it nothing is changed)")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the whole plan without contacting any directory (with --config-nc, the LDIF too)")
	return cmd
}

func runRemediate(cmd *cobra.Command, o *remediateOptions) error {
	a, f := o.app, &o.report
	if err := a.checkOutput("table", "json"); err != nil {
		return err
	}
	opts, err := f.options(a)
	if err != nil {
		return err
	}
	switch {
	case o.dryRun && o.apply:
		return usageError("give --dry-run or --apply, not both")
	case o.dryRun && f.ad.configNC != "":
		if err := checkDN(f.ad.configNC); err != nil {
			return usageError("--config-nc %q: %s", f.ad.configNC, err)
		}
	case !o.dryRun && f.ad.server == "" && f.ad.domain == "" && adpublish.DefaultDomain() == "":
		return usageError("--server is required (e.g. --server ldaps://dc1.contoso.com), or --domain to find the DCs in DNS, or --dry-run for a plan without the directory")
	}
	if f.ad.server != "" || f.ad.domain != "" {
		opts.Connection = f.ad.connection().Args()
	}
	cat, err := a.Catalogue()
	if err != nil {
		return err
	}
	chains, err := f.loadChains(cmd.Context(), a, cat, opts.Chain)
	if err != nil {
		return err
	}
	req := report.RemediateRequest{Catalogue: cat, Chains: chains, Options: opts, Apply: o.apply, ConfigNC: f.ad.configNC,
		Policy: func(c *x509.Certificate) error { return adpublish.CheckCertificate(c, adpublish.Policy{At: a.At()}) }}
	if f.inventory != "" {
		open, src, cleanup, err := openInventory(a, f.inventory)
		if err != nil {
			return err
		}
		defer cleanup()
		req.Open, req.Source = open, src
	}
	out := &remediation{}
	if !o.dryRun {
		copts, err := f.ad.connectOptions(a)
		if err != nil {
			return err
		}
		d, err := f.ad.connect(a, copts)
		if err != nil {
			return err
		}
		defer d.Close()
		s := serverOf(d)
		out.Server, req.Directory, req.ConfigNC = &s, d, d.ConfigNC
	}
	if out.Remediation, err = report.Remediate(req); err != nil {
		if req.Directory != nil && isDirectoryError(err) {
			return adFailure(a, err)
		}
		return badInput(err)
	}
	for _, w := range out.Warnings {
		fmt.Fprintf(a.stderr, "lpetrust: %s\n", w)
	}
	if a.output == "json" {
		if err := writeJSON(a.stdout, out); err != nil {
			return err
		}
	} else if err := printRemediation(a, out); err != nil {
		return err
	}
	if out.Unfinished() {
		return negative()
	}
	return nil
}

// isDirectoryError tells an LDAP failure (exit 1) from bad input (exit 2).
func isDirectoryError(err error) bool {
	var de *report.DirectoryError
	return errors.As(err, &de)
}

func adFailure(a *app, err error) error {
	fmt.Fprintf(a.stderr, "lpetrust: %s\n", oneLine(err.Error()))
	return negative()
}

func printRemediation(a *app, r *remediation) error {
	w := a.stdout
	if r.Server != nil {
		fmt.Fprintln(w, r.Server.line())
	} else {
		fmt.Fprintln(w, "Dry run: no directory contacted; roots already published there are not known to this plan.")
	}
	if len(r.Publish) == 0 {
		fmt.Fprintln(w, "\nNo root to publish.")
	} else {
		verb := "Roots to publish"
		if r.Applied {
			verb = "Roots published"
		}
		fmt.Fprintf(w, "\n%s (Certification Authorities and AIA):\n", verb)
		for _, m := range r.Publish {
			fmt.Fprintf(w, "  %s  %s  (for %s)\n", m.SHA1, m.Name, strings.Join(m.Chains, ", "))
		}
	}
	for _, m := range r.AlreadyPublished {
		fmt.Fprintf(w, "  already published: %s  %s\n", m.SHA1, m.Name)
	}
	for _, m := range r.Refused {
		fmt.Fprint(w, textwrap.Wrap("  ", "    ", fmt.Sprintf("not published: %s  %s: %s", m.SHA1, m.Name, m.Reason), textwrap.Width))
	}
	tw := newTable(w, "CHAIN", "NOW", "AFTER PUBLISHING (PLANNED)", "AFTER (RE-EVALUATED)")
	fmt.Fprintln(w)
	for i, b := range r.Before {
		after := "-"
		if r.After != nil {
			after = r.After[i].String()
		}
		tw.row(b.Chain, b.String(), r.Projected[i].String(), after)
	}
	if err := tw.flush(); err != nil {
		return err
	}
	if len(r.Outcomes) > 0 {
		if r.Applied {
			fmt.Fprintln(w, "\nDirectory changes:")
		} else {
			fmt.Fprintln(w, "\nDirectory changes planned (nothing written):")
		}
		for _, o := range r.Outcomes {
			lead := fmt.Sprintf("  %-9s ", o.Status)
			line := fmt.Sprintf("%s (%s)", o.DN, o.Attribute)
			if o.Error != "" {
				line += ": " + o.Error
			}
			fmt.Fprint(w, textwrap.Wrap(lead, strings.Repeat(" ", len(lead)), line, textwrap.Width))
		}
	}
	if r.Verified != nil {
		if *r.Verified {
			fmt.Fprintln(w, "Verified: every published root reads back from CN=Certification Authorities.")
		} else {
			fmt.Fprintln(w, "NOT verified: some published root does not read back from CN=Certification Authorities.")
		}
	}
	for _, p := range r.Plans {
		fmt.Fprintf(w, "\nPlan for %s:\n", p.Chain)
		if err := p.WriteText(w, a.shell, "  "); err != nil {
			return err
		}
	}
	if r.LDIF != "" {
		fmt.Fprintln(w, "\nLDIF of the planned changes:")
		fmt.Fprint(w, r.LDIF)
	}
	return nil
}
