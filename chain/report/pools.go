package report

import (
	"bufio"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/lpetrust/lpetrust/truststore/textwrap"
)

// Registrar is a pool phones register to — a Front End pool, a Survivable
// Branch Appliance or Server — as the estate describes it.
type Registrar struct {
	// Pool is the pool's FQDN.
	Pool string
	// Site is the site the pool belongs to.
	Site string
	// Backup is the FQDN of the backup registrar pool; empty when none.
	Backup string
	// Machines are the FQDNs of the pool's servers: an inventory naming
	// the registrar server rather than the pool is joined through them.
	Machines []string
}

// Roles of a chain for a phone (PhoneVerdict.Role, PoolCount.Role).
const (
	// RolePrimary: the chain of the pool the phone registers to.
	RolePrimary = "primary"
	// RoleBackup: the chain of the phone's backup pool, met on failover.
	RoleBackup = "backup"
	// RoleUnknownPool: the phone's pool is unknown (no pool column, or a
	// pool the estate does not list, or a pool without a judged chain), so
	// every pool's chain judges it.
	RoleUnknownPool = "unknown-pool"
	// RoleEveryPhone: a chain given without a pool judges every phone.
	RoleEveryPhone = "every-phone"
)

type chainRole uint8

const (
	roleNone    chainRole = iota // another pool's chain: not judged
	roleAll                      // no estate: every chain judges every phone
	roleEvery                    // an estate, and a chain without a pool
	rolePrimary                  // the phone's own pool
	roleBackup                   // the phone's backup pool
	roleUnknown                  // the phone's pool is unknown
)

func (r chainRole) label() string {
	switch r {
	case roleEvery:
		return RoleEveryPhone
	case rolePrimary:
		return RolePrimary
	case roleBackup:
		return RoleBackup
	case roleUnknown:
		return RoleUnknownPool
	}
	return ""
}

// counts reports whether the chain's verdict on the phone counts in the
// chain's totals: it is a chain the phone meets in normal operation.
func (r chainRole) counts() bool {
	return r == roleAll || r == roleEvery || r == rolePrimary || r == roleUnknown
}

// poolInfo is what an inventory's pool value joins to.
type poolInfo struct {
	// label is the pool's FQDN in lower case (the estate's pool when the
	// inventory names one of its machines); "" when the inventory names none.
	label string
	// registrar indexes Options.Registrars; -1 when the estate does not list the pool.
	registrar int
	// roles holds the role of every chain, by chain index.
	roles []chainRole
}

// poolKey is the form pool and machine names are compared in.
func poolKey(s string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
}

// indexRegistrars indexes the estate and the chains given for its pools.
func (b *Builder) indexRegistrars(chains []Chain) error {
	b.registrars = map[string]int{}
	b.chainPools = map[string]int{}
	b.pools = map[string]*poolInfo{}
	for i, r := range b.opts.Registrars {
		b.registrars[poolKey(r.Pool)] = i
	}
	for i, r := range b.opts.Registrars {
		for _, m := range r.Machines {
			if _, ok := b.registrars[poolKey(m)]; !ok {
				b.registrars[poolKey(m)] = i
			}
		}
	}
	for i, c := range chains {
		if c.Pool == "" {
			continue
		}
		r, ok := b.registrars[poolKey(c.Pool)]
		if !ok {
			return fmt.Errorf("%s: %s is not a registrar pool of the estate", c.Name, c.Pool)
		}
		pool := poolKey(b.opts.Registrars[r].Pool)
		if j, dup := b.chainPools[pool]; dup {
			return fmt.Errorf("%s and %s: two chains for pool %s", chains[j].Name, c.Name, pool)
		}
		b.chainPools[pool] = i
	}
	return nil
}

// poolOf returns what an inventory's pool value joins to, computed once per value.
func (b *Builder) poolOf(raw string) *poolInfo {
	if p, ok := b.pools[raw]; ok {
		return p
	}
	p := &poolInfo{label: poolKey(raw), registrar: -1, roles: make([]chainRole, len(b.chains))}
	if r, ok := b.registrars[p.label]; ok && p.label != "" {
		p.registrar = r
		p.label = poolKey(b.opts.Registrars[r].Pool)
	}
	own, judged := b.chainPools[p.label]
	for i := range p.roles {
		switch {
		case len(b.opts.Registrars) == 0:
			p.roles[i] = roleAll
		case b.chainPool(i) == "":
			p.roles[i] = roleEvery
		case p.registrar < 0 || !judged:
			p.roles[i] = roleUnknown
		case i == own:
			p.roles[i] = rolePrimary
		case b.chainPool(i) == poolKey(b.opts.Registrars[p.registrar].Backup):
			p.roles[i] = roleBackup
		}
	}
	b.pools[raw] = p
	return p
}

