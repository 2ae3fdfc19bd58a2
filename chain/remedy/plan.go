// Package remedy is the one remediation planner: which roots to publish
// (under one rule), the ordered, cumulative list of fixes for the phones a
// chain strands, and the commands of each fix, rendered for the
// administrator's shell. Every command that advises (inspect, check, report,
// remediate, ad publish) asks it, so that they never contradict each other.
package remedy

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

// Kind is what a fix changes.
type Kind string

// Fix kinds, in the order a plan lists them (least effort first, and
// prerequisites before what depends on them).
const (
	KindIncomplete   Kind = "incomplete"        // the chain given lacks an issuer: complete it first
	KindServer       Kind = "server"            // the servers' TLS set-up or DNS
	KindCertificate  Kind = "certificate"       // the leaf itself is refused: re-issue it
	KindCross        Kind = "cross-certificate" // serve a cross-certificate from the Front Ends
	KindIntermediate Kind = "intermediate"      // serve a missing intermediate from the Front Ends
	KindPublishAD    Kind = "publish-ad"        // publish roots in Active Directory
	KindCertProv     Kind = "certprov"          // hand roots to PIN-authenticated phones (TrustedCACerts)
	KindFirmware     Kind = "firmware"          // update the phones' firmware
	KindReplace      Kind = "replace"           // no firmware trusts the chain
	KindRenew        Kind = "renew"             // a certificate of the chain expires within the horizon
	KindPlatform     Kind = "platform"          // OCS 2007 firmware cannot register to Lync Server 2013
)

// Group is phones that fare alike: one firmware store, device family and
// sign-in method. Without an inventory a plan uses one group per store and
// sign-in method, and speaks of stores instead of phone counts.
type Group struct {
	Store  string
	Family string // "" when the inventory does not name the model
	// AD: the phones sign in with AD credentials (USB tethering or NTLM),
	// so they download the roots published in Active Directory.
	AD     bool
	Phones int
	// Stranded: the chain strands them now.
	Stranded bool
	// Expiring: trusted now, stranded from then (within the horizon).
	Expiring *time.Time
	// Legacy: OCS 2007 / OCS 2007 R2 firmware (1.0.x, 3.5.x), which cannot
	// register to Lync Server 2013 or later whatever the certificate.
	Legacy bool
}

// Source says how the printed commands name the chain again.
type Source struct {
	// File is the chain file the administrator gave (--from-inspect).
	File            string
	PFXPasswordFile string
	// Check is the pool target whose served chain is judged (--from-check).
	Check string
	// Intermediates and StoreFile are repeated in the commands, so that
	// they judge the chain the same way.
	Intermediates []string
	StoreFile     string
	// Exported maps a root's SHA-1 to the PEM file it was written to.
	Exported map[string]string
	// ExportDir is where --export-missing wrote the roots, if anywhere.
	ExportDir string
	// AIA says caIssuers were fetched already (so "try --aia" is not said).
	AIA bool
	// Pool is the pool FQDN the Front Ends serve ("" for a placeholder).
	Pool string
}

// Request is everything a plan is made from.
type Request struct {
	Catalogue *truststore.Catalogue
	// Name labels the chain in the plan.
	Name string
	// Live: the chain is what a pool serves now (not a candidate).
	Live bool
	// Inputs are the chains judged (a pool may serve several); Results
	// their evaluations with Options.
	Inputs  []chain.Input
	Results []*chain.Result
	Options chain.Options
	// Blocker strands every phone whatever the certificate (a server
	// refusing the phones' TLS 1.0 handshake).
	Blocker string
	// Servers are the endpoint problems of a live audit, fixed first.
	Servers []ServerIssue
	// Groups are the phones of an inventory; nil means no inventory.
	Groups []Group
	// Roots are the rule's inputs; Roots.Published also anchors the AD
	// groups.
	Roots RootOptions
	// Decided, when set, is a root decision made over several chains
	// (remediate), used instead of deciding for this chain alone.
	Decided *Roots
	Source  Source
	// Connection are the AD connection flags for the printed commands;
	// nil means placeholders (ConnectionPlaceholder).
	Connection []string
	// Target is the firmware store the administrator aims at (inspect,
	// check); "" means every store.
	Target string
}

// PoolPlaceholder names the pool when the plan does not know it.
const PoolPlaceholder = "POOL01.EXAMPLE.COM"

