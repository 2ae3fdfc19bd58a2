package truststore

import (
	"crypto/rsa"
	"crypto/x509"
	"sort"
	"time"
)

// Reach statuses: how a store's phones can come to trust a hierarchy.
const (
	ReachInStore     = "in_store"     // the store holds a root with the hierarchy's key
	ReachViaCross    = "via_cross"    // a server that sends cross-certificates links it to a store root
	ReachPublishRoot = "publish_root" // only by publishing the root to the phones (Active Directory)
	ReachNoPath      = "no_path"      // not even by publishing the root
)

// maxCrossDepth bounds how many cross-certificates one path may chain.
const maxCrossDepth = 3

// StoreUntil is one store that trusts a cross path, through which of its
// roots, and until when.
type StoreUntil struct {
	Store  string
	Anchor *Root
	Until  time.Time
}

// CrossPath is a chain of cross-certificates a server sends so that phones
// trusting an LPE root accept chains ending at another root's key: Certs[0]
// carries that key, each next certificate carries the key that signed the
// one before, and the last is signed by the key of each store's Anchor.
type CrossPath struct {
	Certs  []*KnownCA
	Stores []StoreUntil // stores, oldest first, whose phones trust the path
}

// Until is the latest day any store trusts the path.
func (p CrossPath) Until() time.Time {
	var t time.Time
	for _, s := range p.Stores {
		if s.Until.After(t) {
			t = s.Until
		}
	}
	return t
}

// UntilFor is when the named store stops trusting the path (false if it never does).
func (p CrossPath) UntilFor(store string) (time.Time, bool) {
	for _, s := range p.Stores {
		if s.Store == store {
			return s.Until, true
		}
	}
	return time.Time{}, false
}

// CrossPaths returns every cross-certificate path, valid at at, from the
// key of root (any certificate carrying it) to a root of some store, best
// first: trusted by more stores, for longer, with newer certificates.
func (c *Catalogue) CrossPaths(root *x509.Certificate, at time.Time) []CrossPath {
	ks := c.knownSet()
	issuerKey := func(sha string) (string, bool) {
		if r := c.RootBySHA1(sha); r != nil {
			return string(r.Cert.RawSubjectPublicKeyInfo), true
		}
		if k := ks.bySHA1[sha]; k != nil {
			return string(k.Cert.RawSubjectPublicKeyInfo), true
		}
		return "", false
	}
	var out []CrossPath
	var walk func(key string, prefix []*KnownCA, seen map[string]bool)
	walk = func(key string, prefix []*KnownCA, seen map[string]bool) {
		if len(prefix) >= maxCrossDepth {
			return
		}
		seen[key] = true
		defer delete(seen, key)
		for _, x := range ks.crossesByKey[key] {
			if !ValidAt(x.Cert, at) {
				continue
			}
			path := append(append([]*KnownCA(nil), prefix...), x)
			for _, is := range x.IssuerSHA1s {
				ik, ok := issuerKey(is)
				if !ok || seen[ik] {
					continue
				}
				if stores := c.storesTrusting(path, ik, at); len(stores) > 0 {
					out = append(out, CrossPath{Certs: path, Stores: stores})
				}
				walk(ik, path, seen)
			}
		}
	}
	walk(string(root.RawSubjectPublicKeyInfo), nil, map[string]bool{})
	out = dedupePaths(out)
	sort.SliceStable(out, func(i, j int) bool { return betterPath(out[i], out[j]) })
	return out
}

// storesTrusting lists the stores holding, valid at at, a root with the
// key that signed the path's last certificate, and until when each trusts it.
func (c *Catalogue) storesTrusting(path []*KnownCA, key string, at time.Time) []StoreUntil {
	until := path[0].Cert.NotAfter
	for _, k := range path[1:] {
		if k.Cert.NotAfter.Before(until) {
			until = k.Cert.NotAfter
		}
	}
	var out []StoreUntil
	for _, s := range c.stores {
		var anchor *Root
		for _, r := range s.Roots {
			if string(r.Cert.RawSubjectPublicKeyInfo) == key && ValidAt(r.Cert, at) &&
				(anchor == nil || r.Cert.NotAfter.After(anchor.Cert.NotAfter)) {
				anchor = r
			}
		}
		if anchor == nil {
			continue
		}
		u := until
		if anchor.Cert.NotAfter.Before(u) {
			u = anchor.Cert.NotAfter
		}
		out = append(out, StoreUntil{Store: s.Name, Anchor: anchor, Until: u})
	}
	return out
}

// dedupePaths keeps one entry per certificate sequence (a certificate with
// several issuers of the same key yields the same path more than once).
func dedupePaths(paths []CrossPath) []CrossPath {
	seen := map[string]bool{}
	var out []CrossPath
	for _, p := range paths {
		if id := pathID(p); !seen[id] {
			seen[id] = true
			out = append(out, p)
		}
	}
	return out
}

func betterPath(a, b CrossPath) bool {
	if len(a.Stores) != len(b.Stores) {
		return len(a.Stores) > len(b.Stores)
	}
	if ua, ub := a.Until(), b.Until(); !ua.Equal(ub) {
		return ua.After(ub)
	}
	if len(a.Certs) != len(b.Certs) {
		return len(a.Certs) < len(b.Certs)
	}
	if na, nb := a.Certs[0].Cert.NotBefore, b.Certs[0].Cert.NotBefore; !na.Equal(nb) {
		return na.After(nb) // the newer issuance
	}
	return a.Certs[0].SHA1 < b.Certs[0].SHA1
}

