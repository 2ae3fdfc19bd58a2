package chain

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
)

// anchorRef is one certificate that can anchor a path for some stores.
type anchorRef struct {
	cert     *x509.Certificate
	sha1     string
	name     string
	extra    bool         // from Options.ExtraAnchors: every store
	stores   map[int]bool // store indexes holding it (nil for extra anchors)
	notAfter time.Time
}

// catalogueIndex is what Evaluate needs from a catalogue, built once per
// catalogue: path-builder nodes of its roots and known CAs, and its anchors
// by key. It is read-only once built.
type catalogueIndex struct {
	pool    *certPool // the roots, then the known CAs
	anchors map[string][]*anchorRef
}

// catalogueIndexes caches indexes; a process normally uses one catalogue,
// tests a few, so the cache is simply emptied when it grows.
var catalogueIndexes = struct {
	sync.Mutex
	m map[*truststore.Catalogue]*catalogueIndex
}{m: map[*truststore.Catalogue]*catalogueIndex{}}

func indexCatalogue(cat *truststore.Catalogue) *catalogueIndex {
	catalogueIndexes.Lock()
	defer catalogueIndexes.Unlock()
	if idx, ok := catalogueIndexes.m[cat]; ok {
		return idx
	}
	known := cat.Known()
	idx := &catalogueIndex{anchors: map[string][]*anchorRef{}, pool: newCertPool(len(cat.Roots()) + len(known))}
	for _, r := range cat.Roots() {
		idx.pool.add(r.Cert, OriginStore)
	}
	for _, k := range known {
		idx.pool.addNode(catalogueNode(k))
	}
	for i, s := range cat.Stores() {
		for _, r := range s.Roots {
			key := string(r.Cert.RawSubjectPublicKeyInfo)
			var ref *anchorRef
			for _, a := range idx.anchors[key] {
				if a.sha1 == r.SHA1 {
					ref = a
				}
			}
			if ref == nil {
				ref = &anchorRef{cert: r.Cert, sha1: r.SHA1, name: truststore.DisplayName(r.Cert), stores: map[int]bool{}, notAfter: r.Cert.NotAfter}
				idx.anchors[key] = append(idx.anchors[key], ref)
			}
			ref.stores[i] = true
		}
	}
	if len(catalogueIndexes.m) >= 16 {
		clear(catalogueIndexes.m)
	}
	catalogueIndexes.m[cat] = idx
	return idx
}

// judged is one path as a given store sees it: the path with its last
// certificate replaced by the store's root holding the same key.
type judged struct {
	p        path
	anchor   *anchorRef
	problems []problem // rules the path breaks; empty means trusted
	until    time.Time // earliest expiry on the path
	needs    []*node   // catalogue certificates the server would have to send
}

// problem is one broken rule: its kind and a sentence for a person.
type problem struct {
	kind   ReasonKind
	text   string
	anchor bool // about the anchor (the store's root) itself
}

// effective returns the certificates a phone validates: the path without its
// last element, then the anchor.
func (j *judged) effective() []*x509.Certificate {
	out := make([]*x509.Certificate, 0, len(j.p))
	for _, n := range j.p[:len(j.p)-1] {
		out = append(out, n.cert)
	}
	return append(out, j.anchor.cert)
}

