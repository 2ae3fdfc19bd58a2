package estate

import (
	"net"
	"strconv"

	"github.com/lpetrust/lpetrust/chain/live"
)

// PortChoice changes the ports audited: Replace, when given, replaces
// every pool's own ports (a lab, or one port checked everywhere); Add
// adds ports to them.
type PortChoice struct {
	Replace, Add []int
}

// Targets are the live.Request targets that audit every pool: each of its
// names (the pool FQDN, then every machine) on each of its ports, as
// "name:port". A name and port shared by two pools is listed once, for the
// first.
func (e *Estate) Targets(ports PortChoice) []string {
	var out []string
	seen := map[string]bool{}
	for i := range e.Pools {
		for _, t := range e.Pools[i].targets(ports) {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

func (p *Pool) targets(choice PortChoice) []string {
	ports := choice.Replace
	if len(ports) == 0 {
		ports = p.Ports()
	}
	for _, a := range choice.Add {
		if !containsInt(ports, a) {
			ports = append(append([]int(nil), ports...), a)
		}
	}
	var out []string
	for _, n := range p.Names() {
		for _, port := range ports {
			out = append(out, net.JoinHostPort(n, strconv.Itoa(port)))
		}
	}
	return out
}

// PoolAudit is what an audit found at one pool's endpoints.
type PoolAudit struct {
	Pool *Pool
	// Endpoints are the pool's endpoints, in audit order.
	Endpoints []live.Endpoint
	// Consistency notes members of the pool — under any of its names —
	// that serve another chain than the others on the same port.
	Consistency []live.PoolNote
}

// Group splits an audit of Targets(ports) by pool, in the estate's order.
// Endpoints of no pool (not from Targets) are left out.
func (e *Estate) Group(eps []live.Endpoint, ports PortChoice) []PoolAudit {
	owner := map[string]int{}
	for i := range e.Pools {
		for _, t := range e.Pools[i].targets(ports) {
			if _, ok := owner[t]; !ok {
				owner[t] = i
			}
		}
	}
	out := make([]PoolAudit, len(e.Pools))
	for i := range e.Pools {
		out[i].Pool = &e.Pools[i]
		out[i].Endpoints = []live.Endpoint{}
	}
	for _, ep := range eps {
		if i, ok := owner[ep.Target]; ok {
			out[i].Endpoints = append(out[i].Endpoints, ep)
		}
	}
	for i := range out {
		out[i].Consistency = poolConsistency(out[i].Pool, out[i].Endpoints)
	}
	return out
}

// poolConsistency compares the chains served on each port across the
// pool's addresses, whichever of the pool's names reached them: each
// address and port counts once.
func poolConsistency(p *Pool, eps []live.Endpoint) []live.PoolNote {
	var members []live.Endpoint
	seen := map[string]bool{}
	for _, ep := range eps {
		if !ep.Address.IsValid() || len(ep.Certs) == 0 || seen[ep.HostPort()] {
			continue
		}
		seen[ep.HostPort()] = true
		ep.Name = p.FQDN
		members = append(members, ep)
	}
	notes := live.Consistency(members)
	if notes == nil {
		notes = []live.PoolNote{}
	}
	return notes
}

// PhoneReady reports whether phones of the store sign in at every
// endpoint of the pool (see live.Endpoint.PhoneReady).
func (a *PoolAudit) PhoneReady(store string) bool {
	return live.AllPhoneReady(a.Endpoints, store)
}
