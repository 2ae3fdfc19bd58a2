package live

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live/livetest"
	"github.com/lpetrust/lpetrust/truststore"
)

var testAt = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func poolRequest(t *testing.T, p *livetest.Pool) Request {
	t.Helper()
	res, err := DNSResolver(p.DNS)
	if err != nil {
		t.Fatal(err)
	}
	return Request{
		Discover: []string{"lpe.test"},
		Resolver: res,
		Ports:    []int{p.Port},
		Timeout:  3 * time.Second,
		Chain:    chain.Options{At: testAt, ExtraAnchors: []*x509.Certificate{p.Good.Root.Cert}},
	}
}

func TestAuditDiscoveredPool(t *testing.T) {
	p := livetest.StartPool(t)
	eps, err := Audit(context.Background(), truststore.Default(), poolRequest(t, p))
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ via, name, hostport string }
	want := []row{
		{"SRV _sipinternaltls._tcp.lpe.test", "pool.lpe.test", fmt.Sprintf("127.0.0.2:%d", p.Port)},
		{"SRV _sipinternaltls._tcp.lpe.test", "pool.lpe.test", fmt.Sprintf("127.0.0.3:%d", p.Port)},
		{"SRV _sipinternaltls._tcp.lpe.test", "pool.lpe.test", fmt.Sprintf("127.0.0.4:%d", p.Port)},
	}
	if p.V6 {
		want = append(want, row{"SRV _sipinternaltls._tcp.lpe.test", "pool.lpe.test", fmt.Sprintf("[::1]:%d", p.Port)})
	}
	want = append(want,
		row{"SRV _sip._tls.lpe.test", "edge.lpe.test", fmt.Sprintf("127.0.0.5:%d", p.Edge)},
		row{"discovered", "sip.lpe.test", fmt.Sprintf("127.0.0.2:%d", p.Port)},
	)
	if len(eps) != len(want) {
		for _, e := range eps {
			t.Logf("%s %s %v", e.Via, e.Label(), e.Err)
		}
		t.Fatalf("got %d endpoints, want %d", len(eps), len(want))
	}
	for i, w := range want {
		e := eps[i]
		if got := (row{e.Via, e.Name, e.HostPort()}); got != w {
			t.Errorf("endpoint %d = %+v, want %+v", i, got, w)
		}
		if e.Err != nil {
			t.Errorf("%s: %v", e.Label(), e.Err)
		}
		if e.Target != "lpe.test" || e.SNI != e.Name {
			t.Errorf("%s: target %q sni %q", e.Label(), e.Target, e.SNI)
		}
	}
	n := len(want)
	for _, e := range eps[:n-2] {
		if !e.Trusted("CU11") || !e.Trusted("RTM") {
			t.Errorf("%s: not trusted via the extra anchor: %+v", e.Label(), e.Result.Verdicts)
		}
		if !e.Phone.OK || e.Phone.Version != "TLS 1.0" || e.Phone.CipherSuite != "TLS_RSA_WITH_AES_128_CBC_SHA" || e.Phone.Error != "" {
			t.Errorf("%s: phone handshake %+v", e.Label(), e.Phone)
		}
		if !e.Modern.OK || e.Modern.Version != "TLS 1.3" || e.Modern.CipherSuite != "TLS_AES_128_GCM_SHA256" {
			t.Errorf("%s: modern handshake %+v", e.Label(), e.Modern)
		}
		if !e.PhoneReady("CU11") {
			t.Errorf("%s: not phone-ready", e.Label())
		}
		if e.ChainFrom != "phone" || e.ModernDiffers {
			t.Errorf("%s: chain from %q, modern differs %v", e.Label(), e.ChainFrom, e.ModernDiffers)
		}
	}
	edge := eps[n-2]
	if edge.Trusted("CU11") {
		t.Errorf("edge trusted: %+v", edge.Result.Verdicts)
	}
	if edge.Phone.OK || edge.Phone.Error != "remote error: tls: protocol version not supported" {
		t.Errorf("edge phone handshake = %+v, want refused TLS 1.0", edge.Phone)
	}
	if !edge.Modern.OK || len(edge.Certs) != 2 || !edge.Certs[0].Equal(p.Other.Leaf.Cert) {
		t.Errorf("edge chain not captured: %+v", edge.Modern)
	}
	if edge.Result == nil || len(edge.Result.MissingRoots) != 0 && edge.Result.MissingRoots[0].SHA1 == "" {
		t.Errorf("edge result %+v", edge.Result)
	}

	// 127.0.0.4 serves another certificate to clients without SNI.
	for i, e := range eps[:n-2] {
		wantDiff := i == 2
		if e.SNIDiffers != wantDiff {
			t.Errorf("%s: SNIDiffers = %v, want %v", e.Label(), e.SNIDiffers, wantDiff)
		}
		if wantDiff && e.NoSNI.LeafSHA1() != sha1Hex(p.Other.Leaf.Cert.Raw) {
			t.Errorf("%s: no-SNI leaf %s", e.Label(), e.NoSNI.LeafSHA1())
		}
	}

	notes := Consistency(eps)
	if len(notes) != 1 {
		t.Fatalf("notes = %+v, want one", notes)
	}
	note := notes[0]
	odd := fmt.Sprintf("127.0.0.3:%d", p.Port)
	if note.Name != "pool.lpe.test" || note.Port != p.Port || note.Kind != "leaf" || len(note.Odd) != 1 || note.Odd[0] != odd || note.Members != n-2 {
		t.Errorf("note = %+v", note)
	}
	wantMsg := fmt.Sprintf("pool pool.lpe.test port %d: 1 of %d members differ from the others: %s serves leaf %s (pool.lpe.test, expires 2028-03-01) instead of %s (pool.lpe.test, expires 2027-03-01)",
		p.Port, n-2, odd, sha1Hex(p.Renewed.Leaf.Cert.Raw)[:8], sha1Hex(p.Good.Leaf.Cert.Raw)[:8])
	if note.Message != wantMsg {
		t.Errorf("message\n got %s\nwant %s", note.Message, wantMsg)
	}
	// The odd member carries the note (JSON pool_note); the others do not.
	for _, e := range eps {
		want := ""
		if e.Name == "pool.lpe.test" && e.HostPort() == odd {
			want = wantMsg
		}
		if e.PoolNote != want {
			t.Errorf("%s: PoolNote %q, want %q", e.Label(), e.PoolNote, want)
		}
	}
	data, err := json.Marshal(eps[1])
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil || obj["pool_note"] != wantMsg {
		t.Errorf("JSON pool_note = %#v (%v)", obj["pool_note"], err)
	}
}