// Evaluate judges one input against every store of the catalogue: it builds
// every path from the input's end-entity certificate through the input, the
// intermediates, the catalogue's known CAs and (with Options.AIA) fetched
// issuers, to the roots of each store, and reports a verdict per store, the
// earliest release and builds that trust the chain, the missing roots,
// phone findings and helpful cross-certificates.
//
// Only certificates a server can send (input, intermediates, AIA) count
// towards a trusted verdict; a path that needs a catalogue cross-certificate
// becomes an Alternative. Evaluate returns an error only for an input
// without certificates.
func Evaluate(cat *truststore.Catalogue, in Input, opts Options) (*Result, error) {
	if cat == nil {
		return nil, errors.New("chain: nil catalogue")
	}
	leafCert := chooseLeaf(in)
	if leafCert == nil {
		return nil, fmt.Errorf("%s: no certificate", in.Source)
	}
	at := opts.At
	if at.IsZero() {
		at = time.Now()
	}
	stores := cat.Stores()

	idx := indexCatalogue(cat)
	pool := newCertPool(len(in.Certs) + len(opts.Intermediates) + len(opts.ExtraAnchors) + 1)
	leaf := pool.add(leafCert, OriginInput)
	for _, c := range in.Certs {
		pool.add(c, OriginInput)
	}
	for _, c := range opts.Intermediates {
		pool.add(c, OriginIntermediates)
	}
	var findings []Finding
	if opts.AIA {
		findings = append(findings, fetchAIA(pool, opts)...)
	}
	// The catalogue is searched after the supplied certificates; an extra
	// anchor that is a store root stays a store root.
	pool.setBase(idx.pool)
	for _, c := range opts.ExtraAnchors {
		if n, ok := idx.pool.bySHA1[thumb(c)]; !ok || n.origin != OriginStore {
			pool.add(c, OriginAnchor)
		}
	}

	anchors := idx.anchors // by key; shared and read-only unless extended below
	if len(opts.ExtraAnchors) > 0 {
		anchors = make(map[string][]*anchorRef, len(idx.anchors)+len(opts.ExtraAnchors))
		for k, v := range idx.anchors {
			anchors[k] = v[:len(v):len(v)] // appending copies
		}
		for _, c := range opts.ExtraAnchors {
			key := string(c.RawSubjectPublicKeyInfo)
			anchors[key] = append(anchors[key], &anchorRef{cert: c, sha1: thumb(c), name: truststore.DisplayName(c), extra: true, notAfter: c.NotAfter})
		}
	}
	isAnchor := func(key string) bool { return len(anchors[key]) > 0 }
	// A key every store trusts (an extra anchor, or a root of every store)
	// ends the search; another store root's key does not, since the other
	// stores may need a longer path.
	everyStore := func(key string) bool {
		held := 0
		seen := make([]bool, len(stores))
		for _, a := range anchors[key] {
			if a.extra {
				return true
			}
			for si := range a.stores {
				if !seen[si] {
					seen[si] = true
					held++
				}
			}
		}
		return held == len(stores)
	}

	paths, stats := buildPaths(pool, leaf, isAnchor, everyStore, at)

	res := &Result{Source: in.Source}
	bestPerStore := make([]*judged, len(stores)) // best deliverable anchored path (trusted or not)
	altPerStore := make([]*judged, len(stores))  // best trusted path needing catalogue certificates
	for _, p := range paths {
		for _, a := range anchors[p[len(p)-1].spki] {
			j := judge(p, a, at, opts.HonorExpiredRoots)
			for si := range stores {
				if !a.extra && !a.stores[si] {
					continue
				}
				if len(j.needs) == 0 {
					if better(j, bestPerStore[si]) {
						bestPerStore[si] = j
					}
				} else if len(j.problems) == 0 && better(j, altPerStore[si]) {
					altPerStore[si] = j
				}
			}
		}
	}
	for si, best := range bestPerStore {
		if best != nil && len(best.problems) == 0 {
			altPerStore[si] = nil
		}
	}
	limit := searchLimitReason(stats)

	ends := oneCopyPerRoot(cat, pathEnds(paths))
	missing := map[string]*MissingRoot{}
	var missingOrder []string
	addMissing := func(c *x509.Certificate) {
		m := missingRoot(cat, c)
		if _, ok := missing[m.SHA1]; ok {
			return
		}
		// Two copies of one root (same name and key) are one root to publish.
		for i, sha := range missingOrder {
			if old := missing[sha]; sameRoot(old.Cert, c) {
				if preferRoot(cat, c, old.Cert) {
					delete(missing, sha)
					missing[m.SHA1] = &m
					missingOrder[i] = m.SHA1
				}
				return
			}
		}
		missing[m.SHA1] = &m
		missingOrder = append(missingOrder, m.SHA1)
	}

	for si, s := range stores {
		v := Verdict{Store: s.Name, Reasons: []string{}, ReasonCodes: []ReasonKind{}, Path: []string{}}
		say := func(k ReasonKind, text string) {
			v.Reasons = append(v.Reasons, text)
			v.ReasonCodes = append(v.ReasonCodes, k)
		}
		j := bestPerStore[si]
		switch {
		case j != nil && len(j.problems) == 0:
			v.Trusted = true
			v.AnchorSHA1 = j.anchor.sha1
			u := j.until
			v.ValidUntil = &u
			for _, c := range j.effective() {
				v.Path = append(v.Path, thumb(c))
			}
			if j.anchor.extra {
				say(ReasonExtraAnchor, fmt.Sprintf("anchored at %s, an additional trusted root, not a firmware root", truststore.Named(j.anchor.name, j.anchor.sha1)))
			}
		case j != nil:
			v.AnchorSHA1 = j.anchor.sha1
			for _, pr := range j.problems {
				say(pr.kind, pr.text)
			}
			for _, c := range j.effective() {
				v.Path = append(v.Path, thumb(c))
			}
			if rootExpiredOnly(j, at) {
				if re := reissue(cat, j.anchor, at); re != nil {
					say(ReasonRootReissued, fmt.Sprintf("a re-issue of that root with the same key, %s (%s, valid until %s), is known: publish it to phones (e.g. in Active Directory)",
						truststore.DisplayName(re), thumb(re), re.NotAfter.UTC().Format(time.DateOnly)))
					addMissing(re)
				}
			}
			if limit != "" {
				say(ReasonSearchLimit, limit)
			}
		default:
			for _, r := range noPathReasons(cat, pool, ends, si, stats) {
				say(r.kind, r.text)
			}
			if limit != "" && !slices.Contains(v.ReasonCodes, ReasonSearchLimit) {
				say(ReasonSearchLimit, limit)
			}
			for _, e := range ends {
				if e.end.selfSigned && !storeHasKey(anchors, e.end.spki, si) {
					addMissing(e.end.cert)
				}
			}
		}
		res.Verdicts = append(res.Verdicts, v)
	}
	for _, sha := range missingOrder {
		res.MissingRoots = append(res.MissingRoots, *missing[sha])
	}

	for i, s := range stores {
		if res.Verdicts[i].Trusted {
			name := s.Name
			res.MinimumRelease = &name
			break
		}
	}
	earliest := cat.EarliestBuilds(res.TrustedBy)
	for _, f := range truststore.Families {
		fb := FamilyBuild{Family: f}
		if b, ok := earliest[f]; ok {
			fb.Version, fb.Release = b.Version, b.Release
		}
		res.MinimumBuilds = append(res.MinimumBuilds, fb)
	}

	res.Alternatives = alternatives(stores, altPerStore)
	var rootEnds []*x509.Certificate
	for _, m := range res.MissingRoots {
		if m.Cert != nil {
			rootEnds = append(rootEnds, m.Cert)
		}
	}
	var suppliedUntil time.Time // when the certificates the server sends expire
	for _, n := range longestSupplied(paths) {
		if n.deliverable() && (suppliedUntil.IsZero() || n.cert.NotAfter.Before(suppliedUntil)) {
			suppliedUntil = n.cert.NotAfter
		}
	}
	rootRescues(cat, res, rootEnds, suppliedUntil, at)
	res.Instead = insteadFor(cat, res, at)
	res.UnknownIssuers = unknownIssuers(cat, pool, ends)

	// The chain shown: the best path of the earliest trusting store, else
	// the longest supplied path.
	var shown []*x509.Certificate
	var shownNodes path
	for i := range stores {
		if res.Verdicts[i].Trusted {
			shown = bestPerStore[i].effective()
			shownNodes = bestPerStore[i].p
			break
		}
	}
	if shown == nil {
		shownNodes = longestSupplied(paths)
		for _, n := range shownNodes {
			shown = append(shown, n.cert)
		}
	}
	for i, c := range shown {
		origin := OriginInput
		if i < len(shownNodes) {
			origin = shownNodes[i].origin
		}
		if i == len(shown)-1 && i < len(shownNodes) && shownNodes[i].cert != c {
			origin = OriginStore
		}
		res.Chain = append(res.Chain, certInfo(c, origin))
	}

	// Findings look at every path a phone may use. The firmware's own roots
	// are left out (phones already use them); a root that is not in any
	// store (an extra anchor, or the untrusted chain's end that would have
	// to be published) is checked like the rest of the path.
	judgedCerts := map[string]*x509.Certificate{}
	var judgedOrder []string
	anchorSHA := map[string]bool{}
	addJudged := func(cs []*x509.Certificate, anchor string) {
		for _, c := range cs {
			s := thumb(c)
			if _, ok := judgedCerts[s]; !ok {
				judgedCerts[s] = c
				judgedOrder = append(judgedOrder, s)
			}
		}
		if anchor != "" && len(cat.StoresHolding(anchor)) > 0 {
			anchorSHA[anchor] = true
		}
	}
	trustedAny := false
	for i := range stores {
		if res.Verdicts[i].Trusted {
			trustedAny = true
			addJudged(bestPerStore[i].effective(), bestPerStore[i].anchor.sha1)
		}
	}
	var legacyPaths []path
	for i := range stores {
		if res.Verdicts[i].Trusted {
			legacyPaths = append(legacyPaths, bestPerStore[i].p)
		}
	}
	if !trustedAny {
		end := ""
		if len(shownNodes) > 0 && shownNodes[len(shownNodes)-1].selfSigned {
			end = shownNodes[len(shownNodes)-1].sha1
		}
		addJudged(shown, end)
		legacyPaths = append(legacyPaths, shownNodes)
	}
	findings = append(findings, legacySignatureFindings(legacyPaths)...)
	for _, w := range in.Warnings {
		findings = append(findings, Finding{Code: CodeCertificateSkipped, Severity: SeverityWarning, Basis: BasisFact, Message: w})
	}
	var onPath []*x509.Certificate
	for _, s := range judgedOrder {
		if !anchorSHA[s] {
			onPath = append(onPath, judgedCerts[s])
		}
	}
	findings = append(findings, phoneFindings(leafCert, onPath, at, opts)...)
	if opts.Strict {
		for i := range findings {
			if findings[i].Basis == BasisAssumption && findings[i].Severity == SeverityWarning {
				findings[i].Severity = SeverityError
				findings[i].Message += " (--strict)"
			}
		}
	}
	res.Findings = findings
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
	if res.MissingRoots == nil {
		res.MissingRoots = []MissingRoot{}
	}
	if res.Alternatives == nil {
		res.Alternatives = []Alternative{}
	}
	if res.Instead == nil {
		res.Instead = []Instead{}
	}
	if res.UnknownIssuers == nil {
		res.UnknownIssuers = []string{}
	}
	return res, nil
}

