package main

import (
	"crypto/x509"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/chain/report"
	"github.com/lpetrust/lpetrust/truststore"
)

// remediation is what remediate found and did, as JSON shows it.
type remediation struct {
	Server  adServer `json:"server"`
	Applied bool     `json:"applied"`
	// The plan: roots to publish (with --apply: published), already
	// published, refused; and the PIN channel's PowerShell lines.
	report.RootPlan
	// Before, Projected and After count stranded phones per chain (with an
	// inventory) or list the stores that do not trust each chain.
	Before    []chainCount        `json:"before"`
	Projected []chainCount        `json:"projected"`
	After     []chainCount        `json:"after,omitempty"`
	Outcomes  []adpublish.Outcome `json:"outcomes,omitempty"`
	Verified  *bool               `json:"verified,omitempty"`
	LDIF      string              `json:"ldif,omitempty"`
}

// chainCount is the state of one chain: stranded phones (inventory) or
// stores that do not trust it (no inventory).
type chainCount struct {
	Chain          string   `json:"chain"`
	Phones         *int     `json:"phones,omitempty"`
	Stranded       *int     `json:"stranded,omitempty"`
	StrandedStores []string `json:"stranded_stores,omitempty"`
}

func (c chainCount) stranded() bool {
	if c.Stranded != nil {
		return *c.Stranded > 0
	}
	return len(c.StrandedStores) > 0
}

func (c chainCount) String() string {
	if c.Stranded != nil {
		return fmt.Sprintf("%d of %d phones stranded", *c.Stranded, *c.Phones)
	}
	if len(c.StrandedStores) == 0 {
		return "trusted by every firmware store"
	}
	return "not trusted by " + strings.Join(c.StrandedStores, ", ")
}

