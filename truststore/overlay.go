package truststore

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lpetrust/lpetrust/truststore/inputfile"
	"go.yaml.in/yaml/v3"
)

// maxOverlaySize bounds an overlay file (and each PEM file it names).
const maxOverlaySize = inputfile.MaxOverlay

// An overlay file (YAML or JSON) extends the embedded catalogue:
//
//	stores:
//	  - name: CONTOSO          # a new store...
//	    base: CU11             # ...starting from the roots of CU11
//	    roots:
//	      - file: contoso-root.pem   # path relative to the overlay file
//	  - name: CU11             # an existing store: roots are added to it
//	    roots:
//	      - pem: |
//	          -----BEGIN CERTIFICATE-----
//	          ...
//	firmware:
//	  - version: 4.0.7577.4470
//	    release: Contoso pilot
//	    store: CONTOSO
//	    released: 2016-01-15
//	    families: [cx500, aastra]
//	    note: tested on the pilot phones
type overlayDoc struct {
	Stores   []yaml.Node `yaml:"stores"`
	Firmware []yaml.Node `yaml:"firmware"`
}

type overlayStore struct {
	Name  string      `yaml:"name"`
	Base  string      `yaml:"base"`
	Roots []yaml.Node `yaml:"roots"`
}

type overlayRoot struct {
	File string `yaml:"file"`
	PEM  string `yaml:"pem"`
	Note string `yaml:"note"`
}

type overlayBuild struct {
	Version  string   `yaml:"version"`
	Release  string   `yaml:"release"`
	Store    string   `yaml:"store"`
	Released string   `yaml:"released"`
	Families []string `yaml:"families"`
	Note     string   `yaml:"note"`
}

// OverlayError locates a problem in an overlay file.
type OverlayError struct {
	File string
	Line int
	Msg  string
}

func (e *OverlayError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("overlay %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("overlay %s: %s", e.File, e.Msg)
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns a yaml.v3 decoding error into one OverlayError with a line.
func yamlError(file string, err error) error {
	msgs := []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msgs = te.Errors
	}
	msg := strings.TrimSpace(msgs[0])
	msg = regexp.MustCompile(` in type [\w.]+`).ReplaceAllString(msg, "")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &OverlayError{File: file, Line: line, Msg: m[2]}
	}
	return &OverlayError{File: file, Msg: strings.Join(strings.Fields(msg), " ")}
}

func (c *Catalogue) applyOverlayFile(file string) error {
	fail := func(line int, format string, args ...any) error {
		return &OverlayError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	data, err := readCapped(file)
	if err != nil {
		return fail(0, "%s", err)
	}
	// The document is read as nodes first, which keeps aliases as they are,
	// and is decoded only once its size with aliases expanded is known.
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return fail(0, "empty file")
		}
		return yamlError(file, err)
	}
	if err := checkExpansion(&root); err != nil {
		return fail(err.Line, "%s", err.Msg)
	}
	var doc overlayDoc
	if len(root.Content) == 1 && root.Content[0].Kind != yaml.ScalarNode {
		if err := decodeStrict(root.Content[0], &doc, "stores", "firmware"); err != nil {
			return fail(root.Content[0].Line, "%s", err)
		}
	} else if len(root.Content) == 1 && root.Content[0].Tag != "!!null" {
		return fail(root.Content[0].Line, "expected a mapping with stores and firmware")
	}
	dir := filepath.Dir(file)
	for i := range doc.Stores {
		n := &doc.Stores[i]
		var s overlayStore
		if err := decodeStrict(n, &s, "name", "base", "roots"); err != nil {
			return fail(n.Line, "store: %s", err)
		}
		if strings.TrimSpace(s.Name) == "" {
			return fail(n.Line, "store: name is required")
		}
		store := c.Store(s.Name)
		if store == nil {
			store = &Store{Name: s.Name, UserData: true}
			if s.Base != "" {
				base := c.Store(s.Base)
				if base == nil {
					return fail(n.Line, "store %q: base store %q is not defined", s.Name, s.Base)
				}
				store.Base = base.Name
				store.Roots = append(store.Roots, base.Roots...)
			}
			c.stores = append(c.stores, store)
		} else {
			if s.Base != "" {
				return fail(n.Line, "store %q already exists: base applies only to a new store", s.Name)
			}
			store.UserData = true
		}
		if len(s.Roots) == 0 && store.Base == "" && len(store.Roots) == 0 {
			return fail(n.Line, "store %q has no roots and no base", s.Name)
		}
		for j := range s.Roots {
			rn := &s.Roots[j]
			var r overlayRoot
			if err := decodeStrict(rn, &r, "file", "pem", "note"); err != nil {
				return fail(rn.Line, "root: %s", err)
			}
			certs, src, err := overlayRootCerts(dir, r)
			if err != nil {
				return fail(rn.Line, "%s", err)
			}
			for _, cert := range certs {
				c.addUserRoot(store, cert, src, r.Note)
			}
		}
	}
	for i := range doc.Firmware {
		n := &doc.Firmware[i]
		var ob overlayBuild
		if err := decodeStrict(n, &ob, "version", "release", "store", "released", "families", "note"); err != nil {
			return fail(n.Line, "firmware: %s", err)
		}
		if _, err := ParseVersion(ob.Version); err != nil {
			return fail(n.Line, "firmware: %s", err)
		}
		if ob.Store == "" {
			return fail(n.Line, "firmware %s: store is required", ob.Version)
		}
		store := c.Store(ob.Store)
		if store == nil {
			return fail(n.Line, "firmware %s: store %q is not defined", ob.Version, ob.Store)
		}
		if ob.Released != "" {
			if _, err := time.Parse(time.DateOnly, ob.Released); err != nil {
				return fail(n.Line, "firmware %s: released %q is not a YYYY-MM-DD date", ob.Version, ob.Released)
			}
		}
		b := Build{Version: ob.Version, Release: ob.Release, Released: ob.Released, Store: store.Name,
			Verified: true, Note: joinNote("user data from "+file, ob.Note), UserData: true, Families: []string{}}
		if b.Release == "" {
			b.Release = ob.Version
		}
		for _, f := range ob.Families {
			fam := FamilyByName(f)
			if fam == "" {
				return fail(n.Line, "firmware %s: unknown device family %q (use cx700, cx500, aastra, hp or a model name)", ob.Version, f)
			}
			b.Families = append(b.Families, fam)
		}
		replaced := false
		for k := range c.builds {
			if c.builds[k].Version == b.Version {
				c.builds[k], replaced = b, true
			}
		}
		if !replaced {
			c.builds = append(c.builds, b)
		}
	}
	sortBuilds(c.builds)
	c.overlays = append(c.overlays, file)
	return nil
}

