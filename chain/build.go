package chain

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"strings"
	"sync"
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

// Bounds of the path search: cross-certified hierarchies can multiply paths,
// and hostile input must not make the search explode.
const (
	maxPathLen   = 8
	maxPaths     = 512
	maxDFSVisits = 20000
)

// node is one distinct certificate known to the path builder.
type node struct {
	cert   *x509.Certificate
	sha1   string
	spki   string // raw SubjectPublicKeyInfo: the identity of a key
	origin string
	// selfIssued: subject equals issuer and the key identifiers agree; such
	// a certificate is a root and its own signature is never checked.
	selfIssued bool
}

// deliverable reports whether a phone can receive the certificate from the
// server: it was supplied, not merely known to the catalogue.
func (n *node) deliverable() bool {
	return n.origin == OriginInput || n.origin == OriginIntermediates || n.origin == OriginAIA
}

func newNode(c *x509.Certificate, origin string) *node {
	selfIssued := bytes.Equal(c.RawSubject, c.RawIssuer) &&
		(len(c.AuthorityKeyId) == 0 || len(c.SubjectKeyId) == 0 || bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId))
	return &node{cert: c, sha1: thumb(c), spki: string(c.RawSubjectPublicKeyInfo), origin: origin, selfIssued: selfIssued}
}

// certPool indexes certificates by subject and key identifier.
type certPool struct {
	nodes     []*node
	bySHA1    map[string]*node
	bySubject map[string][]*node
	bySKI     map[string][]*node
}

// newCertPool returns an empty pool sized for about n certificates.
func newCertPool(n int) *certPool {
	return &certPool{nodes: make([]*node, 0, n), bySHA1: make(map[string]*node, n),
		bySubject: make(map[string][]*node, n), bySKI: make(map[string][]*node, n)}
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
	return n
}

// issuers returns the certificates whose key signed n, found by issuer name
// or authority key identifier and confirmed by the signature.
func (p *certPool) issuers(n *node) []*node {
	cands := p.bySubject[string(n.cert.RawIssuer)]
	if len(n.cert.AuthorityKeyId) > 0 {
		if more := p.bySKI[string(n.cert.AuthorityKeyId)]; len(more) > 0 {
			merged := append([]*node(nil), cands...)
			for _, m := range more {
				dup := false
				for _, c := range cands {
					if c == m {
						dup = true
						break
					}
				}
				if !dup {
					merged = append(merged, m)
				}
			}
			cands = merged
		}
	}
	var out []*node
	for _, c := range cands {
		if c == n {
			continue
		}
		if signedBy(n.cert, c.cert) {
			out = append(out, c)
		}
	}
	return out
}

// sigCache remembers signature checks across evaluations: the same
// intermediates and roots are checked for every endpoint and phone model.
var sigCache = struct {
	sync.Mutex
	m map[[40]byte]bool
}{m: map[[40]byte]bool{}}

const maxSigCache = 1 << 14

// signedBy reports whether parent's key signed child. SHA-1 signatures are
// accepted (old chains use them); crypto/x509 rejects MD5 and MD2.
func signedBy(child, parent *x509.Certificate) bool {
	var k [40]byte
	a := sha1.Sum(child.Raw)
	b := sha1.Sum(parent.RawSubjectPublicKeyInfo)
	copy(k[:20], a[:])
	copy(k[20:], b[:])
	sigCache.Lock()
	ok, hit := sigCache.m[k]
	sigCache.Unlock()
	if hit {
		return ok
	}
	ok = parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature) == nil
	sigCache.Lock()
	if len(sigCache.m) >= maxSigCache {
		clear(sigCache.m)
	}
	sigCache.m[k] = ok
	sigCache.Unlock()
	return ok
}

// path is a sequence of certificates from the end entity towards a root,
// each signed by the key of the next.
type path []*node

// buildPaths returns every path from leaf through the pool, within the
// bounds: each prefix that ends at a key isAnchor accepts, and each path that
// cannot be extended. A key appears at most once per path, so loops and
// re-issued copies of a certificate are harmless.
func buildPaths(p *certPool, leaf *node, isAnchor func(key string) bool) []path {
	var out []path
	visits := 0
	seenKey := map[string]bool{}
	cur := path{leaf}
	var walk func()
	walk = func() {
		visits++
		last := cur[len(cur)-1]
		anchored := isAnchor(last.spki)
		var next []*node
		if len(cur) < maxPathLen && !last.selfIssued {
			for _, is := range p.issuers(last) {
				if !seenKey[is.spki] {
					next = append(next, is)
				}
			}
		}
		if anchored || len(next) == 0 {
			out = append(out, append(path(nil), cur...))
		}
		for _, is := range next {
			if len(out) >= maxPaths || visits >= maxDFSVisits {
				return
			}
			seenKey[is.spki] = true
			cur = append(cur, is)
			walk()
			cur = cur[:len(cur)-1]
			delete(seenKey, is.spki)
		}
	}
	seenKey[leaf.spki] = true
	walk()
	return out
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
