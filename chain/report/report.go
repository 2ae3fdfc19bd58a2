// Package report answers the question asked before a certificate renewal:
// how many phones of an inventory break, which ones, and what is the
// cheapest fix. It judges every phone of an inventory against one or more
// chains (a candidate certificate, what a pool serves today, or both),
// counts per device family, model and firmware release, ranks the fixes by
// effort, and finds phones that a known expiry will strand within a horizon.
//
// A report has two passes. The first reads the inventory, deduplicates
// phones by MAC address (latest registration wins) and counts; for the
// listing formats it also keeps a spill of what each registration's line
// needs (see spill). The second emits one line per phone on every CPU, in
// file order: from the spill, or, when there is none (a spill that could
// not be written, or one dropped because most registrations are
// superseded), from the inventory read again, cut at the record starts the
// first pass noted (inventory.Mark). In memory: a small entry per distinct
// MAC address and at most spillMemory of spill, never rows or the file.
package report

import (
	"crypto/x509"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
	"github.com/lpetrust/lpetrust/truststore/inventory"
)

// Kinds of chains a report judges phones against.
const (
	KindCandidate = "chain" // a certificate file: the pre-renewal check
	KindPool      = "pool"  // what a live pool serves now
)

// Chain is one chain to judge every phone against.
type Chain struct {
	// Name labels the chain in every output ("new-pool.pfx", "pool01.contoso.com").
	Name string
	// Kind is KindCandidate or KindPool.
	Kind string
	// Inputs are the chains to judge. A pool whose members serve different
	// chains has several; a phone is trusted only when every one is
	// trusted by its firmware, since it may reach any member.
	Inputs []chain.Input
	// Blocker, when set, strands every phone whatever the certificate
	// (e.g. a pool member refusing the phones' TLS 1.0 handshake).
	Blocker string
	// Notes are shown with the chain (unreachable members, pool inconsistencies).
	Notes []string
	// Source says how the printed commands name this chain again
	// (--from-inspect FILE, --from-check TARGET, --intermediates …).
	Source remedy.Source
	// Pool, when set, is the registrar pool (Options.Registrars) whose
	// phones this chain judges: what the pool serves, or its renewal. A
	// chain without Pool judges every phone.
	Pool string
}

// Options control a report.
type Options struct {
	// At is the moment of judgement; zero means now.
	At time.Time
	// Horizon is how far ahead known expiries are looked for; 0 means 365 days.
	Horizon time.Duration
	// Chain are the chain engine's options; At is set from At.
	Chain chain.Options
	// WithAD says ADRoots were read from Active Directory: phones that sign
	// in with AD credentials trust them in addition to their firmware store.
	WithAD  bool
	ADRoots []*x509.Certificate
	// UnknownSignInIsPIN counts phones whose sign-in method the inventory
	// does not give as PIN-authenticated. By default they are assumed to
	// sign in with AD credentials (USB tethering or NTLM), as the report says.
	UnknownSignInIsPIN bool
	// Connection are the connection flags of the printed lpetrust ad
	// commands (e.g. --server ldaps://dc.contoso.com --user
	// admin@contoso.com --password-file admin.pw); nil means placeholders.
	Connection []string
	// Shell is the shell the fixes' Commands are written for ("" is sh).
	Shell remedy.Shell
	// PublishUnknown advises roots nobody vouched for (a root only a pool
	// sent), with a warning: every domain member would trust them.
	PublishUnknown bool
	// Registrars are the estate's registrar pools. When given, a phone is
	// judged against the chain of the pool it registers to (the
	// inventory's pool column) and, as a failover, its backup pool's; a
	// phone whose pool is unknown is judged against every pool's chain.
	Registrars []Registrar
	// Provenance is copied into the summary: the report says what wrote it.
	Provenance Provenance
}

// DefaultHorizon is the horizon when Options.Horizon is 0.
const DefaultHorizon = 365 * 24 * time.Hour

// Phone statuses.
const (
	StatusTrusted  = "trusted"
	StatusStranded = "stranded"
	// StatusExpiring: trusted at the report's moment, stranded by a known
	// expiry within the horizon (PhoneVerdict.StrandedFrom says when).
	StatusExpiring = "expiring"
	// StatusNotJudged: the chain is another pool's (Chain.Pool) than the
	// phone's and its backup's; the phone never meets it.
	StatusNotJudged = "not-judged"
)

