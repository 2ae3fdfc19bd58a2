package truststore

import (
	"crypto/x509"
	"embed"
	"encoding/pem"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed certs/lpe/*.pem certs/known/*.pem
var certFiles embed.FS

// Catalogue is everything the tool knows about LPE trust: stores, roots,
// firmware builds and other known CAs. The zero value is not useful; use
// Default or Load. A Catalogue is read-only once built and safe for
// concurrent use.
type Catalogue struct {
	roots    []*Root // every distinct root of every store, embedded ones first
	stores   []*Store
	builds   []Build // sorted by version
	overlays []string

	publicOnce sync.Once
	public     []*PublicRoot // PublicRoots, computed on first use

	namedOnce sync.Once
	named     map[string][]*x509.Certificate // RootsNamed's index, built on first use
}

// RootsNamed returns the self-signed roots the catalogue knows whose subject
// (x509 Name.String()) is subject: every store's roots first, then the known
// public roots no firmware has. The index is built once per catalogue, on
// first use (after its overlays are applied), because a plan is made per
// endpoint of an audit and formatting every root's name each time was most of
// that plan's cost.
func (c *Catalogue) RootsNamed(subject string) []*x509.Certificate {
	c.namedOnce.Do(func() {
		c.named = map[string][]*x509.Certificate{}
		add := func(cert *x509.Certificate) {
			name := cert.Subject.String()
			c.named[name] = append(c.named[name], cert)
		}
		for _, r := range c.roots {
			add(r.Cert)
		}
		for _, k := range c.Known() {
			if k.Kind == KindRoot {
				add(k.Cert)
			}
		}
	})
	return c.named[subject]
}

var defaultCatalogue = sync.OnceValues(loadEmbedded)

// Default returns the embedded catalogue, parsing it on first use. It panics
// if the embedded data is corrupt, which the package tests rule out.
func Default() *Catalogue {
	c, err := defaultCatalogue()
	if err != nil {
		panic("truststore: embedded data: " + err.Error())
	}
	return c
}

// Load returns the embedded catalogue with the overlay file applied, or the
// embedded catalogue itself when overlayPath is empty.
func Load(overlayPath string) (*Catalogue, error) {
	if overlayPath == "" {
		return Default(), nil
	}
	c := Default().clone()
	if err := c.applyOverlayFile(overlayPath); err != nil {
		return nil, err
	}
	return c, nil
}

func readEmbeddedPEM(name string) (*x509.Certificate, error) {
	data, err := certFiles.ReadFile(name)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM certificate", name)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if got := SHA1Hex(c); got+".pem" != path.Base(name) {
		return nil, fmt.Errorf("%s: thumbprint is %s", name, got)
	}
	return c, nil
}

func loadEmbedded() (*Catalogue, error) {
	c := &Catalogue{}
	byRelease := map[string][]*Root{}
	for _, row := range lpeRootTable {
		cert, err := readEmbeddedPEM("certs/lpe/" + row.sha1 + ".pem")
		if err != nil {
			return nil, err
		}
		_, s256 := Thumbprints(cert)
		r := &Root{Cert: cert, SHA1: row.sha1, SHA256: s256, TableLabel: row.label, AddedIn: row.addedIn, Note: row.note}
		c.roots = append(c.roots, r)
		byRelease[row.addedIn] = append(byRelease[row.addedIn], r)
	}
	rtm := byRelease[ReleaseRTM]
	cu10 := append(append([]*Root{}, rtm...), byRelease[ReleaseCU10]...)
	cu11 := append(append([]*Root{}, cu10...), byRelease[ReleaseCU11]...)
	c.stores = []*Store{
		{Name: ReleaseRTM, Roots: rtm},
		{Name: ReleaseCU10, Roots: cu10},
		{Name: ReleaseCU11, Roots: cu11},
	}
	c.builds = append([]Build(nil), firmwareTable...)
	sortBuilds(c.builds)
	return c, nil
}

func sortBuilds(b []Build) {
	sort.SliceStable(b, func(i, j int) bool {
		vi, _ := ParseVersion(b[i].Version)
		vj, _ := ParseVersion(b[j].Version)
		return vi.Less(vj)
	})
}

// clone copies the catalogue deeply enough that an overlay can change it.
func (c *Catalogue) clone() *Catalogue {
	n := &Catalogue{
		roots:    append([]*Root(nil), c.roots...),
		builds:   append([]Build(nil), c.builds...),
		overlays: append([]string(nil), c.overlays...),
	}
	for _, s := range c.stores {
		cp := *s
		cp.Roots = append([]*Root(nil), s.Roots...)
		n.stores = append(n.stores, &cp)
	}
	return n
}

// Roots returns every distinct root of every store: the 34 embedded ones in
// the seed table's order, then user roots.
func (c *Catalogue) Roots() []*Root { return c.roots }

// Stores returns the stores from oldest to newest: RTM, CU10, CU11, then
// user-defined stores in the order the overlay defines them.
func (c *Catalogue) Stores() []*Store { return c.stores }

// Known returns the other CA certificates the tool knows, none of them in an
// LPE store: the hand-described ones first, then the NSS roots, then the
// generated catalogue's modern roots, cross-certificates and subordinate
// CAs. They are parsed on first use, not at start.
func (c *Catalogue) Known() []*KnownCA { return c.knownSet().list }

// Builds returns the firmware catalogue ordered by version.
func (c *Catalogue) Builds() []Build { return c.builds }

// Overlays names the overlay files applied to this catalogue.
func (c *Catalogue) Overlays() []string { return c.overlays }

// Store returns the store with that name (case-insensitive), or nil.
func (c *Catalogue) Store(name string) *Store {
	for _, s := range c.stores {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// StoreIndex is the position of a store in Stores, or -1.
func (c *Catalogue) StoreIndex(name string) int {
	for i, s := range c.stores {
		if strings.EqualFold(s.Name, name) {
			return i
		}
	}
	return -1
}

// RootBySHA1 returns the LPE root with that thumbprint (any case), or nil.
func (c *Catalogue) RootBySHA1(sha1Hex string) *Root {
	sha1Hex = strings.ToUpper(sha1Hex)
	for _, r := range c.roots {
		if r.SHA1 == sha1Hex {
			return r
		}
	}
	return nil
}

// KnownBySHA1 returns the known CA with that thumbprint (any case), or nil.
func (c *Catalogue) KnownBySHA1(sha1Hex string) *KnownCA {
	return c.knownSet().bySHA1[strings.ToUpper(sha1Hex)]
}

// StoresHolding names the stores, oldest first, that hold the root with that thumbprint.
func (c *Catalogue) StoresHolding(sha1Hex string) []string {
	sha1Hex = strings.ToUpper(sha1Hex)
	var out []string
	for _, s := range c.stores {
		if s.Has(sha1Hex) {
			out = append(out, s.Name)
		}
	}
	return out
}

// EarliestBuilds returns, for each device family, the earliest build whose
// store satisfies trusted. Families with no such build are absent. Verified
// builds are preferred; an unverified build is returned only when no
// verified one qualifies.
func (c *Catalogue) EarliestBuilds(trusted func(store string) bool) map[string]Build {
	out := map[string]Build{}
	for _, pass := range []bool{true, false} {
		for _, b := range c.builds {
			if b.Verified != pass || !trusted(b.Store) {
				continue
			}
			for _, f := range b.Families {
				if _, ok := out[f]; !ok {
					out[f] = b
				}
			}
		}
	}
	return out
}
