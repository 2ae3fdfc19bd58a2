package report

import "testing"

func TestRemediationUnfinished(t *testing.T) {
	zero, two, ten := 0, 2, 10
	fine := ChainCount{Chain: "pool", Stranded: &zero, Phones: &ten}
	stranded := ChainCount{Chain: "pool", Stranded: &two, Phones: &ten}
	stores := ChainCount{Chain: "pool.pem", StrandedStores: []string{"RTM"}}
	for _, c := range []struct {
		r    Remediation
		want bool
	}{
		{Remediation{Before: []ChainCount{fine}}, false},
		{Remediation{Before: []ChainCount{fine, stranded}}, true},
		{Remediation{Before: []ChainCount{stores}}, true},
		// Applied: the state after publishing is the one judged.
		{Remediation{Applied: true, Before: []ChainCount{stranded}, After: []ChainCount{fine}}, false},
		{Remediation{Applied: true, Before: []ChainCount{stranded}, After: []ChainCount{fine}, Failed: true}, true},
		{Remediation{Applied: true, Before: []ChainCount{fine}, After: []ChainCount{stores}}, true},
	} {
		if got := c.r.Unfinished(); got != c.want {
			t.Errorf("%+v: Unfinished %v, want %v", c.r, got, c.want)
		}
	}
}
