package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

// rootsExportOptions are what lpetrust roots export is asked.
type rootsExportOptions struct {
	app   *app
	SHA1s []string
	From  []string
	Out   string
}

func newRootsExportCmd(a *app, runF func(*rootsExportOptions) error) *cobra.Command {
	opts := &rootsExportOptions{app: a}
	cmd := &cobra.Command{
		Use:   "export SHA1... --out FILE|DIR",
		Short: "Write catalogue certificates (or ones from --from files) as .cer or .pem files",
		Long: `export writes the certificates with the given SHA-1 thumbprints: firmware roots,
known public roots and cross-certificates from the catalogue, or certificates
found in the --from files. Windows tools (certutil -dspublish, certutil
-addstore, Import-Certificate) read the .cer files it writes.

With one thumbprint, --out is the file: DER for .cer, .crt and .der, PEM for
.pem. With several, --out is a directory (created if needed) that receives
<SHA1>.cer files. A thumbprint nothing holds is an error (exit 2), and
nothing is written then.`,
		Example: `  lpetrust roots export DF3C24F9BFD666761B268073FE06D1CC8D4F82A4 --out DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.cer
  certutil -f -dspublish DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.cer RootCA
  lpetrust roots export F3E0E51615FB4A401AD78F6A9E4DB8B287A7F8EC --from chain.pem --out contoso-root.cer`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SHA1s = args
			if runF != nil {
				return runF(opts)
			}
			return runRootsExport(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "", "write to `FILE` (one thumbprint) or DIR (several)")
	cmd.Flags().StringArrayVar(&opts.From, "from", nil, "also look in the certificates of `FILE` (any format; repeatable)")
	return cmd
}

func runRootsExport(o *rootsExportOptions) error {
	a := o.app
	if err := a.checkOutput("table"); err != nil {
		return err
	}
	if len(o.SHA1s) == 0 {
		return usageError("roots export: give the SHA-1 of at least one certificate")
	}
	if o.Out == "" {
		return usageError("roots export: --out FILE or DIR is required")
	}
	cat, err := a.Catalogue()
	if err != nil {
		return err
	}
	var extra []*x509.Certificate
	for _, f := range o.From {
		ins, err := chain.ReadFile(f, chain.ReadOptions{})
		if err != nil {
			return badInput(fmt.Errorf("--from %w", err))
		}
		for _, in := range ins {
			extra = append(extra, in.Certs...)
		}
	}
	var certs []*x509.Certificate
	for _, s := range o.SHA1s {
		c := findCertificate(cat, extra, s)
		if c == nil {
			hint := ""
			if len(o.From) == 0 {
				hint = " (give the file that holds it with --from FILE)"
			}
			return badInput(fmt.Errorf("roots export: %s: no such certificate in the catalogue or the --from files%s", s, hint))
		}
		certs = append(certs, c)
	}
	if len(certs) == 1 && !isDir(o.Out) {
		return writeCertFile(o.Out, certs[0])
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return badInput(fmt.Errorf("--out %s: %w", o.Out, withoutPath(err)))
	}
	for _, c := range certs {
		if err := writeCertFile(filepath.Join(o.Out, truststore.SHA1Hex(c)+".cer"), c); err != nil {
			return err
		}
	}
	return nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir() || strings.HasSuffix(p, "/") || strings.HasSuffix(p, `\`)
}

func findCertificate(cat *truststore.Catalogue, extra []*x509.Certificate, sha1 string) *x509.Certificate {
	sha1 = strings.ToUpper(strings.TrimSpace(sha1))
	if r := cat.RootBySHA1(sha1); r != nil {
		return r.Cert
	}
	if k := cat.KnownBySHA1(sha1); k != nil {
		return k.Cert
	}
	for _, c := range extra {
		if truststore.SHA1Hex(c) == sha1 {
			return c
		}
	}
	return nil
}

// writeCertFile writes DER, or PEM for a .pem name, atomically.
func writeCertFile(path string, c *x509.Certificate) error {
	data := c.Raw
	if strings.EqualFold(filepath.Ext(path), ".pem") {
		data = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	if err := writeFileAtomic(path, data); err != nil {
		return badInput(fmt.Errorf("--out %s: %w", path, withoutPath(err)))
	}
	return nil
}