func TestAuditJSON(t *testing.T) {
	p := livetest.StartPool(t)
	req := poolRequest(t, p)
	req.Discover = nil
	req.Targets = []string{fmt.Sprintf("edge.lpe.test:%d", p.Edge)}
	eps, err := Audit(context.Background(), truststore.Default(), req)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(eps)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%s", data)
	}
	o := got[0]
	for k, v := range map[string]any{
		"target": fmt.Sprintf("edge.lpe.test:%d", p.Edge), "via": "target", "name": "edge.lpe.test",
		"address": "127.0.0.5", "port": float64(p.Edge), "sni": "edge.lpe.test", "error": nil,
		"source": fmt.Sprintf("edge.lpe.test (127.0.0.5:%d)", p.Edge), "minimum_release": nil,
	} {
		if o[k] != v {
			t.Errorf("%s = %#v, want %#v", k, o[k], v)
		}
	}
	ph := o["phone_handshake"].(map[string]any)
	if ph["ok"] != false || ph["version"] != "" || ph["cipher_suite"] != "" || ph["error"] != "remote error: tls: protocol version not supported" || ph["leaf_sha1"] != "" {
		t.Errorf("phone_handshake = %v", ph)
	}
	if o["chain_from"] != "modern" || o["sni_differs"] != false || o["modern_differs"] != false {
		t.Errorf("chain_from %v, sni_differs %v, modern_differs %v", o["chain_from"], o["sni_differs"], o["modern_differs"])
	}
	if mh := o["modern_handshake"].(map[string]any); mh["leaf_sha1"] != sha1Hex(p.Other.Leaf.Cert.Raw) || mh["version"] != "TLS 1.3" {
		t.Errorf("modern_handshake = %v", mh)
	}
	if v, ok := o["pool_note"]; !ok || v != nil {
		t.Errorf("pool_note = %#v, want null", v)
	}
	for _, k := range []string{"chain", "verdicts", "missing_roots", "findings", "modern_handshake", "no_sni"} {
		if _, ok := o[k]; !ok {
			t.Errorf("no %q in %s", k, data)
		}
	}
}

