package chain

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
)

// maxInstead bounds the hierarchies named when no cross-certificate helps.
const maxInstead = 3

// StoreUntil is one store an alternative rescues: until when it would
// trust the chain, and until when the cross-certificates link the root the
// chain ends at to that store's root (the hierarchy's horizon, which a
// renewed chain keeps).
type StoreUntil struct {
	Store     string    `json:"store"`
	Until     time.Time `json:"until"`
	LinkUntil time.Time `json:"link_until"`
}

// Instead names, for stores that nothing the server could send would make
// trust the chain, CA hierarchies those stores do trust without Active
// Directory (the same ranking as lpetrust cas).
type Instead struct {
	Stores  []string    `json:"stores"`
	CAs     []InsteadCA `json:"cas"`
	Message string      `json:"message"`
}

// InsteadCA is one hierarchy of an Instead.
type InsteadCA struct {
	Name  string    `json:"name"`
	SHA1  string    `json:"sha1"`
	How   string    `json:"how"` // "in store" or "via cross <SHA-1>[ + <SHA-1>]"
	Until time.Time `json:"until"`
}

// rootRescues adds to res the cross-certificates that would link each root
// the chain ends at (a self-signed root no store trusts) to the stores that
// do not trust the chain: for each such store the path that keeps it
// trusting longest, each with every store it rescues. A root found in no
// cross-certificate but named like a public root with another key gets the
// public root's crosses, marked NameOnly. It runs after the path-built
// alternatives, whose entries it extends rather than repeats.
func rootRescues(cat *truststore.Catalogue, res *Result, ends []*x509.Certificate, suppliedUntil time.Time, at time.Time) {
	var untrusted []*truststore.Store
	for i, s := range cat.Stores() {
		if !res.Verdicts[i].Trusted {
			untrusted = append(untrusted, s)
		}
	}
	if len(untrusted) == 0 {
		return
	}
	for _, end := range ends {
		paths := cat.CrossPaths(end, at)
		var lookalike *truststore.PublicRoot
		if len(paths) == 0 {
			if lookalike = sameNameOtherKey(cat, end); lookalike != nil {
				paths = cat.CrossPaths(lookalike.Cert, at)
			}
		}
		for _, p := range truststore.Rescues(paths, untrusted) {
			var rescued []StoreUntil
			for _, su := range p.Stores {
				if !res.TrustedBy(su.Store) {
					u := su.Until
					if !suppliedUntil.IsZero() && suppliedUntil.Before(u) {
						u = suppliedUntil
					}
					rescued = append(rescued, StoreUntil{Store: su.Store, Until: u, LinkUntil: su.Until})
				}
			}
			if len(rescued) == 0 {
				continue
			}
			if i := alternativeAdding(res.Alternatives, p.Certs[0].SHA1); i >= 0 && lookalike == nil {
				alt := &res.Alternatives[i]
				for _, r := range rescued {
					if !contains(alt.Stores, r.Store) {
						alt.Stores = append(alt.Stores, r.Store)
					}
				}
				alt.Rescues = rescued
				alt.Message = crossMessage(alt.Certs, rescued, nil, end)
				continue
			}
			alt := Alternative{AddSHA1: p.Certs[0].SHA1, AddSubject: p.Certs[0].Cert.Subject.String(),
				Cert: p.Certs[0].Cert, Rescues: rescued, NameOnly: lookalike != nil}
			for _, su := range p.Stores {
				if su.Store == rescued[0].Store {
					alt.AnchorSHA1 = su.Anchor.SHA1
				}
			}
			for _, r := range rescued {
				alt.Stores = append(alt.Stores, r.Store)
			}
			for _, k := range p.Certs {
				alt.Certs = append(alt.Certs, certInfo(k.Cert, OriginCatalogue))
			}
			u := rescued[0].Until
			alt.ValidUntil = &u
			alt.Message = crossMessage(alt.Certs, rescued, lookalike, end)
			res.Alternatives = append(res.Alternatives, alt)
		}
	}
}

// sameNameOtherKey finds the public root whose subject the certificate
// copies while its key differs: a look-alike, or a test copy.
func sameNameOtherKey(cat *truststore.Catalogue, c *x509.Certificate) *truststore.PublicRoot {
	for _, pr := range cat.PublicRoots() {
		if bytes.Equal(pr.Cert.RawSubject, c.RawSubject) && !bytes.Equal(pr.Cert.RawSubjectPublicKeyInfo, c.RawSubjectPublicKeyInfo) {
			return pr
		}
	}
	return nil
}

func alternativeAdding(alts []Alternative, sha1 string) int {
	for i, a := range alts {
		if a.AddSHA1 == sha1 {
			return i
		}
	}
	return -1
}

// crossMessage says what to send and which stores it rescues until when,
// e.g. "send DigiCert Global Root G2 (8BF7F178…, issued by DigiCert Global
// Root CA) in the server's chain: CU11 would then trust it until 2031-11-09".
func crossMessage(certs []CertInfo, rescued []StoreUntil, lookalike *truststore.PublicRoot, end *x509.Certificate) string {
	var names []string
	for _, c := range certs {
		names = append(names, fmt.Sprintf("%s (%s, issued by %s)", c.Name, c.SHA1, truststore.NameOf(c.Cert.Issuer)))
	}
	msg := fmt.Sprintf("send %s in the server's chain: %s", strings.Join(names, " and "), rescueText(rescued))
	if lookalike != nil {
		msg = fmt.Sprintf("if the server's real root is the public %s — this chain's root has its name but another key (%s) — %s",
			truststore.Named(lookalike.Name, lookalike.SHA1), thumb(end), msg)
	}
	return msg
}