func newRemediateCmd(a *app) *cobra.Command {
	f := &reportFlags{}
	var apply bool
	cmd := &cobra.Command{
		Use:   "remediate --pool TARGET [--chain FILE] [--inventory FILE] --server URL [--apply]",
		Short: "Publish the roots a pool's phones are missing to Active Directory, and show who comes back",
		Long: `remediate repairs stranded phones the way that needs no phone to be touched:
it publishes the roots the chain engine finds missing in Active Directory,
where phones that sign in with AD credentials (USB tethering or NTLM) download
them.

  1. audit: judge what --pool serves now (and --chain, a candidate) and find
     the roots their untrusted paths end at;
  2. plan: the roots not yet in CN=Certification Authorities (roots that are
     not CA certificates or are expired are refused, with the reason), and,
     with --inventory, how many phones are stranded now and would be after
     publishing (phones without a sign-in column are assumed to use AD
     credentials unless --unknown-sign-in pin);
  3. without --apply: print the plan and the LDIF of exactly the changes, and
     change nothing;
  4. with --apply: publish the roots as "lpetrust ad publish --as root" does
     (Certification Authorities and AIA, values added, never replaced), read
     them back, then judge everything again with the roots read from the
     directory and print the stranded counts before and after.

PIN-authenticated phones do not read Active Directory: the PowerShell lines
that hand the same roots to them through the Certificate Provisioning service
are printed for a Front End server.

Connection flags are those of lpetrust ad (--server, --ca-file, --user,
--password-file or env ` + ldapPasswordEnv + `, --kerberos, --keytab).

Exit codes:
  0  nothing is stranded after the command (without --apply: nothing is
     stranded now, so there is nothing to do)
  1  something is still stranded (without --apply: always, when the plan has
     work), or a publication failed or could not be verified
  2  bad input or usage; nothing was written to the directory`,
		Example: `  # What would publishing fix? (changes nothing; prints the LDIF)
  lpetrust remediate --pool pool01.contoso.com --inventory phones.csv \
      --server ldaps://dc1.contoso.com --user admin@contoso.com --password-file admin.pass

  # Before installing a renewed certificate, publish its root and verify:
  lpetrust remediate --pool pool01.contoso.com --chain pool2026.pem --inventory phones.csv \
      --server ldaps://dc1.contoso.com --user admin@contoso.com --password-file admin.pass --apply`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput("table", "json"); err != nil {
				return err
			}
			opts, err := f.options(a)
			if err != nil {
				return err
			}
			if f.ad.server == "" {
				return usageError("--server is required (e.g. --server ldaps://dc1.contoso.com)")
			}
			cat, err := a.Catalogue()
			if err != nil {
				return err
			}
			chains, err := f.loadChains(cmd.Context(), a, cat, opts.Chain)
			if err != nil {
				return err
			}
			var open report.Opener
			var source string
			if f.inventory != "" {
				o, src, cleanup, err := openInventory(a, f.inventory)
				if err != nil {
					return err
				}
				defer cleanup()
				open, source = o, src
			}
			copts, err := f.ad.connectOptions(a)
			if err != nil {
				return err
			}
			missing, err := report.MissingRoots(cat, chains, opts.Chain)
			if err != nil {
				return badInput(err)
			}
			d, err := f.ad.connect(a, copts)
			if err != nil {
				return err
			}
			defer d.Close()
			published, err := d.PublishedRoots(cat, a.At())
			if err != nil {
				return adFailure(a, err)
			}
			policy := func(c *x509.Certificate) error { return adpublish.CheckCertificate(c, adpublish.Policy{At: a.At()}) }
			r := &remediation{Server: serverOf(d), Applied: apply,
				RootPlan: report.PlanRoots(missing, published, report.Supplied(chains, opts.Chain.Intermediates), policy)}
			certs := r.Certificates()
			count := func(roots []*x509.Certificate) ([]chainCount, error) {
				return countStranded(cat, chains, opts, source, open, roots)
			}
			if r.Before, err = count(published); err != nil {
				return err
			}
			if r.Projected, err = count(append(append([]*x509.Certificate{}, published...), certs...)); err != nil {
				return err
			}
			failed := false
			if !apply {
				rep := d.Publish(certs, adpublish.PublishOptions{Kind: adpublish.KindRoot, DryRun: true})
				var sb strings.Builder
				if err := adpublish.WriteLDIF(&sb, rep.Changes, "lpetrust remediate plan: roots to publish in "+d.ConfigNC); err != nil {
					return err
				}
				r.LDIF = sb.String()
				failed = rep.Failed()
				r.Outcomes = rep.Outcomes
			} else {
				rep := d.Publish(certs, adpublish.PublishOptions{Kind: adpublish.KindRoot})
				r.Outcomes = rep.Outcomes
				failed = rep.Failed()
				after, err := d.PublishedRoots(cat, a.At())
				if err != nil {
					return adFailure(a, err)
				}
				now := map[string]bool{}
				for _, c := range after {
					now[truststore.SHA1Hex(c)] = true
				}
				ok := true
				for _, m := range r.Publish {
					ok = ok && now[m.SHA1]
				}
				r.Verified = &ok
				failed = failed || !ok
				if r.After, err = count(after); err != nil {
					return err
				}
			}
			if a.output == "json" {
				if err := writeJSON(a.stdout, r); err != nil {
					return err
				}
			} else if err := printRemediation(a.stdout, r); err != nil {
				return err
			}
			final := r.Before
			if apply {
				final = r.After
			}
			for _, c := range final {
				failed = failed || c.stranded()
			}
			if failed {
				return negative()
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVar(&apply, "apply", false, "publish the planned roots, verify them and judge again (without it nothing is changed)")
	return cmd
}

func adFailure(a *app, err error) error {
	fmt.Fprintf(a.stderr, "lpetrust: %s\n", oneLine(err.Error()))
	return negative()
}

// countStranded judges the chains with the roots as AD-published anchors:
// stranded phones per chain with an inventory, else stores per chain.
func countStranded(cat *truststore.Catalogue, chains []report.Chain, opts report.Options, source string, open report.Opener, roots []*x509.Certificate) ([]chainCount, error) {
	var out []chainCount
	if open == nil {
		scs, err := report.JudgeStores(cat, chains, opts.Chain, roots)
		if err != nil {
			return nil, badInput(err)
		}
		for _, sc := range scs {
			out = append(out, chainCount{Chain: sc.Chain, StrandedStores: sc.Stranded})
		}
		return out, nil
	}
	opts.WithAD, opts.ADRoots = true, roots
	s, err := report.Count(cat, source, open, chains, opts)
	if err != nil {
		return nil, badInput(err)
	}
	for _, c := range s.Chains {
		phones, stranded := c.Phones, c.Stranded
		out = append(out, chainCount{Chain: c.Name, Phones: &phones, Stranded: &stranded})
	}
	return out, nil
}

func printRemediation(w io.Writer, r *remediation) error {
	fmt.Fprintln(w, r.Server.line())
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
		fmt.Fprintf(w, "  not publishable: %s  %s: %s\n", m.SHA1, m.Name, m.Reason)
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
			line := fmt.Sprintf("  %-9s %s (%s)", o.Status, o.DN, o.Attribute)
			if o.Error != "" {
				line += ": " + o.Error
			}
			fmt.Fprintln(w, line)
		}
	}
	if r.Verified != nil {
		if *r.Verified {
			fmt.Fprintln(w, "Verified: every published root reads back from CN=Certification Authorities.")
		} else {
			fmt.Fprintln(w, "NOT verified: some published root does not read back from CN=Certification Authorities.")
		}
	}
	if len(r.PINChannel) > 0 {
		fmt.Fprintln(w, "\nPIN-authenticated phones do not read Active Directory; on a Front End server (after importing the roots into its Trusted Root store):")
		for _, l := range r.PINChannel {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	if r.LDIF != "" {
		fmt.Fprintln(w, "\nLDIF of the planned changes:")
		fmt.Fprint(w, r.LDIF)
	}
	return nil
}