// Passes reports whether the store trusts the chain and no finding is an error.
func (r *Result) Passes(store string) bool {
	if !r.TrustedBy(store) {
		return false
	}
	for _, f := range r.Findings {
		if f.Severity == SeverityError {
			return false
		}
	}
	return true
}

func storeHasKey(anchors map[string][]*anchorRef, key string, si int) bool {
	for _, a := range anchors[key] {
		if a.extra || a.stores[si] {
			return true
		}
	}
	return false
}

// judge checks a path against one anchor at time at: validity, and the
// rules of constraints.go on the certificates a phone validates (the path
// without its last element, then the store's own copy of the root).
func judge(p path, a *anchorRef, at time.Time, honorExpiredRoots bool) *judged {
	j := &judged{p: p, anchor: a}
	first := true
	note := func(t time.Time) {
		if first || t.Before(j.until) {
			j.until = t
			first = false
		}
	}
	add := func(k ReasonKind, format string, args ...any) {
		j.problems = append(j.problems, problem{kind: k, text: fmt.Sprintf(format, args...)})
	}
	last := len(p) - 1
	for i, n := range p[:last] {
		if i > 0 && !n.deliverable() {
			j.needs = append(j.needs, n)
		}
		note(n.cert.NotAfter)
		if k, pr := validityProblem(n.cert, role(i), at); pr != "" {
			add(k, "%s", pr)
		}
	}
	// The phone uses its own copy of the root, whatever copy the path ends with.
	if !honorExpiredRoots {
		note(a.cert.NotAfter)
		if k, pr := validityProblem(a.cert, "root", at); pr != "" {
			j.problems = append(j.problems, problem{kind: k, text: pr, anchor: true})
		}
	}
	checkRules(j, p, a)
	return j
}