// Step is one thing to do, with the commands that do it.
type Step struct {
	Text     string
	Commands []Command
}

// MarshalJSON gives the commands rendered for every shell.
func (s Step) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Text     string             `json:"text"`
		Commands map[Shell][]string `json:"commands"`
	}{s.Text, renderAll(s.Commands)})
}

func renderAll(cmds []Command) map[Shell][]string {
	out := map[Shell][]string{}
	for _, sh := range Shells {
		out[sh] = []string{}
		for _, c := range cmds {
			out[sh] = append(out[sh], c.Render(sh))
		}
	}
	return out
}

// Fix is one remediation of a plan.
type Fix struct {
	Rank   int    `json:"rank"`
	Kind   Kind   `json:"kind"`
	Title  string `json:"title"`
	Effort string `json:"effort"`
	// Phones is how many stranded phones the fix brings back that no
	// earlier fix did; Remaining how many are stranded after it (with an
	// inventory). Stores are the firmware stores of the phones it brings
	// back.
	Phones    int      `json:"phones"`
	Remaining int      `json:"remaining"`
	Stores    []string `json:"stores"`
	// SignIn is "ad" or "pin" when the fix reaches only phones signing in
	// that way, "" otherwise.
	SignIn string `json:"sign_in,omitempty"`
	Steps  []Step `json:"steps"`
	Note   string `json:"note,omitempty"`
	// Prerequisite: listed even when it brings nobody back by itself.
	Prerequisite bool `json:"prerequisite,omitempty"`
}

// MarshalJSON adds every command of the fix per shell.
func (f Fix) MarshalJSON() ([]byte, error) {
	type plain Fix
	return json.Marshal(struct {
		plain
		Commands map[Shell][]string `json:"commands"`
	}{plain(f), renderAll(f.Commands())})
}

// Commands are the commands of every step, in order.
func (f Fix) Commands() []Command {
	var out []Command
	for _, s := range f.Steps {
		out = append(out, s.Commands...)
	}
	return out
}

// Sign-in methods a fix may be limited to.
const (
	SignInAD  = "ad"
	SignInPIN = "pin"
)

// Plan is the remediation of one chain.
type Plan struct {
	Chain string `json:"chain"`
	// Summary is the verdict for Request.Target, when given.
	Summary string `json:"summary,omitempty"`
	// Inventory: counts are phones; otherwise fixes name stores.
	Inventory bool `json:"inventory"`
	// Stranded are the phones stranded now, before any fix.
	Stranded int   `json:"stranded"`
	Roots    Roots `json:"roots"`
	Fixes    []Fix `json:"fixes"`
	// Remaining are stranded after every fix.
	Remaining int `json:"remaining"`
	// Notes are said with the plan (trust warnings, refused roots).
	Notes []string `json:"notes"`
}

// work is a group still stranded while the plan is made.
type work struct {
	Group
	done bool
}

type planner struct {
	req    Request
	cat    *truststore.Catalogue
	plan   *Plan
	groups []*work
	inputs []chain.Input
	base   []*chain.Result // as judged, with the AD roots for AD groups
	baseAD []*chain.Result
	after  []*chain.Result // with every root the phones will have
	// lastAD and lastPIN: whom the last bring reached.
	lastAD, lastPIN bool
}

// Make computes the plan of one chain.
func Make(req Request) *Plan {
	p := &planner{req: req, cat: req.Catalogue}
	p.plan = &Plan{Chain: req.Name, Inventory: req.Groups != nil, Fixes: []Fix{}, Notes: []string{}}
	p.evaluate()
	p.collectGroups()
	p.incomplete()
	p.servers()
	p.certificate()
	p.alternatives()
	p.publish()
	p.firmware()
	p.renew()
	p.platform()
	p.plan.Remaining = p.remaining()
	p.instead()
	p.summary()
	for i := range p.plan.Fixes {
		p.plan.Fixes[i].Rank = i + 1
	}
	return p.plan
}

