package remedy

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/truststore"
)

// Problem is what is wrong with servers of a live audit, whatever the
// phones' firmware.
type Problem string

// Server problems, in the order a plan lists them.
const (
	ProblemNoSuchName   Problem = "dns-no-such-name" // the name does not exist in DNS
	ProblemDNSNoAnswer  Problem = "dns-no-answer"    // the DNS server did not answer
	ProblemDNS          Problem = "dns"              // another DNS failure
	ProblemUnreachable  Problem = "unreachable"      // no TLS handshake completed
	ProblemTLS10        Problem = "tls10"            // the phones' TLS 1.0 handshake is refused
	ProblemECDSAOnly    Problem = "ecdsa-only"       // only an ECDSA certificate, no RSA one
	ProblemInconsistent Problem = "inconsistent"     // pool members serve different chains
	ProblemNoSNI        Problem = "no-sni"           // another certificate without SNI
)

// ServerIssue is one problem and the endpoints that have it.
type ServerIssue struct {
	Problem   Problem  `json:"problem"`
	Endpoints []string `json:"endpoints"`
	// Detail: the DNS server, the pool and port, the error text.
	Detail string `json:"detail,omitempty"`
}

// Blocks reports whether phones cannot sign in at those endpoints at all.
func (s ServerIssue) Blocks() bool {
	switch s.Problem {
	case ProblemInconsistent, ProblemNoSNI:
		return false
	}
	return true
}

func (s ServerIssue) fix() Fix {
	list := strings.Join(s.Endpoints, ", ")
	f := Fix{Kind: KindServer, Prerequisite: s.Blocks(), Effort: "server or DNS configuration"}
	switch s.Problem {
	case ProblemNoSuchName:
		f.Title = fmt.Sprintf("%s: the name does not exist in DNS; check the name, or create the records the phones look up", list)
		f.Effort = "DNS"
	case ProblemDNSNoAnswer:
		f.Title = fmt.Sprintf("the DNS server %s did not answer (for %s): check that it is the server the phones use and that it is reachable, then check again", s.Detail, list)
		f.Effort = "DNS"
	case ProblemDNS:
		f.Title = fmt.Sprintf("DNS lookups failed for %s: %s", list, s.Detail)
		f.Effort = "DNS"
	case ProblemUnreachable:
		f.Title = "fix, or remove from DNS, the endpoints that could not be checked: " + list
	case ProblemTLS10:
		f.Title = "re-enable TLS 1.0 with RSA key exchange (TLS_RSA_WITH_AES_128_CBC_SHA) on " + list + ": LPE phones cannot do TLS 1.2, so they cannot connect there whatever the certificate"
	case ProblemECDSAOnly:
		f.Title = "give " + list + " an RSA certificate: it presents only an ECDSA one, and LPE phones offer only RSA key exchange (TLS_RSA_WITH_AES_128_CBC_SHA), so they cannot connect there"
	case ProblemInconsistent:
		f.Title = fmt.Sprintf("install the same certificate chain on every member of %s (odd: %s)", s.Detail, list)
	case ProblemNoSNI:
		f.Title = "make the pool certificate the default (no-SNI) certificate on " + list + ", so clients that send no server name get it too"
	}
	return f
}

// servers lists the server problems first; the first that blocks brings
// back the phones whose firmware trusts the chain.
func (p *planner) servers() {
	blocked := false
	if p.req.Blocker != "" {
		f := Fix{Kind: KindServer, Prerequisite: true, Effort: "server configuration", Title: "fix the pool first: " + p.req.Blocker}
		n, st, any := p.bring(func(g *work) bool { return len(errorFindings(p.base)) == 0 && p.trustedNow(g) })
		p.add(f, n, st, any)
		blocked = true
	}
	for _, s := range p.req.Servers {
		f := s.fix()
		n, st, any := 0, []string{}, false
		if s.Blocks() && !blocked {
			n, st, any = p.bring(func(g *work) bool { return len(errorFindings(p.base)) == 0 && p.trustedNow(g) })
			blocked = true
		}
		p.add(f, n, st, any)
	}
}

// Audit is a live audit made ready for planning: the distinct chains the
// endpoints served, their results, and the server problems.
type Audit struct {
	Inputs  []chain.Input
	Results []*chain.Result
	Servers []ServerIssue
}

