package report

import (
	"crypto/x509"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
	"github.com/lpetrust/lpetrust/truststore/inventory"
)

// Summary is everything a report says except the per-phone lines.
type Summary struct {
	At          time.Time        `json:"at"`
	HorizonDays int              `json:"horizon_days"`
	Inventory   InventorySummary `json:"inventory"`
	Chains      []ChainSummary   `json:"chains"`
	// Assumptions are conclusions no source settled, said as such.
	Assumptions []string `json:"assumptions"`
	// Pools and Sites count the phones per registrar pool and per site
	// (see PoolSummary); UnknownPoolPhones are the phones whose pool the
	// estate does not know, judged against every pool.
	Pools             []PoolSummary `json:"pools"`
	Sites             []SiteSummary `json:"sites"`
	UnknownPoolPhones int           `json:"unknown_pool_phones"`
	// NoPhone, when the inventory holds no LPE phone, says so (and what it
	// holds instead): there is nothing to fix because nothing was judged.
	NoPhone string `json:"no_phone,omitempty"`
	// Provenance says which lpetrust and which data judged the phones.
	Provenance Provenance `json:"provenance"`
	maxLine    int
	// byRelease and byModel count every phone of the inventory per
	// release and per model: with an estate, each chain counts only its
	// pool's phones.
	byRelease map[string]int
	byModel   map[[4]string]int
}

// Provenance says what produced a report, so that a report attached to a
// change request can be traced: with the inventory's SHA-256
// (InventorySummary.SHA256) and the chains' thumbprints
// (ChainSummary.Sources).
type Provenance struct {
	// Version is the lpetrust version (and commit) that wrote the report.
	Version string `json:"lpetrust_version"`
	// DataSnapshot names the embedded trust-store data the phones were judged with.
	DataSnapshot string `json:"data_snapshot"`
}

// ChainSource is one judged input of a chain: the file (or endpoint) and
// the thumbprints of its leaf and of the certificate its shown path ends at.
type ChainSource struct {
	Source     string `json:"source"`
	LeafSHA1   string `json:"leaf_sha1"`
	AnchorSHA1 string `json:"anchor_sha1"`
}

// InventorySummary describes what was read.
type InventorySummary struct {
	Source string `json:"source"`
	Format string `json:"format"`
	inventory.Stats
	// Phones is the number of distinct phones after deduplication by MAC.
	Phones int `json:"phones"`
	// DuplicateRows are registrations superseded by a later one of the same MAC.
	DuplicateRows int `json:"duplicate_rows"`
	// WithoutMAC are phones the inventory gives no MAC for (counted once per row).
	WithoutMAC int `json:"phones_without_mac"`
	// SignIn counts phones by sign-in method: ad, pin, unknown.
	SignIn map[string]int `json:"sign_in"`
	// SHA256 is the hex SHA-256 of the inventory file as read; empty when
	// the report's format does not show it (table, csv, csv-long).
	SHA256 string `json:"sha256"`
}

// ChainSummary is the verdict over the inventory for one chain.
type ChainSummary struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Source string `json:"source"`
	// Chain is the first judged chain, leaf first.
	Chain          []chain.CertInfo `json:"chain"`
	MinimumRelease *string          `json:"minimum_release"`
	Phones         int              `json:"phones"`
	Trusted        int              `json:"trusted"`
	// Safe are trusted through the horizon on firmware that registers to
	// Lync Server 2013 (Trusted less the OCS 2007 phones).
	Safe     int `json:"safe"`
	Stranded int `json:"stranded"`
	// Expiring are trusted now but stranded by a known expiry within the horizon.
	Expiring      int           `json:"expiring"`
	ExpiringDates []ExpiryCount `json:"expiring_dates"`
	// Reasons say why phones are stranded, once per distinct reason.
	Reasons      []ReasonCount       `json:"reasons"`
	ByRelease    []ReleaseCount      `json:"by_release"`
	ByModel      []ModelCount        `json:"by_model"`
	ByFamily     []FamilyCount       `json:"by_family"`
	MissingRoots []chain.MissingRoot `json:"missing_roots"`
	Alternatives []chain.Alternative `json:"alternatives"`
	// Instead names CA hierarchies the stranded stores trust without AD,
	// when nothing the server could send rescues them.
	Instead  []chain.Instead `json:"instead"`
	Findings []chain.Finding `json:"findings"`
	Blocker  string          `json:"blocker,omitempty"`
	Notes    []string        `json:"notes"`
	WithAD   bool            `json:"with_ad"`
	Fixes    []Fix           `json:"fixes"`
	// Pool is the registrar pool whose phones the chain judges (Chain.Pool).
	Pool string `json:"pool,omitempty"`
	// ByPool and BySite count the phones the chain judges per registrar
	// pool and per site; Backup counts the phones that fail over to the
	// chain's pool (it is their backup pool), not included in Phones.
	ByPool []PoolCount `json:"by_pool"`
	BySite []SiteCount `json:"by_site"`
	Backup Counts      `json:"backup"`
	// HorizonTrusted is how many phones trust the chain at the report's
	// moment (trusted and expiring); Horizon says, date by date up to
	// HorizonEnd, what expires on the trusted paths and how many phones
	// still trust the chain after it.
	HorizonTrusted int            `json:"horizon_trusted_now"`
	Horizon        []HorizonEvent `json:"horizon"`
	HorizonEnd     time.Time      `json:"horizon_end"`
	// Sources are the judged inputs with their thumbprints.
	Sources []ChainSource `json:"sources"`
	// CannotRegister are phones on OCS 2007 / R2 firmware, which cannot
	// register to Lync Server 2013 whatever the certificate.
	CannotRegister int `json:"cannot_register"`
	// Plan is the remediation as data: fixes with kind, phones brought
	// back, remaining, steps and commands per shell.
	Plan *remedy.Plan `json:"plan"`
}

