package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
	"github.com/lpetrust/lpetrust/truststore/inputfile"
	"github.com/lpetrust/lpetrust/truststore/textwrap"
)

// checkOptions are what lpetrust check is asked.
type checkOptions struct {
	app *app
	checkFlags
	targets []string
}

// checkFlags are check's own flags.
type checkFlags struct {
	judgeFlags
	discover    []string
	targetsFile string
	estateFile  string
	resolver    string
	ports       []string
	concurrency int
	timeout     time.Duration
	deadline    time.Duration
}

func newCheckCmd(a *app, runF func(*checkOptions) error) *cobra.Command {
	o := &checkOptions{app: a}
	f := &o.checkFlags
	cmd := &cobra.Command{
		Use:   "check [TARGET...]",
		Short: "Audit a live pool the way an LPE phone meets it",
		Long: `check connects to every server behind a pool name and judges the certificate
chain each one presents per phone firmware, the way an LPE phone meets it.

Targets are host, host:port, IP addresses or [IPv6]:port, read from the
arguments and from --targets FILE (one per line, # comments). --discover DOMAIN
finds what phones and administrators use for a SIP domain: the SRV records
_sipinternaltls._tcp.DOMAIN and _sip._tls.DOMAIN (target and port from each
record), sip.DOMAIN on the check ports, and lyncdiscoverinternal.DOMAIN and
ucupdates-r2.DOMAIN on 443, each where it exists.

Every name is expanded to all its A and AAAA addresses: each pool member is
checked on its own. A target without a port is checked on 5061 (SIP over TLS)
and 443; --port N replaces those ports, --port +N adds to them (repeatable or
comma-separated). --resolver HOST:PORT sends the DNS queries to that server
(for example the internal DNS the phones use).

At each address and port, three handshakes run in parallel:
  - a phone probe, with the name as SNI, offering only what an LPE phone
    offers: TLS 1.0 with TLS_RSA_WITH_AES_128_CBC_SHA,
    TLS_RSA_WITH_AES_256_CBC_SHA and TLS_RSA_WITH_3DES_EDE_CBC_SHA. A server
    refusing it strands every LPE phone whatever its certificate;
  - a modern handshake with the same SNI, recording the version and suite a
    current client negotiates;
  - the modern handshake without SNI, showing what clients that send no server
    name get; a different certificate is reported.
The chain the phone probe was given (the modern one's when the probe failed)
is captured whatever its validity and judged for every firmware store, as
inspect does, with --pool (else the endpoint's name) and --sip-domain (else the
discovered domain) feeding the SAN checks. Members of one pool (same name and
port) serving different chains are named.

Up to --concurrency endpoints are checked at once (default: chosen from the
work and a CPU budget, one per endpoint up to 25 per CPU, workers starting
staggered so that handshakes do not reach the servers as one burst), each
handshake bounded by
--timeout (connect and handshake), the whole audit by --deadline. A server that
refuses, stays silent, drips, sends garbage, resets, or sends an oversized
chain becomes that endpoint's one-line error; the others are unaffected.
Results come in a stable order. A progress bar is shown on standard error when
it is a terminal (not with --quiet; --verbose traces each step instead).

` + checkEstateHelp + `

Output: a table (one line per endpoint, then pool notes and what to do), JSON
(-o json: an array, one object per endpoint with the inspect fields plus
target, address, port, sni, phone_handshake {ok, version, cipher_suite, error}
and error) or CSV (-o csv: one row per endpoint).

Exit codes:
  0  every endpoint is trusted by the target firmware (--firmware, default ` + chain.DefaultTarget + `),
     has no error finding, and accepts the phone handshake
  1  some endpoint is not trusted, has an error finding, refuses the phone
     handshake, or could not be reached or resolved
  2  bad input or usage (bad target, port, resolver, targets file, firmware)`,
		Example: `  # Everything phones use for a SIP domain, through the internal DNS:
  lpetrust check --discover contoso.com --resolver 10.0.0.10:53

  # Every pool, Director and branch appliance the topology lists:
  lpetrust check --estate topology.xml --firmware CU10

  # One pool on SIP/TLS and the Director port, judged for CU10 phones:
  lpetrust check pool.contoso.com --port 5061 --port 444 --firmware CU10

  # After tonight's certificate change: which phones sign in? (JSON for scripts)
  lpetrust check --targets frontends.txt --sip-domain contoso.com -o json > audit.json

  # Write the roots the phones lack, then publish them to Active Directory:
  lpetrust check pool.contoso.com --export-missing roots/ && echo "all phones sign in"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.targets = args
			if runF != nil {
				return runF(o)
			}
			return runCheck(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.discover, "discover", nil, "discover the endpoints of SIP `DOMAIN` (SRV, sip., lyncdiscoverinternal., ucupdates-r2.; repeatable)")
	fl.StringVar(&f.targetsFile, "targets", "", "read targets from `FILE`, one per line, # comments")
	fl.StringVar(&f.estateFile, "estate", "", "audit every pool, Director and branch appliance of `FILE` (Get-CsPool CSV or topology XML; see lpetrust help inventory)")
	fl.StringVar(&f.resolver, "resolver", "", "send DNS queries to `HOST:PORT` instead of the system resolver")
	fl.StringSliceVar(&f.ports, "port", nil, "check `N` instead of 5061 and 443; +N adds to them (repeatable)")
	fl.IntVar(&f.concurrency, "concurrency", 0, "endpoints checked at once (0: chosen from the number of endpoints and CPUs)")
	fl.DurationVar(&f.timeout, "timeout", live.DefaultTimeout, "per-handshake timeout, connect included")
	fl.DurationVar(&f.deadline, "deadline", 10*time.Minute, "total deadline of the audit; endpoints not checked by then are reported")
	f.judgeFlags.register(fl, "pool `FQDN` that must be in every certificate's SAN (default: each endpoint's name)",
		"SIP `DOMAIN`: sip.DOMAIN must be in every certificate's SAN (default: the --discover domain)")
	return cmd
}

// parsePorts applies --port values: "N" replaces the default ports, "+N"
// adds to them.
func parsePorts(values []string) ([]int, error) {
	var replace, add []int
	for _, v := range values {
		v = strings.TrimSpace(v)
		plus := strings.HasPrefix(v, "+")
		n, err := strconv.Atoi(strings.TrimPrefix(v, "+"))
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("--port %q: want a port from 1 to 65535, or +PORT to add one to 5061 and 443", v)
		}
		if plus {
			add = append(add, n)
		} else {
			replace = append(replace, n)
		}
	}
	if len(values) == 0 {
		return nil, nil
	}
	base := replace
	if len(base) == 0 {
		base = slices.Clone(live.DefaultPorts)
	}
	var out []int
	for _, p := range append(base, add...) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

func runCheck(ctx context.Context, o *checkOptions) error {
	a, f, args := o.app, &o.checkFlags, o.targets
	if err := a.checkOutput("table", "json", "csv"); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	req := live.Request{Targets: args, Discover: f.discover, Concurrency: f.concurrency, Timeout: f.timeout}
	switch {
	case f.concurrency < 0:
		return usageError("--concurrency %d: must be 0 (automatic) or more", f.concurrency)
	case f.timeout <= 0:
		return usageError("--timeout %s: must be positive", f.timeout)
	case f.deadline <= 0:
		return usageError("--deadline %s: must be positive", f.deadline)
	}
	for _, t := range args {
		if _, err := live.ParseTarget(t); err != nil {
			return usageError("%s", err)
		}
	}
	for _, d := range f.discover {
		if _, err := live.CheckDomain(d); err != nil {
			return usageError("--discover: %s", err)
		}
	}
	if f.targetsFile != "" {
		data, err := inputfile.Read(f.targetsFile, inputfile.MaxTargets)
		if err != nil {
			return usageError("--targets %s: %s", f.targetsFile, err)
		}
		more, err := live.ReadTargets(bytes.NewReader(data), f.targetsFile)
		if err != nil {
			return usageError("--targets %s", err)
		}
		req.Targets = append(req.Targets, more...)
	}
	est, err := readCheckEstate(a, f, &req)
	if err != nil {
		return err
	}
	if len(req.Targets) == 0 && len(req.Discover) == 0 {
		return usageError("check: give a TARGET, --targets FILE, --discover DOMAIN or --estate FILE")
	}
	ports, err := parsePorts(f.ports)
	if err != nil {
		return usageError("%s", err)
	}
	req.Ports = ports
	if f.resolver != "" {
		r, err := live.DNSResolver(f.resolver)
		if err != nil {
			return usageError("--resolver: %s", err)
		}
		req.Resolver = r
	}
	if f.pool != "" {
		t, err := live.ParseTarget(f.pool)
		if err != nil || t.IsIP() || t.Port != 0 {
			return usageError("--pool %q: want a fully qualified domain name", f.pool)
		}
	}
	if f.sipDomain != "" {
		if _, err := live.CheckDomain(f.sipDomain); err != nil {
			return usageError("--sip-domain: %s", err)
		}
	}
	cat, err := a.Catalogue()
	if err != nil {
		return err
	}
	target, err := f.target(cat)
	if err != nil {
		return err
	}
	if req.Chain, err = f.options(a, chain.ReadOptions{}); err != nil {
		return err
	}
	if f.exportMissing != "" {
		if err := prepareExportDir(f.exportMissing); err != nil {
			return badInput(err)
		}
	}

	ctx, cancel := context.WithTimeout(ctx, f.deadline)
	defer cancel()
	eps, err := a.audit(req, "checking", func(req live.Request) ([]live.Endpoint, error) { return live.Audit(ctx, cat, req) })
	if err != nil {
		return usageError("%s", err)
	}
	for i := range eps {
		addFlagHints(eps[i].Result, judgeHints)
	}

	notes := live.Consistency(eps)
	again, pool := req.AgainTarget(), req.PoolName()
	plan := checkPlan(a, cat, eps, notes, req.Chain, f, again, pool, target.Name, nil)
	var exported map[string]string
	if f.exportMissing != "" {
		if est != nil {
			// Every pool's plan: export what any of them advises.
			exported, err = exportRoots(f.exportMissing, estatePlans(a, cat, est, eps, req.Chain, f, target.Name, nil))
		} else {
			exported, err = exportRoots(f.exportMissing, []*remedy.Plan{plan})
		}
		if err != nil {
			return badInput(err)
		}
		plan = checkPlan(a, cat, eps, notes, req.Chain, f, again, pool, target.Name, exported)
	}
	switch {
	case est != nil:
		err = writeCheckEstate(a, cat, est, eps, f, req.Chain, target.Name, exported)
	case a.output == "json":
		out := make([]endpointJSON, len(eps))
		for i := range eps {
			out[i] = endpointJSON{eps[i], checkPlan(a, cat, eps[i:i+1], nil, req.Chain, f, again, pool, target.Name, exported)}
		}
		err = writeJSON(a.stdout, out)
	case a.output == "csv":
		err = writeCheckCSV(a.stdout, cat, eps)
	default:
		err = printCheck(a.stdout, cat, eps, notes, target.Name, plan, a.shell)
	}
	if err != nil {
		return err
	}
	if !live.AllPhoneReady(eps, target.Name) {
		return negative()
	}
	return nil
}

// checkPlan asks the planner about the audit. again is what ad publish
// --from-check can audit again ("" when it would not audit the same
// endpoints); pool names the pool for the printed check commands (--pool
// replaces it).
func checkPlan(a *app, cat *truststore.Catalogue, eps []live.Endpoint, notes []live.PoolNote, opts chain.Options, f *checkFlags, again, pool, target string, exported map[string]string) *remedy.Plan {
	return remedy.ForEndpoints(checkRequest(a, cat, opts, f, again, pool, target, exported), eps, notes)
}

// checkRequest is what the planner is asked for check's audits.
func checkRequest(a *app, cat *truststore.Catalogue, opts chain.Options, f *checkFlags, again, pool, target string, exported map[string]string) remedy.Request {
	if f.pool != "" {
		pool = f.pool
	}
	return remedy.Request{Catalogue: cat, Options: opts, Target: target,
		Roots:  remedy.RootOptions{PublishUnknown: f.publishUnknown},
		Source: remedy.Source{Check: again, Intermediates: f.intermediates, StoreFile: a.storeFile, Exported: exported, ExportDir: f.exportMissing, Pool: pool},
	}
}

// endpointJSON is one endpoint of check -o json: the endpoint's fields and,
// beside them, the plan for what it serves.
type endpointJSON struct {
	ep   live.Endpoint
	plan *remedy.Plan
}

func (e endpointJSON) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(e.ep)
	if err != nil || len(b) < 2 {
		return b, err
	}
	p, err := json.Marshal(e.plan)
	if err != nil {
		return nil, err
	}
	out := append(b[:len(b)-1:len(b)-1], `,"plan":`...)
	return append(append(out, p...), '}'), nil
}

func checkStoreNames(cat *truststore.Catalogue) []string {
	var out []string
	for _, s := range cat.Stores() {
		out = append(out, s.Name)
	}
	return out
}

func leafOf(e *live.Endpoint) (sha, expires string) {
	if len(e.Certs) == 0 {
		return "", ""
	}
	return truststore.SHA1Hex(e.Certs[0]), day(e.Certs[0].NotAfter)
}

func minimumOf(e *live.Endpoint) string {
	if e.Result == nil {
		return ""
	}
	if e.Result.MinimumRelease == nil {
		return "none"
	}
	return *e.Result.MinimumRelease
}

func phoneCell(h live.Handshake) string {
	if h.OK {
		// The phone probe offers only RSA key exchange suites: the table
		// names the cipher, so that it fits 120 columns (JSON and CSV
		// give the suite's full name).
		return "✓ " + h.Version + " " + strings.TrimPrefix(h.CipherSuite, "TLS_RSA_WITH_")
	}
	return "✗ refused"
}

// printCheck writes the endpoint table, the problems, the pool
// consistency notes and the plan.
func printCheck(w io.Writer, cat *truststore.Catalogue, eps []live.Endpoint, notes []live.PoolNote, target string, plan *remedy.Plan, sh remedy.Shell) error {
	stores := checkStoreNames(cat)
	header := []string{"NAME", "ADDRESS:PORT", "SNI", "EXPIRES"}
	header = append(header, stores...)
	header = append(header, "MINIMUM", "PHONE HANDSHAKE")
	t := textwrap.NewTable(textwrap.Width)
	t.Row(header...)
	for i := range eps {
		e := &eps[i]
		name := e.Name
		if name == "" {
			name = "-"
		}
		sni := e.SNI
		if sni == "" {
			sni = "-"
		}
		if e.Err != nil {
			t.Row(name, e.HostPort(), sni, "error: "+e.Err.Error())
			continue
		}
		_, exp := leafOf(e)
		cells := []string{name, e.HostPort(), sni, exp}
		for _, s := range stores {
			mark := "✗"
			if e.Result.Passes(s) {
				mark = "✓"
			} else if e.Result.TrustedBy(s) {
				mark = "✓!" // trusted, but an error finding stops phones
			}
			cells = append(cells, mark)
		}
		cells = append(cells, minimumOf(e), phoneCell(e.Phone))
		t.Row(cells...)
	}
	if _, err := io.WriteString(w, t.String()); err != nil {
		return err
	}
	for i := range eps {
		e := &eps[i]
		if e.Err == nil && e.Result.TrustedBy(target) && !e.Result.Passes(target) {
			fmt.Fprintln(w, "✓! trusted, but a finding marked error stops the phones (see Problems)")
			break
		}
	}

	problems := live.Problems(eps, target)
	if len(problems) > 0 {
		fmt.Fprintln(w, "\nProblems:")
		for _, p := range problems {
			fmt.Fprint(w, textwrap.Wrap("  - ", "    ", p, textwrap.Width))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nPool consistency:")
		for _, n := range notes {
			fmt.Fprint(w, textwrap.Wrap("  - ", "    ", n.Message, textwrap.Width))
		}
	}
	fmt.Fprintln(w, "\nWhat to do:")
	return plan.WriteText(w, sh, "  ")
}

func writeCheckCSV(w io.Writer, cat *truststore.Catalogue, eps []live.Endpoint) error {
	header, rows := checkCSV(cat, eps)
	return writeCSV(w, header, rows)
}

// checkCSV is the header and one row per endpoint of the CSV output.
func checkCSV(cat *truststore.Catalogue, eps []live.Endpoint) ([]string, [][]string) {
	stores := checkStoreNames(cat)
	header := []string{"target", "via", "name", "address", "port", "sni", "leaf_sha1", "leaf_expires"}
	for _, s := range stores {
		header = append(header, "trusted_"+s)
	}
	header = append(header, "minimum_release", "missing_roots", "phone_ok", "phone_version", "phone_cipher_suite", "phone_error",
		"modern_version", "modern_cipher_suite", "sni_differs", "modern_differs", "chain_from", "error")
	var rows [][]string
	for i := range eps {
		e := &eps[i]
		addr := ""
		if e.Address.IsValid() {
			addr = e.Address.String()
		}
		sha, exp := leafOf(e)
		row := []string{e.Target, e.Via, e.Name, addr, strconv.Itoa(e.Port), e.SNI, sha, exp}
		for _, s := range stores {
			row = append(row, strconv.FormatBool(e.Trusted(s)))
		}
		var missing []string
		minimum := ""
		if e.Result != nil {
			for _, m := range e.Result.MissingRoots {
				missing = append(missing, m.SHA1)
			}
			if e.Result.MinimumRelease != nil {
				minimum = *e.Result.MinimumRelease
			}
		}
		errText := ""
		if e.Err != nil {
			errText = e.Err.Error()
		}
		row = append(row, minimum, strings.Join(missing, " "), strconv.FormatBool(e.Phone.OK), e.Phone.Version, e.Phone.CipherSuite, e.Phone.Error,
			e.Modern.Version, e.Modern.CipherSuite, strconv.FormatBool(e.SNIDiffers), strconv.FormatBool(e.ModernDiffers), e.ChainFrom, errText)
		rows = append(rows, row)
	}
	return header, rows
}