func (b *Builder) chainPool(i int) string { return poolKey(b.chains[i].Pool) }

// siteOf is the phone's site: the inventory's, else its pool's.
func (b *Builder) siteOf(rowSite string, p *poolInfo) string {
	if rowSite != "" {
		return rowSite
	}
	if p.registrar >= 0 {
		return b.opts.Registrars[p.registrar].Site
	}
	return ""
}

// judges reports whether the chain's verdict on the group counts in the chain's totals.
func (b *Builder) judges(jc *judgedChain, g *group) bool {
	return g.pool.roles[jc.index].counts()
}

// judgedGroups are the groups whose verdict counts in the chain's totals.
func (b *Builder) judgedGroups(jc *judgedChain, groups []*group) []*group {
	var out []*group
	for _, g := range groups {
		if b.judges(jc, g) {
			out = append(out, g)
		}
	}
	return out
}

func (b *Builder) notJudgedReason(p *poolInfo) string {
	return fmt.Sprintf("the phone registers to %s: this chain is another pool's", p.label)
}

// PoolCount counts the phones of one registrar pool that a chain judges.
type PoolCount struct {
	// Pool is the registrar pool's FQDN, "" for phones the inventory gives no pool for.
	Pool string `json:"pool"`
	// Site is the pool's site in the estate; "" without one.
	Site string `json:"site"`
	// Role is why the chain judges these phones (RolePrimary…); empty without an estate.
	Role string `json:"role,omitempty"`
	Counts
}

// SiteCount counts the phones of one site that a chain judges.
type SiteCount struct {
	// Site is the phones' site (the inventory's, else their pool's); "" when unknown.
	Site string `json:"site"`
	Counts
}

// PoolSummary is how the phones of one registrar pool fare against the
// chains they meet: their pool's (or every pool's, when the pool is
// unknown), and their backup pool's on failover.
type PoolSummary struct {
	// Pool is the registrar pool's FQDN, "" for phones the inventory gives no pool for.
	Pool string `json:"pool"`
	// Site is the pool's site (the estate's, else the phones' when they all
	// share one); "" when unknown.
	Site string `json:"site"`
	// InEstate is true when the estate lists the pool.
	InEstate bool `json:"in_estate"`
	// BackupPool is the pool's backup registrar pool in the estate.
	BackupPool string `json:"backup_pool"`
	// JudgedBy names the chains the phones were judged against.
	JudgedBy []string `json:"judged_by"`
	// Counts: a phone is stranded when any chain it meets strands it, and
	// stranded later when one strands it within the horizon.
	Counts
	// BackupStranded are the phones the backup pool's chain strands (on
	// failover); not included in Stranded.
	BackupStranded int `json:"backup_stranded"`
}

// SiteSummary is how the phones of one site fare, counted as in PoolSummary.
type SiteSummary struct {
	Site string `json:"site"`
	// Pools are the registrar pools the site's phones register to.
	Pools []string `json:"pools"`
	Counts
	BackupStranded int `json:"backup_stranded"`
}

// poolCounts fills the chain's counts per pool and site and its backup counts.
func (b *Builder) poolCounts(jc *judgedChain, groups []*group, cs *ChainSummary) {
	cs.Pool = poolKey(jc.Pool)
	pools := map[string]*PoolCount{}
	sites := map[string]*SiteCount{}
	for _, g := range groups {
		role := g.pool.roles[jc.index]
		v := b.verdict(jc, g.store, g.signIn)
		if role == roleBackup {
			cs.Backup.add(v.Status, g.phones)
			continue
		}
		if !role.counts() {
			continue
		}
		pc := pools[g.pool.label]
		if pc == nil {
			pc = &PoolCount{Pool: g.pool.label, Site: b.registrarSite(g.pool), Role: role.label()}
			pools[g.pool.label] = pc
		}
		pc.add(v.Status, g.phones)
		sc := sites[g.site]
		if sc == nil {
			sc = &SiteCount{Site: g.site}
			sites[g.site] = sc
		}
		sc.add(v.Status, g.phones)
	}
	cs.ByPool = []PoolCount{}
	for _, k := range sortedLabels(pools) {
		cs.ByPool = append(cs.ByPool, *pools[k])
	}
	cs.BySite = []SiteCount{}
	for _, k := range sortedLabels(sites) {
		cs.BySite = append(cs.BySite, *sites[k])
	}
}

