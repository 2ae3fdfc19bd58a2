package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/chain"
)

// adListOptions are what lpetrust ad list is asked.
type adListOptions struct {
	app                                          *app
	conn                                         *adFlags
	container, chainFile, fromInspect, fromCheck string
	src                                          chainSourceFlags
}

func newADListCmd(a *app, f *adFlags, runF func(*adListOptions) error) *cobra.Command {
	o := &adListOptions{app: a, conn: f}
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
			if runF != nil {
				return runF(o)
			}
			return runADList(o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.container, "container", "all", "`CONTAINER` to read: ca (Certification Authorities), aia, ntauth or all")
	fl.StringVar(&o.chainFile, "chain", "", "also check the missing roots of the certificate chain in `FILE`")
	fl.StringVar(&o.fromInspect, "from-inspect", "", "also check the missing roots in `FILE` (lpetrust inspect -o json, or a certificate file)")
	fl.StringVar(&o.fromCheck, "from-check", "", "also check the missing roots of the live endpoint `TARGET` (host[:port])")
	o.src.register(fl)
	return cmd
}

func runADList(o *adListOptions) error {
	a, f := o.app, o.conn
	if err := a.checkOutput("table", "json"); err != nil {
		return err
	}
	containers, err := adpublish.ParseContainers(o.container)
	if err != nil {
		return usageError("--container: %s", err)
	}
	if o.chainFile != "" && o.fromInspect != "" {
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
	missing, err := missingRootsSource(a, cat, o.chainFile+o.fromInspect, o.fromCheck, &o.src)
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
	if err := printADList(a, serverOf(d), objs, pubs, missing != nil || o.chainFile+o.fromInspect+o.fromCheck != ""); err != nil {
		return err
	}
	if !allPublished {
		return negative()
	}
	return nil
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