// judgedChain is a Chain with its evaluations.
type judgedChain struct {
	Chain
	results   []*chain.Result // one per input
	adResults []*chain.Result // with the AD roots as extra anchors; nil without WithAD
	fixed     []*chain.Result // with every missing root as an extra anchor
	missing   []chain.MissingRoot
	verdicts  map[verdictKey]PhoneVerdict
	index     int                      // in Builder.chains, and in poolInfo.roles
	timelines map[verdictKey]*timeline // see buildTimelines
}

type verdictKey struct {
	store string
	ad    bool
}

// group is one combination of phone attributes that decides verdicts and counts.
type group struct {
	family, model, version, release, store, signIn string
	verified                                       bool
	// legacy: OCS 2007 / R2 firmware, which cannot register to Lync 2013.
	legacy bool
	phones int
	// pool is the registrar pool the phones register to; site their site
	// (the inventory's, else the pool's).
	pool *poolInfo
	site string
}

type groupKey struct {
	family, model, version, signIn string
	pool, site                     string
}

// classKey is an inventory row's classification, sign-in method, pool and
// site (interned by the Reader): a cheap key for the group of a row.
type classKey struct {
	class      int32
	signIn     string
	pool, site string
}

// Builder accumulates a report over one pass of an inventory.
type Builder struct {
	cat        *truststore.Catalogue
	opts       Options
	at         time.Time
	chains     []*judgedChain
	groups     []*group
	groupIndex map[groupKey]int32
	classIndex map[classKey]classRef
	// keyRows stand for the template keys of the spill, by key.
	keyRows []inventory.Row
	// spill, when set, keeps what the second pass lists of every phone
	// (see spill); nil when the writer lists no phones, or the spill failed.
	spill *spill
	// byClass caches, by Row.Class, the last group found for the class:
	// rows of one class nearly always share sign-in method, pool and site.
	byClass []classSlot
	// maker makes the phones of Phone; each goroutine of the second pass
	// has its own (see phoneMaker).
	maker *phoneMaker
	// mu guards what phoneMakers share: pools, phoneVerdicts and the
	// chains' verdicts, which they fill in as they meet new templates.
	mu sync.Mutex
	// resume and marks are the first pass's Reader and its Marks, where
	// the second pass may be split (see writeListing).
	resume *inventory.Reader
	marks  []inventory.Mark
	macs   macTable
	// noHash spares Scan the inventory's SHA-256 (see hashOmitter).
	noHash bool
	counts []int // phones counted per group, not yet in groups (see count)
	// phoneVerdicts are the distinct verdicts of the per-phone lines.
	phoneVerdicts map[phoneKey]PhoneVerdict
	registrars    map[string]int       // pool and machine FQDN → index in opts.Registrars
	chainPools    map[string]int       // pool FQDN → index in chains
	pools         map[string]*poolInfo // the inventory's pool value → what it joins to
	duplicates    int
	noMAC         int
	maxLine       int
	certs         map[string]*x509.Certificate // by SHA-1; see certBySHA1
	// judging, when not nil, is closed once evaluateChains, run by Run
	// beside the first pass, has set judgeErr (see judged).
	judging  chan struct{}
	judgeErr error
}

// judged waits for the evaluation Run started and returns its error.
func (b *Builder) judged() error {
	if b.judging == nil {
		return nil
	}
	<-b.judging
	return b.judgeErr
}

// NewBuilder evaluates every chain and returns a Builder ready for Add.
func NewBuilder(cat *truststore.Catalogue, chains []Chain, opts Options) (*Builder, error) {
	b, err := newBuilder(cat, chains, opts)
	if err != nil {
		return nil, err
	}
	if err := b.evaluateChains(); err != nil {
		return nil, err
	}
	return b, nil
}

