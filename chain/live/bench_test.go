package live

import (
	"context"
	"fmt"
	"math"
	"net"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain/live/livetest"
	"github.com/lpetrust/lpetrust/truststore"
)

// BenchmarkAudit500 audits a 500-member loopback pool (127.1.x.y, one port,
// one DNS name) whose every handshake is delayed by 200 ms, with the
// chosen concurrency, and reports the wall time against the ideal
// ceil(N/C)·200 ms and the peak Go heap. Run it with
//
//	go test -run '^$' -bench Audit500 -benchtime 1x ./chain/live/
//
// .ci/bench-check.sh measures the lpetrust binary against a sequential
// openssl s_client loop over the same endpoints.
func BenchmarkAudit500(b *testing.B) {
	const n, delay = 500, 200 * time.Millisecond
	cfg, err := livetest.DelayedServerConfig("bench.lpe.test", delay)
	if err != nil {
		b.Fatal(err)
	}
	var addrs []string
	for i := range n {
		addrs = append(addrs, fmt.Sprintf("127.1.%d.%d", i/250, i%250+1))
	}
	ls := livetest.ListenSamePort(b, addrs...)
	zone := livetest.NewZone()
	for i, l := range ls {
		livetest.ServeTLS(b, l, cfg)
		zone.Add("bench.lpe.test. 60 IN A " + addrs[i])
	}
	res, err := DNSResolver(livetest.StartDNS(b, zone))
	if err != nil {
		b.Fatal(err)
	}
	req := Request{
		Targets:  []string{net.JoinHostPort("bench.lpe.test", strconv.Itoa(livetest.PortOf(ls[0])))},
		Resolver: res,
	}
	ideal := time.Duration(math.Ceil(float64(n)/float64(ChooseConcurrency(n)))) * delay
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
	}()
	b.ResetTimer()
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		eps, err := Audit(context.Background(), truststore.Default(), req)
		total += time.Since(start)
		if err != nil || len(eps) != n {
			b.Fatalf("%d endpoints, %v", len(eps), err)
		}
		for _, e := range eps {
			if e.Err != nil || !e.Phone.OK {
				b.Fatalf("%s: %v %s", e.Label(), e.Err, e.Phone.Error)
			}
		}
	}
	close(stop)
	wg.Wait()
	wall := total / time.Duration(b.N)
	b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
	b.ReportMetric(float64(ideal.Milliseconds()), "ideal-ms")
	b.ReportMetric(float64(wall)/float64(ideal), "x-ideal")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