// checkRules adds the problems of the CA, usage and name rules.
func checkRules(j *judged, p path, a *anchorRef) {
	add := func(k ReasonKind, format string, args ...any) {
		j.problems = append(j.problems, problem{kind: k, text: fmt.Sprintf(format, args...)})
	}
	last := len(p) - 1
	certAt := func(i int) *x509.Certificate {
		if i == last {
			return a.cert
		}
		return p[i].cert
	}
	// Unknown critical extensions, on every certificate, the anchor included.
	for i := 0; i <= last; i++ {
		c := certAt(i)
		if u := unknownCritical(c); len(u) > 0 {
			add(ReasonCriticalExtension, "%s %s has an unknown critical extension (%s)", roleAt(i, last), certID(c), strings.Join(u, ", "))
		}
	}
	// Extended key usage: every certificate, the anchor included, must
	// allow server authentication when it restricts usage.
	for i := 0; i <= last; i++ {
		c := certAt(i)
		if !serverAuthEKU(c, i > 0) {
			add(ReasonEKU, "%s %s does not allow server authentication (extended key usage %s)", roleAt(i, last), certID(c), ekuList(c))
		}
	}
	// The issuers: CA bit, keyCertSign (not on the anchor), path length and
	// name constraints (the anchor's too).
	budget := maxNameComparisons
	for i := 1; i <= last; i++ {
		c := certAt(i)
		id := certID(c)
		if i < last {
			if !issuerCapable(c) {
				why := "basicConstraints cA=FALSE"
				if !c.BasicConstraintsValid {
					why = "a version 3 certificate without basicConstraints"
				}
				add(ReasonNotACA, "intermediate %s is not a CA certificate (%s)", id, why)
			}
			if hasExtension(c, oidKeyUsage) && c.KeyUsage&x509.KeyUsageCertSign == 0 {
				add(ReasonKeyUsage, "intermediate %s may not sign certificates (its key usage lacks keyCertSign)", id)
			}
		}
		if c.BasicConstraintsValid && c.IsCA && c.MaxPathLen >= 0 && (c.MaxPathLen > 0 || c.MaxPathLenZero) {
			below := 0
			for k := 1; k < i; k++ {
				if !p[k].selfIssued {
					below++
				}
			}
			if below > c.MaxPathLen {
				add(ReasonPathLen, "%s %s allows %d intermediate(s) below it (pathLenConstraint), the path has %d", roleAt(i, last), id, c.MaxPathLen, below)
			}
		}
		nc, err := parseNameConstraints(c)
		if err != nil {
			add(ReasonNameConstraint, "the name constraints of %s cannot be processed: %v", id, err)
			continue
		}
		if nc == nil {
			continue
		}
		for k := 0; k < i; k++ {
			if k > 0 && p[k].selfIssued {
				continue // self-issued intermediates are exempt (RFC 5280 6.1.3 (b))
			}
			bad, err := nc.checkNames(subjectNames(p[k].cert, k == 0), &budget)
			if err != nil {
				add(ReasonNameConstraint, "the name constraints of %s cannot be processed: %v", id, err)
				break
			}
			if bad != "" {
				add(ReasonNameConstraint, "%s %s: %s by the name constraints of %s", role(k), certID(p[k].cert), bad, id)
			}
		}
	}
}