// newBuilder is NewBuilder without evaluateChains.
func newBuilder(cat *truststore.Catalogue, chains []Chain, opts Options) (*Builder, error) {
	if len(chains) == 0 {
		return nil, errors.New("no chain to judge the phones against")
	}
	if opts.At.IsZero() {
		opts.At = time.Now().UTC()
	}
	if opts.Horizon == 0 {
		opts.Horizon = DefaultHorizon
	}
	opts.Chain.At = opts.At
	b := &Builder{cat: cat, opts: opts, at: opts.At, groupIndex: map[groupKey]int32{}, classIndex: map[classKey]classRef{}}
	if err := b.indexRegistrars(chains); err != nil {
		return nil, err
	}
	for _, c := range chains {
		if len(c.Inputs) == 0 && c.Blocker == "" {
			return nil, fmt.Errorf("%s: no certificate chain to judge", c.Name)
		}
		b.chains = append(b.chains, &judgedChain{Chain: c, verdicts: map[verdictKey]PhoneVerdict{}, index: len(b.chains)})
	}
	return b, nil
}

// evaluateChains evaluates every chain against the stores: what the verdicts come
// from. The first pass needs none of it (Run has it done meanwhile).
func (b *Builder) evaluateChains() error {
	opts := b.opts
	cat := b.cat
	for _, jc := range b.chains {
		c := jc.Chain
		seen := map[string]bool{}
		for _, in := range c.Inputs {
			r, err := chain.Evaluate(cat, in, opts.Chain)
			if err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			jc.results = append(jc.results, r)
			if opts.WithAD {
				ra, err := chain.Evaluate(cat, in, b.chainOptions(true))
				if err != nil {
					return fmt.Errorf("%s: %w", c.Name, err)
				}
				jc.adResults = append(jc.adResults, ra)
			}
			for _, m := range r.MissingRoots {
				if !seen[m.SHA1] && m.Cert != nil {
					seen[m.SHA1] = true
					jc.missing = append(jc.missing, m)
				}
			}
		}
		if len(jc.missing) > 0 {
			o := opts.Chain
			o.ExtraAnchors = append([]*x509.Certificate(nil), o.ExtraAnchors...)
			for _, m := range jc.missing {
				o.ExtraAnchors = append(o.ExtraAnchors, m.Cert)
			}
			for _, in := range c.Inputs {
				r, err := chain.Evaluate(cat, in, o)
				if err != nil {
					return fmt.Errorf("%s: %w", c.Name, err)
				}
				jc.fixed = append(jc.fixed, r)
			}
		}
	}
	for _, jc := range b.chains {
		if err := b.buildTimelines(jc); err != nil {
			return err
		}
	}
	return nil
}

// Add counts one inventory row. Rows that are not phones are ignored here
// (the inventory Reader counts them). A phone seen before under the same
// MAC address replaces the earlier row when its registration is later.
func (b *Builder) Add(row *inventory.Row) {
	if row.Kind != inventory.KindPhone {
		return
	}
	r, _ := b.registrationOf(row)
	b.count(&r)
	b.settle()
}

// registration is what counting keeps of a phone's row.
type registration struct {
	mac    uint64
	seen   uint32 // seenSeconds
	line   int
	group  int32
	hasMAC bool
}

// registrationOf classifies a phone's row into its group; key is the
// template key of the row's phone (see Builder.keyRows).
func (b *Builder) registrationOf(row *inventory.Row) (r registration, key int32) {
	g, key := b.classOf(row)
	return registration{mac: row.MAC, seen: seenSeconds(row.Seen), line: row.Line, group: g, hasMAC: row.HasMAC}, key
}

// count counts a registration in b.counts, not yet in the groups (see
// settle): it touches nothing registrationOf does, so that the two can run
// in different goroutines.
func (b *Builder) count(r *registration) {
	if r.line > b.maxLine {
		b.maxLine = r.line
	}
	g := r.group
	for int(g) >= len(b.counts) {
		b.counts = append(b.counts, 0)
	}
	if !r.hasMAC {
		b.noMAC++
		b.counts[g]++
		b.macs.setWinner(r.line, true) // every phone without a MAC address counts
		return
	}
	old, replaced := b.macs.add(r.mac, r.seen, r.line, g)
	if old >= 0 {
		b.duplicates++
	}
	if replaced {
		if old >= 0 {
			b.counts[old]--
		}
		b.counts[g]++
	}
}

// settle adds b.counts to the groups' phones.
func (b *Builder) settle() {
	for g, n := range b.counts {
		b.groups[g].phones += n
		b.counts[g] = 0
	}
}

func (b *Builder) signIn(row *inventory.Row) string {
	if row.SignIn != inventory.SignInUnknown {
		return row.SignIn
	}
	return ""
}

// classSlot is the group and template key of the last row of one class
// (see Builder.byClass).
type classSlot struct {
	signIn, pool, site string
	group              int32 // +1; 0 empty
	key                int32
}

