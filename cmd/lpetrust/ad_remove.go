package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/adpublish"
)

// adRemoveOptions are what lpetrust ad remove is asked.
type adRemoveOptions struct {
	app       *app
	conn      *adFlags
	sha1      string
	container string
	dryRun    bool
}

func newADRemoveCmd(a *app, f *adFlags, runF func(*adRemoveOptions) error) *cobra.Command {
	o := &adRemoveOptions{app: a, conn: f}
	cmd := &cobra.Command{
		Use:   "remove --sha1 HEX",
		Short: "Remove a certificate from Active Directory",
		Long: `Remove the certificate with that SHA-1 thumbprint from every object of the
chosen containers that holds it. Other certificates in the same object are never
touched; an object whose last certificate goes stays, with a one-byte
placeholder in cACertificate (as certutil leaves objects): deleting it could
take a value another publisher adds at that moment. Each container is
reported removed, unchanged (not published there) or failed.

--dry-run prints the LDIF of what would change and writes nothing (it still
reads the directory, so it needs --server).` + adExitCodes,
		Example: `  lpetrust ad remove --sha1 DF3C24F9BFD666761B268073FE06D1CC8D4F82A4 \
      --server ldaps://dc1.example.com --user admin@example.com --password-file pw.txt
  lpetrust ad remove --sha1 df3c24f9bfd666761b268073fe06d1cc8d4f82a4 --container ca --dry-run \
      --server dc1.example.com --kerberos`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runADRemove(o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.sha1, "sha1", "", "SHA-1 thumbprint `HEX` of the certificate to remove")
	fl.StringVar(&o.container, "container", "all", "`CONTAINER` to remove from: ca, aia, ntauth or all")
	fl.BoolVar(&o.dryRun, "dry-run", false, "print the LDIF of what would change and write nothing")
	return cmd
}

func runADRemove(o *adRemoveOptions) error {
	a, f := o.app, o.conn
	if err := a.checkOutput("table", "json"); err != nil {
		return err
	}
	if o.sha1 == "" {
		return usageError("--sha1 is required (40 hex digits, as lpetrust ad list shows)")
	}
	h, err := adpublish.ParseSHA1(o.sha1)
	if err != nil {
		return usageError("--sha1: %s", err)
	}
	containers, err := adpublish.ParseContainers(o.container)
	if err != nil {
		return usageError("--container: %s", err)
	}
	opts, err := f.connectOptions(a)
	if err != nil {
		return err
	}
	if opts.Auth.Anonymous() && !o.dryRun {
		return usageError("removing needs a bind: give --user (with a password) or --kerberos")
	}
	d, err := f.connect(a, opts)
	if err != nil {
		return err
	}
	defer d.Close()
	r, err := d.Remove(adpublish.RemoveOptions{SHA1: h, Containers: containers, DryRun: o.dryRun})
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
}
