package live

import (
	"context"
	"crypto/x509"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live/livetest"
	"github.com/lpetrust/lpetrust/truststore"
)

// silentDNS is a loopback UDP socket that reads queries and never answers:
// a resolver that went silent.
func silentDNS(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	return pc.LocalAddr().String()
}

// recordingResolver wraps a Resolver and records how its lookups ran. Its
// lookups start only once release is closed (30 s at most).
type recordingResolver struct {
	Resolver
	release            chan struct{}
	mu                 sync.Mutex
	inFlight, maxIn    int
	returned           int
	longest            time.Duration
	doneBeforeAnyReply bool
}

func (r *recordingResolver) LookupAddrs(ctx context.Context, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	r.inFlight++
	r.maxIn = max(r.maxIn, r.inFlight)
	r.mu.Unlock()
	select {
	case <-r.release:
	case <-time.After(30 * time.Second):
	}
	start := time.Now()
	addrs, err := r.Resolver.LookupAddrs(ctx, host)
	r.mu.Lock()
	r.inFlight--
	r.returned++
	r.longest = max(r.longest, time.Since(start))
	r.mu.Unlock()
	return addrs, err
}

// A silent resolver costs each name one --timeout (A and AAAA asked at
// once, every name at once), and an endpoint that needs no lookup is probed
// meanwhile, not after every name resolved.
func TestAuditSilentResolver(t *testing.T) {
	h := livetest.NewHierarchy(t, "Resolve", 0, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "pool.lpe.test")
	ls := livetest.ListenSamePort(t, "127.0.0.1")
	livetest.ServeTLS(t, ls[0], livetest.ServerConfig(h.TLSCert(), false))
	silent, err := DNSResolver(silentDNS(t))
	if err != nil {
		t.Fatal(err)
	}
	// The lookups wait for the first endpoint to be done: were probing to
	// wait for the lookups, that would take 30 s.
	res := &recordingResolver{Resolver: silent, release: make(chan struct{})}
	literal := ls[0].Addr().String()
	firstDone := false // Progress is called from one goroutine at a time
	req := Request{
		Targets:  []string{"one.lpe.test:5061", "two.lpe.test:5061", "three.lpe.test:5061", literal},
		Resolver: res,
		Timeout:  time.Second,
		Chain:    chain.Options{At: testAt, ExtraAnchors: []*x509.Certificate{h.Root.Cert}},
		Progress: func(done, total int) {
			if done == 1 && !firstDone {
				firstDone = true
				res.mu.Lock()
				res.doneBeforeAnyReply = res.returned == 0
				res.mu.Unlock()
				close(res.release)
			}
		},
	}
	start := time.Now()
	eps, err := Audit(context.Background(), truststore.Default(), req)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("the audit took %s", took)
	}
	if len(eps) != 4 {
		t.Fatalf("%d endpoints, want 4", len(eps))
	}
	for _, ep := range eps[:3] {
		if ep.Err == nil || !strings.HasPrefix(ep.Err.Error(), "no address: ") || !strings.Contains(ep.Err.Error(), ep.Name) {
			t.Errorf("%s: %v, want no address", ep.Name, ep.Err)
		}
	}
	if eps[3].Err != nil || eps[3].Result == nil {
		t.Errorf("%s: %v, want a judged chain", literal, eps[3].Err)
	}
	if res.maxIn != 3 {
		t.Errorf("%d lookups at once, want all 3", res.maxIn)
	}
	if !res.doneBeforeAnyReply {
		t.Error("the address endpoint was probed only after a lookup returned")
	}
	// Under the 1 s timeout, A and AAAA together; one after the other at
	// the DNS client's own 2 s each took 4 s.
	if res.longest >= 1900*time.Millisecond {
		t.Errorf("a lookup took %s under a 1 s timeout", res.longest)
	}
}
