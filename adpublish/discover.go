package adpublish

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
)

// resolver looks names up for the connection: the system's resolver, or
// one DNS server given by the caller (an AD DNS server, from a machine that
// does not use it). Every lookup is bounded by the step timeout.
type resolver struct {
	r       *net.Resolver
	timeout time.Duration
}

func newResolver(dnsServer string, timeout time.Duration) (*resolver, error) {
	if dnsServer == "" {
		return &resolver{r: net.DefaultResolver, timeout: timeout}, nil
	}
	addr, err := dnsServerAddr(dnsServer)
	if err != nil {
		return nil, err
	}
	return &resolver{timeout: timeout, r: &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}, nil
}

// dnsServerAddr accepts host or host:port (port 53 by default).
func dnsServerAddr(s string) (string, error) {
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s, nil
	}
	h := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if h == "" || strings.ContainsAny(h, "/ ") {
		return "", fmt.Errorf("DNS server %q: want host or host:port", s)
	}
	return net.JoinHostPort(h, "53"), nil
}

// srvTarget is one SRV record.
type srvTarget struct {
	host     string
	port     uint16
	priority uint16
	weight   uint16
}

// lookupSRV returns _service._proto.name's targets in the order to try them.
func (r *resolver) lookupSRV(ctx context.Context, service, proto, name string) ([]srvTarget, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	fqdn := strings.TrimSuffix(name, ".") + "."
	_, recs, err := r.r.LookupSRV(ctx, service, proto, fqdn)
	if err != nil && len(recs) == 0 {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return nil, fmt.Errorf("DNS has no _%s._%s.%s record", service, proto, strings.TrimSuffix(name, "."))
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("looking up _%s._%s.%s: no DNS answer within %s", service, proto, strings.TrimSuffix(name, "."), r.timeout)
		}
		return nil, fmt.Errorf("looking up _%s._%s.%s: %w", service, proto, strings.TrimSuffix(name, "."), err)
	}
	var ts []srvTarget
	for _, s := range recs {
		if s.Target == "." || s.Target == "" {
			continue // "service not available here" (RFC 2782)
		}
		ts = append(ts, srvTarget{host: strings.TrimSuffix(s.Target, "."), port: s.Port, priority: s.Priority, weight: s.Weight})
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("DNS says no host offers _%s._%s.%s", service, proto, strings.TrimSuffix(name, "."))
	}
	return orderSRV(ts, randUint), nil
}

// lookupHost resolves a name to addresses, bounded by the timeout.
func (r *resolver) lookupHost(ctx context.Context, host string) ([]string, error) {
	if ip := net.ParseIP(host); ip != nil {
		return []string{host}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	// As given: a short name relies on the resolver's search list.
	return r.r.LookupHost(ctx, host)
}

func randUint(n uint32) uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:]) % n
}

// orderSRV sorts targets by priority, lowest first, and within a priority
// picks them at random in proportion to their weights (RFC 2782); pick(n)
// returns a number in [0, n).
func orderSRV(ts []srvTarget, pick func(uint32) uint32) []srvTarget {
	ts = append([]srvTarget(nil), ts...)
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].priority < ts[j].priority })
	var out []srvTarget
	for i := 0; i < len(ts); {
		j := i
		for j < len(ts) && ts[j].priority == ts[i].priority {
			j++
		}
		group := ts[i:j]
		// Zero weights first, so that they have a small chance (RFC 2782).
		sort.SliceStable(group, func(a, b int) bool { return group[a].weight == 0 && group[b].weight != 0 })
		for len(group) > 0 {
			var total uint32
			for _, t := range group {
				total += uint32(t.weight)
			}
			k := 0
			if total > 0 {
				n := pick(total + 1)
				var run uint32
				for k = range group {
					run += uint32(group[k].weight)
					if run >= n {
						break
					}
				}
			}
			out = append(out, group[k])
			group = append(group[:k:k], group[k+1:]...)
		}
		i = j
	}
	return out
}

// DCLocatorService is the SRV name domain controllers register:
// _ldap._tcp.dc._msdcs.<domain>.
func dcLocatorName(domain string) string { return "dc._msdcs." + strings.TrimSuffix(domain, ".") }

// discoverDCs lists the DCs of domain as ldap:// endpoints in the order to try.
func discoverDCs(ctx context.Context, r *resolver, domain string) ([]string, error) {
	ts, err := r.lookupSRV(ctx, "ldap", "tcp", dcLocatorName(domain))
	if err != nil {
		return nil, fmt.Errorf("finding the domain controllers of %s: %w", domain, err)
	}
	var urls []string
	for _, t := range ts {
		urls = append(urls, "ldap://"+net.JoinHostPort(t.host, strconv.Itoa(int(t.port))))
	}
	return urls, nil
}