func (p *planner) evaluate() {
	// A chain whose issuer is missing is the incomplete fix's; the other
	// fixes are planned for the chains that can be judged.
	var inputs []chain.Input
	for i, r := range p.req.Results {
		if r != nil && !incompleteChain(r) && i < len(p.req.Inputs) {
			p.base = append(p.base, r)
			inputs = append(inputs, p.req.Inputs[i])
		}
	}
	p.inputs = inputs
	p.baseAD = p.base
	if len(p.req.Roots.Published) > 0 {
		p.baseAD = p.eval(p.req.Roots.Published)
	}
	var missing []Root
	missing = CollectRoots(p.cat, p.req.Name, p.base, p.req.Roots.Supplied, missing)
	if p.req.Decided != nil {
		p.plan.Roots = *p.req.Decided
	} else {
		p.plan.Roots = DecideRoots(p.cat, missing, p.req.Roots)
	}
	var anchors []*x509.Certificate
	for _, r := range p.plan.Roots.Trusted() {
		anchors = append(anchors, r.Cert)
	}
	anchors = append(anchors, p.req.Roots.Published...)
	if len(anchors) > 0 {
		p.after = p.eval(anchors)
	}
	p.plan.Notes = append(p.plan.Notes, p.plan.Roots.Warnings...)
	for _, r := range p.plan.Roots.Refused {
		if needed(r.Root, p.req.Name) {
			p.plan.Notes = append(p.plan.Notes, fmt.Sprintf("not advised for Active Directory: %s (%s): %s", r.Name, r.SHA1, r.Reason))
		}
	}
}

func needed(r Root, chainName string) bool {
	return len(r.Chains) == 0 || chainName == "" || contains(r.Chains, chainName)
}

func (p *planner) eval(anchors []*x509.Certificate) []*chain.Result {
	o := p.req.Options
	o.ExtraAnchors = append(append([]*x509.Certificate(nil), o.ExtraAnchors...), anchors...)
	o.AIA = false // what AIA found is in the inputs' results already
	var out []*chain.Result
	for _, in := range p.inputs {
		r, err := chain.Evaluate(p.cat, in, o)
		if err != nil {
			return nil
		}
		out = append(out, r)
	}
	return out
}

func trusted(results []*chain.Result, store string) bool {
	for _, r := range results {
		if r == nil || !r.TrustedBy(store) {
			return false
		}
	}
	return len(results) > 0
}

// collectGroups takes the inventory's groups, or makes one per store and
// sign-in method.
func (p *planner) collectGroups() {
	gs := p.req.Groups
	if gs == nil {
		for _, s := range p.cat.Stores() {
			if p.req.Target != "" && p.cat.StoreIndex(s.Name) < p.cat.StoreIndex(p.req.Target) && !strings.EqualFold(s.Name, p.req.Target) {
				// Older stores matter too: the plan says what brings them back.
			}
			for _, ad := range []bool{true, false} {
				results := p.base
				if ad {
					results = p.baseAD
				}
				st := !trusted(results, s.Name) || p.req.Blocker != "" || len(errorFindings(p.base)) > 0 || len(p.req.Servers) > 0 && p.serverBlocks()
				gs = append(gs, Group{Store: s.Name, AD: ad, Phones: 0, Stranded: st})
			}
		}
	}
	for _, g := range gs {
		p.groups = append(p.groups, &work{Group: g})
		if g.Stranded {
			p.plan.Stranded += g.Phones
		}
	}
}

func (p *planner) serverBlocks() bool {
	for _, s := range p.req.Servers {
		if s.Blocks() {
			return true
		}
	}
	return false
}

func (p *planner) remaining() int {
	n := 0
	for _, g := range p.groups {
		if g.Stranded && !g.done {
			n += g.Phones
		}
	}
	return n
}

// bring marks the stranded groups pred accepts as brought back and returns
// their phones and stores.
func (p *planner) bring(pred func(*work) bool) (int, []string, bool) {
	n := 0
	var stores []string
	any := false
	p.lastAD, p.lastPIN = false, false
	for _, g := range p.groups {
		if !g.Stranded || g.done || !pred(g) {
			continue
		}
		g.done = true
		any = true
		if g.AD {
			p.lastAD = true
		} else {
			p.lastPIN = true
		}
		n += g.Phones
		if !contains(stores, g.Store) {
			stores = append(stores, g.Store)
		}
	}
	sort.SliceStable(stores, func(i, j int) bool { return p.cat.StoreIndex(stores[i]) < p.cat.StoreIndex(stores[j]) })
	if stores == nil {
		stores = []string{}
	}
	return n, stores, any
}