// classRef is what a classKey stands for: the row's group in the summary,
// and its template key in the spill (see Builder.keyRows).
type classRef struct{ group, key int32 }

// maxClassSlots bounds Builder.byClass: a file of unique garbage makes
// classes without end.
const maxClassSlots = 1 << 16

// classOf returns the group of a phone's row and its template key.
func (b *Builder) classOf(row *inventory.Row) (group, key int32) {
	var slot *classSlot
	if c := int(row.Class); c >= 0 && c < maxClassSlots {
		if c >= len(b.byClass) {
			b.byClass = append(b.byClass, make([]classSlot, c+1-len(b.byClass))...)
		}
		slot = &b.byClass[c]
		if slot.group > 0 && slot.signIn == row.SignIn && slot.pool == row.Pool && slot.site == row.Site {
			return slot.group - 1, slot.key
		}
	}
	ck := classKey{row.Class, row.SignIn, row.Pool, row.Site}
	ref, ok := b.classIndex[ck]
	if !ok {
		ref = classRef{group: b.newGroupOf(row), key: b.newKey(row)}
		b.classIndex[ck] = ref
	}
	if slot != nil {
		*slot = classSlot{signIn: row.SignIn, pool: row.Pool, site: row.Site, group: ref.group + 1, key: ref.key}
	}
	return ref.group, ref.key
}

// newKey keeps what phones of row's class, sign-in method, pool and site
// share (their template, see phoneMaker.templateOf) as a row without the
// phone's own fields, whose Class is the new key.
func (b *Builder) newKey(row *inventory.Row) int32 {
	r := *row
	r.Line, r.MAC, r.HasMAC, r.UserURI, r.UserURIBytes, r.Seen = 0, 0, false, "", nil, time.Time{}
	r.Class = int32(len(b.keyRows))
	b.keyRows = append(b.keyRows, r)
	return r.Class
}

// DisplayModel names a device for people: "POLYCOM CX600", or the model
// alone when it already names the manufacturer.
func DisplayModel(manufacturer, model string) string {
	if manufacturer != "" && model != "" && !containsFold(model, manufacturer) {
		return manufacturer + " " + model
	}
	if model == "" {
		return manufacturer
	}
	return model
}

