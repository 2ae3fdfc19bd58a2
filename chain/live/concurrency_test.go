package live

import (
	"context"
	"crypto/tls"
	"net"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain/live/livetest"
	"github.com/lpetrust/lpetrust/truststore"
)

// TestConcurrencyRule checks the rule C = min(N, ceiling), ceiling =
// ⌊share·CPUs·round/endpointCPU⌋ clamped to [1, 256], with exact values.
func TestConcurrencyRule(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		endpoints, cpus int
		share           float64
		endpointCPU     time.Duration
		round           time.Duration
		want            int
	}{
		{0, 2, 0.5, 2 * ms, 100 * ms, 1},       // no endpoint: still one worker
		{1, 2, 0.5, 2 * ms, 100 * ms, 1},       // one endpoint, one worker
		{7, 2, 0.5, 2 * ms, 100 * ms, 7},       // fewer endpoints than the ceiling
		{500, 2, 0.5, 2 * ms, 100 * ms, 50},    // 0.5·2·100/2
		{2000, 1, 0.5, 2 * ms, 100 * ms, 25},   // one CPU
		{2000, 8, 0.5, 2 * ms, 100 * ms, 200},  // 0.5·8·100/2
		{2000, 16, 0.5, 2 * ms, 100 * ms, 256}, // 400, capped
		{2000, 2, 0.25, 2 * ms, 100 * ms, 25},  // a smaller share
		{2000, 2, 0.5, 3 * ms, 100 * ms, 33},   // costlier endpoints: ⌊33.3⌋
		{2000, 1, 0.5, 200 * ms, 100 * ms, 1},  // the budget allows less than one: one
		{40, 2, 0.5, 2 * ms, 100 * ms, 40},
	} {
		b := budget{cpus: c.cpus, share: c.share, endpointCPU: c.endpointCPU, round: c.round}
		if got := b.concurrency(c.endpoints); got != c.want {
			t.Errorf("%+v.concurrency(%d) = %d, want %d", b, c.endpoints, got, c.want)
		}
	}
}

// TestChooseConcurrency checks that the exported rule is the budget's
// with this process's CPUs and the documented constants.
func TestChooseConcurrency(t *testing.T) {
	per := int(budgetShare * float64(budgetRound) / float64(budgetEndpointCPU))
	if per != 25 {
		t.Fatalf("endpoints per CPU = %d, want 25 (README and check's help say so)", per)
	}
	ceiling := min(per*runtime.GOMAXPROCS(0), maxConcurrency)
	for _, c := range []struct{ endpoints, want int }{
		{0, 1},
		{1, 1},
		{ceiling, ceiling},
		{ceiling + 1, ceiling},
		{100000, ceiling},
	} {
		if got := ChooseConcurrency(c.endpoints); got != c.want {
			t.Errorf("ChooseConcurrency(%d) = %d, want %d", c.endpoints, got, c.want)
		}
	}
}

// TestProbeGroups checks what each probe offers: the modern and no-SNI
// probes only classical groups (no hybrid post-quantum key share), the
// phone probe crypto/tls's defaults untouched, and the negotiated group is
// reported.
func TestProbeGroups(t *testing.T) {
	h := livetest.NewHierarchy(t, "Groups", 0, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "groups.lpe.test")
	cfg := livetest.ServerConfig(h.TLSCert(), true)
	var mu sync.Mutex
	offered := map[string][]tls.CurveID{}
	cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		kind := "modern"
		switch {
		case slices.Equal(hello.SupportedVersions, []uint16{tls.VersionTLS10}):
			kind = "phone"
		case hello.ServerName == "":
			kind = "no-sni"
		}
		mu.Lock()
		offered[kind] = hello.SupportedCurves
		mu.Unlock()
		return nil, nil
	}
	l := livetest.ListenSamePort(t, "127.0.0.46")
	livetest.ServeTLS(t, l[0], cfg)

	ep := Endpoint{Name: "groups.lpe.test", SNI: "groups.lpe.test", Port: livetest.PortOf(l[0])}
	ep.Address = l[0].Addr().(*net.TCPAddr).AddrPort().Addr()
	probe(context.Background(), &net.Dialer{}, &ep, 3*time.Second, Limits{}.withDefaults(), nil)
	if !ep.Modern.OK || !ep.Phone.OK || ep.NoSNI == nil || !ep.NoSNI.OK {
		t.Fatalf("handshakes failed: modern %+v phone %+v no-SNI %+v", ep.Modern, ep.Phone, ep.NoSNI)
	}
	classical := []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}
	for _, kind := range []string{"modern", "no-sni"} {
		if !slices.Equal(offered[kind], classical) {
			t.Errorf("%s probe offered %v, want %v", kind, offered[kind], classical)
		}
	}
	if cfg := clientConfig(probePhone, "x", nil); cfg.CurvePreferences != nil {
		t.Errorf("phone probe CurvePreferences = %v, want crypto/tls's defaults (nil)", cfg.CurvePreferences)
	}
	if ep.Modern.KeyExchange != "X25519" {
		t.Errorf("modern key_exchange = %q, want X25519", ep.Modern.KeyExchange)
	}
	if ep.Phone.KeyExchange != "" {
		t.Errorf("phone key_exchange = %q, want empty (RSA key exchange)", ep.Phone.KeyExchange)
	}
}

// TestProgressFromZero checks that progress starts at 0 of N before any
// endpoint is probed.
func TestProgressFromZero(t *testing.T) {
	h := livetest.NewHierarchy(t, "Progress", 0, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "progress.lpe.test")
	ls := livetest.ListenSamePort(t, "127.0.0.47", "127.0.0.48")
	for _, l := range ls {
		livetest.ServeTLS(t, l, livetest.ServerConfig(h.TLSCert(), true))
	}
	var calls [][2]int
	req := Request{
		Targets:  []string{ls[0].Addr().String(), ls[1].Addr().String()},
		Timeout:  3 * time.Second,
		Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) },
	}
	if _, err := Audit(context.Background(), truststore.Default(), req); err != nil {
		t.Fatal(err)
	}
	if want := [][2]int{{0, 2}, {1, 2}, {2, 2}}; !slices.Equal(calls, want) {
		t.Errorf("progress calls = %v, want %v", calls, want)
	}
}
