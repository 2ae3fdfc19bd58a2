package report

import (
	"crypto/x509"
	"fmt"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

// MissingRoot is a root some chain's untrusted paths end at, with the
// chains that need it.
type MissingRoot struct {
	SHA1    string   `json:"sha1"`
	Name    string   `json:"name"`
	Subject string   `json:"subject"`
	Chains  []string `json:"chains"`
	// Known is true when the catalogue knows the root (chain.MissingRoot.Known).
	Known bool              `json:"known"`
	Cert  *x509.Certificate `json:"-"`
}

// MissingRoots evaluates the chains and returns the distinct roots that
// would make them trusted, in the order found. Roots the chain engine names
// without a certificate (it could not find one) are left out: nothing could
// be published for them.
func MissingRoots(cat *truststore.Catalogue, chains []Chain, opts chain.Options) ([]MissingRoot, error) {
	var out []MissingRoot
	index := map[string]int{}
	for _, c := range chains {
		for _, in := range c.Inputs {
			r, err := chain.Evaluate(cat, in, opts)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			for _, m := range r.MissingRoots {
				if m.Cert == nil {
					continue
				}
				i, ok := index[m.SHA1]
				if !ok {
					i = len(out)
					index[m.SHA1] = i
					out = append(out, MissingRoot{SHA1: m.SHA1, Name: m.Name, Subject: m.Subject, Known: m.Known, Cert: m.Cert})
				}
				if !contains(out[i].Chains, c.Name) {
					out[i].Chains = append(out[i].Chains, c.Name)
				}
			}
		}
	}
	return out, nil
}

// RefusedRoot is a missing root a remediation will not publish, and why.
type RefusedRoot struct {
	MissingRoot
	Reason string `json:"reason"`
}

// RootPlan sorts the missing roots of a remediation.
type RootPlan struct {
	// Publish are the roots to publish in Active Directory.
	Publish []MissingRoot `json:"publish"`
	// AlreadyPublished are in Certification Authorities already.
	AlreadyPublished []MissingRoot `json:"already_published"`
	// Refused cannot be published, each with the reason.
	Refused []RefusedRoot `json:"refused"`
	// PINChannel are the PowerShell lines that hand the published roots to
	// PIN-authenticated phones, which do not read Active Directory.
	PINChannel []string `json:"pin_channel"`
}

// ReasonPoolOnly refuses a root that only the pool vouches for.
const ReasonPoolOnly = "sent by the pool and not in the catalogue: if you trust it, give its certificate with --intermediates FILE"

// PlanRoots decides what to do with each missing root: nothing when
// published (the roots already in Certification Authorities) has it;
// refuse it when neither the catalogue knows it nor the administrator
// supplied it (a root only the pool sent proves nothing), or when check
// (the publishing policy) refuses it; publish it otherwise.
func PlanRoots(missing []MissingRoot, published []*x509.Certificate, supplied map[string]bool, check func(*x509.Certificate) error) RootPlan {
	p := RootPlan{Publish: []MissingRoot{}, AlreadyPublished: []MissingRoot{}, Refused: []RefusedRoot{}}
	have := map[string]bool{}
	for _, c := range published {
		have[truststore.SHA1Hex(c)] = true
	}
	for _, m := range missing {
		switch err := check(m.Cert); {
		case have[m.SHA1]:
			p.AlreadyPublished = append(p.AlreadyPublished, m)
		case !m.Known && !supplied[m.SHA1]:
			p.Refused = append(p.Refused, RefusedRoot{m, ReasonPoolOnly})
		case err != nil:
			p.Refused = append(p.Refused, RefusedRoot{m, err.Error()})
		default:
			p.Publish = append(p.Publish, m)
		}
	}
	var sha1s []string
	for _, m := range append(append([]MissingRoot{}, p.AlreadyPublished...), p.Publish...) {
		sha1s = append(sha1s, m.SHA1)
	}
	p.PINChannel = append([]string{}, certProvCommands(sha1s)...)
	return p
}

// Certificates are the certificates of the roots to publish.
func (p RootPlan) Certificates() []*x509.Certificate {
	var out []*x509.Certificate
	for _, m := range p.Publish {
		out = append(out, m.Cert)
	}
	return out
}

// Supplied are the thumbprints of the certificates the administrator gave:
// the chain files (not what a pool sent) and the extra intermediates.
func Supplied(chains []Chain, intermediates []*x509.Certificate) map[string]bool {
	out := map[string]bool{}
	for _, c := range intermediates {
		out[truststore.SHA1Hex(c)] = true
	}
	for _, c := range chains {
		if c.Kind == KindPool {
			continue
		}
		for _, in := range c.Inputs {
			for _, cert := range in.Certs {
				out[truststore.SHA1Hex(cert)] = true
			}
		}
	}
	return out
}

// StoreCounts says, per chain, which firmware stores do not trust it: the
// before/after measure of a remediation when there is no inventory.
type StoreCounts struct {
	Chain    string   `json:"chain"`
	Stranded []string `json:"stranded_stores"`
	Trusted  []string `json:"trusted_stores"`
}

// JudgeStores evaluates each chain with extra anchors (e.g. the roots
// published in Active Directory) and lists the stores that do and do not
// trust it. A pool is trusted by a store only when all its chains are.
func JudgeStores(cat *truststore.Catalogue, chains []Chain, opts chain.Options, extra []*x509.Certificate) ([]StoreCounts, error) {
	opts.ExtraAnchors = append(append([]*x509.Certificate(nil), opts.ExtraAnchors...), extra...)
	var out []StoreCounts
	for _, c := range chains {
		sc := StoreCounts{Chain: c.Name, Stranded: []string{}, Trusted: []string{}}
		var results []*chain.Result
		for _, in := range c.Inputs {
			r, err := chain.Evaluate(cat, in, opts)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			results = append(results, r)
		}
		for _, s := range cat.Stores() {
			if c.Blocker == "" && allTrusted(results, s.Name) {
				sc.Trusted = append(sc.Trusted, s.Name)
			} else {
				sc.Stranded = append(sc.Stranded, s.Name)
			}
		}
		out = append(out, sc)
	}
	return out, nil
}

// Count is the first pass of a report only: the summary, no phones.
func Count(cat *truststore.Catalogue, source string, open Opener, chains []Chain, opts Options) (*Summary, error) {
	b, err := NewBuilder(cat, chains, opts)
	if err != nil {
		return nil, err
	}
	return b.Scan(source, open)
}
