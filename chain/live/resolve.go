package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// ErrNoSuchName reports a name with no records of the asked type (NXDOMAIN
// or an empty answer).
var ErrNoSuchName = errors.New("no such name")

// LookupError is a DNS lookup that failed, as an endpoint's error carries
// it: errors.Is(err, ErrNoSuchName) when the name does not exist, a
// net.Error when the DNS server did not answer.
type LookupError struct {
	// Name is the name looked up.
	Name string
	// Server is the DNS server asked (--resolver); "" for the system resolver.
	Server string
	Err    error
}

func (e *LookupError) Error() string { return e.Err.Error() }
func (e *LookupError) Unwrap() error { return e.Err }

// noSuchName is an ErrNoSuchName with its own message.
type noSuchName struct{ msg string }

func (e noSuchName) Error() string { return e.msg }
func (e noSuchName) Unwrap() error { return ErrNoSuchName }

// serverOf names the DNS server a resolver asks, "" for the system's.
func serverOf(r Resolver) string {
	if d, ok := r.(*dnsResolver); ok {
		return d.server
	}
	return ""
}

// SRV is one SRV record: where a service runs.
type SRV struct {
	Target   string // host name, without the trailing dot
	Port     int
	Priority int
	Weight   int
}

// Resolver looks up the records discovery and expansion need.
type Resolver interface {
	// LookupSRV returns the SRV records of a full owner name such as
	// "_sipinternaltls._tcp.example.com"; ErrNoSuchName when there are none.
	LookupSRV(ctx context.Context, name string) ([]SRV, error)
	// LookupAddrs returns every A and AAAA address of host, IPv4 first, each
	// family in numeric order; ErrNoSuchName when there are none.
	LookupAddrs(ctx context.Context, host string) ([]netip.Addr, error)
}

// SystemResolver returns a Resolver using the system's resolver
// configuration.
func SystemResolver() Resolver { return systemResolver{r: net.DefaultResolver} }

type systemResolver struct{ r *net.Resolver }

func (s systemResolver) LookupSRV(ctx context.Context, name string) ([]SRV, error) {
	_, recs, err := s.r.LookupSRV(ctx, "", "", name)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return nil, fmt.Errorf("SRV %s: %w", name, ErrNoSuchName)
		}
		if len(recs) == 0 {
			return nil, fmt.Errorf("SRV %s: %w", name, err)
		}
	}
	out := make([]SRV, 0, len(recs))
	for _, r := range recs {
		out = append(out, SRV{Target: strings.TrimSuffix(r.Target, "."), Port: int(r.Port), Priority: int(r.Priority), Weight: int(r.Weight)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("SRV %s: %w", name, ErrNoSuchName)
	}
	return out, nil
}

func (s systemResolver) LookupAddrs(ctx context.Context, host string) ([]netip.Addr, error) {
	addrs, err := s.r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return nil, fmt.Errorf("%s: %w", host, ErrNoSuchName)
		}
		return nil, fmt.Errorf("look up %s: %w", host, err)
	}
	return sortAddrs(addrs), nil
}

// DNSResolver returns a Resolver that sends every query to one DNS server
// (HOST:PORT, e.g. the internal DNS the phones use), over UDP with a TCP
// retry for truncated answers.
func DNSResolver(server string) (Resolver, error) {
	host, port, err := net.SplitHostPort(server)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("resolver %q: want HOST:PORT", server)
	}
	// The caller's context bounds each query (Audit gives each lookup the
	// per-endpoint timeout); the client's own 2 s defaults would override
	// a longer --timeout, so they are set far out of the way.
	const far = time.Minute
	return &dnsResolver{
		server: server,
		udp:    &dns.Client{Net: "udp", UDPSize: dns.DefaultMsgSize, DialTimeout: far, ReadTimeout: far, WriteTimeout: far},
		tcp:    &dns.Client{Net: "tcp", DialTimeout: far, ReadTimeout: far, WriteTimeout: far},
	}, nil
}

type dnsResolver struct {
	server   string
	udp, tcp *dns.Client
}

func (r *dnsResolver) query(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(dns.DefaultMsgSize, false)
	in, _, err := r.udp.ExchangeContext(ctx, m, r.server)
	if err == nil && in.Truncated {
		in, _, err = r.tcp.ExchangeContext(ctx, m, r.server)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s at %s: %w", dns.TypeToString[qtype], name, r.server, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, fmt.Errorf("%s %s: %w", dns.TypeToString[qtype], name, ErrNoSuchName)
	default:
		return nil, fmt.Errorf("%s %s at %s: server answered %s", dns.TypeToString[qtype], name, r.server, dns.RcodeToString[in.Rcode])
	}
	return in.Answer, nil
}

func (r *dnsResolver) LookupSRV(ctx context.Context, name string) ([]SRV, error) {
	answer, err := r.query(ctx, name, dns.TypeSRV)
	if err != nil {
		return nil, err
	}
	var out []SRV
	for _, rr := range answer {
		if s, ok := rr.(*dns.SRV); ok {
			out = append(out, SRV{Target: strings.TrimSuffix(s.Target, "."), Port: int(s.Port), Priority: int(s.Priority), Weight: int(s.Weight)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("SRV %s: %w", name, ErrNoSuchName)
	}
	slices.SortStableFunc(out, func(a, b SRV) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return b.Weight - a.Weight
	})
	return out, nil
}

func (r *dnsResolver) LookupAddrs(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	// A and AAAA at once: a silent server costs one timeout, not two.
	qtypes := []uint16{dns.TypeA, dns.TypeAAAA}
	answers := make([][]dns.RR, len(qtypes))
	qerrs := make([]error, len(qtypes))
	var wg sync.WaitGroup
	for i, qt := range qtypes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], qerrs[i] = r.query(ctx, host, qt)
		}()
	}
	wg.Wait()
	var addrs []netip.Addr
	var errs []error
	for i := range qtypes {
		answer, err := answers[i], qerrs[i]
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// A recursive server puts the CNAME chain first; every address in
		// the answer belongs to the name asked.
		for _, rr := range answer {
			switch v := rr.(type) {
			case *dns.A:
				if a, ok := netip.AddrFromSlice(v.A.To4()); ok {
					addrs = append(addrs, a)
				}
			case *dns.AAAA:
				if a, ok := netip.AddrFromSlice(v.AAAA.To16()); ok {
					addrs = append(addrs, a)
				}
			}
		}
	}
	if len(addrs) == 0 {
		for _, e := range errs {
			if !errors.Is(e, ErrNoSuchName) {
				return nil, e
			}
		}
		return nil, fmt.Errorf("%s: %w", host, ErrNoSuchName)
	}
	return sortAddrs(addrs), nil
}

// sortAddrs orders addresses IPv4 first, then numerically, without duplicates.
func sortAddrs(addrs []netip.Addr) []netip.Addr {
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.Unmap())
	}
	slices.SortFunc(out, func(a, b netip.Addr) int {
		if a.Is4() != b.Is4() {
			if a.Is4() {
				return -1
			}
			return 1
		}
		return a.Compare(b)
	})
	return slices.Compact(out)
}