// ekuList names c's extended key usages.
func ekuList(c *x509.Certificate) string {
	var names []string
	for _, u := range c.ExtKeyUsage {
		names = append(names, ekuName(u))
	}
	for _, u := range c.UnknownExtKeyUsage {
		names = append(names, u.String())
	}
	if len(names) == 0 {
		return "empty"
	}
	return strings.Join(names, ", ")
}

func ekuName(u x509.ExtKeyUsage) string {
	switch u {
	case x509.ExtKeyUsageAny:
		return "any"
	case x509.ExtKeyUsageServerAuth:
		return "serverAuth"
	case x509.ExtKeyUsageClientAuth:
		return "clientAuth"
	case x509.ExtKeyUsageCodeSigning:
		return "codeSigning"
	case x509.ExtKeyUsageEmailProtection:
		return "emailProtection"
	case x509.ExtKeyUsageTimeStamping:
		return "timeStamping"
	case x509.ExtKeyUsageOCSPSigning:
		return "OCSPSigning"
	}
	return fmt.Sprintf("usage %d", u)
}

// roleAt names position i of a path whose anchor is at last.
func roleAt(i, last int) string {
	if i == last && i > 0 {
		return "root"
	}
	return role(i)
}

func role(i int) string {
	if i == 0 {
		return "certificate"
	}
	return "intermediate"
}