// Bounds of an overlay document with its aliases expanded: far above what a
// hand-written overlay holds, far below what would strain memory (an alias
// to a large anchor repeated can otherwise grow a small file a thousandfold).
const (
	maxOverlayNodes = 200_000
	maxOverlayBytes = 4 * maxOverlaySize
)

// expansionError is a document over the bounds, at the node that passed them.
type expansionError struct {
	Line int
	Msg  string
}

// checkExpansion measures the document as decoding would build it, every
// alias expanded, in time linear in the number of nodes (each node's size
// is computed once), and refuses it past maxOverlayNodes or maxOverlayBytes.
func checkExpansion(root *yaml.Node) *expansionError {
	type size struct{ nodes, bytes int64 }
	memo := map[*yaml.Node]size{}
	var measure func(n *yaml.Node, depth int) (size, *expansionError)
	measure = func(n *yaml.Node, depth int) (size, *expansionError) {
		if s, ok := memo[n]; ok {
			return s, nil
		}
		if depth > 1000 {
			return size{}, &expansionError{n.Line, "nested more than 1000 levels deep"}
		}
		memo[n] = size{maxOverlayNodes + 1, 0} // a cycle counts as too large
		var s size
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			a, err := measure(n.Alias, depth+1)
			if err != nil {
				return size{}, err
			}
			s = a
		} else {
			s = size{1, int64(len(n.Value))}
			for _, c := range n.Content {
				cs, err := measure(c, depth+1)
				if err != nil {
					return size{}, err
				}
				s.nodes += cs.nodes
				s.bytes += cs.bytes
				if s.nodes > maxOverlayNodes || s.bytes > maxOverlayBytes {
					break
				}
			}
		}
		if s.nodes > maxOverlayNodes {
			return size{}, &expansionError{n.Line, fmt.Sprintf("the document holds more than %d values with its aliases expanded", maxOverlayNodes)}
		}
		if s.bytes > maxOverlayBytes {
			return size{}, &expansionError{n.Line, fmt.Sprintf("the document is larger than %s with its aliases expanded", inputfile.Size(maxOverlayBytes))}
		}
		memo[n] = s
		return s, nil
	}
	_, err := measure(root, 0)
	return err
}

// decodeStrict decodes a mapping node, refusing keys outside allowed.
func decodeStrict(n *yaml.Node, v any, allowed ...string) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("expected a mapping")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return fmt.Errorf("unknown field %q (allowed: %s)", k, strings.Join(allowed, ", "))
		}
	}
	if err := n.Decode(v); err != nil {
		e := yamlError("", err).(*OverlayError)
		return errors.New(e.Msg)
	}
	return nil
}

func overlayRootCerts(dir string, r overlayRoot) ([]*x509.Certificate, string, error) {
	var data []byte
	src := "inline PEM"
	switch {
	case r.File != "" && r.PEM != "":
		return nil, "", errors.New("root: give file or pem, not both")
	case r.File != "":
		p := r.File
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		var err error
		if data, err = readCapped(p); err != nil {
			return nil, "", fmt.Errorf("root file %s: %w", r.File, err)
		}
		src = r.File
	case r.PEM != "":
		data = []byte(r.PEM)
	default:
		return nil, "", errors.New("root: file or pem is required")
	}
	certs, err := parsePEMCerts(data)
	if err != nil {
		return nil, "", fmt.Errorf("root %s: %w", src, err)
	}
	return certs, src, nil
}

// parsePEMCerts parses every CERTIFICATE block; it fails on a block that is
// not a certificate, a truncated block, or no block at all.
func parsePEMCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q is not a certificate", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("bad certificate in PEM: %w", err)
		}
		out = append(out, c)
	}
	if bytes.Contains(rest, []byte("-----BEGIN")) {
		return nil, errors.New("truncated or malformed PEM block")
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return out, nil
}

func (c *Catalogue) addUserRoot(store *Store, cert *x509.Certificate, src, note string) {
	s1, s256 := Thumbprints(cert)
	if store.Has(s1) {
		return
	}
	r := c.RootBySHA1(s1)
	if r == nil {
		r = &Root{Cert: cert, SHA1: s1, SHA256: s256, AddedIn: store.Name, UserData: true,
			Note: joinNote("user data from "+src, note)}
		c.roots = append(c.roots, r)
	}
	store.Roots = append(store.Roots, r)
}

func joinNote(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}

func readCapped(p string) ([]byte, error) {
	return inputfile.Read(p, maxOverlaySize)
}
