package main

import (
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
	"github.com/lpetrust/lpetrust/truststore/inputfile"
	"github.com/lpetrust/lpetrust/truststore/textwrap"
)

// pfxPasswordEnv names the environment variable holding a PKCS#12 password.
const pfxPasswordEnv = "LPETRUST_PFX_PASSWORD"

// inspectOptions are what lpetrust inspect is asked.
type inspectOptions struct {
	app   *app
	judge judgeFlags
	// passwordFile holds the PKCS#12 password (--password-file).
	passwordFile string
	files        []string
}

func newInspectCmd(a *app, runF func(*inspectOptions) error) *cobra.Command {
	o := &inspectOptions{app: a}
	cmd := &cobra.Command{
		Use:   "inspect FILE...",
		Short: "Judge a certificate chain per phone firmware before installing it",
		Long: `inspect reads certificates (PEM bundles, DER, PKCS#12/PFX, PKCS#7/P7B in PEM or
DER, or directories of these; the format is detected by content) and judges
each input against every firmware root store: RTM, CU10, CU11 and the stores of
a --store overlay.

It builds every path from the end-entity certificate (a PFX's key certificate,
else the certificate no other input certificate was issued by) through the
input, --intermediates and the catalogue of known CAs and cross-certificates,
and prints per store whether phones trust the chain and why not, the earliest
release and build per device family that trusts it, the roots the phones
lack, phone findings (wildcards, missing sip.<domain>, key and signature
types), each labelled fact or assumption, and what to do. Only certificates
the server can send count towards trust; a catalogue cross-certificate that
would help older firmware is reported as an alternative to send.

Expired roots do not anchor a path unless --honor-expired-roots is given: what
the phones do with an expired root is undocumented.

A PKCS#12 file is first opened with the empty password, then with the password
from --password-file, the ` + pfxPasswordEnv + ` environment variable, or a
prompt (without echo) when standard input is a terminal. There is no password
flag: passwords do not belong on command lines.

Exit codes:
  0  every input is trusted by the target firmware (--firmware, default ` + chain.DefaultTarget + `)
     and no finding is an error
  1  some input is not trusted by the target firmware, or has an error finding
     (with --strict, warnings based on assumptions count as errors)
  2  bad input or usage (unreadable file, wrong password, unknown firmware);
     nothing is printed on standard output`,
		Example: `  # A new pool certificate from the CA, before installing it:
  lpetrust inspect pool2026.pfx --password-file pfx.pass --pool pool.contoso.com --sip-domain contoso.com

  # The leaf and the CA's intermediates, judged for CU10 phones at a future date:
  lpetrust inspect leaf.cer --intermediates ca-bundle.p7b --firmware CU10 --at 2027-06-01

  # JSON for scripts; write the roots the phones lack, ready for AD publishing:
  lpetrust inspect chain.pem -o json --export-missing missing-roots/

  # Exit code only:
  lpetrust inspect chain.pem >/dev/null && echo "CU11 phones trust it"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("inspect: give at least one certificate FILE or directory")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			if runF != nil {
				return runF(o)
			}
			return runInspect(o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.passwordFile, "password-file", "", "read the PKCS#12 password from `FILE` (first line)")
	o.judge.register(fl, "pool `FQDN` that must be in the certificate's SAN", "SIP `DOMAIN`: sip.DOMAIN must be in the certificate's SAN")
	return cmd
}

func runInspect(o *inspectOptions) error {
	a, f := o.app, &o.judge
	if err := a.checkOutput("table", "json"); err != nil {
		return err
	}
	cat, err := a.Catalogue()
	if err != nil {
		return err
	}
	target, err := f.target(cat)
	if err != nil {
		return err
	}
	ropts := chain.ReadOptions{Password: pfxPassword(a, o.passwordFile)}

	// Read everything before printing anything: a bad input means exit 2
	// with nothing on standard output.
	var inputs []chain.Input
	for _, p := range o.files {
		ins, err := chain.ReadFile(p, ropts)
		if errors.Is(err, chain.ErrPasswordRequired) {
			return badInput(fmt.Errorf("%w (give it with --password-file FILE or %s, or run on a terminal to be asked)", err, pfxPasswordEnv))
		}
		if err != nil {
			return badInput(err)
		}
		inputs = append(inputs, ins...)
	}
	opts, err := f.options(a, ropts)
	if err != nil {
		return err
	}
	if f.exportMissing != "" {
		if err := prepareExportDir(f.exportMissing); err != nil {
			return badInput(err)
		}
	}
	results := make([]*chain.Result, 0, len(inputs))
	for _, in := range inputs {
		r, err := chain.Evaluate(cat, in, opts)
		if err != nil {
			return badInput(err)
		}
		addFlagHints(r, judgeHints)
		results = append(results, r)
	}
	base := remedy.Request{Catalogue: cat, Options: opts, Target: target.Name,
		Roots:  remedy.RootOptions{PublishUnknown: f.publishUnknown},
		Source: remedy.Source{PFXPasswordFile: o.passwordFile, Intermediates: f.intermediates, StoreFile: a.storeFile, ExportDir: f.exportMissing, AIA: f.aia, Pool: f.pool}}
	plans := remedy.ForFiles(base, inputs, results)
	if f.exportMissing != "" {
		exported, err := exportRoots(f.exportMissing, plans)
		if err != nil {
			return badInput(err)
		}
		base.Source.Exported = exported
		plans = remedy.ForFiles(base, inputs, results)
	}
	if a.output == "json" {
		out := make([]inspectJSON, len(results))
		for i := range results {
			out[i] = inspectJSON{results[i], plans[i]}
		}
		if err := writeJSON(a.stdout, out); err != nil {
			return err
		}
	} else if err := printInspect(a.stdout, cat, results, plans, target.Name, a.At(), a.shell); err != nil {
		return err
	}
	for _, r := range results {
		if !r.Passes(target.Name) {
			return negative()
		}
	}
	return nil
}

// inspectJSON is one result of inspect -o json: the chain result's fields
// and the plan beside them.
type inspectJSON struct {
	*chain.Result
	Plan *remedy.Plan `json:"plan"`
}

// pfxPassword returns the password source for encrypted PKCS#12 files:
// --password-file, else the environment, else a no-echo prompt when
// standard input is a terminal, else none.
func pfxPassword(a *app, passwordFile string) func(string) ([]byte, error) {
	switch {
	case passwordFile != "":
		return func(string) ([]byte, error) {
			pw, err := inputfile.ReadPassword(passwordFile)
			if err != nil {
				return nil, fmt.Errorf("--password-file %s: %w", passwordFile, err)
			}
			return pw, nil
		}
	case os.Getenv(pfxPasswordEnv) != "":
		return func(string) ([]byte, error) { return []byte(os.Getenv(pfxPasswordEnv)), nil }
	}
	in, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return nil
	}
	return func(source string) ([]byte, error) {
		fmt.Fprintf(a.stderr, "Password for %s: ", source)
		pw, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return nil, fmt.Errorf("reading the password: %w", err)
		}
		return pw, nil
	}
}

// prepareExportDir creates the --export-missing directory and makes sure a
// file can be written there, so that a bad directory is reported before any
// work (a live audit can take minutes) rather than after it.
func prepareExportDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--export-missing %s: %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".lpetrust-*")
	if err != nil {
		return fmt.Errorf("--export-missing %s: cannot write there: %w", dir, withoutPath(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// exportRoots writes each root the plans advise for AD as DIR/<SHA1>.pem
// and returns the paths by SHA-1. Roots the rule refuses are not written:
// a file there would pass for one the administrator vouched for.
func exportRoots(dir string, plans []*remedy.Plan) (map[string]string, error) {
	if err := prepareExportDir(dir); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, m := range remedy.AdvisedRoots(plans...) {
		path := filepath.Join(dir, m.SHA1+".pem")
		data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: m.Cert.Raw})
		if err := writeFileAtomic(path, data); err != nil {
			return nil, fmt.Errorf("--export-missing %s: writing %s: %w", dir, filepath.Base(path), withoutPath(err))
		}
		out[m.SHA1] = path
	}
	return out, nil
}

func printInspect(w io.Writer, cat *truststore.Catalogue, results []*chain.Result, plans []*remedy.Plan, target string, at time.Time, sh remedy.Shell) error {
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "== %s\n\nChain:\n", r.Source)
		t := newTable(w, "  #", "SUBJECT", "ISSUER", "SHA-1", "EXPIRES", "KEY", "SIGNATURE", "FROM")
		for k, c := range r.Chain {
			t.row(fmt.Sprintf("  %d", k), textwrap.Elide(c.Name, nameColumn), textwrap.Elide(issuerDisplay(c), nameColumn), truststore.ShortSHA1(c.SHA1), day(c.NotAfter), c.PublicKey, c.SignatureAlgorithm, c.Origin)
		}
		if err := t.flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "\nFirmware stores at %s:\n", day(at))
		vt := textwrap.NewTable(textwrap.Width)
		for _, v := range r.Verdicts {
			mark := "✗"
			text := strings.Join(v.Reasons, "; ")
			if v.Trusted {
				mark = "✓"
				text = "trusted until " + day(*v.ValidUntil) + anchorNote(cat, v.AnchorSHA1)
				if len(v.Reasons) > 0 {
					text += "; " + strings.Join(v.Reasons, "; ")
				}
			}
			name := v.Store
			if strings.EqualFold(v.Store, target) {
				name += " (target)"
			}
			vt.Row("  "+mark, name, text)
		}
		if _, err := io.WriteString(w, vt.String()); err != nil {
			return err
		}
		fmt.Fprintln(w)
		if r.MinimumRelease == nil {
			fmt.Fprintln(w, "Minimum release: none (no firmware store trusts this chain)")
		} else {
			fmt.Fprintf(w, "Minimum release: %s\n", *r.MinimumRelease)
			for _, b := range r.MinimumBuilds {
				v := b.Version
				if v == "" {
					v = "no build trusts it"
				} else {
					v += " (" + b.Release + ")"
				}
				fmt.Fprintf(w, "  %s: %s\n", b.Family, v)
			}
		}
		if len(r.Findings) > 0 {
			fmt.Fprintln(w, "\nFindings:")
			for _, f := range r.Findings {
				lead := fmt.Sprintf("  %-7s %-12s ", f.Severity, "["+f.Basis+"]")
				fmt.Fprint(w, textwrap.Wrap(lead, strings.Repeat(" ", len(lead)), f.Code+": "+f.Message, textwrap.Width))
			}
		}
		fmt.Fprintln(w, "\nWhat to do:")
		if err := plans[i].WriteText(w, sh, "  "); err != nil {
			return err
		}
	}
	return nil
}

func issuerDisplay(c chain.CertInfo) string {
	if c.Cert == nil {
		return c.Issuer
	}
	if c.Cert.Issuer.CommonName != "" {
		return c.Cert.Issuer.CommonName
	}
	if ou := c.Cert.Issuer.OrganizationalUnit; len(ou) > 0 {
		return ou[len(ou)-1]
	}
	return c.Issuer
}

func anchorNote(cat *truststore.Catalogue, sha string) string {
	if sha == "" {
		return ""
	}
	name := sha
	if r := cat.RootBySHA1(sha); r != nil {
		name = truststore.DisplayName(r.Cert) + " " + name
	}
	return " (root " + name + ")"
}