// add appends a fix that brought someone back (or is a prerequisite).
func (p *planner) add(f Fix, n int, stores []string, any bool) {
	// A fix that brings back nobody is not listed, unless others depend
	// on it, or it is a server problem (said whatever the phones).
	listed := f.Prerequisite || f.Kind == KindServer
	if !listed && (!any || p.plan.Inventory && n == 0) {
		return
	}
	f.Phones, f.Stores, f.Remaining = n, stores, p.remaining()
	switch {
	case p.lastAD && !p.lastPIN:
		f.SignIn = SignInAD
	case p.lastPIN && !p.lastAD:
		f.SignIn = SignInPIN
	}
	if f.Steps == nil {
		f.Steps = []Step{}
	}
	p.plan.Fixes = append(p.plan.Fixes, f)
}

// incomplete: a chain whose top certificate is not a root and whose
// issuer nobody supplied cannot be judged; say so first.
func (p *planner) incomplete() {
	for _, r := range p.req.Results {
		if r == nil || !incompleteChain(r) {
			continue
		}
		top := r.Chain[len(r.Chain)-1]
		how := "give the issuing CA's certificate with --intermediates FILE, or fetch it from the caIssuers URL with --aia"
		if p.req.Source.AIA {
			how = "the caIssuers download (--aia) did not find it either: give the issuing CA's certificate with --intermediates FILE"
		}
		f := Fix{Kind: KindIncomplete, Prerequisite: true, Effort: "complete the chain given",
			Title: fmt.Sprintf("the chain is incomplete: the issuer of %s (%s) was not supplied, so no firmware store can be judged; %s", top.Name, top.Issuer, how)}
		f.Steps = []Step{{Text: "judge the complete chain", Commands: []Command{p.inspectAgain()}}}
		p.add(f, 0, []string{}, false)
		return
	}
}

// incompleteChain: no store trusts it, no missing root is named, and its
// top certificate is not a root: an issuer was not supplied.
func incompleteChain(r *chain.Result) bool {
	if len(r.Chain) == 0 || len(r.MissingRoots) > 0 || r.MinimumRelease != nil {
		return false
	}
	for _, a := range r.Alternatives {
		if !a.NameOnly {
			return false // a catalogue certificate completes it
		}
	}
	top := r.Chain[len(r.Chain)-1]
	return top.Cert != nil && top.Subject != top.Issuer && !isSelfIssued(top.Cert)
}

func isSelfIssued(c *x509.Certificate) bool {
	return string(c.RawSubject) == string(c.RawIssuer)
}

func (p *planner) inspectAgain() Command {
	file := p.req.Source.File
	if file == "" {
		file = "CHAIN.PEM"
	}
	return Run(p.withStore("lpetrust", "inspect", file, "--intermediates", "ISSUING-CA.CER")...)
}

// withStore adds the --store overlay the chain was judged with.
func (p *planner) withStore(args ...string) []string {
	if p.req.Source.StoreFile != "" {
		args = append(args, "--store", p.req.Source.StoreFile)
	}
	return args
}

func errorFindings(results []*chain.Result) []string {
	var out []string
	for _, r := range results {
		if r == nil {
			continue
		}
		for _, f := range r.Findings {
			if f.Severity == chain.SeverityError && !contains(out, f.Message) {
				out = append(out, f.Message)
			}
		}
	}
	return out
}

// trustedNow: the group's phones trust the chain itself (a server or
// certificate problem aside).
func (p *planner) trustedNow(g *work) bool {
	if g.AD {
		return trusted(p.baseAD, g.Store)
	}
	return trusted(p.base, g.Store)
}

func (p *planner) certificate() {
	msgs := errorFindings(p.base)
	if len(msgs) == 0 {
		return
	}
	f := Fix{Kind: KindCertificate, Prerequisite: true, Effort: "re-issue the certificate",
		Title: "get a certificate the phones accept: " + strings.Join(msgs, "; "),
		Note:  "phones refuse this certificate whatever their root store; no other fix helps until it is replaced"}
	f.Steps = []Step{{Text: "check the new certificate before installing it", Commands: []Command{Run("lpetrust", "inspect", "NEW-CERT.PFX")}}}
	n, st, any := p.bring(p.trustedNow)
	p.add(f, n, st, any)
}

