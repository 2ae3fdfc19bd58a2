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