// Counts are the phones of one bucket by status.
type Counts struct {
	Phones   int `json:"phones"`
	Trusted  int `json:"trusted"`
	Stranded int `json:"stranded"`
	Expiring int `json:"expiring"`
}

func (c *Counts) add(status string, n int) {
	c.Phones += n
	switch status {
	case StatusTrusted:
		c.Trusted += n
	case StatusStranded:
		c.Stranded += n
	case StatusExpiring:
		c.Expiring += n
	}
}

// ReasonCount is one reason phones are stranded and the stores it applies to.
type ReasonCount struct {
	Stores []string `json:"stores"`
	Reason string   `json:"reason"`
	Phones int      `json:"phones"`
}

// ExpiryCount is how many phones a known expiry strands on a date.
type ExpiryCount struct {
	Date   time.Time `json:"date"`
	Phones int       `json:"phones"`
}

// ReleaseCount counts phones per firmware release.
type ReleaseCount struct {
	Release string `json:"release"`
	// Versions are the builds of the release present in the inventory.
	Versions []string `json:"versions"`
	Store    string   `json:"store"`
	Counts
}

// ModelCount counts phones per device family, model and firmware build.
type ModelCount struct {
	Family  string `json:"family"`
	Model   string `json:"model"`
	Version string `json:"firmware"`
	Release string `json:"release"`
	Store   string `json:"store"`
	// FirmwareVerified and CannotRegister are as for Phone.
	FirmwareVerified bool `json:"firmware_verified"`
	CannotRegister   bool `json:"cannot_register"`
	Counts
}

// FamilyCount counts phones per device family, with the earliest build of
// the family that trusts the chain ("" when none does).
type FamilyCount struct {
	Family         string `json:"family"`
	MinimumVersion string `json:"minimum_firmware"`
	MinimumRelease string `json:"minimum_release"`
	Counts
}

// Fix kinds (remedy.Kind), in the order a plan lists them.
const (
	FixPublishAD   = string(remedy.KindPublishAD)
	FixCertProv    = string(remedy.KindCertProv)
	FixCross       = string(remedy.KindCross)
	FixFirmware    = string(remedy.KindFirmware)
	FixReplace     = string(remedy.KindReplace)
	FixRenew       = string(remedy.KindRenew)
	FixCertificate = string(remedy.KindCertificate)
)

// Fix is one remediation of the chain's plan, ranked by effort (1 = least),
// with its commands written for Options.Shell.
type Fix struct {
	Rank   int    `json:"rank"`
	Kind   string `json:"kind"`
	Effort string `json:"effort"`
	Title  string `json:"title"`
	// Phones is how many stranded phones the fix brings back that no
	// earlier fix did; Remaining how many stay stranded after it.
	Phones    int      `json:"phones"`
	Remaining int      `json:"remaining"`
	Commands  []string `json:"commands"`
	Note      string   `json:"note,omitempty"`
}

