package chain

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
	"time"
)

// Origins of the certificates the path builder uses.
const (
	OriginInput         = "input"         // the input file
	OriginIntermediates = "intermediates" // Options.Intermediates
	OriginAIA           = "aia"           // fetched from an AIA caIssuers URL
	OriginCatalogue     = "catalogue"     // a known CA of the catalogue (not on any phone)
	OriginStore         = "store"         // a root of an LPE firmware store
	OriginAnchor        = "anchor"        // Options.ExtraAnchors
)

// Bounds of the path search: cross-certified hierarchies multiply paths,
// and hostile input must not make the search explode. The work budget
// counts every path taken from the queue and every issuer candidate
// examined, whether or not it leads anywhere.
const (
	maxPathLen = 20 // certificates per path, the anchor included
	maxWork    = 1 << 18
)

// node is one distinct certificate known to the path builder.
type node struct {
	cert   *x509.Certificate
	sha1   string
	rawSum [20]byte // SHA-1 of the certificate
	keySum [20]byte // SHA-1 of its SubjectPublicKeyInfo
	spki   string   // raw SubjectPublicKeyInfo: the identity of a key
	origin string
	// selfIssued: subject equals issuer (a root, or a CA's key rollover);
	// such intermediates do not count towards path length constraints.
	selfIssued bool
	// selfSigned: self-issued and its signature verifies under its own
	// key. Only such a certificate is a root; it ends a path.
	selfSigned bool
}

// deliverable reports whether a phone can receive the certificate from the
// server: it was supplied, not merely known to the catalogue.
func (n *node) deliverable() bool {
	return n.origin == OriginInput || n.origin == OriginIntermediates || n.origin == OriginAIA
}

func newNode(c *x509.Certificate, origin string) *node {
	n := nodeOf(c, origin)
	n.selfSigned = n.selfIssued && (checkSig(n.rawSum, n.keySum, c, c) != sigBad || md2SelfSigned(c))
	return n
}

// nodeOf is newNode without the self-signature check: selfSigned is left
// for the caller to set.
func nodeOf(c *x509.Certificate, origin string) *node {
	return &node{cert: c, sha1: thumb(c), rawSum: sha1.Sum(c.Raw), keySum: sha1.Sum(c.RawSubjectPublicKeyInfo),
		spki: string(c.RawSubjectPublicKeyInfo), origin: origin, selfIssued: bytes.Equal(c.RawSubject, c.RawIssuer)}
}

// certPool indexes certificates by subject and key identifier.
type certPool struct {
	nodes     []*node
	bySHA1    map[string]*node
	bySubject map[string][]*node
	bySKI     map[string][]*node
	// issuerCache and rejected are filled by issuers.
	issuerCache map[*node][]*node
	// rejected counts, per certificate, the certificates that name its
	// issuer and agree with its authority key identifier but whose key does
	// not verify its signature.
	rejected map[*node]int
	// base is a shared, read-only pool (the catalogue's, built once) whose
	// certificates are candidates too, so an evaluation does not copy a
	// thousand catalogue certificates. Its caches are never written. A node
	// of this pool shadows a base node with the same thumbprint: supplied
	// certificates keep their origin.
	base *certPool
}

// newCertPool returns an empty pool sized for about n certificates.
func newCertPool(n int) *certPool {
	return &certPool{nodes: make([]*node, 0, n), bySHA1: make(map[string]*node, n),
		bySubject: make(map[string][]*node, n), bySKI: make(map[string][]*node, n),
		issuerCache: map[*node][]*node{}, rejected: map[*node]int{}}
}

// add inserts a certificate unless it is already present; the first origin
// wins, so supplied certificates keep their origin over catalogue copies.
func (p *certPool) add(c *x509.Certificate, origin string) *node {
	if c == nil {
		return nil
	}
	if old, ok := p.bySHA1[thumb(c)]; ok {
		return old
	}
	return p.addNode(newNode(c, origin))
}

// addNode inserts a prepared node (shared, read-only) unless a certificate
// with the same thumbprint is already present.
func (p *certPool) addNode(n *node) *node {
	if old, ok := p.bySHA1[n.sha1]; ok {
		return old
	}
	p.nodes = append(p.nodes, n)
	p.bySHA1[n.sha1] = n
	p.bySubject[string(n.cert.RawSubject)] = append(p.bySubject[string(n.cert.RawSubject)], n)
	if len(n.cert.SubjectKeyId) > 0 {
		p.bySKI[string(n.cert.SubjectKeyId)] = append(p.bySKI[string(n.cert.SubjectKeyId)], n)
	}
	if len(p.issuerCache) > 0 { // a new certificate may issue any of them
		clear(p.issuerCache)
		clear(p.rejected)
	}
	return n
}

