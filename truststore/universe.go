package truststore

import (
	"bytes"
	"crypto/x509"
	_ "embed"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// KindSubordinate is an ordinary subordinate CA certificate issued by an LPE
// root key: not a root and not a cross-certificate.
const KindSubordinate = "subordinate"

// nssBundleModule is the module whose NSS root bundle is embedded.
const nssBundleModule = "golang.org/x/crypto/x509roots/fallback"

//go:embed certs/catalogue.der
var catalogueDER []byte

// catalogueEntry is one certificate of certs/catalogue.der, as the
// generator (internal/gencatalogue) indexed it.
type catalogueEntry struct {
	sha1, kind string
	issuers    string // space-separated SHA-1s of the certificates whose key signed it
	crossesTo  string // for a cross-certificate: the self-signed roots with its key, space-separated
	off, n     int
}

// knownSet is the parsed catalogue of known CAs. It is built on first use,
// not at start, and shared by every Catalogue (overlays add no known CAs).
type knownSet struct {
	list   []*KnownCA
	bySHA1 map[string]*KnownCA
	nss    map[string]nssRoot // every NSS root by SHA-1, LPE roots included
	// crossesByKey indexes the cross-certificates by the key they carry.
	crossesByKey map[string][]*KnownCA
}

type nssRoot struct {
	cert          *x509.Certificate
	distrustAfter time.Time
}

var embeddedKnown = sync.OnceValues(loadKnown)

// known returns the parsed known CAs; it panics if the embedded data is
// corrupt, which the package tests rule out.
func (c *Catalogue) knownSet() *knownSet {
	ks, err := embeddedKnown()
	if err != nil {
		panic("truststore: embedded data: " + err.Error())
	}
	return ks
}

func loadKnown() (*knownSet, error) {
	ks := &knownSet{bySHA1: map[string]*KnownCA{}, nss: map[string]nssRoot{}}
	lpe := map[string]*x509.Certificate{}
	for _, row := range lpeRootTable {
		cert, err := readEmbeddedPEM("certs/lpe/" + row.sha1 + ".pem")
		if err != nil {
			return nil, err
		}
		lpe[row.sha1] = cert
	}
	add := func(k *KnownCA) {
		if _, dup := ks.bySHA1[k.SHA1]; dup || lpe[k.SHA1] != nil {
			return
		}
		ks.list = append(ks.list, k)
		ks.bySHA1[k.SHA1] = k
	}
	for _, row := range knownCATable {
		cert, err := readEmbeddedPEM("certs/known/" + row.sha1 + ".pem")
		if err != nil {
			return nil, err
		}
		_, s256 := Thumbprints(cert)
		add(&KnownCA{Cert: cert, SHA1: row.sha1, SHA256: s256, Name: row.name, Kind: row.kind, Note: row.note})
	}
	for r := range bundle.Roots() {
		cert, err := x509.ParseCertificate(r.Certificate)
		if err != nil {
			return nil, fmt.Errorf("NSS bundle: %w", err)
		}
		sha, s256 := Thumbprints(cert)
		n := nssRoot{cert: cert, distrustAfter: distrustAfter(r.Constraint)}
		ks.nss[sha] = n
		add(&KnownCA{Cert: cert, SHA1: sha, SHA256: s256, Name: DisplayName(cert), Kind: KindRoot})
	}
	generated, err := parseCatalogue()
	if err != nil {
		return nil, err
	}
	for _, k := range generated {
		add(k)
	}
	for _, k := range ks.list {
		if n, ok := ks.nss[k.SHA1]; ok {
			k.InNSS, k.DistrustAfter = true, n.distrustAfter
		}
	}
	ks.linkHandCrosses(lpe)
	ks.crossesByKey = map[string][]*KnownCA{}
	for _, k := range ks.list {
		if k.Kind == KindCross {
			key := string(k.Cert.RawSubjectPublicKeyInfo)
			ks.crossesByKey[key] = append(ks.crossesByKey[key], k)
		}
	}
	return ks, nil
}

// parseCatalogue parses certs/catalogue.der, on all CPUs: it is most of
// what the first command that judges a chain waits for.
func parseCatalogue() ([]*KnownCA, error) {
	out := make([]*KnownCA, len(catalogueTable))
	errs := make([]error, len(catalogueTable))
	workers := min(runtime.GOMAXPROCS(0), 8)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(catalogueTable); i += workers {
				out[i], errs[i] = parseEntry(catalogueTable[i])
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseEntry(e catalogueEntry) (*KnownCA, error) {
	if e.off < 0 || e.n <= 0 || e.off+e.n > len(catalogueDER) {
		return nil, fmt.Errorf("catalogue %s: bad offset", e.sha1)
	}
	cert, err := x509.ParseCertificate(catalogueDER[e.off : e.off+e.n])
	if err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", e.sha1, err)
	}
	sha, s256 := Thumbprints(cert)
	if sha != e.sha1 {
		return nil, fmt.Errorf("catalogue %s: thumbprint is %s", e.sha1, sha)
	}
	k := &KnownCA{Cert: cert, SHA1: sha, SHA256: s256, Kind: e.kind, CrossesTo: splitFields(e.crossesTo), IssuerSHA1s: splitFields(e.issuers)}
	if e.kind == KindCross {
		k.Name = fmt.Sprintf("%s (cross-signed by %s)", DisplayName(cert), NameOf(cert.Issuer))
	} else {
		k.Name = DisplayName(cert)
	}
	return k, nil
}

// linkHandCrosses finds, by signature, the issuers and cross target of the
// hand-listed cross-certificates, which the generated index does not cover.
func (ks *knownSet) linkHandCrosses(lpe map[string]*x509.Certificate) {
	candidates := make([]*x509.Certificate, 0, len(lpe)+len(ks.list))
	for _, row := range lpeRootTable {
		candidates = append(candidates, lpe[row.sha1])
	}
	for _, k := range ks.list {
		candidates = append(candidates, k.Cert)
	}
	for _, k := range ks.list {
		if k.Kind != KindCross || len(k.IssuerSHA1s) > 0 {
			continue
		}
		for _, p := range candidates {
			if bytes.Equal(p.RawSubject, k.Cert.RawIssuer) && p != k.Cert &&
				p.CheckSignature(k.Cert.SignatureAlgorithm, k.Cert.RawTBSCertificate, k.Cert.Signature) == nil {
				k.IssuerSHA1s = append(k.IssuerSHA1s, SHA1Hex(p))
			}
		}
		for _, r := range ks.list {
			if r.Kind == KindRoot && bytes.Equal(r.Cert.RawSubjectPublicKeyInfo, k.Cert.RawSubjectPublicKeyInfo) {
				k.CrossesTo = append(k.CrossesTo, r.SHA1)
			}
		}
	}
}

func splitFields(s string) []string {
	var out []string
	for len(s) > 0 {
		i := bytes.IndexByte([]byte(s), ' ')
		if i < 0 {
			return append(out, s)
		}
		if i > 0 {
			out = append(out, s[:i])
		}
		s = s[i+1:]
	}
	return out
}

// distrustAfter recovers the distrust-after time of an NSS constraint: the
// bundle exposes it only as a check, so the check is asked, by bisection
// to the second, which issuance times it refuses. Zero means no constraint.
func distrustAfter(check func([]*x509.Certificate) error) time.Time {
	if check == nil {
		return time.Time{}
	}
	refuses := func(t time.Time) bool { return check([]*x509.Certificate{{NotBefore: t}}) != nil }
	lo, hi := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	if refuses(lo) || !refuses(hi) {
		return time.Time{} // not a date constraint this code knows
	}
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
		if refuses(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo
}

// PublicRoot is one hierarchy of the public root universe: a root key, with
// the certificate that best represents it (the NSS copy, else the newest).
type PublicRoot struct {
	Cert *x509.Certificate
	SHA1 string
	Name string
	// InNSS: Mozilla's NSS store (as golang.org/x/crypto/x509roots/fallback
	// embeds it) trusts the key for TLS.
	InNSS bool
	// DistrustAfter: NSS refuses TLS certificates the root issues after
	// this time; zero when NSS sets no such limit.
	DistrustAfter time.Time
	// LPE: a root of an LPE firmware store (or of an overlay store).
	LPE bool
}

// IssuesTLS reports whether the root can still issue TLS certificates that
// browsers trust at t: it is in NSS, valid at t and not past its
// distrust-after date.
func (p *PublicRoot) IssuesTLS(t time.Time) bool {
	return p.InNSS && ValidAt(p.Cert, t) && (p.DistrustAfter.IsZero() || !t.After(p.DistrustAfter))
}

// PublicRoots returns every root key the tool knows: the NSS roots, the
// catalogue's modern roots and the LPE store roots, one entry per key,
// ordered by name.
func (c *Catalogue) PublicRoots() []*PublicRoot {
	c.publicOnce.Do(func() { c.public = c.publicRoots() })
	return c.public
}

func (c *Catalogue) publicRoots() []*PublicRoot {
	ks := c.knownSet()
	byKey := map[string]*PublicRoot{}
	var order []string
	consider := func(cert *x509.Certificate, sha1 string, lpe bool) {
		if !bytes.Equal(cert.RawSubject, cert.RawIssuer) {
			return
		}
		key := string(cert.RawSubjectPublicKeyInfo)
		n, inNSS := ks.nss[sha1]
		cand := &PublicRoot{Cert: cert, SHA1: sha1, Name: rootName(cert), InNSS: inNSS, DistrustAfter: n.distrustAfter, LPE: lpe}
		old, ok := byKey[key]
		if !ok {
			byKey[key] = cand
			order = append(order, key)
			return
		}
		merged := old
		if (cand.InNSS && !old.InNSS) || (cand.InNSS == old.InNSS && cand.Cert.NotAfter.After(old.Cert.NotAfter)) {
			merged = cand
		}
		merged.InNSS = old.InNSS || cand.InNSS
		if merged.DistrustAfter.IsZero() && merged != cand {
			merged.DistrustAfter = cand.DistrustAfter
		}
		merged.LPE = old.LPE || lpe
		byKey[key] = merged
	}
	for _, r := range c.roots {
		consider(r.Cert, r.SHA1, true)
	}
	for _, k := range ks.list {
		if k.Kind == KindRoot {
			consider(k.Cert, k.SHA1, false)
		}
	}
	out := make([]*PublicRoot, 0, len(order))
	for _, k := range order {
		out = append(out, byKey[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// rootName is DisplayName, except that a CN which only names the company
// ("GlobalSign") gives way to the OU that names the root ("GlobalSign Root
// CA - R3").
func rootName(c *x509.Certificate) string {
	cn, ou := c.Subject.CommonName, c.Subject.OrganizationalUnit
	if cn != "" && len(ou) > 0 && len(ou[len(ou)-1]) > len(cn) && strings.HasPrefix(ou[len(ou)-1], cn) {
		return ou[len(ou)-1]
	}
	return DisplayName(c)
}

// DataSnapshot names the data the tool's answers rest on.
type DataSnapshot struct {
	// NSSBundle is the module version of golang.org/x/crypto/x509roots/fallback
	// whose NSS roots are embedded.
	NSSBundle string `json:"nss_bundle"`
	// CatalogueGenerated is the day the cross-certificate and subordinate CA
	// catalogue was generated (YYYY-MM-DD).
	CatalogueGenerated string `json:"catalogue_generated"`
}

// Snapshot describes the embedded data. The generator records the NSS
// bundle's version from go.mod; a package test keeps the two equal.
func Snapshot() DataSnapshot {
	return DataSnapshot{NSSBundle: nssBundleVersion, CatalogueGenerated: catalogueGenerated}
}
