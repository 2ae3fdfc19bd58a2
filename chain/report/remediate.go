package report

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
)

// Directory is what a remediation needs of Active Directory
// (*adpublish.Directory).
type Directory interface {
	PublishedRoots(cat *truststore.Catalogue, at time.Time) ([]*x509.Certificate, error)
	Publish(certs []*x509.Certificate, opts adpublish.PublishOptions) *adpublish.Report
}

// RemediateRequest is a remediation: the chains to judge, the inventory
// (optional), and what to do.
type RemediateRequest struct {
	Catalogue *truststore.Catalogue
	Chains    []Chain
	Options   Options
	// Source and Open read the inventory; nil Open means none.
	Source string
	Open   Opener
	// Directory is nil for an offline dry run (--config-nc alone): nothing
	// is published yet, as far as the plan knows.
	Directory Directory
	// ConfigNC names the configuration naming context in the LDIF.
	ConfigNC string
	// Apply publishes; otherwise the plan and its LDIF are all.
	Apply bool
	// Policy is the publishing policy (adpublish.CheckCertificate).
	Policy func(*x509.Certificate) error
}

// Remediation is what a remediation found and did.
type Remediation struct {
	Applied bool `json:"applied"`
	// The roots: to publish (with Apply: published), already published,
	// refused, and the warnings about roots nobody vouched for.
	remedy.Roots
	// PINChannel are the PowerShell lines that hand the roots to
	// PIN-authenticated phones, which do not read Active Directory.
	PINChannel []string `json:"pin_channel"`
	// Before, Projected and After count stranded phones per chain (with an
	// inventory) or list the stores that do not trust each chain.
	Before    []ChainCount        `json:"before"`
	Projected []ChainCount        `json:"projected"`
	After     []ChainCount        `json:"after,omitempty"`
	Outcomes  []adpublish.Outcome `json:"outcomes,omitempty"`
	Verified  *bool               `json:"verified,omitempty"`
	LDIF      string              `json:"ldif,omitempty"`
	// Plans are the remediation plans, one per chain, with the roots
	// decided over every chain.
	Plans []*remedy.Plan `json:"plan"`
	// Failed: a publication failed or did not read back.
	Failed bool `json:"-"`
}

// ChainCount is the state of one chain: stranded phones (inventory) or
// stores that do not trust it (no inventory).
type ChainCount struct {
	Chain          string   `json:"chain"`
	Phones         *int     `json:"phones,omitempty"`
	Stranded       *int     `json:"stranded,omitempty"`
	StrandedStores []string `json:"stranded_stores,omitempty"`
}

// StrandedAny reports whether anything is stranded.
func (c ChainCount) StrandedAny() bool {
	if c.Stranded != nil {
		return *c.Stranded > 0
	}
	return len(c.StrandedStores) > 0
}

func (c ChainCount) String() string {
	if c.Stranded != nil {
		return fmt.Sprintf("%d of %d phones stranded", *c.Stranded, *c.Phones)
	}
	if len(c.StrandedStores) == 0 {
		return "trusted by every firmware store"
	}
	return "not trusted by " + strings.Join(c.StrandedStores, ", ")
}