// issuers returns the certificates whose key signed n, found by issuer name
// or authority key identifier and confirmed by the signature; candidates
// whose key identifier agrees come first. work counts the candidates examined.
func (p *certPool) issuers(n *node, work *int) []*node {
	if out, ok := p.issuerCache[n]; ok {
		*work += len(out)
		return out
	}
	byName := p.bySubject[string(n.cert.RawIssuer)]
	var byKey []*node
	if len(n.cert.AuthorityKeyId) > 0 {
		byKey = p.bySKI[string(n.cert.AuthorityKeyId)]
	}
	if b := p.base; b != nil {
		byName = p.unshadowed(byName, b.bySubject[string(n.cert.RawIssuer)])
		if len(n.cert.AuthorityKeyId) > 0 {
			byKey = p.unshadowed(byKey, b.bySKI[string(n.cert.AuthorityKeyId)])
		}
	}
	seen := make(map[*node]bool, len(byName)+len(byKey))
	var first, second []*node
	consider := func(c *node) {
		if c == n || seen[c] {
			return
		}
		seen[c] = true
		*work++
		keyIDAgrees := sameKeyID(n.cert, c.cert)
		if checkSig(n.rawSum, c.keySum, n.cert, c.cert) == sigBad {
			if keyIDAgrees && bytes.Equal(n.cert.RawIssuer, c.cert.RawSubject) {
				p.rejected[n]++
			}
			return
		}
		if keyIDAgrees {
			first = append(first, c)
		} else {
			second = append(second, c)
		}
	}
	for _, c := range byKey {
		consider(c)
	}
	for _, c := range byName {
		consider(c)
	}
	out := append(first, second...)
	p.issuerCache[n] = out
	return out
}

// setBase makes b's certificates candidates too; issuers found so far are
// forgotten.
func (p *certPool) setBase(b *certPool) {
	p.base = b
	clear(p.issuerCache)
	clear(p.rejected)
}

// unshadowed appends to own the base nodes this pool holds no copy of.
func (p *certPool) unshadowed(own, base []*node) []*node {
	if len(base) == 0 {
		return own
	}
	out := append(make([]*node, 0, len(own)+len(base)), own...)
	for _, b := range base {
		if _, shadowed := p.bySHA1[b.sha1]; !shadowed {
			out = append(out, b)
		}
	}
	return out
}

// path is a sequence of certificates from the end entity towards a root,
// each signed by the key of the next.
type path []*node

func (p path) hasKey(spki string) bool {
	for _, n := range p {
		if n.spki == spki {
			return true
		}
	}
	return false
}

// searchStats says how much the search did and whether a bound stopped it.
type searchStats struct {
	work      int
	depthCut  bool // a path reached maxPathLen with issuers left
	budgetCut bool // maxWork was spent before the search ended
	pruned    bool // more than maxPrefixes paths reached one key at one length
	// cut holds the last certificates of paths the length limit stopped.
	cut map[*node]bool
}

// maxPrefixes bounds the paths kept per key and length: meshes of
// cross-certificates reach the same key by exponentially many routes. The
// routes kept are those whose certificates break the fewest rules of their
// own (validity, CA bit, usage), then the longest-lived.
const maxPrefixes = 16

// buildPaths returns the paths from leaf through the pool, shortest first
// (breadth-first): each path that ends at a key isAnchor accepts, and each
// path that cannot be extended. A path continues past an anchor unless stop
// says that key anchors every store. A key appears at most once per path,
// so loops and re-issued copies of a certificate are harmless; a
// self-signed certificate (a root) ends a path. at is the moment of the
// validity judgements used to rank routes when maxPrefixes prunes them.
func buildPaths(p *certPool, leaf *node, isAnchor, stop func(key string) bool, at time.Time) ([]path, searchStats) {
	var out []path
	var st searchStats
	flaws := map[*node]int{}
	flawsOf := func(n *node) int {
		f, ok := flaws[n]
		if !ok {
			f = ownFlaws(n.cert, at)
			flaws[n] = f
		}
		return f
	}
	layer := []path{{leaf}}
	for len(layer) > 0 && !st.budgetCut {
		var next []path
		for _, cur := range layer {
			if st.work >= maxWork {
				st.budgetCut = true
				break
			}
			st.work++
			last := cur[len(cur)-1]
			anchored := isAnchor(last.spki)
			var ext []*node
			if !last.selfSigned && !(anchored && stop(last.spki)) {
				for _, is := range p.issuers(last, &st.work) {
					if !cur.hasKey(is.spki) {
						ext = append(ext, is)
					}
				}
			}
			if len(ext) > 0 && len(cur) >= maxPathLen {
				st.depthCut = true
				if st.cut == nil {
					st.cut = map[*node]bool{}
				}
				st.cut[last] = true
				ext = nil
			}
			if anchored || len(ext) == 0 {
				out = append(out, cur)
			}
			for _, is := range ext {
				np := make(path, len(cur)+1)
				copy(np, cur)
				np[len(cur)] = is
				next = append(next, np)
			}
		}
		layer = keepBestPrefixes(next, flawsOf, &st)
	}
	return out, st
}

