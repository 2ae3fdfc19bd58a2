package estate

import (
	"errors"
	"testing"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live"
)

func TestPoolVerdict(t *testing.T) {
	trusted := &chain.Result{Verdicts: []chain.Verdict{{Store: "CU11", Trusted: true}, {Store: "RTM"}}}
	finding := &chain.Result{Verdicts: []chain.Verdict{{Store: "CU11", Trusted: true}},
		Findings: []chain.Finding{{Severity: chain.SeverityError, Code: "test"}}}
	ok := live.Endpoint{Result: trusted, Phone: live.Handshake{OK: true}}
	refused := live.Endpoint{Result: trusted}
	failed := live.Endpoint{Err: errors.New("connection refused")}
	for _, c := range []struct {
		eps   []live.Endpoint
		store string
		want  string
	}{
		{nil, "CU11", "not audited"},
		{[]live.Endpoint{ok, ok}, "CU11", "yes"},
		{[]live.Endpoint{ok, ok}, "RTM", "no: 2 not trusted by RTM"},
		{[]live.Endpoint{ok, refused, failed, failed, {Result: finding, Phone: live.Handshake{OK: true}}}, "CU11",
			"no: 1 refuse the phone handshake, 1 with an error finding, 2 unreachable or failed"},
	} {
		a := &PoolAudit{Pool: &Pool{FQDN: "pool01.contoso.com"}, Endpoints: c.eps}
		if got := a.Verdict(c.store); got != c.want {
			t.Errorf("%d endpoints, %s: %q, want %q", len(c.eps), c.store, got, c.want)
		}
	}
}
