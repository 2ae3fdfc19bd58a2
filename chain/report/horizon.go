package report

import (
	"crypto/x509"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

// HorizonYears bounds the trust horizon: expiries further ahead than this
// from the report's moment are not events of the horizon.
const HorizonYears = 10

// maxHorizonSteps bounds the re-evaluations of one chain (one per distinct
// expiry date on its trusted paths; real chains have a handful).
const maxHorizonSteps = 64

// Roles of the certificate whose expiry is a horizon event.
const (
	CertRoleLeaf         = "leaf"
	CertRoleIntermediate = "intermediate"
	CertRoleCross        = "cross-certificate"
	CertRoleRoot         = "root"
)

// HorizonEvent is one date on which something on the trusted paths of a
// chain expires, and what that does to the inventory's phones.
type HorizonEvent struct {
	// Date is the certificate's notAfter: trusted up to it, not after.
	Date time.Time `json:"date"`
	// Cause says what expires, for people.
	Cause string `json:"cause"`
	// SHA1 is the thumbprint of the certificate that expires.
	SHA1 string `json:"sha1"`
	Name string `json:"name"`
	// Role is CertRoleLeaf, CertRoleIntermediate, CertRoleCross or CertRoleRoot.
	Role string `json:"role"`
	// Stores are the firmware stores whose trusted path the expiry ends.
	Stores []string `json:"stores"`
	// Stranded is how many phones the expiry strands (0 when another path
	// takes over for every store it ends a path of).
	Stranded int `json:"phones_stranded"`
	// TrustedAfter is how many phones of the inventory still trust the
	// chain after the date.
	TrustedAfter int `json:"phones_trusted_after"`
}

// certRef names a certificate of a trusted path.
type certRef struct {
	sha1, name, role string
	cause            string // what expires, for people
}

func (c certRef) label() string {
	return truststore.Named(c.name, c.sha1)
}

// pathEnd is the expiry of the trusted path one store (with or without the
// AD roots) uses: trusted up to date; after it, trustedAfter says whether
// another path still is.
type pathEnd struct {
	date         time.Time
	cert         certRef
	trustedAfter bool
}

// timeline is how one store (with or without the AD roots) trusts a chain
// from the report's moment to the end of the horizon.
type timeline struct {
	trusted bool      // at the report's moment
	ends    []pathEnd // in date order; trust ends at the first with !trustedAfter
}

// trustEnd is the last path end of the timeline: when trust ends, if it
// does within HorizonYears.
func (t *timeline) trustEnd() (pathEnd, bool) {
	if t == nil || !t.trusted || len(t.ends) == 0 || t.ends[len(t.ends)-1].trustedAfter {
		return pathEnd{}, false
	}
	return t.ends[len(t.ends)-1], true
}

// keyState is the trust of one store (with or without the AD roots) at one moment.
type keyState struct {
	trusted bool
	until   time.Time // earliest expiry on the trusted paths
	cause   certRef   // the certificate expiring at until
}

// buildTimelines re-evaluates the chain at every expiry date on its
// trusted paths, up to HorizonYears ahead, and records for every store
// when its path ends and whether another path takes over. The cost is one
// chain evaluation per distinct date, whatever the size of the inventory.
func (b *Builder) buildTimelines(jc *judgedChain) error {
	jc.timelines = map[verdictKey]*timeline{}
	variants := []bool{false}
	if b.opts.WithAD {
		variants = append(variants, true)
	}
	stores := b.cat.Stores()
	state := map[verdictKey]keyState{}
	for _, ad := range variants {
		results := jc.results
		if ad {
			results = jc.adResults
		}
		for _, s := range stores {
			k := verdictKey{s.Name, ad}
			st := b.stateOf(jc, results, s.Name)
			state[k] = st
			jc.timelines[k] = &timeline{trusted: st.trusted}
		}
	}
	end := b.at.AddDate(HorizonYears, 0, 0)
	for step := 0; step < maxHorizonSteps; step++ {
		var next time.Time
		found := false
		for _, st := range state {
			if st.trusted && (!found || st.until.Before(next)) {
				next, found = st.until, true
			}
		}
		if !found || next.After(end) {
			return nil
		}
		t := next.Add(time.Second)
		later := map[bool][]*chain.Result{}
		for _, ad := range variants {
			rs, err := b.evaluateAt(jc, ad, t)
			if err != nil {
				return err
			}
			later[ad] = rs
		}
		for k, st := range state {
			if !st.trusted {
				continue
			}
			ns := b.stateOf(jc, later[k.ad], k.store)
			if ns.trusted && !ns.until.After(next) {
				ns.trusted = false // cannot happen with valid dates; never loop on it
			}
			if st.until.Equal(next) || !ns.trusted {
				cause := st.cause
				if !st.until.Equal(next) {
					cause = certRef{name: "a certificate of the chain", role: CertRoleIntermediate, cause: "a certificate of the chain expires"}
				}
				tl := jc.timelines[k]
				tl.ends = append(tl.ends, pathEnd{date: next, cert: cause, trustedAfter: ns.trusted})
			}
			state[k] = ns
		}
	}
	return nil
}

// stateOf is the trust of a store in results judged at one moment: every
// input trusted and no error finding (those strand every phone).
func (b *Builder) stateOf(jc *judgedChain, results []*chain.Result, store string) keyState {
	if jc.Blocker != "" || len(results) == 0 || len(errorFindings(results)) > 0 {
		return keyState{}
	}
	st := keyState{trusted: true}
	first := true
	for _, r := range results {
		v := r.Verdict(store)
		if v == nil || !v.Trusted || v.ValidUntil == nil {
			return keyState{}
		}
		if first || v.ValidUntil.Before(st.until) {
			st.until, first = *v.ValidUntil, false
			st.cause = b.expiringOnPath(v.Path, st.until)
		}
	}
	return st
}

// expiringOnPath names the certificates of a path (SHA-1s, leaf first,
// anchor last) that expire at t: the one nearest the leaf, with the others
// that expire at the same moment (a cross-certificate often ends with its
// issuing root) in its cause.
func (b *Builder) expiringOnPath(path []string, t time.Time) certRef {
	var out certRef
	var parts []string
	for i, sha := range path {
		c := b.certBySHA1(sha)
		if c == nil || !c.NotAfter.Equal(t) {
			continue
		}
		ref := certRef{sha1: sha, name: truststore.DisplayName(c), role: CertRoleIntermediate}
		if k := b.cat.KnownBySHA1(sha); k != nil && k.Kind == truststore.KindCross {
			ref.role = CertRoleCross
		}
		switch {
		case i == 0:
			ref.role = CertRoleLeaf
		case i == len(path)-1:
			ref.role = CertRoleRoot
		}
		if out.sha1 == "" {
			out = ref
		}
		parts = append(parts, ref.role+" "+ref.label())
	}
	if out.sha1 == "" {
		return certRef{name: "a certificate of the chain", role: CertRoleIntermediate, cause: "a certificate of the chain expires"}
	}
	verb := " expires"
	if len(parts) > 1 {
		verb = " expire"
	}
	out.cause = storeList(parts) + verb
	if out.role == CertRoleLeaf {
		out.cause = "the " + out.cause
	}
	return out
}

// certBySHA1 finds a certificate a path may hold: the chains' own, the
// extra intermediates and anchors, the AD roots and the catalogue's.
func (b *Builder) certBySHA1(sha string) *x509.Certificate {
	if b.certs == nil {
		b.certs = map[string]*x509.Certificate{}
		add := func(cs ...*x509.Certificate) {
			for _, c := range cs {
				if c != nil {
					b.certs[truststore.SHA1Hex(c)] = c
				}
			}
		}
		for _, jc := range b.chains {
			for _, in := range jc.Inputs {
				add(in.Certs...)
				add(in.Leaf)
			}
			for _, r := range jc.results {
				for _, ci := range r.Chain {
					add(ci.Cert)
				}
			}
		}
		add(b.opts.Chain.Intermediates...)
		add(b.opts.Chain.ExtraAnchors...)
		add(b.opts.ADRoots...)
		for _, r := range b.cat.Roots() {
			add(r.Cert)
		}
		for _, k := range b.cat.Known() {
			add(k.Cert)
		}
	}
	return b.certs[sha]
}

// evaluateAt judges the chain's inputs at t. Issuers fetched through AIA
// at the report's moment are offered as intermediates rather than fetched
// again.
func (b *Builder) evaluateAt(jc *judgedChain, ad bool, t time.Time) ([]*chain.Result, error) {
	o := b.chainOptions(ad)
	o.At = t
	if o.AIA {
		o.AIA = false
		o.Intermediates = append([]*x509.Certificate(nil), o.Intermediates...)
		for _, r := range jc.results {
			for _, ci := range r.Chain {
				if ci.Origin == chain.OriginAIA {
					o.Intermediates = append(o.Intermediates, ci.Cert)
				}
			}
		}
	}
	out := make([]*chain.Result, 0, len(jc.Inputs))
	for _, in := range jc.Inputs {
		r, err := chain.Evaluate(b.cat, in, o)
		if err != nil {
			return nil, fmt.Errorf("%s at %s: %w", jc.Name, day(t), err)
		}
		out = append(out, r)
	}
	return out, nil
}

// chainOptions are the chain engine's options of the report, with the AD
// roots as extra anchors when ad.
func (b *Builder) chainOptions(ad bool) chain.Options {
	o := b.opts.Chain
	if ad {
		o.ExtraAnchors = append(append([]*x509.Certificate(nil), o.ExtraAnchors...), b.opts.ADRoots...)
	}
	return o
}

// horizon turns the timelines of the stores the inventory's phones use
// into the chain's events: per date and certificate, the stores whose path
// it ends, the phones it strands and the phones still trusting after it.
// It returns the phones trusting the chain at the report's moment too.
func (b *Builder) horizon(jc *judgedChain, groups []*group) (trustedNow int, events []HorizonEvent) {
	events = []HorizonEvent{}
	type eventKey struct {
		date time.Time
		sha1 string
	}
	index := map[eventKey]int{}
	for _, g := range groups {
		k := verdictKey{g.store, b.opts.WithAD && b.usesAD(g.signIn)}
		tl := jc.timelines[k]
		if tl == nil || !tl.trusted {
			continue
		}
		trustedNow += g.phones
		for _, e := range tl.ends {
			ek := eventKey{e.date, e.cert.sha1 + "/" + e.cert.name}
			i, ok := index[ek]
			if !ok {
				i = len(events)
				index[ek] = i
				events = append(events, HorizonEvent{Date: e.date.UTC(), SHA1: e.cert.sha1, Name: e.cert.name, Role: e.cert.role,
					Cause: e.cert.cause, Stores: []string{}})
			}
			if !contains(events[i].Stores, g.store) {
				events[i].Stores = append(events[i].Stores, g.store)
			}
			if !e.trustedAfter {
				events[i].Stranded += g.phones
			}
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		if !events[i].Date.Equal(events[j].Date) {
			return events[i].Date.Before(events[j].Date)
		}
		return events[i].SHA1 < events[j].SHA1
	})
	left := trustedNow
	for i := range events {
		e := &events[i]
		sort.Slice(e.Stores, func(a, c int) bool { return b.cat.StoreIndex(e.Stores[a]) < b.cat.StoreIndex(e.Stores[c]) })
		left -= e.Stranded
		e.TrustedAfter = left
	}
	return trustedNow, events
}

// horizonEnd is the last date that matters to the chain's horizon: the date
// its last phone is stranded, or HorizonYears ahead when some phones trust
// it beyond.
func (b *Builder) horizonEnd(trustedNow int, events []HorizonEvent) time.Time {
	if n := len(events); n > 0 && events[n-1].TrustedAfter == 0 {
		return events[n-1].Date
	}
	if trustedNow == 0 {
		return b.at
	}
	return b.at.AddDate(HorizonYears, 0, 0)
}

// storeList joins names for people: "RTM, CU1 and CU4".
func storeList(stores []string) string {
	switch len(stores) {
	case 0:
		return ""
	case 1:
		return stores[0]
	}
	return strings.Join(stores[:len(stores)-1], ", ") + " and " + stores[len(stores)-1]
}