// Summary computes the report's summary after the first pass.
func (b *Builder) Summary(source string, format inventory.Format, stats inventory.Stats) *Summary {
	s := &Summary{At: b.at, HorizonDays: int(b.opts.Horizon / (24 * time.Hour))}
	inv := InventorySummary{Source: source, Format: string(format), Stats: stats,
		DuplicateRows: b.duplicates, WithoutMAC: b.noMAC, SignIn: map[string]int{}}
	if inv.Problems == nil {
		inv.Problems = []inventory.Problem{}
	}
	groups := b.sortedGroups()
	for _, g := range groups {
		inv.Phones += g.phones
		inv.SignIn[signInLabel(g.signIn)] += g.phones
	}
	s.Inventory = inv
	for _, jc := range b.chains {
		s.Chains = append(s.Chains, b.chainSummary(jc, groups))
	}
	s.Assumptions = b.assumptions(groups, inv)
	b.poolSummaries(groups, s)
	s.maxLine = b.maxLine
	if inv.Phones == 0 {
		s.NoPhone = noPhoneSentence(inv)
	}
	s.Provenance = b.opts.Provenance
	return s
}

// noPhoneSentence says that an inventory holds no LPE phone and what it holds.
func noPhoneSentence(inv InventorySummary) string {
	other := 0
	for _, n := range inv.Other {
		other += n
	}
	return fmt.Sprintf("%s holds no Lync Phone Edition phone (%s: %s, %d unparsable): nothing was judged",
		inv.Source, plural(inv.Records, "record", "records"), plural(other, "other device or client", "other devices or clients"), inv.BadRows)
}

func (b *Builder) assumptions(groups []*group, inv InventorySummary) []string {
	out := []string{"a phone does not accept a chain ending at an expired root (undocumented; Windows CryptoAPI behaves so)"}
	if b.opts.Chain.HonorExpiredRoots {
		out[0] = "a phone accepts a chain ending at an expired root (--honor-expired-roots; undocumented)"
	}
	unverified := 0
	for _, g := range groups {
		if !g.verified {
			unverified += g.phones
		}
	}
	if unverified > 0 {
		out = append(out, fmt.Sprintf("%s builds whose root store is not documented; the store of the nearest known build is assumed", plural(unverified, "phone runs", "phones run")))
	}
	if n := inv.SignIn["unknown"]; n > 0 {
		if b.opts.UnknownSignInIsPIN {
			out = append(out, fmt.Sprintf("%s no sign-in method in the inventory: counted as PIN-authenticated (no roots from Active Directory)", plural(n, "phone has", "phones have")))
		} else {
			out = append(out, fmt.Sprintf("%s no sign-in method in the inventory: assumed to sign in with AD credentials (USB tethering or NTLM), so roots published in Active Directory reach them (--unknown-sign-in pin to count them as PIN-authenticated)", plural(n, "phone has", "phones have")))
		}
	}
	return out
}