// validityProblem describes why c is not valid at t, or returns "".
func validityProblem(c *x509.Certificate, role string, t time.Time) (ReasonKind, string) {
	switch {
	case t.After(c.NotAfter):
		return ReasonExpired, fmt.Sprintf("%s %s expired %s", role, truststore.Named(truststore.DisplayName(c), thumb(c)), c.NotAfter.UTC().Format(time.DateOnly))
	case t.Before(c.NotBefore):
		return ReasonNotYetValid, fmt.Sprintf("%s %s is not valid before %s", role, truststore.Named(truststore.DisplayName(c), thumb(c)), c.NotBefore.UTC().Format(time.DateOnly))
	}
	return "", ""
}

// searchLimitReason says which bound stopped the search, or "".
func searchLimitReason(st searchStats) string {
	switch {
	case st.budgetCut:
		return fmt.Sprintf("the path search stopped after %d steps, its work limit, before every path was examined", maxWork)
	case st.depthCut:
		return fmt.Sprintf("the path search stopped at %d certificates per path, its length limit; a longer path was not examined", maxPathLen)
	case st.pruned:
		return fmt.Sprintf("the path search kept at most %d routes to each key per path length; other routes through cross-certificates were not examined", maxPrefixes)
	}
	return ""
}

// better orders candidate paths: trusted first, then fewer problems, fewer
// certificates to add, later expiry, longer-lived additions, newer root,
// shorter path.
func better(a, b *judged) bool {
	if b == nil {
		return true
	}
	if (len(a.problems) == 0) != (len(b.problems) == 0) {
		return len(a.problems) == 0
	}
	if len(a.problems) != len(b.problems) {
		return len(a.problems) < len(b.problems)
	}
	if len(a.needs) != len(b.needs) {
		return len(a.needs) < len(b.needs)
	}
	if !a.until.Equal(b.until) {
		return a.until.After(b.until)
	}
	if na, nb := needsUntil(a), needsUntil(b); !na.Equal(nb) { // the longer-lived certificate to add
		return na.After(nb)
	}
	if !a.anchor.notAfter.Equal(b.anchor.notAfter) { // the newer copy of a re-issued root
		return a.anchor.notAfter.After(b.anchor.notAfter)
	}
	return len(a.p) < len(b.p)
}

// needsUntil is the earliest expiry among the certificates a path needs added.
func needsUntil(j *judged) time.Time {
	var t time.Time
	for i, n := range j.needs {
		if i == 0 || n.cert.NotAfter.Before(t) {
			t = n.cert.NotAfter
		}
	}
	return t
}

// rootExpiredOnly reports whether the root's validity is the only problem.
func rootExpiredOnly(j *judged, at time.Time) bool {
	if len(j.problems) != 1 || validAt(j.anchor.cert, at) {
		return false
	}
	return j.problems[0].anchor
}