// alternatives lists the cross-certificates (and intermediates) to serve,
// greedily: the one bringing back the most phones (without an inventory,
// the most store groups) first, each listed once with every store it
// brings back; one that brings back nobody left is not listed.
func (p *planner) alternatives() {
	var cands []chain.Alternative
	seen := map[string]bool{}
	for _, r := range p.base {
		if r == nil {
			continue
		}
		for _, alt := range r.Alternatives {
			if seen[alt.AddSHA1] || alt.NameOnly { // a look-alike root's crosses fix nothing
				continue
			}
			seen[alt.AddSHA1] = true
			cands = append(cands, alt)
		}
	}
	for len(cands) > 0 {
		best, bestPhones, bestGroups := -1, 0, 0
		for i, alt := range cands {
			phones, groups := p.count(func(g *work) bool { return p.altCovers(alt.AddSHA1, g.Store) })
			if groups > 0 && (best < 0 || phones > bestPhones || phones == bestPhones && groups > bestGroups) {
				best, bestPhones, bestGroups = i, phones, groups
			}
		}
		if best < 0 {
			return
		}
		alt := cands[best]
		cands = append(cands[:best], cands[best+1:]...)
		p.addAlternative(alt)
	}
}

// count is what bring(pred) would bring back: phones and groups.
func (p *planner) count(pred func(*work) bool) (phones, groups int) {
	for _, g := range p.groups {
		if g.Stranded && !g.done && pred(g) {
			phones += g.Phones
			groups++
		}
	}
	return phones, groups
}

func (p *planner) addAlternative(alt chain.Alternative) {
	n, st, any := p.bring(func(g *work) bool { return p.altCovers(alt.AddSHA1, g.Store) })
	kind, what := KindCross, "cross-certificate"
	if k := p.cat.KnownBySHA1(alt.AddSHA1); k != nil && k.Kind != truststore.KindCross {
		kind, what = KindIntermediate, "intermediate CA certificate"
	}
	file := alt.AddSHA1 + ".cer"
	pool := p.req.Source.Pool
	if pool == "" {
		pool = PoolPlaceholder
	}
	f := Fix{Kind: kind, Effort: "one certificate added on every Front End server, no phone or directory touched",
		Title: fmt.Sprintf("serve the %s %s (%s) with the chain", what, altName(alt), alt.AddSHA1),
		Note:  alt.Message}
	f.Steps = []Step{
		{Text: "export it", Commands: []Command{Run("lpetrust", "roots", "export", alt.AddSHA1, "--out", file)}},
		{Text: "on every Front End server, import it into the local computer's Intermediate Certification Authorities store (Windows then sends it in the chain)",
			Commands: []Command{RunWindows("certutil", "-addstore", "CA", file)}},
		{Text: "verify that the pool now sends it", Commands: []Command{Run(p.withStore("lpetrust", "check", pool)...)}},
	}
	p.add(f, n, st, any)
}

