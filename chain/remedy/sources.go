package remedy

import (
	"crypto/x509"
	"fmt"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/chain/live/estate"
	"github.com/lpetrust/lpetrust/truststore"
)

// Supplied is the set of SHA-1s of certificates the administrator gave in
// files (RootOptions.Supplied).
func Supplied(groups ...[]*x509.Certificate) map[string]bool {
	out := map[string]bool{}
	for _, g := range groups {
		for _, c := range g {
			out[truststore.SHA1Hex(c)] = true
		}
	}
	return out
}

// ForFiles makes one plan per input of files the administrator gave
// (inspect): every certificate of the input and of base.Options'
// intermediates counts as supplied. base carries what every plan shares
// (catalogue, options, PublishUnknown, the Source flags, target); each plan
// is named after its input, whose file the printed commands read again.
func ForFiles(base Request, inputs []chain.Input, results []*chain.Result) []*Plan {
	plans := make([]*Plan, len(inputs))
	for i, in := range inputs {
		req := base
		req.Name, req.Inputs, req.Results = in.Source, []chain.Input{in}, []*chain.Result{results[i]}
		req.Roots.Supplied = Supplied(base.Options.Intermediates, in.Certs)
		req.Source.File = in.Source
		plans[i] = Make(req)
	}
	return plans
}

// ForEndpoints makes the plan of a live audit (check): only base.Options'
// intermediates count as supplied, since what a server sent proves nothing.
func ForEndpoints(base Request, eps []live.Endpoint, notes []live.PoolNote) *Plan {
	audit := FromEndpoints(eps, notes)
	req := base
	req.Live, req.Inputs, req.Results, req.Servers = true, audit.Inputs, audit.Results, audit.Servers
	req.Roots.Supplied = Supplied(base.Options.Intermediates)
	return Make(req)
}

// ForEstate makes the plan of each pool of an estate audit (check
// --estate), in the audit's order: the pool's endpoints and consistency
// notes judged as ForEndpoints does, the plan named after the pool, and its
// check commands naming it (unless base.Source.Pool names one already).
// ad publish --from-check would not audit the same endpoints again, so
// Source.Check is left empty.
func ForEstate(base Request, pools []estate.PoolAudit) []*Plan {
	out := make([]*Plan, len(pools))
	for i := range pools {
		g := &pools[i]
		req := base
		req.Name = g.Pool.FQDN
		req.Source.Check = ""
		if req.Source.Pool == "" {
			req.Source.Pool = g.Pool.FQDN
		}
		out[i] = ForEndpoints(req, g.Endpoints, g.Consistency)
	}
	return out
}

// AdvisedRoots are the roots the plans advise for Active Directory that
// have a certificate to write, each once, in the order found. Refused roots
// are not among them: a file of one would pass for a root the administrator
// vouched for.
func AdvisedRoots(plans ...*Plan) []Root {
	var out []Root
	seen := map[string]bool{}
	for _, p := range plans {
		if p == nil {
			continue
		}
		for _, r := range p.Roots.Publish {
			if seen[r.SHA1] || r.Cert == nil {
				continue
			}
			seen[r.SHA1] = true
			out = append(out, r)
		}
	}
	return out
}

// LookAlikeError refuses a certificate given to be published as a root
// that carries the name of the known root Known with another key.
type LookAlikeError struct {
	Cert, Known *x509.Certificate
}

func (e *LookAlikeError) Error() string {
	return fmt.Sprintf("%s (%s) carries the name of the known root %s (%s) with another key: a look-alike, not published",
		truststore.DisplayName(e.Cert), truststore.SHA1Hex(e.Cert), truststore.DisplayName(e.Known), truststore.SHA1Hex(e.Known))
}

// RefuseLookAlike returns a *LookAlikeError when c is a look-alike of a
// known root (LookAlike), nil otherwise.
func RefuseLookAlike(cat *truststore.Catalogue, c *x509.Certificate) error {
	if k := LookAlike(cat, c); k != nil {
		return &LookAlikeError{Cert: c, Known: k}
	}
	return nil
}
