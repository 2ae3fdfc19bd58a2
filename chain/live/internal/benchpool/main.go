// Command benchpool serves a large loopback pool for the check benchmark
// (.ci/bench-check.sh): N TLS endpoints on 127.1.x.y, all on one port, each
// delaying every handshake by a fixed time, and a DNS server answering
// bench.lpe.test with all N addresses. It prints one line,
//
//	dns=127.0.0.1:PORT port=PORT name=bench.lpe.test n=N
//
// writes the endpoints (address:port, one per line) to -targets, and serves
// until standard input is closed. Loopback only.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/lpetrust/lpetrust/chain/live/livetest"
)

func main() {
	n := flag.Int("n", 500, "number of endpoints")
	delay := flag.Duration("delay", 200*time.Millisecond, "delay before each handshake")
	port := flag.Int("port", 15061, "port of every endpoint")
	name := flag.String("name", "bench.lpe.test", "pool name published in DNS")
	targets := flag.String("targets", "", "write the endpoints to this file")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchpool: ")

	cert, err := poolCertificate(*name)
	if err != nil {
		log.Fatal(err)
	}
	cfg := &tls.Config{
		// ECDSA for modern clients, RSA for the phone probe's RSA key
		// exchange: the rig's own CPU use stays small next to the delay.
		Certificates: cert,
		MinVersion:   tls.VersionTLS10,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
		},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			time.Sleep(*delay)
			return nil, nil
		},
	}
	zone := livetest.NewZone()
	var lines []string
	for i := range *n {
		addr := fmt.Sprintf("127.1.%d.%d", i/250, i%250+1)
		l, err := net.Listen("tcp", net.JoinHostPort(addr, fmt.Sprint(*port)))
		if err != nil {
			log.Fatal(err)
		}
		go serve(l, cfg)
		zone.Add(fmt.Sprintf("%s. 60 IN A %s", *name, addr))
		lines = append(lines, net.JoinHostPort(addr, fmt.Sprint(*port)))
	}
	if *targets != "" {
		if err := os.WriteFile(*targets, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	tl, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		log.Fatal(err)
	}
	go func() { log.Fatal((&dns.Server{PacketConn: pc, Handler: zone}).ActivateAndServe()) }()
	go func() { log.Fatal((&dns.Server{Listener: tl, Handler: zone}).ActivateAndServe()) }()
	fmt.Printf("dns=%s port=%d name=%s n=%d\n", pc.LocalAddr(), *port, *name, *n)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

func serve(l net.Listener, cfg *tls.Config) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			tc := tls.Server(c, cfg)
			_ = tc.SetDeadline(time.Now().Add(30 * time.Second))
			_ = tc.Handshake()
			tc.Close()
		}()
	}
}

// poolCertificate issues an ECDSA and an RSA leaf for name from one
// throwaway CA.
func poolCertificate(name string) ([]tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "benchpool CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	var out []tls.Certificate
	for i, key := range []crypto.Signer{ecKey, rsaKey} {
		leaf := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, leaf, ca, key.Public(), caKey)
		if err != nil {
			return nil, err
		}
		out = append(out, tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key})
	}
	return out, nil
}