// altCovers: every input either trusts the store or has the alternative
// for it.
func (p *planner) altCovers(sha1, store string) bool {
	for _, r := range p.base {
		if r == nil {
			return false
		}
		if r.TrustedBy(store) {
			continue
		}
		ok := false
		for _, a := range r.Alternatives {
			if a.AddSHA1 == sha1 && !a.NameOnly && containsFold(a.Stores, store) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return len(p.base) > 0
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func (p *planner) connection() []string {
	if p.req.Connection != nil {
		return p.req.Connection
	}
	return ConnectionPlaceholder
}

// sourceArgs name the chain again for lpetrust ad publish / ad list.
func (p *planner) sourceArgs(publish bool) ([]string, bool) {
	s := p.req.Source
	var args []string
	switch {
	case s.Check != "":
		args = append(args, "--from-check", s.Check)
	case s.File != "":
		args = append(args, "--from-inspect", s.File)
		if s.PFXPasswordFile != "" {
			args = append(args, "--pfx-password-file", s.PFXPasswordFile)
		}
	default:
		if !publish {
			return nil, false
		}
		var files []string
		for _, r := range p.plan.Roots.Publish {
			f, ok := s.Exported[r.SHA1]
			if !ok {
				return nil, false
			}
			files = append(files, f)
		}
		return append([]string{"--as", "root"}, files...), true
	}
	for _, f := range s.Intermediates {
		args = append(args, "--intermediates", f)
	}
	if s.StoreFile != "" {
		args = append(args, "--store", s.StoreFile)
	}
	return args, true
}

// exportSteps export the roots as .cer files for the Windows tools.
func (p *planner) exportStep(roots []Root) (Step, []string) {
	var cmds []Command
	var files []string
	for _, r := range roots {
		file := r.SHA1 + ".cer"
		args := []string{"lpetrust", "roots", "export", r.SHA1, "--out", file}
		if p.req.Source.StoreFile != "" {
			args = append(args, "--store", p.req.Source.StoreFile)
		}
		if !r.Known {
			switch {
			case p.req.Source.Exported[r.SHA1] != "":
				args = append(args, "--from", p.req.Source.Exported[r.SHA1])
			case p.req.Source.File != "":
				args = append(args, "--from", p.req.Source.File)
			default:
				for _, f := range p.req.Source.Intermediates {
					args = append(args, "--from", f)
				}
			}
		}
		cmds = append(cmds, Run(args...))
		files = append(files, file)
	}
	return Step{Text: "export the roots as .cer files for the Windows tools", Commands: cmds}, files
}

func (p *planner) publish() {
	roots := p.plan.Roots
	if p.after == nil {
		return
	}
	names := rootNames(roots.Publish)
	if len(roots.Publish) > 0 {
		n, st, any := p.bring(func(g *work) bool { return g.AD && trusted(p.after, g.Store) })
		f := Fix{Kind: KindPublishAD, Effort: "one directory change, no phone touched",
			Title: "publish " + names + " in Active Directory (Certification Authorities)",
			Note:  "phones that sign in with AD credentials (USB tethering or NTLM) download the roots at their next sign-in; a phone that cached the old chain may need a sign-out"}
		export, files := p.exportStep(roots.Publish)
		args, ok := p.sourceArgs(true)
		if !ok {
			args = append([]string{"--as", "root"}, files...)
			f.Steps = append(f.Steps, export)
		}
		cmd := append([]string{"lpetrust", "ad", "publish"}, args...)
		if roots.Unvouched {
			cmd = append(cmd, "--publish-unknown")
		}
		cmd = append(cmd, p.connection()...)
		f.Steps = append(f.Steps, Step{Text: "publish them with lpetrust (add --dry-run first to see the LDIF)", Commands: []Command{Run(cmd...)}})
		if ok {
			f.Steps = append(f.Steps, export)
		}
		native := Step{Text: "or, on a domain-joined Windows machine as an Enterprise Admin, with certutil"}
		for _, file := range files {
			native.Commands = append(native.Commands, RunWindows("certutil", "-f", "-dspublish", file, "RootCA"))
		}
		f.Steps = append(f.Steps, native)
		if args, ok := p.sourceArgs(false); ok {
			cmd := append([]string{"lpetrust", "ad", "list", "--container", "ca"}, args...)
			cmd = append(cmd, p.connection()...)
			f.Steps = append(f.Steps, Step{Text: "verify that Certification Authorities holds them", Commands: []Command{Run(cmd...)}})
		}
		p.add(f, n, st, any)
	}
	trust := roots.Trusted()
	if len(trust) == 0 {
		return
	}
	n, st, any := p.bring(func(g *work) bool { return !g.AD && trusted(p.after, g.Store) })
	f := Fix{Kind: KindCertProv, Effort: "a root store import and one PowerShell line per root on the Front End servers",
		Title: "hand " + rootNames(trust) + " to PIN-authenticated phones through the Certificate Provisioning service (TrustedCACerts)",
		Note:  "PIN-authenticated phones do not read Active Directory"}
	export, files := p.exportStep(trust)
	imp := Step{Text: "on every Front End server, import each root into the local computer's Trusted Root Certification Authorities store"}
	for _, file := range files {
		imp.Commands = append(imp.Commands, RunWindows("certutil", "-addstore", "Root", file))
	}
	ps := Step{Text: "then, on a Front End server, add them to the web services' TrustedCACerts (Lync Server Management Shell cmdlets)", Commands: CertProvCommands(trust)}
	f.Steps = []Step{export, imp, ps}
	p.add(f, n, st, any)
}

// CertProvCommands are the PowerShell statements that add roots to the web
// services' TrustedCACerts, which PIN-authenticated phones receive: one
// statement per root, holding no variable, so that each runs on its own
// (and from cmd through powershell -Command).
func CertProvCommands(roots []Root) []Command {
	var out []Command
	for _, r := range roots {
		out = append(out, PS(fmt.Sprintf("Set-CsWebServiceConfiguration -Identity Global -TrustedCACerts @{Add=(New-CsWebTrustedCACertificate -Thumbprint %s -CAStore TrustedRootCA)}", PowerShell.Quote(r.SHA1))))
	}
	return out
}

func rootNames(roots []Root) string {
	names := make([]string, len(roots))
	for i, m := range roots {
		names[i] = fmt.Sprintf("%s (%s)", m.Name, m.SHA1)
	}
	return strings.Join(names, ", ")
}

func familyLabel(f string) string {
	if f == "" {
		return "unknown model"
	}
	return f
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// firmware: the earliest build per family whose store trusts the chain;
// families without one are to be replaced.
func (p *planner) firmware() {
	if len(p.base) == 0 {
		return // nothing could be judged: the fixes above come first
	}
	minimum := p.cat.EarliestBuilds(func(store string) bool { return trusted(p.base, store) })
	var minStore string
	for _, s := range p.cat.Stores() {
		if trusted(p.base, s.Name) {
			minStore = s.Name
			break
		}
	}
	catch22 := p.catch22()
	if !p.plan.Inventory {
		if minStore != "" {
			n, st, any := p.bring(func(g *work) bool { return p.cat.StoreIndex(g.Store) < p.cat.StoreIndex(minStore) })
			f := Fix{Kind: KindFirmware, Effort: "update the firmware of the phones",
				Title: fmt.Sprintf("update phones older than %s to %s firmware or later (%s)", minStore, minStore, buildList(p.cat, minimum)),
				Steps: []Step{{Text: catch22}}}
			p.add(f, n, st, any)
		}
		n, st, any := p.bring(func(*work) bool { return true })
		if p.incompleteChain() {
			return
		}
		f := Fix{Kind: KindReplace, Effort: "a certificate from another CA, or new phones",
			Title: "no firmware build trusts this chain: get the certificate from a CA whose root the phones have (see lpetrust roots), or replace the phones",
			Steps: []Step{{Text: "list the roots a firmware trusts", Commands: []Command{Run("lpetrust", "roots", "--release", "CU11")}}}}
		p.add(f, n, st, any)
		return
	}
	for _, fam := range append(append([]string{}, truststore.Families...), "") {
		b, ok := minimum[fam]
		if fam == "" {
			ok = minStore != ""
		}
		if !ok {
			continue
		}
		n, st, any := p.bring(func(g *work) bool { return g.Family == fam })
		f := Fix{Kind: KindFirmware, Effort: "update the firmware of " + plural(n, "phone", "phones"), Steps: []Step{{Text: catch22}}}
		if fam == "" {
			f.Effort = "identify and update " + plural(n, "phone", "phones")
			f.Title = fmt.Sprintf("phones of unknown model: find their model, then update them to %s firmware or later (%s)", minStore, buildList(p.cat, minimum))
		} else {
			f.Title = fmt.Sprintf("update %s to %s (%s) or later", fam, b.Version, b.Release)
		}
		p.add(f, n, st, any)
	}
	if p.incompleteChain() {
		return
	}
	for _, fam := range append(append([]string{}, truststore.Families...), "") {
		n, st, any := p.bring(func(g *work) bool { return g.Family == fam })
		f := Fix{Kind: KindReplace, Effort: "replace " + plural(n, "phone", "phones"),
			Title: fmt.Sprintf("no firmware build of %s trusts this chain, and no fix above reaches them: replace the phones, or serve a chain from a CA whose root they have", familyLabel(fam))}
		p.add(f, n, st, any)
	}
}

// instead notes which hierarchies the stranded stores would trust without
// Active Directory (chain.Result.Instead), each once.
func (p *planner) instead() {
	for _, r := range p.base {
		for _, in := range r.Instead {
			msg := strings.ToUpper(in.Message[:1]) + in.Message[1:] + "."
			if !contains(p.plan.Notes, msg) {
				p.plan.Notes = append(p.plan.Notes, msg)
			}
		}
	}
}

func (p *planner) incompleteChain() bool {
	for _, f := range p.plan.Fixes {
		if f.Kind == KindIncomplete {
			return true
		}
	}
	return false
}

// catch22 is what a firmware fix must say: a phone cannot download new
// firmware over the TLS that strands it.
func (p *planner) catch22() string {
	if p.req.Live {
		return "phones stranded now cannot download the update: the Device Update service uses the same TLS chain. First serve a chain they trust (or publish the roots, above), then update them; after the update they trust this chain"
	}
	return "update them before this certificate is installed: once it is, stranded phones cannot download the update, since the Device Update service uses the same TLS chain"
}

func buildList(cat *truststore.Catalogue, minimum map[string]truststore.Build) string {
	var parts []string
	for _, fam := range truststore.Families {
		if b, ok := minimum[fam]; ok {
			parts = append(parts, fmt.Sprintf("%s %s", fam, b.Version))
		}
	}
	if len(parts) == 0 {
		return "see lpetrust firmware"
	}
	return strings.Join(parts, ", ")
}

func (p *planner) renew() {
	dates := map[time.Time]int{}
	any := map[time.Time]bool{}
	for _, g := range p.groups {
		if g.Expiring != nil && !g.Stranded {
			dates[g.Expiring.UTC()] += g.Phones
			any[g.Expiring.UTC()] = true
		}
	}
	var ds []time.Time
	for d := range dates {
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Before(ds[j]) })
	for _, d := range ds {
		n := dates[d]
		day := d.Format(time.DateOnly)
		f := Fix{Kind: KindRenew, Effort: "renew the certificate before " + day, Prerequisite: true,
			Title: fmt.Sprintf("%s trusted now %s stranded on %s, when %s expires: renew before then with a chain they trust", plural(n, "phone", "phones"), isAre(n), day, expiringCert(p.base, d)),
			Note:  "check the renewed chain with the same inventory before installing it",
			Steps: []Step{{Text: "judge the renewed chain against the inventory", Commands: []Command{Run("lpetrust", "report", "--inventory", "INVENTORY.CSV", "--chain", "RENEWED.PEM")}}}}
		f.Phones, f.Remaining, f.Stores = n, p.remaining(), []string{}
		p.plan.Fixes = append(p.plan.Fixes, f)
	}
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func expiringCert(results []*chain.Result, t time.Time) string {
	for _, r := range results {
		if r == nil {
			continue
		}
		for _, c := range r.Chain {
			if c.NotAfter.Equal(t) {
				return truststore.Named(c.Name, c.SHA1)
			}
		}
	}
	return "a certificate of the chain"
}

func (p *planner) platform() {
	n := 0
	for _, g := range p.groups {
		if g.Legacy {
			n += g.Phones
		}
	}
	if n == 0 {
		return
	}
	f := Fix{Kind: KindPlatform, Effort: "update the firmware of " + plural(n, "phone", "phones"), Prerequisite: true,
		Title:  fmt.Sprintf("%s OCS 2007 or OCS 2007 R2 firmware (1.0.x, 3.5.x), which cannot register to Lync Server 2013 or later whatever the certificate: update them to Lync Phone Edition (4.0.7577) firmware", plural(n, "phone runs", "phones run")),
		Phones: n, Remaining: p.remaining(), Stores: []string{}, Steps: []Step{}}
	p.plan.Fixes = append(p.plan.Fixes, f)
}

// summary is the verdict for the target store.
func (p *planner) summary() {
	t := p.req.Target
	if t == "" {
		return
	}
	ok := trusted(p.base, t) && len(errorFindings(p.base)) == 0 && p.req.Blocker == "" && !p.serverBlocks()
	switch {
	case ok && p.req.Live:
		p.plan.Summary = fmt.Sprintf("Phones with %s firmware sign in at every endpoint checked.", t)
	case ok:
		p.plan.Summary = fmt.Sprintf("Phones with %s firmware trust this chain; install it.", t)
	case p.req.Live:
		p.plan.Summary = fmt.Sprintf("Phones with %s firmware would NOT sign in at every endpoint checked.", t)
	default:
		p.plan.Summary = fmt.Sprintf("Phones with %s firmware would NOT sign in with this chain.", t)
	}
}

func altName(a chain.Alternative) string {
	if len(a.Certs) > 0 && a.Certs[0].Name != "" {
		return a.Certs[0].Name
	}
	return a.AddSubject
}

// UnmarshalJSON reads a step back; its commands, rendered per shell, are
// not parsed again.
func (s *Step) UnmarshalJSON(b []byte) error {
	var v struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s.Text = v.Text
	return nil
}
