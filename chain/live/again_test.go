package live

import "testing"

func TestAgainTargetAndPoolName(t *testing.T) {
	res, err := DNSResolver("127.0.0.1:53")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		req         Request
		again, pool string
	}{
		{Request{Targets: []string{"Pool01.Contoso.com"}}, "Pool01.Contoso.com", "pool01.contoso.com"},
		{Request{Targets: []string{"pool01.contoso.com:5061"}, Ports: []int{444}}, "pool01.contoso.com:5061", "pool01.contoso.com"},
		{Request{Targets: []string{"pool01.contoso.com"}, Ports: []int{444}}, "", "pool01.contoso.com"},
		{Request{Targets: []string{"pool01.contoso.com"}, Resolver: res}, "", "pool01.contoso.com"},
		{Request{Targets: []string{"[::1]:5061"}}, "[::1]:5061", ""},
		{Request{Targets: []string{"a.contoso.com", "b.contoso.com"}}, "", ""},
		{Request{Targets: []string{"pool01.contoso.com"}, Discover: []string{"contoso.com"}}, "", "pool01.contoso.com"},
		{Request{Discover: []string{"contoso.com"}}, "", ""},
	} {
		if got := c.req.AgainTarget(); got != c.again {
			t.Errorf("%+v: AgainTarget %q, want %q", c.req, got, c.again)
		}
		if got := c.req.PoolName(); got != c.pool {
			t.Errorf("%+v: PoolName %q, want %q", c.req, got, c.pool)
		}
	}
}