// rescueText is "CU10, CU11 would then trust it until 2031-11-08", with
// per-store dates when they differ, and the cross-certificates' own
// horizon when the chain ends sooner.
func rescueText(rescued []StoreUntil) string {
	day := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	group := func(until func(StoreUntil) time.Time) string {
		var parts []string
		for i := 0; i < len(rescued); {
			j := i
			var stores []string
			for ; j < len(rescued) && until(rescued[j]).Equal(until(rescued[i])); j++ {
				stores = append(stores, rescued[j].Store)
			}
			parts = append(parts, strings.Join(stores, ", ")+" until "+day(until(rescued[i])))
			i = j
		}
		return strings.Join(parts, "; ")
	}
	chainText := group(func(s StoreUntil) time.Time { return s.Until })
	linkText := group(func(s StoreUntil) time.Time { return s.LinkUntil })
	out := "it would then be trusted by " + chainText
	if !strings.Contains(chainText, ";") {
		stores, until, _ := strings.Cut(chainText, " until ")
		out = stores + " would then trust it until " + until
	}
	if chainText != linkText {
		out += " (the cross-certificate links the root for " + linkText + ")"
	}
	return out
}

// insteadFor names, for the untrusted stores no alternative rescues, the
// hierarchies those stores reach without AD that still issue TLS.
func insteadFor(cat *truststore.Catalogue, res *Result, at time.Time) []Instead {
	var stranded []*truststore.Store
	for i, s := range cat.Stores() {
		if res.Verdicts[i].Trusted {
			continue
		}
		rescued := false
		for _, a := range res.Alternatives {
			if !a.NameOnly && contains(a.Stores, s.Name) {
				rescued = true
			}
		}
		if !rescued {
			stranded = append(stranded, s)
		}
	}
	if len(stranded) == 0 {
		return []Instead{}
	}
	in := Instead{CAs: []InsteadCA{}}
	for _, s := range stranded {
		in.Stores = append(in.Stores, s.Name)
	}
	var names []string
	seenLink := map[string]bool{} // one hierarchy per link to a store root
	for _, h := range cat.Hierarchies(stranded, at) {
		if len(in.CAs) == maxInstead || !h.Root.IssuesTLS(at) || h.Reached < len(stranded) {
			break
		}
		r := h.Reach[0]
		link := r.Anchor.SHA1
		if len(r.Crosses) > 0 {
			link = r.Crosses[len(r.Crosses)-1].SHA1
		}
		if seenLink[link] {
			continue
		}
		seenLink[link] = true
		how := "in store"
		if r.Status == truststore.ReachViaCross {
			var shas []string
			for _, k := range r.Crosses {
				shas = append(shas, k.SHA1)
			}
			how = "via cross " + strings.Join(shas, " + ")
		}
		in.CAs = append(in.CAs, InsteadCA{Name: h.Root.Name, SHA1: h.Root.SHA1, How: how, Until: h.Horizon})
		names = append(names, fmt.Sprintf("%s (%s, until %s)", h.Root.Name, h.Root.SHA1, h.Horizon.UTC().Format(time.DateOnly)))
	}
	if len(in.CAs) == 0 {
		return []Instead{}
	}
	in.Message = fmt.Sprintf("no certificate the server could send makes %s trust this chain; CAs whose hierarchy %s trusts without AD: %s (lpetrust cas %s --reachable)",
		strings.Join(in.Stores, ", "), strings.Join(in.Stores, ", "), strings.Join(names, "; "), "--store "+strings.Join(in.Stores, " --store "))
	return []Instead{in}
}

// unknownIssuers names the issuers of chain ends that are not roots and
// whose issuer neither the input nor the catalogue holds.
func unknownIssuers(cat *truststore.Catalogue, pool *certPool, ends []pathEnd) []string {
	out := []string{}
	for _, e := range ends {
		if e.end.selfSigned || pool.rejected[e.end] > 0 || len(storesWithKey(cat, e.end.cert)) > 0 {
			continue
		}
		s := "private or unknown CA " + e.end.cert.Issuer.String()
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// sameRoot reports whether two certificates are copies of one root: same
// subject, same key.
func sameRoot(a, b *x509.Certificate) bool {
	return a != nil && b != nil && bytes.Equal(a.RawSubject, b.RawSubject) &&
		bytes.Equal(a.RawSubjectPublicKeyInfo, b.RawSubjectPublicKeyInfo)
}

// preferRoot reports whether copy a of a root is the better one to publish
// than b: the copy in NSS, else the one valid longer.
func preferRoot(cat *truststore.Catalogue, a, b *x509.Certificate) bool {
	inNSS := func(c *x509.Certificate) bool {
		k := cat.KnownBySHA1(thumb(c))
		return k != nil && k.InNSS
	}
	if na, nb := inNSS(a), inNSS(b); na != nb {
		return na
	}
	return a.NotAfter.After(b.NotAfter)
}

// oneCopyPerRoot keeps, of path ends that are copies of one root, the copy
// preferRoot picks.
func oneCopyPerRoot(cat *truststore.Catalogue, ends []pathEnd) []pathEnd {
	out := ends[:0:0]
	for _, e := range ends {
		dup := false
		for i, o := range out {
			if e.end.selfSigned && o.end.selfSigned && sameRoot(e.end.cert, o.end.cert) {
				dup = true
				if preferRoot(cat, e.end.cert, o.end.cert) {
					out[i] = e
				}
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out
}

// catalogueNode is newNode for a known CA: a self-issued catalogue root is
// self-signed without checking, since the truststore tests verify every
// such root's signature and checking 300 of them would cost every command
// that judges a chain more than the judging.
func catalogueNode(k *truststore.KnownCA) *node {
	n := nodeOf(k.Cert, OriginCatalogue)
	n.selfSigned = n.selfIssued && k.Kind == truststore.KindRoot
	return n
}
