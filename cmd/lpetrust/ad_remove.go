package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/adpublish"
)

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