func (b *Builder) chainSummary(jc *judgedChain, groups []*group) ChainSummary {
	cs := ChainSummary{Name: jc.Name, Kind: jc.Kind, Blocker: jc.Blocker, WithAD: b.opts.WithAD,
		Chain: []chain.CertInfo{}, MissingRoots: []chain.MissingRoot{}, Alternatives: []chain.Alternative{},
		Instead: []chain.Instead{}, Findings: []chain.Finding{}, Notes: append([]string{}, jc.Notes...), Fixes: []Fix{},
		ExpiringDates: []ExpiryCount{}}
	if len(jc.results) > 0 {
		r := jc.results[0]
		cs.Source, cs.Chain, cs.MinimumRelease = r.Source, r.Chain, r.MinimumRelease
		for _, r := range jc.results {
			cs.Findings = append(cs.Findings, r.Findings...)
			cs.Alternatives = append(cs.Alternatives, r.Alternatives...)
			for _, in := range r.Instead {
				if !slices.ContainsFunc(cs.Instead, func(o chain.Instead) bool { return o.Message == in.Message }) {
					cs.Instead = append(cs.Instead, in)
				}
			}
			if r.MinimumRelease == nil {
				cs.MinimumRelease = nil
			} else if cs.MinimumRelease != nil && b.cat.StoreIndex(*r.MinimumRelease) > b.cat.StoreIndex(*cs.MinimumRelease) {
				cs.MinimumRelease = r.MinimumRelease
			}
		}
	}
	cs.MissingRoots = append(cs.MissingRoots, jc.missing...)
	cs.Sources = []ChainSource{}
	for _, r := range jc.results {
		src := ChainSource{Source: r.Source}
		if n := len(r.Chain); n > 0 {
			src.LeafSHA1, src.AnchorSHA1 = r.Chain[0].SHA1, r.Chain[n-1].SHA1
		}
		cs.Sources = append(cs.Sources, src)
	}
	releases := map[string]*ReleaseCount{}
	var releaseOrder []string
	models := map[[4]string]*ModelCount{}
	var modelOrder [][4]string
	families := map[string]*FamilyCount{}
	expiring := map[time.Time]int{}
	reasons := map[string]int{}
	for _, g := range groups {
		v := b.verdict(jc, g.store, g.signIn)
		n := g.phones
		if !b.judges(jc, g) {
			n = 0 // another pool's phones: buckets stay aligned across chains
		}
		if v.Status == StatusStranded && n > 0 {
			i, ok := reasons[v.Reason]
			if !ok {
				i = len(cs.Reasons)
				reasons[v.Reason] = i
				cs.Reasons = append(cs.Reasons, ReasonCount{Reason: v.Reason})
			}
			if !contains(cs.Reasons[i].Stores, g.store) {
				cs.Reasons[i].Stores = append(cs.Reasons[i].Stores, g.store)
			}
			cs.Reasons[i].Phones += n
		}
		switch v.Status {
		case StatusTrusted:
			cs.Trusted += n
		case StatusStranded:
			cs.Stranded += n
		case StatusExpiring:
			cs.Expiring += n
			expiring[v.StrandedFrom.UTC()] += n
		}
		cs.Phones += n
		rc := releases[g.release]
		if rc == nil {
			rc = &ReleaseCount{Release: g.release, Store: g.store}
			releases[g.release] = rc
			releaseOrder = append(releaseOrder, g.release)
		}
		if !contains(rc.Versions, g.version) {
			rc.Versions = append(rc.Versions, g.version)
		}
		rc.add(v.Status, n)
		mk := [4]string{g.family, g.model, g.version, g.store}
		mc := models[mk]
		if mc == nil {
			mc = &ModelCount{Family: familyLabel(g.family), Model: g.model, Version: g.version, Release: g.release, Store: g.store,
				FirmwareVerified: g.verified, CannotRegister: g.legacy}
			models[mk] = mc
			modelOrder = append(modelOrder, mk)
		}
		mc.add(v.Status, n)
		fc := families[g.family]
		if fc == nil && n > 0 { // families only other pools' phones have are left out
			fc = &FamilyCount{Family: familyLabel(g.family)}
			families[g.family] = fc
		}
		if fc != nil {
			fc.add(v.Status, n)
		}
	}
	sort.SliceStable(releaseOrder, func(i, j int) bool {
		return versionLess(minVersion(releases[releaseOrder[i]].Versions), minVersion(releases[releaseOrder[j]].Versions))
	})
	for _, r := range releaseOrder {
		rc := releases[r]
		sort.Slice(rc.Versions, func(i, j int) bool { return versionLess(rc.Versions[i], rc.Versions[j]) })
		cs.ByRelease = append(cs.ByRelease, *rc)
	}
	for _, k := range modelOrder {
		cs.ByModel = append(cs.ByModel, *models[k])
	}
	minimum := b.minimumBuilds(jc)
	for _, f := range append(append([]string{}, truststore.Families...), "") {
		fc := families[f]
		if fc == nil {
			continue
		}
		if mb, ok := minimum[f]; ok {
			fc.MinimumVersion, fc.MinimumRelease = mb.Version, mb.Release
		}
		cs.ByFamily = append(cs.ByFamily, *fc)
	}
	var dates []time.Time
	for d := range expiring {
		dates = append(dates, d)
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	for _, d := range dates {
		cs.ExpiringDates = append(cs.ExpiringDates, ExpiryCount{Date: d, Phones: expiring[d]})
	}
	cs.Plan = b.plan(jc, b.judgedGroups(jc, groups))
	for _, f := range cs.Plan.Fixes {
		var cmds []string
		for _, c := range f.Commands() {
			cmds = append(cmds, c.Render(b.opts.Shell))
		}
		if cmds == nil {
			cmds = []string{}
		}
		cs.Fixes = append(cs.Fixes, Fix{Rank: f.Rank, Kind: string(f.Kind), Effort: f.Effort, Title: f.Title,
			Phones: f.Phones, Remaining: f.Remaining, Commands: cmds, Note: f.Note})
	}
	cs.Safe = cs.Trusted
	for _, g := range b.judgedGroups(jc, groups) {
		if g.legacy {
			cs.CannotRegister += g.phones
			if b.verdict(jc, g.store, g.signIn).Status == StatusTrusted {
				cs.Safe -= g.phones
			}
		}
	}
	b.poolCounts(jc, groups, &cs)
	cs.HorizonTrusted, cs.Horizon = b.horizon(jc, b.judgedGroups(jc, groups))
	cs.HorizonEnd = b.horizonEnd(cs.HorizonTrusted, cs.Horizon)
	if cs.Reasons == nil {
		cs.Reasons = []ReasonCount{}
	}
	for i := range cs.Reasons {
		sort.Slice(cs.Reasons[i].Stores, func(a, c int) bool {
			return b.cat.StoreIndex(cs.Reasons[i].Stores[a]) < b.cat.StoreIndex(cs.Reasons[i].Stores[c])
		})
	}
	if cs.ByRelease == nil {
		cs.ByRelease = []ReleaseCount{}
		cs.ByModel = []ModelCount{}
		cs.ByFamily = []FamilyCount{}
	}
	return cs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func minVersion(vs []string) string {
	m := vs[0]
	for _, v := range vs[1:] {
		if versionLess(v, m) {
			m = v
		}
	}
	return m
}

// minimumBuilds is the earliest build per family that every judged input
// trusts; absent families have none.
func (b *Builder) minimumBuilds(jc *judgedChain) map[string]chain.FamilyBuild {
	out := map[string]chain.FamilyBuild{}
	if len(jc.results) == 0 || jc.Blocker != "" {
		return out
	}
	trusted := func(store string) bool {
		for _, r := range jc.results {
			if !r.TrustedBy(store) {
				return false
			}
		}
		return true
	}
	for f, build := range b.cat.EarliestBuilds(trusted) {
		out[f] = chain.FamilyBuild{Family: f, Version: build.Version, Release: build.Release}
	}
	return out
}

// plan asks the planner about one chain, with the inventory's groups.
func (b *Builder) plan(jc *judgedChain, groups []*group) *remedy.Plan {
	return b.planWith(jc, groups, true, nil)
}

// planWith plans one chain; without an inventory the planner reasons per
// store, and decided, when set, is the root decision over every chain.
func (b *Builder) planWith(jc *judgedChain, groups []*group, inventory bool, decided *remedy.Roots) *remedy.Plan {
	var gs []remedy.Group
	for _, g := range groups {
		v := b.verdict(jc, g.store, g.signIn)
		rg := remedy.Group{Store: g.store, Family: g.family, AD: b.usesAD(g.signIn), Phones: g.phones,
			Stranded: v.Status == StatusStranded, Legacy: g.legacy}
		if v.Status == StatusExpiring {
			rg.Expiring = v.StrandedFrom
		}
		gs = append(gs, rg)
	}
	if gs == nil && inventory {
		gs = []remedy.Group{}
	}
	var inputs []chain.Input
	inputs = append(inputs, jc.Inputs...)
	return remedy.Make(remedy.Request{
		Catalogue: b.cat, Name: jc.Name, Live: jc.Kind == KindPool, Inputs: inputs, Results: jc.results,
		Options: b.opts.Chain, Blocker: jc.Blocker, Groups: gs,
		Roots: remedy.RootOptions{Supplied: b.supplied(jc), PublishUnknown: b.opts.PublishUnknown,
			Published: b.publishedRoots()},
		Decided: decided, Source: jc.Source, Connection: b.opts.Connection,
	})
}

// supplied are the certificates the administrator gave: a candidate
// chain's files and the --intermediates, never what a pool sent.
func (b *Builder) supplied(jc *judgedChain) map[string]bool {
	out := map[string]bool{}
	for _, c := range b.opts.Chain.Intermediates {
		out[truststore.SHA1Hex(c)] = true
	}
	if jc.Kind != KindPool {
		for _, in := range jc.Inputs {
			for _, c := range in.Certs {
				out[truststore.SHA1Hex(c)] = true
			}
		}
	}
	return out
}

func (b *Builder) publishedRoots() []*x509.Certificate {
	if !b.opts.WithAD {
		return nil
	}
	return b.opts.ADRoots
}

func allTrusted(results []*chain.Result, store string) bool {
	for _, r := range results {
		if !r.TrustedBy(store) {
			return false
		}
	}
	return len(results) > 0
}

func sortedDates(m map[time.Time]int) []time.Time {
	var out []time.Time
	for d := range m {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// expiringCert names the certificate of the chain that expires at t.
func (b *Builder) expiringCert(jc *judgedChain, t time.Time) string {
	for _, ad := range []bool{false, true} {
		for _, st := range b.cat.Stores() {
			if end, ok := jc.timelines[verdictKey{st.Name, ad}].trustEnd(); ok && end.date.Equal(t) {
				return end.cert.label()
			}
		}
	}
	for _, r := range jc.results {
		for _, c := range r.Chain {
			if c.NotAfter.Equal(t) {
				return truststore.Named(c.Name, c.SHA1)
			}
		}
	}
	return "a certificate of the chain"
}