func validAt(c *x509.Certificate, t time.Time) bool { return truststore.ValidAt(c, t) }

// reissue finds a catalogue certificate with the anchor's key and subject
// that is valid at t: a re-issued copy of an expired root.
func reissue(cat *truststore.Catalogue, a *anchorRef, at time.Time) *x509.Certificate {
	var best *x509.Certificate
	consider := func(c *x509.Certificate) {
		if string(c.RawSubjectPublicKeyInfo) != string(a.cert.RawSubjectPublicKeyInfo) ||
			string(c.RawSubject) != string(c.RawIssuer) || !validAt(c, at) {
			return
		}
		if best == nil || c.NotAfter.After(best.NotAfter) {
			best = c
		}
	}
	for _, r := range cat.Roots() {
		consider(r.Cert)
	}
	for _, k := range cat.Known() {
		consider(k.Cert)
	}
	return best
}

// pathEnd is where a supplied path stops.
type pathEnd struct {
	end *node
}

// pathEnds returns the distinct ends of the paths, each path cut before the
// first certificate that only the catalogue knows unless that certificate
// is a root (naming the root is the point). An end that another cut path
// continues past is left out: the longer path says more.
func pathEnds(paths []path) []pathEnd {
	cuts := make([]path, 0, len(paths))
	inner := map[string]bool{}
	for _, p := range paths {
		cut := suppliedPrefix(p)
		cuts = append(cuts, cut)
		for _, n := range cut[:len(cut)-1] {
			inner[n.sha1] = true
		}
	}
	var out []pathEnd
	seen := map[string]bool{}
	for _, cut := range cuts {
		e := pathEnd{end: cut[len(cut)-1]}
		if seen[e.end.sha1] || inner[e.end.sha1] {
			continue
		}
		seen[e.end.sha1] = true
		out = append(out, e)
	}
	// Roots first: they are what a person needs to hear about.
	sort.SliceStable(out, func(i, k int) bool { return out[i].end.selfSigned && !out[k].end.selfSigned })
	return out
}

// suppliedPrefix cuts a path before the first certificate only the
// catalogue knows, keeping it when it is a root.
func suppliedPrefix(p path) path {
	for i := 1; i < len(p); i++ {
		if !p[i].deliverable() {
			if p[i].selfSigned {
				return p[:i+1]
			}
			return p[:i]
		}
	}
	return p
}