func TestAuditUnresolvableAndDeadline(t *testing.T) {
	p := livetest.StartPool(t)
	req := poolRequest(t, p)
	req.Discover = []string{"nothing.test"}
	req.Targets = []string{"missing.lpe.test", fmt.Sprintf("pool.lpe.test:%d", p.Port)}
	eps, err := Audit(context.Background(), truststore.Default(), req)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range eps {
		msg := "ok"
		if e.Err != nil {
			msg = e.Err.Error()
		}
		got = append(got, e.HostPort()+" "+msg)
	}
	want := []string{
		fmt.Sprintf("missing.lpe.test:%d no address: missing.lpe.test: no such name", p.Port),
		fmt.Sprintf("127.0.0.2:%d ok", p.Port),
		fmt.Sprintf("127.0.0.3:%d ok", p.Port),
		fmt.Sprintf("127.0.0.4:%d ok", p.Port),
	}
	if p.V6 {
		want = append(want, fmt.Sprintf("[::1]:%d ok", p.Port))
	}
	want = append(want, "nothing.test discover nothing.test: no SRV records, and none of sip., lyncdiscoverinternal., ucupdates-r2. resolves")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A total deadline already past: every endpoint says it was not checked.
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	req.Discover = nil
	req.Targets = []string{"127.0.0.2:" + fmt.Sprint(p.Port)}
	eps, err = Audit(ctx, truststore.Default(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 1 || eps[0].Err == nil || eps[0].Err.Error() != "not checked: the total deadline passed first" {
		t.Errorf("got %+v", eps)
	}
}

func TestHostileEndpoints(t *testing.T) {
	good := livetest.NewHierarchy(t, "Good", 0, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "good.lpe.test")
	type hostile struct {
		name   string
		handle func(net.Conn)
		want   string
	}
	badCert := tls.Certificate{Certificate: [][]byte{[]byte("\x30\x03\x02\x01\x01 not a certificate")}, PrivateKey: good.Leaf.Key}
	timeout := 3 * time.Second
	cases := []hostile{
		{"silent", livetest.Silent, "timed out after 3s (connect and handshake)"},
		{"slow drip", livetest.Drip, "timed out after 3s (connect and handshake)"},
		{"garbage", livetest.Garbage, "tls: first record does not look like a TLS handshake"},
		{"reset mid-handshake", livetest.Reset, "connection reset by the server during the handshake"},
		{"1000 certificates (fake server)", livetest.FakeChain(1000, 64), "too many certificates in chain: server sent more than 32 certificates"},
		{"10 MB chain (fake server)", livetest.FakeChain(1, 10<<20), "certificate chain too large: server's certificate message is 10485766 bytes (limit 262144)"},
		{"unparsable certificate", func(c net.Conn) {
			tc := tls.Server(c, livetest.ServerConfig(badCert, true))
			_ = tc.Handshake()
			tc.Close()
		}, "tls: failed to parse certificate from server: x509: malformed tbs certificate"},
		{"good", func(c net.Conn) {
			tc := tls.Server(c, livetest.ServerConfig(good.TLSCert(), true))
			_ = tc.Handshake()
			tc.Close()
		}, ""},
	}
	var targets []string
	for i, c := range cases {
		l := livetest.ListenSamePort(t, fmt.Sprintf("127.0.0.%d", 10+i))
		livetest.Serve(t, l[0], c.handle)
		targets = append(targets, l[0].Addr().String())
	}
	// refused: a port nobody listens on any more.
	l := livetest.ListenSamePort(t, "127.0.0.30")
	refused := l[0].Addr().String()
	l[0].Close()
	targets = append(targets, refused)
	cases = append(cases, hostile{name: "refused", want: "connection refused"})

	start := time.Now()
	eps, err := Audit(context.Background(), truststore.Default(), Request{
		Targets: targets, Timeout: timeout,
		Chain: chain.Options{At: testAt, ExtraAnchors: []*x509.Certificate{good.Root.Cert}},
	})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if len(eps) != len(cases) {
		t.Fatalf("%d endpoints, want %d", len(eps), len(cases))
	}
	for i, c := range cases {
		e := eps[i]
		got := ""
		if e.Err != nil {
			got = e.Err.Error()
		}
		if got != c.want {
			t.Errorf("%s: error %q, want %q", c.name, got, c.want)
		}
		if e.HostPort() != targets[i] {
			t.Errorf("%s: endpoint %s, want %s", c.name, e.HostPort(), targets[i])
		}
	}
	if last := eps[len(cases)-2]; !last.Trusted("RTM") || !last.Phone.OK {
		t.Errorf("good endpoint next to hostile ones: %+v %v", last.Phone, last.Err)
	}
	// All endpoints run in parallel: the whole audit ends within a few
	// per-endpoint timeouts, whatever the hostile servers do.
	if elapsed > 4*timeout {
		t.Errorf("audit took %s with a %s per-endpoint timeout", elapsed, timeout)
	}
}

// TestAuditTotalDeadline: a total deadline shorter than the per-endpoint
// timeout stops a silent endpoint's handshakes and says so; endpoints
// finished before it keep their results.
func TestAuditTotalDeadline(t *testing.T) {
	good := livetest.NewHierarchy(t, "Good", 0, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "good.lpe.test")
	silent := livetest.ListenSamePort(t, "127.0.0.20")
	livetest.Serve(t, silent[0], livetest.Silent)
	fine := livetest.ListenSamePort(t, "127.0.0.21")
	livetest.ServeTLS(t, fine[0], livetest.ServerConfig(good.TLSCert(), true))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	eps, err := Audit(ctx, truststore.Default(), Request{
		Targets: []string{silent[0].Addr().String(), fine[0].Addr().String()},
		Timeout: 5 * time.Second,
		Chain:   chain.Options{At: testAt},
	})
	if err != nil {
		t.Fatal(err)
	}
	if eps[0].Err == nil || eps[0].Err.Error() != "stopped: the total deadline passed during the handshake" {
		t.Errorf("silent endpoint: %v", eps[0].Err)
	}
	if eps[1].Err != nil || !eps[1].Phone.OK || eps[1].Result == nil {
		t.Errorf("finished endpoint: %v %+v", eps[1].Err, eps[1].Phone)
	}
}

// TestPhoneProbeSuites: each of the three phone suites alone is enough,
// with no GODEBUG setting (explicit CipherSuites and versions enable RSA
// key exchange, 3DES and TLS 1.0 in crypto/tls).
func TestPhoneProbeSuites(t *testing.T) {
	h := livetest.NewHierarchy(t, "Suites", 0, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "suites.lpe.test")
	for i, suite := range PhoneCipherSuites {
		cfg := livetest.ServerConfig(h.TLSCert(), true)
		cfg.CipherSuites = []uint16{suite}
		cfg.MaxVersion = tls.VersionTLS10
		l := livetest.ListenSamePort(t, fmt.Sprintf("127.0.0.%d", 40+i))
		livetest.ServeTLS(t, l[0], cfg)
		got := handshake(context.Background(), &net.Dialer{}, l[0].Addr().String(), "suites.lpe.test", probePhone, 2*time.Second, Limits{}.withDefaults(), nil)
		if !got.OK || got.Version != "TLS 1.0" || got.CipherSuite != tls.CipherSuiteName(suite) || len(got.Certs) != 2 {
			t.Errorf("suite %s: %+v", tls.CipherSuiteName(suite), got)
		}
	}
}

func TestSummaries(t *testing.T) {
	p := livetest.StartPool(t)
	eps, err := Audit(context.Background(), truststore.Default(), poolRequest(t, p))
	if err != nil {
		t.Fatal(err)
	}
	// The pool's root is an extra anchor, so it is not missing; the Edge
	// sends no root, so nothing names the Other root either.
	if m := MissingRoots(eps); len(m) != 0 {
		t.Errorf("missing roots %+v", m)
	}
	if AllPhoneReady(eps, "CU11") || !AllPhoneReady(eps[:2], "CU11") || AllPhoneReady(nil, "CU11") {
		t.Error("AllPhoneReady: want false with the Edge, true for two pool members, false for none")
	}
}

// TestDualCertificateServer: a server with an ECDSA certificate for modern
// clients and an RSA one for RSA key exchange gives the phone the RSA one;
// that is the chain judged, and the difference is reported.
func TestDualCertificateServer(t *testing.T) {
	cfg, err := livetest.DelayedServerConfig("dual.lpe.test", 0)
	if err != nil {
		t.Fatal(err)
	}
	l := livetest.ListenSamePort(t, "127.0.0.7")
	livetest.ServeTLS(t, l[0], cfg)
	eps, err := Audit(context.Background(), truststore.Default(), Request{Targets: []string{l[0].Addr().String()}, Chain: chain.Options{At: testAt}})
	if err != nil {
		t.Fatal(err)
	}
	e := eps[0]
	if e.Err != nil || !e.ModernDiffers || e.ChainFrom != "phone" || truststore.PublicKeyDescription(e.Certs[0]) != "RSA 1024" ||
		truststore.PublicKeyDescription(e.Modern.Certs[0]) != "ECDSA P-256" {
		t.Errorf("err %v, modern differs %v, chain from %q", e.Err, e.ModernDiffers, e.ChainFrom)
	}
}

// TestECDSAOnlyServer: a server with only an ECDSA certificate refuses the
// phone probe even with TLS 1.0 enabled (no RSA key exchange without an RSA
// key); the modern handshake gets the ECDSA certificate.
func TestECDSAOnlyServer(t *testing.T) {
	cfg, err := livetest.DelayedServerConfig("ecdsa.lpe.test", 0)
	if err != nil {
		t.Fatal(err)
	}
	var ec tls.Certificate
	for _, c := range cfg.Certificates {
		if c.Leaf == nil {
			c.Leaf, _ = x509.ParseCertificate(c.Certificate[0])
		}
		if _, ok := c.Leaf.PublicKey.(*ecdsa.PublicKey); ok {
			ec = c
		}
	}
	if ec.Leaf == nil {
		t.Fatal("no ECDSA certificate in the test server configuration")
	}
	l := livetest.ListenSamePort(t, "127.0.0.8")
	livetest.ServeTLS(t, l[0], livetest.ServerConfig(ec, true))
	cat := truststore.Default()
	eps, err := Audit(context.Background(), cat, Request{Targets: []string{l[0].Addr().String()}, Chain: chain.Options{At: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	e := eps[0]
	if e.Err != nil || e.Phone.OK || !e.Modern.OK || e.ChainFrom != "modern" {
		t.Fatalf("err %v, phone %+v, modern ok %v, chain from %q", e.Err, e.Phone, e.Modern.OK, e.ChainFrom)
	}
	if !ecdsaLeaf(e.Modern) {
		t.Errorf("modern handshake did not get the ECDSA certificate")
	}
}

func ecdsaLeaf(h Handshake) bool {
	if len(h.Certs) == 0 {
		return false
	}
	_, ok := h.Certs[0].PublicKey.(*ecdsa.PublicKey)
	return ok
}

// TestDiscoverBrokenSRV: a real DNS server publishing a "no service" SRV
// record ("."), which is skipped, and a record with port 0, which is the
// administrator's to fix and is reported as that endpoint's error.
func TestDiscoverBrokenSRV(t *testing.T) {
	z := livetest.NewZone()
	z.Add("_sipinternaltls._tcp.broken.test. 300 IN SRV 0 0 0 pool.broken.test.")
	z.Add("_sip._tls.broken.test. 300 IN SRV 0 0 0 .")
	res, err := DNSResolver(livetest.StartDNS(t, z))
	if err != nil {
		t.Fatal(err)
	}
	eps, err := Audit(context.Background(), truststore.Default(), Request{
		Discover: []string{"broken.test"}, Resolver: res, Timeout: 2 * time.Second,
		Chain: chain.Options{At: testAt},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range eps {
		msg := ""
		if e.Err != nil {
			msg = e.Err.Error()
		}
		got = append(got, e.Via+" | "+e.Name+" | "+msg)
	}
	want := []string{
		"SRV _sipinternaltls._tcp.broken.test | _sipinternaltls._tcp.broken.test | discovery: SRV _sipinternaltls._tcp.broken.test: record pool.broken.test port 0 is not a usable host and port",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("endpoints:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