// keepBestPrefixes keeps at most maxPrefixes paths per last key, the
// least flawed first, in their original (breadth-first) order.
func keepBestPrefixes(layer []path, flawsOf func(*node) int, st *searchStats) []path {
	groups := map[string][]int{}
	for i, p := range layer {
		k := p[len(p)-1].spki
		groups[k] = append(groups[k], i)
	}
	drop := map[int]bool{}
	for _, idx := range groups {
		if len(idx) <= maxPrefixes {
			continue
		}
		st.pruned = true
		score := make(map[int]int, len(idx))
		until := make(map[int]time.Time, len(idx))
		for _, i := range idx {
			for k, n := range layer[i] {
				score[i] += flawsOf(n)
				if k == 0 || n.cert.NotAfter.Before(until[i]) {
					until[i] = n.cert.NotAfter
				}
			}
		}
		sorted := append([]int(nil), idx...)
		sort.SliceStable(sorted, func(a, b int) bool {
			if score[sorted[a]] != score[sorted[b]] {
				return score[sorted[a]] < score[sorted[b]]
			}
			return until[sorted[a]].After(until[sorted[b]])
		})
		for _, i := range sorted[maxPrefixes:] {
			drop[i] = true
		}
	}
	if len(drop) == 0 {
		return layer
	}
	kept := layer[:0:0]
	for i, p := range layer {
		if !drop[i] {
			kept = append(kept, p)
		}
	}
	return kept
}

// issuerCapable reports whether c may issue certificates by its basic
// constraints (see ReasonNotACA in rules).
func issuerCapable(c *x509.Certificate) bool {
	if c.BasicConstraintsValid {
		return c.IsCA
	}
	return c.Version < 3
}

// ownFlaws counts the rules c breaks on its own, wherever it is on a path.
func ownFlaws(c *x509.Certificate, at time.Time) int {
	n := 0
	if at.After(c.NotAfter) || at.Before(c.NotBefore) {
		n++
	}
	if !issuerCapable(c) {
		n++
	}
	if len(unknownCritical(c)) > 0 {
		n++
	}
	if !serverAuthEKU(c, true) {
		n++
	}
	return n
}

// chooseLeaf picks the end-entity certificate of an input: the PKCS#12 key's
// certificate, else the first certificate that issued no other certificate
// of the input, preferring non-CA certificates.
func chooseLeaf(in Input) *x509.Certificate {
	if in.Leaf != nil {
		return in.Leaf
	}
	var firstUnused *x509.Certificate
	for _, c := range in.Certs {
		issuedOther := false
		for _, o := range in.Certs {
			if o != c && !bytes.Equal(o.Raw, c.Raw) && bytes.Equal(o.RawIssuer, c.RawSubject) && signedBy(o, c) {
				issuedOther = true
				break
			}
		}
		if issuedOther {
			continue
		}
		if !c.IsCA {
			return c
		}
		if firstUnused == nil {
			firstUnused = c
		}
	}
	if firstUnused != nil {
		return firstUnused
	}
	if len(in.Certs) > 0 {
		return in.Certs[0]
	}
	return nil
}

// thumbCache remembers SHA-1 thumbprints: the catalogue's certificates are
// the same objects in every evaluation. Bounded, since inputs vary.
var thumbCache = struct {
	sync.Mutex
	m map[*x509.Certificate]string
}{m: map[*x509.Certificate]string{}}

// thumb is truststore.SHA1Hex with a cache.
func thumb(c *x509.Certificate) string {
	thumbCache.Lock()
	s, ok := thumbCache.m[c]
	thumbCache.Unlock()
	if ok {
		return s
	}
	sum := sha1.Sum(c.Raw)
	s = strings.ToUpper(hex.EncodeToString(sum[:]))
	thumbCache.Lock()
	if len(thumbCache.m) >= maxSigCache {
		clear(thumbCache.m)
	}
	thumbCache.m[c] = s
	thumbCache.Unlock()
	return s
}
