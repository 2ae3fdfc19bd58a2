package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/chain/report"
	"github.com/lpetrust/lpetrust/truststore"
	"github.com/lpetrust/lpetrust/truststore/inputfile"
	"github.com/lpetrust/lpetrust/truststore/inventory"
)

// reportFlags are the flags report and remediate share.
type reportFlags struct {
	inventory       string
	chains          []string
	pools           []string
	intermediates   []string
	pfxPasswordFile string
	horizon         string
	honorExpired    bool
	sipDomain       string
	unknownSignIn   string
	resolver        string
	poolTimeout     time.Duration
	publishUnknown  bool
	ad              adFlags
	estateFile      string
}

const reportExitCodes = `
Exit codes:
  0  no phone is stranded by any chain at --at (phones stranded later, within
     --horizon, are reported but do not change the exit code)
  1  some phone is stranded by some chain; or, with --with-ad, the
     directory could not be read (one line on standard error, nothing on
     standard output)
  2  bad input or usage (unreadable inventory or certificate, unknown flag,
     a --pool presenting no chain at all); nothing is printed on standard
     output`

// reportOptions are what lpetrust report is asked.
type reportOptions struct {
	app    *app
	report reportFlags
	withAD bool
	out    string
}

func newReportCmd(a *app, runF func(*reportOptions) error) *cobra.Command {
	o := &reportOptions{app: a}
	f := &o.report
	cmd := &cobra.Command{
		Use:   "report --inventory FILE (--chain FILE | --pool TARGET)...",
		Short: "Count the phones of an inventory a certificate strands, and rank the fixes",
		Long: `report answers what a manager asks before a certificate renewal: how many
phones break, which ones, and what is the cheapest fix.

The inventory is read in any of these formats, detected from its header:
  - the Lync Monitoring "IP Phone Inventory Report" exported to CSV
    (Manufacturer, Hardware version, MAC address, User URI, User agent, …)
  - an export of the Monitoring database registration view (UserUri,
    ClientVersion, DeviceManufacturer, DeviceHardwareVersion, DeviceMacAddress,
    RegisterTime, Pool, …)
  - any CSV with a column named like version, firmware or user agent (and
    optionally model, manufacturer, MAC, user, last seen, sign-in)
  - plain text, one phone user-agent or firmware version per line
Comma, semicolon and tab delimiters, quoted fields, a UTF-8 BOM and UTF-16
text with a BOM (Excel's "Unicode Text") are handled. Rows that are not LPE phones (desktop clients, other devices) are
counted and skipped; rows that cannot be parsed are listed with their line
numbers. A MAC address seen several times counts once: the latest
registration wins. The file is streamed; memory grows only with the number
of distinct MAC addresses. For per-phone output (table, csv, csv-long,
json) the first reading keeps what each phone's line needs (16 bytes a
registration in a generated inventory of 10^6 phones; more where user URIs
differ more) in a temporary file (TMP, TEMP or TMPDIR) deleted when the
report ends. The file is read a second time instead without room there,
and when most registrations are superseded by later ones of the same
phones (a year of one estate's registrations: rereading passes over them).

Each phone is judged against every chain: --chain FILE (a candidate
certificate: PEM, DER, PFX, P7B), --pool TARGET (what the pool serves now,
fetched live like lpetrust check), or both side by side ("today" and "after
renewal"). A phone is stranded when its firmware's root store does not trust
the chain at --at; phones trusted now but stranded by a known expiry within
--horizon are reported with the date.

The fixes are ranked by effort: publishing the missing roots in Active
Directory (the exact lpetrust ad publish command) for phones that sign in
with AD credentials, the same roots for PIN-authenticated phones through the
Certificate Provisioning service (PowerShell), a cross-certificate to serve
when one is known, then the minimum firmware per device family (naming
families that have no such build).

--with-ad reads the roots already published in Active Directory and counts
them as trusted by phones that sign in with AD credentials. The connection
flags are those of lpetrust ad (--server or --domain, --dns-server, --user,
--password-file or env ` + ldapPasswordEnv + `, --kerberos, --ntlm, --deadline…), with
--ldap-timeout for its --timeout; the PFX password of --chain is read from
--pfx-password-file. The inventory's sign-in column (values like PIN, USB,
NTLM) says which phones those are; phones without one are assumed to sign in
with AD credentials unless --unknown-sign-in pin.

` + reportEstateHelp + `

Output (-o): table (summary, then the stranded phones), csv (one row per
phone with the verdict columns of every chain, named after the chain),
csv-long (one row per phone and chain, a fixed header for Import-Csv and
Excel: line, mac, user_uri, manufacturer, model, family, firmware, release,
store, sign_in, last_seen, pool, site, chain, chain_kind, status,
stranded_from, reason),
json ({"summary", "phones"}; every field in lpetrust help json),
html (one self-contained page with the headline numbers, a chart of phones
per firmware release with the stranded part highlighted, and the fix list).
` + reportExitCodes,
		Example: `  # Before installing the renewed certificate: who breaks, and what to do?
  lpetrust report --inventory phones.csv --chain pool2026.pfx --pfx-password-file pfx.pass

  # Today versus after the renewal, as a page for the change board:
  lpetrust report --inventory "IP Phone Inventory Report.csv" --pool pool01.contoso.com \
      --chain pool2026.pem -o html --out renewal.html

  # Every phone against its own pool (live), the Leeds appliance's renewal from a file:
  lpetrust report --inventory registrations.csv --estate topology.xml \
      --chain sba-leeds.contoso.com=sba-leeds-2026.pem

  # Counting the roots already published in Active Directory:
  lpetrust report --inventory registrations.tsv --chain pool2026.pem --with-ad \
      --server ldaps://dc1.contoso.com --user audit@contoso.com --password-file ldap.pass

  # One row per phone for a spreadsheet, judged a year ahead:
  lpetrust report --inventory phones.csv --chain pool2026.pem --at 2027-11-01 -o csv > phones-verdicts.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runReport(cmd.Context(), o)
		},
	}
	fs := cmd.Flags()
	f.register(fs)
	fs.BoolVar(&o.withAD, "with-ad", false, "count the roots published in Active Directory as trusted by phones that sign in with AD credentials (needs --server or --domain)")
	fs.StringVar(&o.out, "out", "", "write the report to `FILE` (replaced only once complete) instead of standard output")
	fs.StringVar(&f.estateFile, "estate", "", "judge each phone against its own registrar pool's chain, the pools read from `FILE` (Get-CsPool CSV or topology XML; see lpetrust help inventory)")
	return cmd
}

func runReport(ctx context.Context, o *reportOptions) error {
	a, f := o.app, &o.report
	if err := a.checkOutput("table", "csv", "csv-long", "json", "html"); err != nil {
		return err
	}
	if f.inventory == "" {
		return usageError("--inventory FILE is required (\"-\" reads standard input)")
	}
	cat, err := a.Catalogue()
	if err != nil {
		return err
	}
	opts, err := f.options(a)
	if err != nil {
		return err
	}
	if o.withAD {
		roots, conn, err := f.readADRoots(a, cat)
		if err != nil {
			return err
		}
		opts.WithAD, opts.ADRoots, opts.Connection = true, roots, conn
	} else if f.ad.server != "" || f.ad.domain != "" {
		opts.Connection = f.ad.connection().Args()
	}
	poolChains, err := f.estateChains(ctx, a, cat, &opts)
	if err != nil {
		return err
	}
	chains, err := f.loadChains(ctx, a, cat, opts.Chain)
	if err != nil {
		return err
	}
	chains = append(poolChains, chains...)
	open, source, cleanup, err := openInventory(a, f.inventory)
	if err != nil {
		return err
	}
	defer cleanup()
	s, err := writeReport(a, cat, source, open, chains, opts, o.out)
	if err != nil {
		return err
	}
	if s.NoPhone != "" { // said in the report too, but a CSV has no place for it
		fmt.Fprintf(a.stderr, "lpetrust: warning: %s\n", s.NoPhone)
	}
	if s.StrandedNow() {
		return negative()
	}
	return nil
}

// register adds the shared flags.
func (f *reportFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.inventory, "inventory", "", "phone inventory `FILE` (Lync IP Phone Inventory Report CSV, Monitoring registration export, CSV, or text; - for standard input)")
	fs.StringArrayVar(&f.chains, "chain", nil, "candidate certificate chain `FILE` (PEM, DER, PFX, P7B; repeatable)")
	fs.StringArrayVar(&f.pools, "pool", nil, "judge the chain the pool `TARGET` serves now (host or host:port; repeatable)")
	fs.StringArrayVar(&f.intermediates, "intermediates", nil, "extra intermediate certificates `FILE` for path building (repeatable)")
	fs.StringVar(&f.pfxPasswordFile, "pfx-password-file", "", "password of an encrypted PFX --chain, first line of `FILE` (or env "+pfxPasswordEnv+")")
	fs.StringVar(&f.horizon, "horizon", "365d", "report phones stranded by a known expiry within this `DURATION` (365d, 90d, 8760h)")
	fs.BoolVar(&f.honorExpired, "honor-expired-roots", false, "let expired roots anchor a chain (the phones' behaviour is undocumented)")
	fs.StringVar(&f.sipDomain, "sip-domain", "", "SIP `DOMAIN`: checks that the chain's leaf names sip.DOMAIN")
	fs.StringVar(&f.unknownSignIn, "unknown-sign-in", "ad", "phones whose sign-in method the inventory does not give: ad (USB/NTLM, get AD roots) or pin")
	fs.StringVar(&f.resolver, "resolver", "", "send the DNS queries of --pool to `HOST:PORT`")
	fs.DurationVar(&f.poolTimeout, "pool-timeout", live.DefaultTimeout, "per-handshake timeout of --pool")
	fs.BoolVar(&f.publishUnknown, "publish-unknown", false, "also advise roots that are not known public roots and that only a pool sent (warned about: every domain member would trust them)")
	// The Active Directory connection, as lpetrust ad takes it (--timeout
	// is --ldap-timeout here, beside --pool-timeout).
	f.ad.register(fs, "ldap-timeout")
}

// parseHorizon accepts 365d, 52w, 1y or a Go duration (8760h).
func parseHorizon(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}
	if n := len(s); n > 1 {
		if u, ok := unit[s[n-1]]; ok {
			v, err := strconv.Atoi(s[:n-1])
			if err == nil && v > 0 && v < 100*365 {
				return time.Duration(v) * u, nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--horizon %q: want a positive duration such as 365d, 90d, 52w or 8760h", s)
	}
	return d, nil
}

// options turns the flags into report options (without the AD roots).
func (f *reportFlags) options(a *app) (report.Options, error) {
	var opts report.Options
	h, err := parseHorizon(f.horizon)
	if err != nil {
		return opts, usageError("%s", err)
	}
	switch f.unknownSignIn {
	case "ad":
	case "pin":
		opts.UnknownSignInIsPIN = true
	default:
		return opts, usageError("--unknown-sign-in %q: want ad or pin", f.unknownSignIn)
	}
	if len(f.chains) == 0 && len(f.pools) == 0 && f.estateFile == "" {
		return opts, usageError("nothing to judge the phones against: give --chain FILE or --pool TARGET")
	}
	opts.At, opts.Horizon = a.At(), h
	opts.Provenance = report.Provenance{Version: currentVersion(), DataSnapshot: dataSnapshot()}
	if a.storeFile != "" {
		opts.Provenance.DataSnapshot += "; store overlay " + a.storeFile
	}
	opts.Shell, opts.PublishUnknown = a.shell, f.publishUnknown
	opts.Chain = chain.Options{At: a.At(), HonorExpiredRoots: f.honorExpired, SIPDomain: f.sipDomain}
	for _, file := range f.intermediates {
		ins, err := chain.ReadFile(file, chain.ReadOptions{})
		if err != nil {
			return opts, badInput(fmt.Errorf("--intermediates: %w", err))
		}
		for _, in := range ins {
			opts.Chain.Intermediates = append(opts.Chain.Intermediates, in.Certs...)
		}
	}
	return opts, nil
}

// connectAD binds to the directory with the shared connection flags.
func (f *reportFlags) connectAD(a *app) (*adpublish.Directory, error) {
	copts, err := f.ad.connectOptions(a)
	if err != nil {
		return nil, err
	}
	return f.ad.connect(a, copts)
}

// readADRoots reads the certificates published in CN=Certification
// Authorities, the container phones download roots from.
func (f *reportFlags) readADRoots(a *app, cat *truststore.Catalogue) ([]*x509.Certificate, []string, error) {
	if f.ad.server == "" && f.ad.domain == "" && adpublish.DefaultDomain() == "" {
		return nil, nil, usageError("--with-ad needs --server (e.g. --server ldaps://dc1.example.com) or --domain")
	}
	d, err := f.connectAD(a)
	if err != nil {
		return nil, nil, err
	}
	defer d.Close()
	roots, err := d.PublishedRoots(cat, a.At())
	if err != nil {
		fmt.Fprintf(a.stderr, "lpetrust: %s\n", oneLine(err.Error()))
		return nil, nil, negative()
	}
	return roots, f.ad.connection().Args(), nil
}

// loadChains reads the --chain files and audits the --pool targets.
func (f *reportFlags) loadChains(ctx context.Context, a *app, cat *truststore.Catalogue, copts chain.Options) ([]report.Chain, error) {
	var out []report.Chain
	for _, file := range f.pools {
		c, err := poolChain(ctx, a, cat, file, copts, f.resolver, f.poolTimeout)
		if err != nil {
			return nil, err
		}
		c.Source.Intermediates, c.Source.StoreFile = f.intermediates, a.storeFile
		out = append(out, c)
	}
	for _, file := range f.chains {
		c, err := f.chainFile(a, file)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// chainFile reads a --chain file as a candidate chain.
func (f *reportFlags) chainFile(a *app, file string) (report.Chain, error) {
	ins, err := chain.ReadFile(file, chain.ReadOptions{Password: pfxPassword(a, f.pfxPasswordFile)})
	if err != nil {
		if errors.Is(err, chain.ErrPasswordRequired) {
			return report.Chain{}, badInput(fmt.Errorf("%w (give it with --pfx-password-file FILE or %s)", err, pfxPasswordEnv))
		}
		return report.Chain{}, badInput(err)
	}
	return report.Chain{Name: filepath.Base(file), Kind: report.KindCandidate, Inputs: ins,
		Source: remedy.Source{File: file, PFXPasswordFile: f.pfxPasswordFile, Intermediates: f.intermediates, StoreFile: a.storeFile}}, nil
}

// poolChain fetches what every member of a pool serves and turns it into
// one chain of the report.
func poolChain(ctx context.Context, a *app, cat *truststore.Catalogue, target string, copts chain.Options, resolver string, timeout time.Duration) (report.Chain, error) {
	req := live.Request{Targets: []string{target}, Chain: copts, Timeout: timeout}
	if resolver != "" {
		r, err := live.DNSResolver(resolver)
		if err != nil {
			return report.Chain{}, usageError("--resolver: %s", err)
		}
		req.Resolver = r
	}
	if ctx == nil {
		ctx = context.Background()
	}
	eps, err := a.audit(req, "fetching "+target, func(req live.Request) ([]live.Endpoint, error) { return live.Audit(ctx, cat, req) })
	if err != nil {
		return report.Chain{}, badInput(fmt.Errorf("--pool %s: %w", target, err))
	}
	c, err := report.PoolChain(target, eps)
	if err != nil {
		return c, badInput(fmt.Errorf("--pool %w", err))
	}
	return c, nil
}

// maxInventorySpool caps the copy of standard input a report reads twice
// (an inventory of 100,000 phones is about 50 MB).
const maxInventorySpool = 1 << 30

// openInventory returns an opener for the inventory, which must be a
// regular file or - (standard input, copied to a temporary file first,
// because a report reads it twice; at most maxInventorySpool bytes).
func openInventory(a *app, path string) (report.Opener, string, func(), error) {
	if path != "-" {
		if _, err := inputfile.Check(path); err != nil {
			return nil, "", nil, badInput(fmt.Errorf("--inventory %s: %w", path, err))
		}
		open := func() (io.ReadCloser, error) { return inputfile.Open(path) }
		if err := checkInventory(a, path, open); err != nil {
			return nil, "", nil, err
		}
		return open, path, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "lpetrust-inventory-*")
	if err != nil {
		return nil, "", nil, fmt.Errorf("spooling standard input: %w", err)
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	// A stream without a line end in its first MiB (a device, binary data)
	// is no inventory: refused before a GiB of it is spooled.
	head := make([]byte, 1<<20)
	hn, err := io.ReadFull(a.stdin, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		cleanup()
		return nil, "", nil, badInput(fmt.Errorf("--inventory -: reading standard input: %w", err))
	}
	if hn == len(head) && bytes.IndexByte(head, '\n') < 0 {
		cleanup()
		return nil, "", nil, badInput(errors.New("--inventory -: standard input has no line end in its first 1 MiB: not an inventory"))
	}
	n, err := io.Copy(tmp, io.LimitReader(io.MultiReader(bytes.NewReader(head[:hn]), a.stdin), maxInventorySpool+1))
	if err != nil {
		cleanup()
		return nil, "", nil, badInput(fmt.Errorf("--inventory -: reading standard input: %w", err))
	}
	if n > maxInventorySpool {
		cleanup()
		return nil, "", nil, badInput(fmt.Errorf("--inventory -: standard input is over %s, the limit for a spooled inventory: save it to a file and give --inventory FILE", inputfile.Size(maxInventorySpool)))
	}
	name := tmp.Name()
	open := func() (io.ReadCloser, error) { return os.Open(name) }
	if err := checkInventory(a, "standard input", open); err != nil {
		cleanup()
		return nil, "", nil, err
	}
	return open, "standard input", cleanup, nil
}

// checkInventory reads the head of the inventory (its format, header and
// first lines), so that a file that is no inventory is bad input said
// before any connection is made.
func checkInventory(a *app, source string, open report.Opener) error {
	cat, err := a.Catalogue()
	if err != nil {
		return err
	}
	rc, err := open()
	if err != nil {
		return badInput(fmt.Errorf("--inventory %s: %w", source, err))
	}
	defer rc.Close()
	if _, err := inventory.NewReader(rc, cat); err != nil {
		return badInput(fmt.Errorf("inventory %s: %w", source, err))
	}
	return nil
}

// writeReport renders the report in the --output format to standard output
// or, with out, to a file that is replaced only once complete.
func writeReport(a *app, cat *truststore.Catalogue, source string, open report.Opener, chains []report.Chain, opts report.Options, out string) (*report.Summary, error) {
	w := a.stdout
	var tmp *os.File
	if out != "" {
		if fi, err := os.Stat(out); err == nil && !fi.Mode().IsRegular() {
			return nil, badInput(fmt.Errorf("--out %s: not a regular file", out))
		}
		var err error
		tmp, err = createReplacement(out)
		if err != nil {
			return nil, badInput(fmt.Errorf("--out %s: %w", out, withoutPath(err)))
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		w = tmp
	}
	var rw report.Writer
	switch a.output {
	case "csv":
		rw = report.NewCSVWriter(w)
	case "csv-long":
		rw = report.NewLongCSVWriter(w)
	case "json":
		rw = report.NewJSONWriter(w)
	case "html":
		rw = report.NewHTMLWriter(w)
	default:
		rw = report.NewTableWriter(w, a.shell)
	}
	limitReportMemory()
	s, err := report.Run(cat, source, open, chains, opts, rw)
	if err != nil {
		return nil, badInput(err)
	}
	if tmp != nil {
		if err := tmp.Close(); err != nil {
			return nil, fmt.Errorf("--out %s: %w", out, withoutPath(err))
		}
		if err := os.Rename(tmp.Name(), out); err != nil {
			var le *os.LinkError
			if errors.As(err, &le) {
				err = le.Err // not the temporary file's name
			}
			return nil, fmt.Errorf("--out %s: %w", out, err)
		}
	}
	return s, nil
}

// reportMemoryLimit is the soft limit of the Go heap during a report: a
// year of registrations holds one small entry per phone, and without a
// limit the collector lets the heap grow to twice the live data. It is
// above what 10^7 distinct phones hold live (about 225 MB, the MAC table):
// at 200 MiB the collector ran back to back, 6% of a listing's CPU time.
const reportMemoryLimit = 240 << 20

// limitReportMemory sets reportMemoryLimit unless GOMEMLIMIT already says
// otherwise.
func limitReportMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(reportMemoryLimit)
	}
}