// FromEndpoints reads a live audit: every distinct chain an endpoint
// presented becomes an input (a phone reaching any endpoint must trust them
// all), and unreachable, DNS, TLS and consistency problems become server
// issues.
func FromEndpoints(eps []live.Endpoint, notes []live.PoolNote) Audit {
	var a Audit
	issues := map[Problem]*ServerIssue{}
	var order []Problem
	add := func(pr Problem, label, detail string) {
		s := issues[pr]
		if s == nil {
			s = &ServerIssue{Problem: pr, Detail: detail}
			issues[pr] = s
			order = append(order, pr)
		}
		if !contains(s.Endpoints, label) {
			s.Endpoints = append(s.Endpoints, label)
		}
	}
	for i := range eps {
		e := &eps[i]
		if e.Err != nil {
			pr, detail, label := classify(e)
			add(pr, label, detail)
			continue
		}
		switch {
		case e.Phone.OK:
		case ecdsaOnly(e):
			add(ProblemECDSAOnly, e.Label(), "")
		default:
			add(ProblemTLS10, e.Label(), "")
		}
		if e.SNIDiffers {
			add(ProblemNoSNI, e.Label(), "")
		}
	}
	for _, e := range ServedChains(eps) {
		if e.Result != nil {
			a.Inputs = append(a.Inputs, chain.Input{Source: e.Label(), Certs: e.Certs})
			a.Results = append(a.Results, e.Result)
		}
	}
	for _, pr := range []Problem{ProblemNoSuchName, ProblemDNSNoAnswer, ProblemDNS, ProblemUnreachable, ProblemTLS10, ProblemECDSAOnly} {
		if s := issues[pr]; s != nil {
			a.Servers = append(a.Servers, *s)
		}
	}
	for _, n := range notes {
		a.Servers = append(a.Servers, ServerIssue{Problem: ProblemInconsistent, Endpoints: n.Odd, Detail: fmt.Sprintf("%s port %d", n.Name, n.Port)})
	}
	if s := issues[ProblemNoSNI]; s != nil {
		a.Servers = append(a.Servers, *s)
	}
	_ = order
	return a
}

// ServedChains are the endpoints that presented a chain, one per distinct
// chain (the same certificates in the same order), the first to present
// it, in audit order. A phone reaching any of them must trust them all.
func ServedChains(eps []live.Endpoint) []*live.Endpoint {
	var out []*live.Endpoint
	seen := map[string]bool{}
	for i := range eps {
		e := &eps[i]
		if e.Err != nil || len(e.Certs) == 0 {
			continue
		}
		var key strings.Builder
		for _, c := range e.Certs {
			key.WriteString(truststore.SHA1Hex(c))
		}
		if !seen[key.String()] {
			seen[key.String()] = true
			out = append(out, e)
		}
	}
	return out
}

// classify tells a DNS failure (a name that does not exist, a server that
// did not answer) from an endpoint that could not be reached.
func classify(e *live.Endpoint) (Problem, string, string) {
	label := e.Label()
	var le *live.LookupError
	if !errors.As(e.Err, &le) {
		return ProblemUnreachable, "", label
	}
	if le.Name != "" {
		label = le.Name
	}
	if errors.Is(le, live.ErrNoSuchName) {
		return ProblemNoSuchName, "", label
	}
	var ne net.Error
	if errors.As(le, &ne) && ne.Timeout() || le.Server != "" && isNoAnswer(le) {
		server := le.Server
		if server == "" {
			server = "of the system resolver"
		}
		return ProblemDNSNoAnswer, server, label
	}
	return ProblemDNS, le.Err.Error(), label
}

func isNoAnswer(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe)
}

// ecdsaOnly reports whether the phone probe failed while a modern client
// got an ECDSA certificate: the server has no RSA certificate to offer the
// phones' RSA key exchange suites, whatever TLS versions it enables.
func ecdsaOnly(e *live.Endpoint) bool {
	if e.Phone.OK || !e.Modern.OK || len(e.Modern.Certs) == 0 {
		return false
	}
	_, ok := e.Modern.Certs[0].PublicKey.(*ecdsa.PublicKey)
	return ok
}