// BestCrossFor returns, among paths, the one that keeps the named store
// trusting longest (newest certificates on a tie), or false.
func BestCrossFor(paths []CrossPath, store string) (CrossPath, bool) {
	var best CrossPath
	found := false
	for _, p := range paths {
		u, ok := p.UntilFor(store)
		if !ok {
			continue
		}
		if !found {
			best, found = p, true
			continue
		}
		bu, _ := best.UntilFor(store)
		switch {
		case u.After(bu):
			best = p
		case u.Equal(bu) && len(p.Certs) < len(best.Certs):
			best = p
		case u.Equal(bu) && len(p.Certs) == len(best.Certs) && p.Certs[0].Cert.NotBefore.After(best.Certs[0].Cert.NotBefore):
			best = p
		}
	}
	return best, found
}

// Rescues picks the cross paths a server should send for a chain ending at
// root's key: for each store the path that keeps it trusting longest, each
// path once, with every store it rescues; best first.
func Rescues(paths []CrossPath, stores []*Store) []CrossPath {
	var out []CrossPath
	seen := map[string]bool{}
	for _, s := range stores {
		p, ok := BestCrossFor(paths, s.Name)
		if !ok || seen[pathID(p)] {
			continue
		}
		seen[pathID(p)] = true
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Until().After(out[j].Until()) })
	return out
}

func pathID(p CrossPath) string {
	id := ""
	for _, k := range p.Certs {
		id += k.SHA1
	}
	return id
}

// Reach is how one store's phones can come to trust one hierarchy at a time.
type Reach struct {
	Store  string
	Status string // ReachInStore, ReachViaCross, ReachPublishRoot or ReachNoPath
	// Anchor is the store root that ends the trust (in store, via cross).
	Anchor *Root
	// Crosses are the certificates the server must send (via cross).
	Crosses []*KnownCA
	// Until is the last day the store trusts the hierarchy this way (in
	// store, via cross).
	Until time.Time
	// Why explains a ReachNoPath.
	Why string
}

// ReachOf tells how each store reaches the hierarchy of root at time at:
// the store holds its key; else cross-certificates link it to a store root
// (the path that lasts longest); else publishing the root would do, if
// phones can use its key (RSA) and it is valid; else there is no path.
func (c *Catalogue) ReachOf(root *x509.Certificate, at time.Time) []Reach {
	paths := c.CrossPaths(root, at)
	key := string(root.RawSubjectPublicKeyInfo)
	out := make([]Reach, 0, len(c.stores))
	for _, s := range c.stores {
		r := Reach{Store: s.Name}
		for _, sr := range s.Roots {
			if string(sr.Cert.RawSubjectPublicKeyInfo) == key && ValidAt(sr.Cert, at) &&
				(r.Anchor == nil || sr.Cert.NotAfter.After(r.Anchor.Cert.NotAfter)) {
				r.Status, r.Anchor, r.Until = ReachInStore, sr, sr.Cert.NotAfter
			}
		}
		if r.Anchor == nil {
			if p, ok := BestCrossFor(paths, s.Name); ok {
				u, _ := p.UntilFor(s.Name)
				r.Status, r.Crosses, r.Until = ReachViaCross, p.Certs, u
				for _, su := range p.Stores {
					if su.Store == s.Name {
						r.Anchor = su.Anchor
					}
				}
			}
		}
		if r.Status == "" {
			_, isRSA := root.PublicKey.(*rsa.PublicKey)
			switch {
			case !ValidAt(root, at):
				r.Status, r.Why = ReachNoPath, "the root is not valid at that time"
			case !isRSA:
				r.Status, r.Why = ReachNoPath, "the root's key is "+PublicKeyDescription(root)+"; only RSA keys are documented to work on LPE phones"
			default:
				r.Status = ReachPublishRoot
			}
		}
		out = append(out, r)
	}
	return out
}

// Hierarchy is one public root hierarchy and how the chosen stores reach it.
type Hierarchy struct {
	Root  *PublicRoot
	Reach []Reach // one per chosen store, in their order
	// Reached counts the chosen stores that trust it without AD (in store
	// or via cross); Horizon is the earliest end of trust among them.
	Reached int
	Horizon time.Time
}

// Hierarchies judges every public root against the stores at time at, best
// first for someone choosing a CA: roots that still issue publicly trusted
// TLS certificates, then those reached without AD by the most stores, for
// the longest, then by name.
func (c *Catalogue) Hierarchies(stores []*Store, at time.Time) []Hierarchy {
	wanted := map[string]bool{}
	for _, s := range stores {
		wanted[s.Name] = true
	}
	var out []Hierarchy
	for _, pr := range c.PublicRoots() {
		h := Hierarchy{Root: pr}
		for _, r := range c.ReachOf(pr.Cert, at) {
			if !wanted[r.Store] {
				continue
			}
			h.Reach = append(h.Reach, r)
			if r.Status == ReachInStore || r.Status == ReachViaCross {
				h.Reached++
				if h.Horizon.IsZero() || r.Until.Before(h.Horizon) {
					h.Horizon = r.Until
				}
			}
		}
		out = append(out, h)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ta, tb := a.Root.IssuesTLS(at), b.Root.IssuesTLS(at); ta != tb {
			return ta
		}
		if a.Reached != b.Reached {
			return a.Reached > b.Reached
		}
		if !a.Horizon.Equal(b.Horizon) {
			return a.Horizon.After(b.Horizon)
		}
		return a.Root.Name < b.Root.Name
	})
	return out
}
