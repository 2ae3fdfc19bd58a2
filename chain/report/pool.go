package report

import (
	"fmt"
	"strings"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/chain/remedy"
)

// poolName is the host of a pool target, for the printed check commands.
func poolName(target string) string {
	if t, err := live.ParseTarget(target); err == nil {
		return t.Host
	}
	return target
}

// PoolChain turns what the members of a pool served (a live audit of
// target) into one chain of the report: each distinct chain a member served
// becomes an input (a phone counts as trusted only when it trusts them all),
// members that could not be judged become notes, and members refusing the
// phones' TLS 1.0 handshake make a blocker, since they strand every phone.
// It fails when no member presented a chain.
func PoolChain(target string, eps []live.Endpoint) (Chain, error) {
	c := Chain{Name: target, Kind: KindPool, Source: remedy.Source{Check: target, Pool: poolName(target)}}
	var refusing []string
	for i := range eps {
		ep := &eps[i]
		if ep.Err != nil || len(ep.Certs) == 0 {
			msg := "no chain"
			if ep.Err != nil {
				msg = ep.Err.Error()
			}
			c.Notes = append(c.Notes, fmt.Sprintf("%s: %s (not judged)", ep.Label(), msg))
			continue
		}
		if !ep.Phone.OK {
			refusing = append(refusing, ep.Label())
		}
	}
	for _, ep := range remedy.ServedChains(eps) {
		c.Inputs = append(c.Inputs, chain.Input{Source: ep.Label(), Certs: ep.Certs})
	}
	if len(c.Inputs) == 0 {
		return c, fmt.Errorf("%s: no endpoint presented a certificate chain (%s)", target, strings.Join(c.Notes, "; "))
	}
	if len(c.Inputs) > 1 {
		c.Notes = append(c.Notes, fmt.Sprintf("the pool's members serve %d different chains; a phone counts as trusted only when it trusts all of them", len(c.Inputs)))
	}
	if len(refusing) > 0 {
		c.Blocker = fmt.Sprintf("%s refuse(s) the phones' TLS 1.0 handshake (LPE cannot use TLS 1.2)", strings.Join(refusing, ", "))
	}
	return c, nil
}
