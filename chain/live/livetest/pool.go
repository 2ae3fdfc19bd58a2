package livetest

import (
	"crypto/tls"
	"fmt"
	"testing"
	"time"
)

// Pool is a Lync-like deployment on loopback: a three-member Front End
// pool (one member renewed ahead of the others, one serving another
// certificate to clients without SNI), an Edge that only speaks TLS 1.2,
// and a DNS server publishing them for the SIP domain lpe.test.
type Pool struct {
	// Good is the pool's chain (leaf for pool.lpe.test and sip.lpe.test),
	// Renewed the same CA's newer leaf that one member serves, Other the
	// Edge's chain from another root (also the no-SNI default certificate
	// of the third member).
	Good, Renewed, Other Hierarchy
	// Port is the pool's port on every member, Edge the Edge's port.
	Port, Edge int
	// V6 is true when ::1 is a fourth member.
	V6 bool
	// DNS is the HOST:PORT of the DNS server.
	DNS string
}

func StartPool(t testing.TB) *Pool {
	t.Helper()
	p := &Pool{V6: IPv6Loopback()}
	p.Good = NewHierarchy(t, "Good", 0, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "pool.lpe.test", "sip.lpe.test")
	renewedLeaf := NewCert(t, "pool.lpe.test", 3, p.Good.Inter, false, time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC), "pool.lpe.test", "sip.lpe.test")
	p.Renewed = Hierarchy{Root: p.Good.Root, Inter: p.Good.Inter, Leaf: renewedLeaf}
	p.Other = NewHierarchy(t, "Other", 3, time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), "edge.lpe.test")

	addrs := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}
	if p.V6 {
		addrs = append(addrs, "::1")
	}
	pool := ListenSamePort(t, addrs...)
	p.Port = PortOf(pool[0])
	ServeTLS(t, pool[0], ServerConfig(p.Good.TLSCert(), true))
	ServeTLS(t, pool[1], ServerConfig(p.Renewed.TLSCert(), true))
	sniCfg := ServerConfig(p.Good.TLSCert(), true)
	defaultCert := p.Other.TLSCert()
	good := p.Good.TLSCert()
	sniCfg.Certificates = nil
	sniCfg.GetCertificate = func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		if h.ServerName == "" {
			return &defaultCert, nil
		}
		return &good, nil
	}
	ServeTLS(t, pool[2], sniCfg)
	if p.V6 {
		ServeTLS(t, pool[3], ServerConfig(p.Good.TLSCert(), true))
	}
	edge := ListenSamePort(t, "127.0.0.5")
	p.Edge = PortOf(edge[0])
	ServeTLS(t, edge[0], ServerConfig(p.Other.TLSCert(), false))

	z := NewZone()
	z.Add(fmt.Sprintf("_sipinternaltls._tcp.lpe.test. 300 IN SRV 0 0 %d pool.lpe.test.", p.Port))
	z.Add(fmt.Sprintf("_sip._tls.lpe.test. 300 IN SRV 0 0 %d edge.lpe.test.", p.Edge))
	for _, a := range addrs[:3] {
		z.Add("pool.lpe.test. 300 IN A " + a)
	}
	if p.V6 {
		z.Add("pool.lpe.test. 300 IN AAAA ::1")
	}
	z.Add("edge.lpe.test. 300 IN A 127.0.0.5")
	z.Add("sip.lpe.test. 300 IN CNAME pool1.lpe.test.")
	z.Add("sip.lpe.test. 300 IN A 127.0.0.2")
	p.DNS = StartDNS(t, z)
	return p
}
