package live

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/netip"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live/livetest"
	"github.com/lpetrust/lpetrust/truststore"
)

// TestVerdictReuse probes three real servers, two sending the same chain
// and one another leaf of the same CA, and checks that each distinct chain
// is judged once and that every endpoint's result is exactly what
// chain.Evaluate says of its own chain, in its own copy.
func TestVerdictReuse(t *testing.T) {
	good := livetest.NewHierarchy(t, "Reuse", 0, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "reuse.lpe.test")
	renewed := livetest.NewCert(t, "reuse.lpe.test", 3, good.Inter, false, time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC), "reuse.lpe.test")
	other := livetest.Hierarchy{Root: good.Root, Inter: good.Inter, Leaf: renewed}
	ls := livetest.ListenSamePort(t, "127.0.0.61", "127.0.0.62", "127.0.0.63")
	livetest.ServeTLS(t, ls[0], livetest.ServerConfig(good.TLSCert(), true))
	livetest.ServeTLS(t, ls[1], livetest.ServerConfig(good.TLSCert(), true))
	livetest.ServeTLS(t, ls[2], livetest.ServerConfig(other.TLSCert(), true))

	cat := truststore.Default()
	opts := chain.Options{At: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), ExtraAnchors: []*x509.Certificate{good.Root.Cert}}
	v := newVerdicts(cat, opts)
	eps := make([]Endpoint, len(ls))
	for i, l := range ls {
		ep := &eps[i]
		ep.Name, ep.SNI, ep.Port = "reuse.lpe.test", "reuse.lpe.test", livetest.PortOf(l)
		ep.Address = l.Addr().(*net.TCPAddr).AddrPort().Addr()
		probe(context.Background(), &net.Dialer{}, ep, 3*time.Second, Limits{}.withDefaults(), nil)
		v.judge("", ep)
		if ep.Err != nil || ep.Result == nil {
			t.Fatalf("%s: %v", ep.Label(), ep.Err)
		}
	}
	if len(v.seen) != 2 {
		t.Errorf("%d distinct chains judged, want 2", len(v.seen))
	}
	wantOpts := opts
	wantOpts.Pool = "reuse.lpe.test"
	for i := range eps {
		ep := &eps[i]
		want, err := chain.Evaluate(cat, chain.Input{Source: ep.Label(), Certs: ep.Certs, Leaf: ep.Certs[0]}, wantOpts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ep.Result, want) {
			t.Errorf("%s: reused result differs from its own evaluation:\n got %+v\nwant %+v", ep.Label(), ep.Result, want)
		}
		if ep.Result.Source != ep.Label() {
			t.Errorf("%s: source %q", ep.Label(), ep.Result.Source)
		}
	}
	if got, want := eps[0].Result.Chain[0].SHA1, eps[2].Result.Chain[0].SHA1; got == want {
		t.Errorf("endpoints with different leaves share the judged leaf %s", got)
	}
	// Each endpoint owns its result: changing one (as check's flag hints
	// do) leaves the other alone.
	a, b := eps[0].Result, eps[1].Result
	if len(a.Verdicts) == 0 || len(a.Verdicts[0].Reasons) == 0 {
		t.Fatalf("want a verdict with reasons, got %+v", a.Verdicts)
	}
	before := b.Verdicts[0].Reasons[0]
	a.Verdicts[0].Reasons[0] += " (changed)"
	a.Chain[0].Name = "changed"
	if b.Verdicts[0].Reasons[0] != before || b.Chain[0].Name == "changed" {
		t.Errorf("changing one endpoint's result changed another's")
	}
}

// TestCloneResult checks that the copy is deep and equal, sharing only
// certificates.
func TestCloneResult(t *testing.T) {
	h := livetest.NewHierarchy(t, "Clone", 0, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "clone.lpe.test")
	in := chain.Input{Source: "clone", Certs: []*x509.Certificate{h.Leaf.Cert, h.Inter.Cert}, Leaf: h.Leaf.Cert}
	r, err := chain.Evaluate(truststore.Default(), in, chain.Options{At: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), ExtraAnchors: []*x509.Certificate{h.Root.Cert}})
	if err != nil {
		t.Fatal(err)
	}
	c := cloneResult(r)
	if !reflect.DeepEqual(c, r) {
		t.Fatalf("clone differs:\n got %+v\nwant %+v", c, r)
	}
	if &c.Chain[0] == &r.Chain[0] || &c.Verdicts[0] == &r.Verdicts[0] {
		t.Error("clone shares slices with the original")
	}
	if c.Chain[0].Cert != r.Chain[0].Cert {
		t.Error("clone copied a certificate; it should share it")
	}
	if r.Verdicts[0].ValidUntil != nil && c.Verdicts[0].ValidUntil == r.Verdicts[0].ValidUntil {
		t.Error("clone shares a *time.Time with the original")
	}
}

// TestWorkersPerEndpoint checks that a pool name resolving to several
// addresses gets one worker per endpoint up to Request.Concurrency, known
// only once the name resolved: the servers hold the first handshakes until
// as many endpoints as the concurrency are in flight. With fewer workers
// that never happens, and the held handshakes are let go after 5 s, which
// the test counts.
func TestWorkersPerEndpoint(t *testing.T) {
	const conc = 3
	h := livetest.NewHierarchy(t, "Workers", 0, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "workers.lpe.test")
	addrs := []string{"127.0.0.64", "127.0.0.65", "127.0.0.66", "127.0.0.67", "127.0.0.68", "127.0.0.69"}
	var mu sync.Mutex
	inFlight := map[string]int{} // handshakes in flight per server address
	open := make(chan struct{})
	opened, heldTooLong := false, 0
	zone := livetest.NewZone()
	ls := livetest.ListenSamePort(t, addrs...)
	for i, l := range ls {
		cfg := livetest.ServerConfig(h.TLSCert(), true)
		addr := addrs[i]
		cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
			mu.Lock()
			inFlight[addr]++
			if len(inFlight) >= conc && !opened {
				opened = true
				close(open)
			}
			mu.Unlock()
			select {
			case <-open:
			case <-time.After(5 * time.Second):
				mu.Lock()
				heldTooLong++
				mu.Unlock()
			}
			return nil, nil
		}
		cfg.VerifyConnection = func(tls.ConnectionState) error {
			mu.Lock()
			if inFlight[addr]--; inFlight[addr] == 0 {
				delete(inFlight, addr)
			}
			mu.Unlock()
			return nil
		}
		livetest.ServeTLS(t, l, cfg)
		zone.Add("workers.lpe.test. 60 IN A " + addr)
	}
	res, err := DNSResolver(livetest.StartDNS(t, zone))
	if err != nil {
		t.Fatal(err)
	}
	req := Request{
		Targets:     []string{net.JoinHostPort("workers.lpe.test", strconv.Itoa(livetest.PortOf(ls[0])))},
		Resolver:    res,
		Concurrency: conc,
		Timeout:     10 * time.Second,
	}
	eps, err := Audit(context.Background(), truststore.Default(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != len(addrs) {
		t.Fatalf("%d endpoints, want %d", len(eps), len(addrs))
	}
	for i, ep := range eps {
		if ep.Err != nil || ep.Address != netip.MustParseAddr(addrs[i]) {
			t.Errorf("endpoint %d: %s %v", i, ep.Label(), ep.Err)
		}
	}
	if !opened || heldTooLong > 0 {
		t.Errorf("%d endpoints never were in flight at once (%d handshakes held 5 s)", conc, heldTooLong)
	}
}