func (b *Builder) registrarSite(p *poolInfo) string {
	if p.registrar >= 0 {
		return b.opts.Registrars[p.registrar].Site
	}
	return ""
}

// sortedLabels orders pool or site labels alphabetically, the unknown ("") last.
func sortedLabels[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == "") != (keys[j] == "") {
			return keys[j] == ""
		}
		return keys[i] < keys[j]
	})
	return keys
}

// worse orders statuses: stranded, then expiring, then trusted.
func worse(a, b string) string {
	rank := func(s string) int {
		switch s {
		case StatusStranded:
			return 3
		case StatusExpiring:
			return 2
		case StatusTrusted:
			return 1
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// poolSummaries counts the phones per pool and per site over the chains they meet.
func (b *Builder) poolSummaries(groups []*group, s *Summary) {
	s.totals(groups)
	pools := map[string]*PoolSummary{}
	poolSites := map[string]map[string]bool{}
	sites := map[string]*SiteSummary{}
	for _, g := range groups {
		status, backup := "", ""
		var judgedBy []string
		unknown := false
		for _, jc := range b.chains {
			role := g.pool.roles[jc.index]
			v := b.verdict(jc, g.store, g.signIn)
			switch {
			case role == roleBackup:
				backup = worse(backup, v.Status)
			case role.counts():
				status = worse(status, v.Status)
				judgedBy = append(judgedBy, jc.Name)
				unknown = unknown || role == roleUnknown
			}
		}
		if unknown {
			s.UnknownPoolPhones += g.phones
		}
		ps := pools[g.pool.label]
		if ps == nil {
			ps = &PoolSummary{Pool: g.pool.label, JudgedBy: judgedBy, InEstate: g.pool.registrar >= 0}
			if ps.InEstate {
				r := b.opts.Registrars[g.pool.registrar]
				ps.Site, ps.BackupPool = r.Site, poolKey(r.Backup)
			}
			pools[g.pool.label] = ps
			poolSites[g.pool.label] = map[string]bool{}
		}
		ps.add(status, g.phones)
		poolSites[g.pool.label][g.site] = true
		ss := sites[g.site]
		if ss == nil {
			ss = &SiteSummary{Site: g.site, Pools: []string{}}
			sites[g.site] = ss
		}
		ss.add(status, g.phones)
		if !contains(ss.Pools, g.pool.label) {
			ss.Pools = append(ss.Pools, g.pool.label)
		}
		if backup == StatusStranded {
			ps.BackupStranded += g.phones
			ss.BackupStranded += g.phones
		}
	}
	s.Pools = []PoolSummary{}
	for _, k := range sortedLabels(pools) {
		ps := pools[k]
		if !ps.InEstate && len(poolSites[k]) == 1 {
			for site := range poolSites[k] {
				ps.Site = site
			}
		}
		if ps.JudgedBy == nil {
			ps.JudgedBy = []string{}
		}
		s.Pools = append(s.Pools, *ps)
	}
	s.Sites = []SiteSummary{}
	for _, k := range sortedLabels(sites) {
		ss := sites[k]
		sort.Slice(ss.Pools, func(i, j int) bool {
			if (ss.Pools[i] == "") != (ss.Pools[j] == "") {
				return ss.Pools[j] == ""
			}
			return ss.Pools[i] < ss.Pools[j]
		})
		s.Sites = append(s.Sites, *ss)
	}
}

// hasPools reports whether the inventory or the estate placed any phone in
// a pool or a site: only then are the per-pool and per-site tables shown.
func (s *Summary) hasPools() bool {
	for _, p := range s.Pools {
		if p.Pool != "" || p.Site != "" {
			return true
		}
	}
	for _, st := range s.Sites {
		if st.Site != "" {
			return true
		}
	}
	return false
}

func orUnknown(s, what string) string {
	if s == "" {
		return "(no " + what + ")"
	}
	return s
}

// writePoolTables writes the phones per registrar pool and per site: over
// the chains each phone meets, then per chain (stranded now / stranded
// later, "-" where the chain does not judge the pool's phones).
func writePoolTables(w *bufio.Writer, t *TableWriter, s *Summary) {
	if !s.hasPools() {
		return
	}
	fmt.Fprintln(w, "\nBy registrar pool (each phone judged against its pool's chain, or every chain when its pool is unknown):")
	grid := [][]string{chainHeads(s, "POOL", "SITE", "PHONES", "SAFE", "STRANDED", "STRANDED LATER", "BACKUP POOL", "STRANDED ON FAILOVER")}
	for _, p := range s.Pools {
		pool := orUnknown(p.Pool, "pool")
		if p.Pool != "" && !p.InEstate && anyPoolChain(s) {
			pool += " (not in the estate)"
		}
		cells := []string{textwrap.Elide(pool, nameWidth), dash(p.Site), strconv.Itoa(p.Phones), strconv.Itoa(p.Trusted), strconv.Itoa(p.Stranded), strconv.Itoa(p.Expiring),
			textwrap.Elide(dash(p.BackupPool), chainHeadWidth), backupCell(p)}
		for _, c := range s.Chains {
			cells = append(cells, poolCell(c.ByPool, p.Pool))
		}
		grid = append(grid, cells)
	}
	w.WriteString(textwrap.Grid(grid, textwrap.Width))
	if s.UnknownPoolPhones > 0 && anyPoolChain(s) {
		fmt.Fprintf(w, "%s whose pool the estate does not know %s judged against every pool's chain\n",
			plural(s.UnknownPoolPhones, "phone", "phones"), isAre(s.UnknownPoolPhones))
	}

	fmt.Fprintln(w, "\nBy site:")
	grid = [][]string{chainHeads(s, "SITE", "POOLS", "PHONES", "SAFE", "STRANDED", "STRANDED LATER", "STRANDED ON FAILOVER")}
	for _, st := range s.Sites {
		var pools []string
		for _, p := range st.Pools {
			pools = append(pools, orUnknown(p, "pool"))
		}
		cells := []string{orUnknown(st.Site, "site"), textwrap.Elide(strings.Join(pools, ", "), nameWidth), strconv.Itoa(st.Phones), strconv.Itoa(st.Trusted),
			strconv.Itoa(st.Stranded), strconv.Itoa(st.Expiring), strconv.Itoa(st.BackupStranded)}
		for _, c := range s.Chains {
			cells = append(cells, siteCell(c.BySite, st.Site))
		}
		grid = append(grid, cells)
	}
	w.WriteString(textwrap.Grid(grid, textwrap.Width))
}

// anyPoolChain reports whether some chain is a pool's (the report knows the estate).
func anyPoolChain(s *Summary) bool {
	for _, c := range s.Chains {
		if c.Pool != "" {
			return true
		}
	}
	return false
}

func backupCell(p PoolSummary) string {
	if p.BackupPool == "" {
		return "-"
	}
	return strconv.Itoa(p.BackupStranded)
}

func poolCell(counts []PoolCount, pool string) string {
	for _, c := range counts {
		if c.Pool == pool {
			return fmt.Sprintf("%d / %d", c.Stranded, c.Expiring)
		}
	}
	return "-"
}

func siteCell(counts []SiteCount, site string) string {
	for _, c := range counts {
		if c.Site == site {
			return fmt.Sprintf("%d / %d", c.Stranded, c.Expiring)
		}
	}
	return "-"
}

// totals counts every phone per release and per model, whichever chains judge them.
func (s *Summary) totals(groups []*group) {
	s.byRelease, s.byModel = map[string]int{}, map[[4]string]int{}
	for _, g := range groups {
		s.byRelease[g.release] += g.phones
		s.byModel[[4]string{familyLabel(g.family), g.model, g.version, g.store}] += g.phones
	}
}

// releasePhones is how many phones of the inventory run the release.
func (s *Summary) releasePhones(rc ReleaseCount) int {
	if n, ok := s.byRelease[rc.Release]; ok {
		return n
	}
	return rc.Phones
}

// modelPhones is how many phones of the inventory are of the model and build.
func (s *Summary) modelPhones(mc ModelCount) int {
	if n, ok := s.byModel[[4]string{mc.Family, mc.Model, mc.Version, mc.Store}]; ok {
		return n
	}
	return mc.Phones
}

const backupMark = " (backup)"

// chainCell names the chain of a verdict in the stranded-phone list,
// marking the backup pool's.
func chainCell(v PhoneVerdict) string {
	if v.Role == RoleBackup {
		return v.Chain + backupMark
	}
	return v.Chain
}

// chainColumn is the widest the chain's name gets in the stranded-phone list.
func chainColumn(c ChainSummary) string {
	if c.Pool != "" {
		return c.Name + backupMark
	}
	return c.Name
}