// Remediate runs audit → plan → publish → verify → re-audit: it finds the
// chains' missing roots, decides under the one rule which to publish (the
// rest refused with the reason), counts who is stranded before and after,
// and, with Apply, publishes exactly the planned roots, reads them back and
// judges again with the roots the directory now holds. Without Apply it
// prints (in LDIF) the changes and touches nothing.
func Remediate(req RemediateRequest) (*Remediation, error) {
	cat := req.Catalogue
	opts := req.Options
	if opts.At.IsZero() {
		opts.At = time.Now().UTC()
	}
	opts.Chain.At = opts.At
	var published []*x509.Certificate
	if req.Directory != nil {
		var err error
		if published, err = req.Directory.PublishedRoots(cat, opts.At); err != nil {
			return nil, &DirectoryError{err}
		}
	}
	missing, err := collect(cat, req.Chains, opts)
	if err != nil {
		return nil, err
	}
	roots := remedy.DecideRoots(cat, missing, remedy.RootOptions{Supplied: Supplied(req.Chains, opts.Chain.Intermediates),
		PublishUnknown: opts.PublishUnknown, Published: published, Check: req.Policy})
	r := &Remediation{Applied: req.Apply, Roots: roots}
	for _, c := range remedy.CertProvCommands(roots.Trusted()) {
		r.PINChannel = append(r.PINChannel, c.Render(remedy.PowerShell))
	}
	if r.PINChannel == nil {
		r.PINChannel = []string{}
	}
	certs := roots.Certificates()
	count := func(anchors []*x509.Certificate) ([]ChainCount, error) {
		return countStranded(cat, req.Chains, opts, req.Source, req.Open, anchors)
	}
	if r.Before, err = count(published); err != nil {
		return nil, err
	}
	if r.Projected, err = count(append(append([]*x509.Certificate{}, published...), certs...)); err != nil {
		return nil, err
	}
	popts := opts
	popts.WithAD, popts.ADRoots = len(published) > 0, published
	b, err := NewBuilder(cat, req.Chains, popts)
	if err != nil {
		return nil, err
	}
	var s *Summary
	if req.Open != nil {
		if s, err = b.Scan(req.Source, req.Open); err != nil {
			return nil, err
		}
	}
	for _, jc := range b.chains {
		var groups []*group
		if s != nil {
			groups = b.sortedGroups()
		}
		r.Plans = append(r.Plans, b.planWith(jc, groups, s != nil, &roots))
	}
	if !req.Apply && req.Directory == nil && req.ConfigNC == "" {
		return r, nil // an offline plan without the naming context: no LDIF
	}
	if !req.Apply {
		var rep *adpublish.Report
		if req.Directory == nil {
			rep = adpublish.PlanOffline(certs, adpublish.KindRoot, req.ConfigNC)
		} else {
			rep = req.Directory.Publish(certs, adpublish.PublishOptions{Kind: adpublish.KindRoot, DryRun: true})
		}
		var sb strings.Builder
		comment := "lpetrust remediate plan: roots to publish in " + rep.ConfigNC
		if rep.AssumedAbsent {
			comment += " (no directory contacted: assuming none of the objects exist yet)"
		}
		if err := adpublish.WriteLDIF(&sb, rep.Changes, comment); err != nil {
			return nil, err
		}
		r.LDIF, r.Outcomes, r.Failed = sb.String(), rep.Outcomes, rep.Failed()
		return r, nil
	}
	rep := req.Directory.Publish(certs, adpublish.PublishOptions{Kind: adpublish.KindRoot})
	r.Outcomes, r.Failed = rep.Outcomes, rep.Failed()
	after, err := req.Directory.PublishedRoots(cat, opts.At)
	if err != nil {
		return nil, &DirectoryError{err}
	}
	now := map[string]bool{}
	for _, c := range after {
		now[truststore.SHA1Hex(c)] = true
	}
	ok := true
	for _, m := range roots.Publish {
		ok = ok && now[m.SHA1]
	}
	r.Verified = &ok
	r.Failed = r.Failed || !ok
	if r.After, err = count(after); err != nil {
		return nil, err
	}
	return r, nil
}

// DirectoryError is a failure to read the directory, as opposed to bad
// input.
type DirectoryError struct{ Err error }

func (e *DirectoryError) Error() string { return e.Err.Error() }
func (e *DirectoryError) Unwrap() error { return e.Err }

// Final is the state the exit code is judged on: after publishing, or now.
func (r *Remediation) Final() []ChainCount {
	if r.Applied {
		return r.After
	}
	return r.Before
}

// Unfinished is what remediate's exit code says: a publication failed or
// did not read back, or some chain still strands phones (or stores) in the
// Final state.
func (r *Remediation) Unfinished() bool {
	for _, c := range r.Final() {
		if c.StrandedAny() {
			return true
		}
	}
	return r.Failed
}

// collect evaluates the chains and returns their distinct missing roots.
func collect(cat *truststore.Catalogue, chains []Chain, opts Options) ([]remedy.Root, error) {
	var out []remedy.Root
	for _, c := range chains {
		var results []*chain.Result
		for _, in := range c.Inputs {
			r, err := chain.Evaluate(cat, in, opts.Chain)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			results = append(results, r)
		}
		out = remedy.CollectRoots(cat, c.Name, results, Supplied([]Chain{c}, opts.Chain.Intermediates), out)
	}
	return out, nil
}

// countStranded judges the chains with the roots as AD-published anchors:
// stranded phones per chain with an inventory, else stores per chain.
func countStranded(cat *truststore.Catalogue, chains []Chain, opts Options, source string, open Opener, roots []*x509.Certificate) ([]ChainCount, error) {
	var out []ChainCount
	if open == nil {
		scs, err := JudgeStores(cat, chains, opts.Chain, roots)
		if err != nil {
			return nil, err
		}
		for _, sc := range scs {
			out = append(out, ChainCount{Chain: sc.Chain, StrandedStores: sc.Stranded})
		}
		return out, nil
	}
	opts.WithAD, opts.ADRoots = true, roots
	s, err := Count(cat, source, open, chains, opts)
	if err != nil {
		return nil, err
	}
	for _, c := range s.Chains {
		phones, stranded := c.Phones, c.Stranded
		out = append(out, ChainCount{Chain: c.Name, Phones: &phones, Stranded: &stranded})
	}
	return out, nil
}

// Supplied are the thumbprints of the certificates the administrator gave:
// the chain files (not what a pool sent) and the extra intermediates.
func Supplied(chains []Chain, intermediates []*x509.Certificate) map[string]bool {
	groups := [][]*x509.Certificate{intermediates}
	for _, c := range chains {
		if c.Kind == KindPool {
			continue
		}
		for _, in := range c.Inputs {
			groups = append(groups, in.Certs)
		}
	}
	return remedy.Supplied(groups...)
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