// noPathReasons explains why no supplied path reaches store si.
func noPathReasons(cat *truststore.Catalogue, pool *certPool, ends []pathEnd, si int, st searchStats) []problem {
	var out []problem
	add := func(k ReasonKind, format string, args ...any) {
		out = append(out, problem{kind: k, text: fmt.Sprintf(format, args...)})
	}
	stores := cat.Stores()
	for _, e := range ends {
		c := e.end.cert
		id := truststore.Named(truststore.DisplayName(c), e.end.sha1)
		holders := storesWithKey(cat, c)
		if e.end.selfSigned {
			var which string
			if len(holders) == 0 {
				which = "which no LPE firmware has"
			} else {
				verb := " have"
				if len(holders) == 1 {
					verb = " has"
				}
				which = "which only " + strings.Join(holders, ", ") + verb
			}
			add(ReasonNoPath, "no path to any root of this store; the chain ends at %s, %s", id, which)
			continue
		}
		if len(holders) > 0 && !contains(holders, stores[si].Name) {
			add(ReasonNoPath, "no path to any root of this store; the chain ends at %s, whose key only %s has as a root", id, strings.Join(holders, ", "))
			continue
		}
		if st.cut[e.end] {
			add(ReasonSearchLimit, "no path to any root of this store within %d certificates: the path search's length limit stopped at %s, whose issuers were not examined", maxPathLen, id)
			continue
		}
		if n := pool.rejected[e.end]; n > 0 {
			add(ReasonBadSignature, "no path to any root of this store; the chain ends at %s: %d certificate(s) named %s were found, but none of their keys verifies its %s signature",
				id, n, truststore.NameOf(c.Issuer), truststore.SignatureAlgorithmName(c))
			continue
		}
		add(ReasonMissingIssuer, "no path to any root of this store; the chain ends at %s, issued by %s, which was not supplied", id, truststore.NameOf(c.Issuer))
	}
	if len(out) == 0 {
		add(ReasonNoPath, "no path to any root of this store")
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// storesWithKey names the stores holding a root with c's key.
func storesWithKey(cat *truststore.Catalogue, c *x509.Certificate) []string {
	var out []string
	for _, s := range cat.Stores() {
		for _, r := range s.Roots {
			if string(r.Cert.RawSubjectPublicKeyInfo) == string(c.RawSubjectPublicKeyInfo) {
				out = append(out, s.Name)
				break
			}
		}
	}
	return out
}

func missingRoot(cat *truststore.Catalogue, c *x509.Certificate) MissingRoot {
	sha := thumb(c)
	m := MissingRoot{SHA1: sha, Subject: c.Subject.String(), Name: truststore.DisplayName(c), Stores: cat.StoresHolding(sha), Cert: c}
	if m.Stores == nil {
		m.Stores = []string{}
	}
	if r := cat.RootBySHA1(sha); r != nil {
		m.Known = true
	}
	if k := cat.KnownBySHA1(sha); k != nil {
		m.Known = true
		m.Name = k.Name
	}
	return m
}

// longestSupplied returns the longest supplied prefix among the paths,
// preferring one that ends at a root.
func longestSupplied(paths []path) path {
	var best path
	for _, p := range paths {
		cut := suppliedPrefix(p)
		endsAtRoot := cut[len(cut)-1].selfSigned
		bestRoot := best != nil && best[len(best)-1].selfSigned
		if best == nil || (endsAtRoot && !bestRoot) || (endsAtRoot == bestRoot && len(cut) > len(best)) {
			best = cut
		}
	}
	return best
}

// alternatives turns the best trusted paths that need catalogue
// certificates into advice, one entry per set of certificates to add.
func alternatives(stores []*truststore.Store, alts []*judged) []Alternative {
	var out []Alternative
	index := map[string]int{}
	for si, j := range alts {
		if j == nil {
			continue
		}
		var shas []string
		for _, n := range j.needs {
			shas = append(shas, n.sha1)
		}
		key := strings.Join(shas, ",")
		if i, ok := index[key]; ok {
			out[i].Stores = append(out[i].Stores, stores[si].Name)
			continue
		}
		first := j.needs[0]
		alt := Alternative{
			Stores:     []string{stores[si].Name},
			AddSHA1:    first.sha1,
			AddSubject: first.cert.Subject.String(),
			AnchorSHA1: j.anchor.sha1,
			Cert:       first.cert,
		}
		for _, n := range j.needs {
			alt.Certs = append(alt.Certs, certInfo(n.cert, n.origin))
		}
		u := j.until
		alt.ValidUntil = &u
		index[key] = len(out)
		out = append(out, alt)
	}
	for i := range out {
		var names []string
		for _, c := range out[i].Certs {
			names = append(names, fmt.Sprintf("%s (%s, issued by %s)", c.Name, c.SHA1, truststore.NameOf(c.Cert.Issuer)))
		}
		out[i].Message = fmt.Sprintf("send %s in the server's chain: %s would then trust it until %s",
			strings.Join(names, " and "), strings.Join(out[i].Stores, ", "), out[i].ValidUntil.UTC().Format(time.DateOnly))
	}
	return out
}

func certInfo(c *x509.Certificate, origin string) CertInfo {
	return CertInfo{
		SHA1:               thumb(c),
		Subject:            c.Subject.String(),
		Issuer:             c.Issuer.String(),
		NotBefore:          c.NotBefore.UTC(),
		NotAfter:           c.NotAfter.UTC(),
		PublicKey:          truststore.PublicKeyDescription(c),
		SignatureAlgorithm: truststore.SignatureAlgorithmName(c),
		Name:               truststore.DisplayName(c),
		Origin:             origin,
		Cert:               c,
	}
}
