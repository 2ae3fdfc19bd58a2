package remedy

import (
	"crypto/x509"
	"fmt"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

// Root is a root certificate some chain's untrusted paths end at.
type Root struct {
	SHA1    string `json:"sha1"`
	Name    string `json:"name"`
	Subject string `json:"subject"`
	// Chains name the chains that need it.
	Chains []string `json:"chains"`
	// Known: the catalogue knows it as a public root (or a firmware root).
	Known bool `json:"known"`
	// Supplied: the administrator gave its certificate in a file.
	Supplied bool              `json:"supplied"`
	Cert     *x509.Certificate `json:"-"`
}

// Refusal says why a root is not advised for Active Directory.
type Refusal string

// Refusals, by what decides them.
const (
	// RefusedUnvouched: neither a known public root nor supplied by the
	// administrator (only a server sent it); PublishUnknown lifts it.
	RefusedUnvouched Refusal = "unvouched"
	// RefusedLookAlike: carries the name of a known root with another key.
	RefusedLookAlike Refusal = "look-alike"
	// RefusedPolicy: the publishing policy refuses the certificate (not a
	// CA, expired, too large).
	RefusedPolicy Refusal = "policy"
	// RefusedNoCertificate: the chain names the root but nobody has its
	// certificate.
	RefusedNoCertificate Refusal = "no-certificate"
)

// RefusedRoot is a missing root that is not advised, and why.
type RefusedRoot struct {
	Root
	Code   Refusal `json:"code"`
	Reason string  `json:"reason"`
	// Err is the publishing policy's error (RefusedPolicy), for callers
	// that tell how to override it.
	Err error `json:"-"`
}

// Roots sorts the missing roots under the one rule: a root is advised for
// Active Directory only when it is a known public root or the administrator
// supplied it in a file; a root only a server sent, or one nobody knows,
// only when PublishUnknown says so, with a warning; a look-alike never.
type Roots struct {
	// Publish are the roots to publish.
	Publish []Root `json:"publish"`
	// AlreadyPublished are in Certification Authorities already.
	AlreadyPublished []Root `json:"already_published"`
	// Refused are not advised, each with the reason.
	Refused []RefusedRoot `json:"refused"`
	// Warnings are said wherever the roots are: every domain member will
	// trust a root nobody vouched for.
	Warnings []string `json:"warnings"`
	// Unvouched is true when Publish holds a root only PublishUnknown let
	// through: commands that publish must say --publish-unknown too.
	Unvouched bool `json:"unvouched"`
}

// RootOptions are what DecideRoots needs besides the roots.
type RootOptions struct {
	// Supplied are the SHA-1s of the certificates the administrator gave
	// in files (chain files, intermediates), not what a server sent.
	Supplied map[string]bool
	// PublishUnknown advises roots nobody vouched for (with a warning).
	PublishUnknown bool
	// Published are the roots already in Certification Authorities.
	Published []*x509.Certificate
	// Check is the publishing policy (adpublish.CheckCertificate); nil
	// accepts every certificate.
	Check func(*x509.Certificate) error
}

// CollectRoots returns the distinct missing roots of the results, in the
// order found, each with the chain name given.
func CollectRoots(cat *truststore.Catalogue, name string, results []*chain.Result, supplied map[string]bool, into []Root) []Root {
	index := map[string]int{}
	for i, r := range into {
		index[r.SHA1] = i
	}
	for _, r := range results {
		if r == nil {
			continue
		}
		for _, m := range r.MissingRoots {
			i, ok := index[m.SHA1]
			if !ok {
				i = len(into)
				index[m.SHA1] = i
				into = append(into, rootOf(cat, m, supplied))
			}
			if name != "" && !contains(into[i].Chains, name) {
				into[i].Chains = append(into[i].Chains, name)
			}
		}
	}
	return into
}

func rootOf(cat *truststore.Catalogue, m chain.MissingRoot, supplied map[string]bool) Root {
	r := Root{SHA1: m.SHA1, Name: m.Name, Subject: m.Subject, Chains: []string{}, Cert: m.Cert}
	if k := cat.KnownBySHA1(m.SHA1); k != nil {
		r.Known, r.Name = true, k.Name
		if r.Cert == nil {
			r.Cert = k.Cert
		}
	} else if lr := cat.RootBySHA1(m.SHA1); lr != nil {
		r.Known = true
		if r.Cert == nil {
			r.Cert = lr.Cert
		}
	}
	if r.Cert != nil && !r.Known && sameKeyAsKnown(cat, r.Cert) {
		// A re-issue of a known root: same name, same key.
		r.Known = true
	}
	r.Supplied = supplied[m.SHA1]
	return r
}

func sameKeyAsKnown(cat *truststore.Catalogue, c *x509.Certificate) bool {
	for _, k := range cat.RootsNamed(c.Subject.String()) {
		if string(k.RawSubjectPublicKeyInfo) == string(c.RawSubjectPublicKeyInfo) {
			return true
		}
	}
	return false
}

// LookAlike returns the known root whose name c carries with another key,
// or nil: a certificate made to pass for a public root.
func LookAlike(cat *truststore.Catalogue, c *x509.Certificate) *x509.Certificate {
	if c == nil {
		return nil
	}
	sha := truststore.SHA1Hex(c)
	if cat.KnownBySHA1(sha) != nil || cat.RootBySHA1(sha) != nil {
		return nil
	}
	for _, k := range cat.RootsNamed(c.Subject.String()) {
		if string(k.RawSubjectPublicKeyInfo) != string(c.RawSubjectPublicKeyInfo) {
			return k
		}
	}
	return nil
}

// TrustWarning is said of every root advised without anyone vouching for it.
func TrustWarning(r Root) string {
	return fmt.Sprintf("%s (%s) is not a known public root and was not supplied in a file: publishing it in Active Directory makes every domain member trust it (every computer and user, not only the phones) for any name it signs", r.Name, r.SHA1)
}

// DecideRoots applies the rule to each missing root.
func DecideRoots(cat *truststore.Catalogue, missing []Root, o RootOptions) Roots {
	p := Roots{Publish: []Root{}, AlreadyPublished: []Root{}, Refused: []RefusedRoot{}, Warnings: []string{}}
	have := map[string]bool{}
	for _, c := range o.Published {
		have[truststore.SHA1Hex(c)] = true
	}
	for _, m := range missing {
		if m.Cert == nil {
			p.Refused = append(p.Refused, RefusedRoot{Root: m, Code: RefusedNoCertificate,
				Reason: "its certificate was not supplied and the catalogue does not know it: nothing could be published"})
			continue
		}
		if k := LookAlike(cat, m.Cert); k != nil {
			p.Refused = append(p.Refused, RefusedRoot{Root: m, Code: RefusedLookAlike,
				Reason: fmt.Sprintf("it carries the name of the known root %s (%s) with another key: a look-alike, never published", truststore.DisplayName(k), truststore.SHA1Hex(k))})
			continue
		}
		if have[m.SHA1] {
			p.AlreadyPublished = append(p.AlreadyPublished, m)
			continue
		}
		if o.Check != nil {
			if err := o.Check(m.Cert); err != nil {
				p.Refused = append(p.Refused, RefusedRoot{Root: m, Code: RefusedPolicy, Reason: err.Error(), Err: err})
				continue
			}
		}
		if !m.Known && !m.Supplied {
			if !o.PublishUnknown {
				p.Refused = append(p.Refused, RefusedRoot{Root: m, Code: RefusedUnvouched,
					Reason: "not a known public root, and only a server sent it: publishing it would make every domain member trust it; supply its certificate in a file you trust, or ask for it explicitly with --publish-unknown"})
				continue
			}
			p.Unvouched = true
			p.Warnings = append(p.Warnings, "warning: "+TrustWarning(m))
		}
		p.Publish = append(p.Publish, m)
	}
	return p
}

// Certificates are the certificates of the roots to publish.
func (p Roots) Certificates() []*x509.Certificate {
	var out []*x509.Certificate
	for _, m := range p.Publish {
		out = append(out, m.Cert)
	}
	return out
}

// Trusted are the roots the phones will have once Publish is published:
// those and the ones already there.
func (p Roots) Trusted() []Root {
	return append(append([]Root{}, p.AlreadyPublished...), p.Publish...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
