// Package livetest provides the real parts the live audit is tested and
// benchmarked with: generated certificate hierarchies, TLS servers and a DNS
// server on loopback addresses, and hostile servers (misbehaving TCP
// servers, and a FAKE TLS server streaming oversized chains, named as such).
// It is for tests only.
package livetest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Test helpers: generated certificate hierarchies, real TLS servers and a
// real DNS server, all on loopback addresses.

var (
	keyOnce sync.Once
	keys    []*rsa.PrivateKey
)

// Key returns one of a few RSA keys generated once per test binary
// (RSA, because the phone probe's suites use RSA key exchange).
func Key(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		for range 6 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys = append(keys, k)
		}
	})
	return keys[i%len(keys)]
}

var serial atomic.Int64

// Issued is a certificate and its key.
type Issued struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCert issues a certificate for subject cn signed by parent (self-signed
// when parent is nil).
func NewCert(t testing.TB, cn string, keyIndex int, parent *Issued, isCA bool, notAfter time.Time, dnsNames ...string) *Issued {
	t.Helper()
	key := Key(t, keyIndex)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1000 + serial.Add(1)),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"lpetrust tests"}},
		NotBefore:             time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  isCA,
		DNSNames:              dnsNames,
	}
	if isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	signer, signerCert := crypto.Signer(key), tmpl
	if parent != nil {
		signer, signerCert = parent.Key, parent.Cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &Issued{Cert: c, Key: key}
}

// Hierarchy is a root, an intermediate and a leaf.
type Hierarchy struct {
	Root, Inter, Leaf *Issued
}

// NewHierarchy issues a root, an intermediate and a leaf for names. Keys
// are taken from keyBase on: hierarchies that must not anchor each other
// (the chain engine matches roots by key) need different key bases.
func NewHierarchy(t testing.TB, label string, keyBase int, leafNotAfter time.Time, names ...string) Hierarchy {
	t.Helper()
	root := NewCert(t, label+" Root", keyBase, nil, true, time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC))
	inter := NewCert(t, label+" Issuing CA", keyBase+1, root, true, time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC))
	leaf := NewCert(t, names[0], keyBase+2, inter, false, leafNotAfter, names...)
	return Hierarchy{Root: root, Inter: inter, Leaf: leaf}
}

// TLSCert is the server certificate: leaf then intermediate.
func (h Hierarchy) TLSCert() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{h.Leaf.Cert.Raw, h.Inter.Cert.Raw}, PrivateKey: h.Leaf.Key, Leaf: h.Leaf.Cert}
}

// ServerConfig is a TLS server that, like a Lync 2013 Front End, still
// accepts TLS 1.0 with RSA key exchange (tls10 true), or a hardened one
// refusing anything below TLS 1.2 (tls10 false).
func ServerConfig(cert tls.Certificate, tls10 bool) *tls.Config {
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	if tls10 {
		cfg.MinVersion = tls.VersionTLS10
		cfg.CipherSuites = append([]uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		}, tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA)
	} else {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// ListenSamePort listens on the same TCP port on every address, so the
// members of a test pool share one port as real pool members do.
func ListenSamePort(t testing.TB, addrs ...string) []net.Listener {
	t.Helper()
	for attempt := 0; attempt < 50; attempt++ {
		first, err := net.Listen("tcp", net.JoinHostPort(addrs[0], "0"))
		if errors.Is(err, syscall.EADDRNOTAVAIL) {
			t.Skipf("listen on %s: %v (these tests use several 127.0.0.0/8 addresses: Linux routes them all to loopback; elsewhere add them as loopback aliases)", addrs[0], err)
		}
		if err != nil {
			t.Fatalf("listen on %s: %v", addrs[0], err)
		}
		port := first.Addr().(*net.TCPAddr).Port
		ls := []net.Listener{first}
		for _, a := range addrs[1:] {
			l, err := net.Listen("tcp", net.JoinHostPort(a, fmt.Sprint(port)))
			if err != nil {
				break
			}
			ls = append(ls, l)
		}
		if len(ls) == len(addrs) {
			for _, l := range ls {
				t.Cleanup(func() { l.Close() })
			}
			return ls
		}
		for _, l := range ls {
			l.Close()
		}
	}
	t.Fatalf("no common free port on %v", addrs)
	return nil
}

// PortOf is the TCP port a listener listens on.
func PortOf(l net.Listener) int { return l.Addr().(*net.TCPAddr).Port }

// ServeTLS runs a real crypto/tls server on l until the test ends.
func ServeTLS(t testing.TB, l net.Listener, cfg *tls.Config) {
	t.Helper()
	Serve(t, l, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err == nil {
			_, _ = tc.Write([]byte("ok"))
		}
		tc.Close()
	})
}

// Serve accepts connections on l and runs handle for each until the test ends.
func Serve(t testing.TB, l net.Listener, handle func(net.Conn)) {
	t.Helper()
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); handle(c) }()
		}
	}()
}

// Zone is a real DNS server (github.com/miekg/dns) on loopback answering
// from a fixed record set; names absent from it get NXDOMAIN.
type Zone struct {
	records map[string][]dns.RR // by lower-case FQDN
}

// Add adds one record in zone-file syntax; it panics on a malformed record.
func (z *Zone) Add(rr string) {
	r, err := dns.NewRR(rr)
	if err != nil {
		panic(err)
	}
	name := strings.ToLower(r.Header().Name)
	z.records[name] = append(z.records[name], r)
}

func (z *Zone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	q := req.Question[0]
	rrs, ok := z.records[strings.ToLower(q.Name)]
	if !ok {
		m.Rcode = dns.RcodeNameError
	}
	for _, rr := range rrs {
		if rr.Header().Rrtype == q.Qtype {
			m.Answer = append(m.Answer, rr)
		}
	}
	if _, isUDP := w.RemoteAddr().(*net.UDPAddr); isUDP {
		m.Truncate(dnsUDPSize(req))
	}
	_ = w.WriteMsg(m)
}

func dnsUDPSize(req *dns.Msg) int {
	if o := req.IsEdns0(); o != nil {
		return int(o.UDPSize())
	}
	return dns.MinMsgSize
}

// StartDNS serves zone over UDP and TCP on one loopback port and returns
// its HOST:PORT.
func StartDNS(t testing.TB, zone *Zone) string {
	t.Helper()
	for attempt := 0; attempt < 50; attempt++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := pc.LocalAddr().String()
		l, err := net.Listen("tcp", addr)
		if err != nil {
			pc.Close()
			continue
		}
		udp := &dns.Server{PacketConn: pc, Handler: zone}
		tcp := &dns.Server{Listener: l, Handler: zone}
		for _, s := range []*dns.Server{udp, tcp} {
			started := make(chan struct{})
			s.NotifyStartedFunc = func() { close(started) }
			go func() { _ = s.ActivateAndServe() }()
			<-started
			t.Cleanup(func() { _ = s.Shutdown() })
		}
		return addr
	}
	t.Fatal("no free DNS port")
	return ""
}

// NewZone returns an empty zone.
func NewZone() *Zone { return &Zone{records: map[string][]dns.RR{}} }

// IPv6Loopback reports whether ::1 can be listened on here.
func IPv6Loopback() bool {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}