// containsFold is strings.Contains(strings.ToLower(s), strings.ToLower(sub))
// without allocating when both are ASCII (model names nearly always are).
func containsFold(s, sub string) bool {
	if !isASCII(s) || !isASCII(sub) {
		return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (b *Builder) newGroupOf(row *inventory.Row) int32 {
	model := DisplayModel(row.Manufacturer, row.Model)
	pool := b.poolOf(row.Pool)
	site := b.siteOf(row.Site, pool)
	k := groupKey{family: row.Family, model: model, version: row.Version, signIn: b.signIn(row), pool: pool.label, site: site}
	if i, ok := b.groupIndex[k]; ok {
		return i
	}
	i := int32(len(b.groups))
	b.groups = append(b.groups, &group{
		family: row.Family, model: model, version: row.Version, release: row.Build.Release,
		store: row.Build.Store, verified: row.Build.Verified, signIn: k.signIn, pool: pool, site: site, legacy: LegacyPlatform(row.Build),
	})
	b.groupIndex[k] = i
	return i
}

// LegacyPlatform reports whether a build is Office Communicator Phone
// Edition (OCS 2007 or OCS 2007 R2, versions 1.0.x and 3.5.x), which cannot
// register to Lync Server 2013 or later.
func LegacyPlatform(b truststore.Build) bool {
	return strings.HasPrefix(b.Platform, "OCS 2007")
}

// usesAD reports whether a phone with that sign-in method downloads the
// roots published in Active Directory.
func (b *Builder) usesAD(signIn string) bool {
	switch signIn {
	case inventory.SignInAD:
		return true
	case inventory.SignInPIN:
		return false
	}
	return !b.opts.UnknownSignInIsPIN
}

// PhoneVerdict is the judgement of one phone against one chain.
type PhoneVerdict struct {
	Chain  string `json:"chain"`
	Status string `json:"status"` // StatusTrusted, StatusStranded or StatusExpiring
	// Reason says why a phone is stranded or expiring, or which anchor
	// trusts it when that is not the firmware store.
	Reason string `json:"reason"`
	// StrandedFrom is when an expiring phone stops trusting the chain.
	StrandedFrom *time.Time `json:"stranded_from,omitempty"`
	// Role says why the chain judges the phone when the report knows the
	// estate: RolePrimary, RoleBackup, RoleUnknownPool or RoleEveryPhone.
	// Empty without an estate, where every chain judges every phone.
	Role string `json:"role,omitempty"`

	// id numbers the distinct verdicts of a report's phones (0: none), so
	// that writers can reuse what they wrote for one (see fragments).
	id int32
}

// verdict judges phones of one store and sign-in method against a chain.
func (b *Builder) verdict(jc *judgedChain, store, signIn string) PhoneVerdict {
	ad := b.opts.WithAD && b.usesAD(signIn)
	k := verdictKey{store, ad}
	if v, ok := jc.verdicts[k]; ok {
		return v
	}
	v := b.judge(jc, store, ad)
	jc.verdicts[k] = v
	return v
}

func (b *Builder) judge(jc *judgedChain, store string, ad bool) PhoneVerdict {
	v := PhoneVerdict{Chain: jc.Name, Status: StatusTrusted}
	if jc.Blocker != "" {
		v.Status, v.Reason = StatusStranded, jc.Blocker
		return v
	}
	results := jc.results
	if ad {
		results = jc.adResults
	}
	// Error findings (a wildcard leaf, a name missing from the SAN, no
	// serverAuth, an expired leaf) strand every phone whatever the trust.
	if msgs := errorFindings(results); len(msgs) > 0 {
		v.Status, v.Reason = StatusStranded, strings.Join(msgs, "; ")
		return v
	}
	for i, r := range results {
		pv := r.Verdict(store)
		if pv == nil {
			v.Status, v.Reason = StatusStranded, fmt.Sprintf("store %s was not judged", store)
			return v
		}
		if !pv.Trusted {
			v.Status = StatusStranded
			v.Reason = strings.Join(pv.Reasons, "; ")
			if v.Reason == "" {
				v.Reason = "not trusted by " + store
			}
			if len(results) > 1 {
				v.Reason = results[i].Source + ": " + v.Reason
			}
			return v
		}
		if ad && !jc.results[i].TrustedBy(store) {
			v.Reason = "trusted through the root published in Active Directory"
			if a := b.cat.RootBySHA1(pv.AnchorSHA1); a == nil && pv.AnchorSHA1 != "" {
				v.Reason = fmt.Sprintf("trusted through %s published in Active Directory", b.anchorName(pv.AnchorSHA1))
			}
		}
	}
	// When trust ends comes from the chain's timeline: a path that expires
	// while another takes over does not strand the phone.
	if end, ok := jc.timelines[verdictKey{store, ad}].trustEnd(); ok && end.date.Before(b.at.Add(b.opts.Horizon)) {
		until := end.date
		v.Status = StatusExpiring
		v.StrandedFrom = &until
		v.Reason = fmt.Sprintf("trusted until %s, when %s expires", until.UTC().Format(time.DateOnly), end.cert.label())
	}
	return v
}

func (b *Builder) anchorName(sha1 string) string {
	for _, c := range b.opts.ADRoots {
		if truststore.SHA1Hex(c) == sha1 {
			return truststore.Named(truststore.DisplayName(c), sha1)
		}
	}
	return sha1
}

// Phone is one phone of the report (the second pass), with its verdicts.
type Phone struct {
	Line         int    `json:"line"`
	MAC          string `json:"mac"`
	UserURI      string `json:"user_uri"`
	Manufacturer string `json:"manufacturer"`
	Model        string `json:"model"`
	Family       string `json:"family"`
	Firmware     string `json:"firmware"`
	Release      string `json:"release"`
	Store        string `json:"store"`
	// FirmwareVerified is false when the build's root store is assumed
	// (the nearest known build's), not documented.
	FirmwareVerified bool `json:"firmware_verified"`
	// CannotRegister: OCS 2007 / R2 firmware, which cannot register to
	// Lync Server 2013 or later whatever the certificate.
	CannotRegister bool           `json:"cannot_register"`
	SignIn         string         `json:"sign_in"`
	Seen           *time.Time     `json:"last_seen"`
	Verdicts       []PhoneVerdict `json:"verdicts"`
	// Pool is the registrar pool the phone registers to (the estate's
	// name for it when the inventory names a pool member); Site its site
	// (the inventory's, else the pool's). Empty when unknown.
	Pool string `json:"pool"`
	Site string `json:"site"`

	// tmpl, when set, is the template the phone was made from (see
	// phoneTemplate): what writers memoize.
	tmpl *phoneTemplate
}

// Clone returns a copy of p that Writer.Phone's reuse of p leaves intact.
func (p *Phone) Clone() *Phone {
	c := *p
	c.tmpl = nil // the copy may be changed
	if p.Seen != nil {
		t := *p.Seen
		c.Seen = &t
	}
	return &c
}

// Stranded reports whether any chain strands the phone now.
func (p *Phone) Stranded() bool {
	for _, v := range p.Verdicts {
		if v.Status == StatusStranded {
			return true
		}
	}
	return false
}

// Phone returns the report line for a row of the second pass; false for
// rows that are not phones and for registrations superseded by a later one
// of the same MAC address.
func (b *Builder) Phone(row *inventory.Row) (*Phone, bool) {
	if b.maker == nil {
		b.maker = b.newPhoneMaker()
	}
	p := &Phone{}
	if !b.maker.fill(p, row, new(time.Time)) {
		return nil, false
	}
	if row.HasMAC {
		p.MAC = inventory.FormatMAC(row.MAC)
	}
	p.tmpl = nil // the caller may change p
	return p, true
}

// phoneMaker makes the phones of the rows of one Reader of the second
// pass (whose Row.Class ids are its own), from phone templates.
type phoneMaker struct {
	b         *Builder
	templates map[templateKey]*phoneTemplate
	slots     []templateSlot
}

func (b *Builder) newPhoneMaker() *phoneMaker {
	return &phoneMaker{b: b, templates: map[templateKey]*phoneTemplate{}}
}

// fill is Phone writing into p, with seen as the storage of p.Seen, and
// without p.MAC (the caller formats row.MAC).
func (mk *phoneMaker) fill(p *Phone, row *inventory.Row, seen *time.Time) bool {
	if !mk.lists(row) {
		return false
	}
	t := mk.templateOf(row)
	*p = t.proto
	p.Line, p.UserURI = row.Line, row.UserURI
	if !row.Seen.IsZero() {
		*seen = row.Seen
		p.Seen = seen
	}
	return true
}

// lists reports whether the report lists the row's phone: a phone's row,
// and the latest registration of its MAC address.
func (mk *phoneMaker) lists(row *inventory.Row) bool {
	return row.Kind == inventory.KindPhone && (!row.HasMAC || mk.b.macs.latest(row.Line))
}

// phoneTemplate is what the phones of one classification, sign-in method,
// pool and site share in the per-phone lines: every field of Phone but
// Line, MAC, UserURI and Seen. Writers keep what they wrote for a template
// by its id, so that a phone costs only its own fields.
type phoneTemplate struct {
	proto Phone // proto.tmpl is the template itself
	id    int32 // numbered from 1 by its phoneMaker
}

// templateKey names a phoneTemplate (class: the Reader's Row.Class).
type templateKey struct {
	class              int32
	signIn, pool, site string
}

// templateSlot is the template of the last row of one class (see phoneMaker.slots).
type templateSlot struct {
	signIn, pool, site string
	t                  *phoneTemplate
}

// templateOf returns the template of a phone's row; rows of one class
// nearly always share sign-in method, pool and site, so the last template
// of each class is looked at first.
func (mk *phoneMaker) templateOf(row *inventory.Row) *phoneTemplate {
	var slot *templateSlot
	if c := int(row.Class); c >= 0 && c < maxClassSlots {
		if c >= len(mk.slots) {
			mk.slots = append(mk.slots, make([]templateSlot, c+1-len(mk.slots))...)
		}
		slot = &mk.slots[c]
		if slot.t != nil && slot.signIn == row.SignIn && slot.pool == row.Pool && slot.site == row.Site {
			return slot.t
		}
	}
	k := templateKey{row.Class, row.SignIn, row.Pool, row.Site}
	t, ok := mk.templates[k]
	if !ok {
		t = &phoneTemplate{id: int32(len(mk.templates) + 1)}
		b := mk.b
		b.mu.Lock()
		pool := b.poolOf(row.Pool)
		t.proto = Phone{
			Manufacturer: row.Manufacturer, Model: row.Model,
			Family: row.Family, Firmware: row.Version, Release: row.Build.Release, Store: row.Build.Store,
			FirmwareVerified: row.Build.Verified, CannotRegister: LegacyPlatform(row.Build),
			SignIn: signInLabel(row.SignIn), Pool: pool.label, Site: b.siteOf(row.Site, pool),
			Verdicts: b.phoneVerdictSet(pool, row), tmpl: t,
		}
		b.mu.Unlock()
		if len(mk.templates) < maxVerdictSets {
			mk.templates[k] = t
		} else {
			t.id = 0 // not kept: writers do not memoize it
		}
	}
	if slot != nil {
		*slot = templateSlot{signIn: row.SignIn, pool: row.Pool, site: row.Site, t: t}
	}
	return t
}

// phoneVerdictSet returns the verdicts of every chain for a phone of that
// pool and row (shared by the phones of a template; writers only read them).
func (b *Builder) phoneVerdictSet(pool *poolInfo, row *inventory.Row) []PhoneVerdict {
	vs := make([]PhoneVerdict, 0, len(b.chains))
	for _, jc := range b.chains {
		vs = append(vs, b.phoneVerdict(jc, pool, row.Build.Store, row.SignIn))
	}
	return vs
}

// maxVerdictSets bounds phoneMaker.templates (classes are bounded by the
// Reader's cache, not their number over a file).
const maxVerdictSets = 1 << 16

// phoneKey names one distinct verdict of the per-phone lines.
type phoneKey struct {
	chain int
	pool  *poolInfo // for verdicts that depend on the pool (not judged)
	store string
	ad    bool
	role  chainRole
}

// phoneVerdict is the verdict a phone of that pool, store and sign-in
// method gets from jc in the per-phone lines, numbered (see
// PhoneVerdict.id).
func (b *Builder) phoneVerdict(jc *judgedChain, pool *poolInfo, store, signIn string) PhoneVerdict {
	role := pool.roles[jc.index]
	k := phoneKey{chain: jc.index, role: role}
	if role == roleNone {
		k.pool = pool
	} else {
		k.store, k.ad = store, b.opts.WithAD && b.usesAD(signIn)
	}
	if v, ok := b.phoneVerdicts[k]; ok {
		return v
	}
	var v PhoneVerdict
	if role == roleNone {
		v = PhoneVerdict{Chain: jc.Name, Status: StatusNotJudged, Reason: b.notJudgedReason(pool)}
	} else {
		v = b.verdict(jc, store, signIn)
		v.Role = role.label()
	}
	if b.phoneVerdicts == nil {
		b.phoneVerdicts = map[phoneKey]PhoneVerdict{}
	}
	v.id = int32(len(b.phoneVerdicts) + 1)
	b.phoneVerdicts[k] = v
	return v
}

func signInLabel(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// familyLabel names a family for output, "unknown" when the inventory does not tell it.
func familyLabel(f string) string {
	if f == "" {
		return "unknown model"
	}
	return f
}

// sortedGroups returns the groups with phones, ordered by family, model and version.
func (b *Builder) sortedGroups() []*group {
	var out []*group
	for _, g := range b.groups {
		if g.phones > 0 {
			out = append(out, g)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, c := out[i], out[j]
		if fa, fc := familyOrder(a.family), familyOrder(c.family); fa != fc {
			return fa < fc
		}
		if a.model != c.model {
			return a.model < c.model
		}
		if a.version != c.version {
			return versionLess(a.version, c.version)
		}
		return a.signIn < c.signIn
	})
	return out
}

func familyOrder(f string) int {
	for i, x := range truststore.Families {
		if x == f {
			return i
		}
	}
	return len(truststore.Families)
}

func versionLess(a, b string) bool {
	va, ea := truststore.ParseVersion(a)
	vb, eb := truststore.ParseVersion(b)
	if ea != nil || eb != nil {
		return a < b
	}
	return va.Less(vb)
}

// errorFindings are the messages of the error findings of the results, each once.
func errorFindings(results []*chain.Result) []string {
	var out []string
	for _, r := range results {
		for _, f := range r.Findings {
			if f.Severity == chain.SeverityError && !contains(out, f.Message) {
				out = append(out, f.Message)
			}
		}
	}
	return out
}
