// Command benchpool serves a large loopback pool for the check benchmark
// (.ci/bench-check.sh): N TLS endpoints on 127.1.x.y, all on one port, each
// delaying every handshake by a fixed time, and a DNS server answering
// bench.lpe.test with all N addresses. It prints one line,
//
//	dns=127.0.0.1:PORT port=PORT name=bench.lpe.test n=N
//
// writes the endpoints (address:port, one per line) to -targets, and serves
// until standard input is closed. Loopback only.
//
// With -concurrency it only prints the concurrency lpetrust check chooses
// for N endpoints on the CPUs this process may use (run it pinned like the
// client) and exits.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/chain/live/livetest"
)

func main() {
	n := flag.Int("n", 500, "number of endpoints")
	delay := flag.Duration("delay", 200*time.Millisecond, "delay before each handshake")
	port := flag.Int("port", 15061, "port of every endpoint")
	name := flag.String("name", "bench.lpe.test", "pool name published in DNS")
	targets := flag.String("targets", "", "write the endpoints to this file")
	onlyConcurrency := flag.Bool("concurrency", false, "print the concurrency lpetrust check chooses for -n endpoints on this process's CPUs, and exit")
	keys := flag.String("keys", "rsa2048", "server certificates: rsa2048 (one RSA-2048 leaf, as a Front End serves) or cheap (P-256 and RSA-1024)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchpool: ")
	if *onlyConcurrency {
		fmt.Println(live.ChooseConcurrency(*n))
		return
	}
	// The endpoints stand for separate Front Ends. With one Go scheduler
	// thread per CPU, every endpoint's handshake would wait behind the
	// others' RSA operations (which do not yield) and behind the network
	// poller; more threads let the kernel share the CPUs between them as
	// between separate servers. The work per handshake is the same.
	runtime.GOMAXPROCS(8 * runtime.GOMAXPROCS(0))

	serverConfig := livetest.DelayedRSA2048ServerConfig
	switch *keys {
	case "rsa2048":
	case "cheap":
		serverConfig = livetest.DelayedServerConfig
	default:
		log.Fatalf("-keys %q: want rsa2048 or cheap", *keys)
	}
	cfg, err := serverConfig(*name, *delay)
	if err != nil {
		log.Fatal(err)
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
