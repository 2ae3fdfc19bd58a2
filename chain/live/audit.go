package live

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
	"github.com/lpetrust/lpetrust/truststore/sockerr"
	"github.com/lpetrust/lpetrust/truststore/trace"
)

// Defaults of a Request.
const (
	DefaultTimeout = 5 * time.Second
	// maxConcurrency caps the chosen concurrency on large machines.
	maxConcurrency = 256
	// staggerWindow spreads the workers' start so that the first round of
	// handshakes does not reach the servers as one burst.
	staggerWindow = 100 * time.Millisecond
)

// budget is what the chosen concurrency is derived from: the client may
// keep share of its CPUs busy while every endpoint's handshakes take at
// least round, each endpoint costing the client endpointCPU.
type budget struct {
	cpus        int           // CPUs the process may use (GOMAXPROCS)
	share       float64       // of those CPUs, the most the audit may keep busy
	endpointCPU time.Duration // client CPU per endpoint
	round       time.Duration // shortest time an endpoint's handshakes are sized for
}

// Budget of the chosen concurrency. endpointCPU is measured with
// .ci/bench-check.sh (RSA-2048 servers, one chain for the whole pool, so
// judged once): the three handshakes and the bookkeeping of one endpoint.
// round is a server answering in 100 ms (a Front End across a WAN link or
// a busy pool), where concurrency is what makes an audit fast; servers that
// answer faster finish sooner at any concurrency, the client's CPU then
// being the limit.
const (
	budgetShare       = 0.5
	budgetEndpointCPU = 2 * time.Millisecond
	budgetRound       = 100 * time.Millisecond
)

func defaultBudget() budget {
	return budget{cpus: runtime.GOMAXPROCS(0), share: budgetShare, endpointCPU: budgetEndpointCPU, round: budgetRound}
}

// ceiling is the most endpoints checked at once that keep the client
// within its share: ceiling·endpointCPU/round ≤ share·cpus, so
// ceiling = ⌊share·cpus·round/endpointCPU⌋, at least 1 and at most 256.
func (b budget) ceiling() int {
	c := int(b.share * float64(b.cpus) * float64(b.round) / float64(b.endpointCPU))
	return max(1, min(c, maxConcurrency))
}

// concurrency is min(endpoints, ceiling), at least 1.
func (b budget) concurrency(endpoints int) int {
	return max(1, min(endpoints, b.ceiling()))
}

// ChooseConcurrency is how many endpoints Audit checks at once, out of
// endpoints, when Request.Concurrency is 0: one worker per endpoint, up to
// the ceiling that keeps the client below half of its CPUs while servers
// take 100 ms or more per handshake (each endpoint's three handshakes cost
// the client about 2 ms of CPU: 25 per CPU, at most 256). Audit starts the
// workers as names resolve to endpoints, so a pool name counts every
// address it resolves to.
func ChooseConcurrency(endpoints int) int {
	return defaultBudget().concurrency(endpoints)
}

// Request says what Audit checks and how.
type Request struct {
	// Targets are "host", "host:port", IP addresses or "[v6]:port".
	// A target without a port is checked on every port of Ports.
	Targets []string
	// Discover lists SIP domains to discover endpoints for, the way a phone
	// and an administrator would: SRV _sipinternaltls._tcp.DOMAIN and
	// _sip._tls.DOMAIN (target and port from each record), sip.DOMAIN on
	// Ports, and lyncdiscoverinternal.DOMAIN and ucupdates-r2.DOMAIN on
	// WebPort, each where it exists.
	Discover []string
	// Ports replaces DefaultPorts for targets without a port and sip.DOMAIN.
	Ports []int
	// Resolver answers DNS queries; nil means SystemResolver.
	Resolver Resolver
	// Concurrency is how many endpoints are checked at once (each with up
	// to three handshakes in parallel); 0 means ChooseConcurrency of the
	// number of endpoints.
	Concurrency int
	// Timeout bounds each handshake, connect included; 0 means DefaultTimeout.
	Timeout time.Duration
	// Limits bound what a server may send; the zero value means the defaults.
	Limits Limits
	// Chain are the options of every chain evaluation. Empty Pool and
	// SIPDomain are filled per endpoint: Pool with the endpoint's name,
	// SIPDomain with the domain it was discovered from.
	Chain chain.Options
	// Progress, when set, is called once with 0 done before the first
	// endpoint is probed, after each endpoint completes and when names
	// resolve to more endpoints, from one goroutine at a time, with the
	// number done and the total known so far (it grows while names resolve).
	Progress func(done, total int)
	// Dialer, when set, is used for every connection (to choose a source
	// address, for example); nil means a plain net.Dialer.
	Dialer *net.Dialer
	// Trace, when set, receives a line per DNS query, TCP connect and TLS
	// handshake (lpetrust --verbose).
	Trace trace.Func
}

// Endpoint is one address:port of one name, and everything learnt there.
type Endpoint struct {
	// Target is the target or discovery domain this endpoint came from,
	// as given.
	Target string
	// Via says how the endpoint was found: "target", "SRV
	// _sipinternaltls._tcp.example.com", "discovered sip.example.com"…
	Via string
	// Name is the DNS name connected to; empty for an IP address target.
	Name string
	// Address is the IP address; invalid when Name did not resolve.
	Address netip.Addr
	Port    int
	// SNI is the server name sent in the main handshake (Name, or empty).
	SNI string
	// Modern is a handshake offering what a current client offers.
	Modern Handshake
	// NoSNI is the same handshake without a server name (what a client
	// that sends no SNI gets); nil when SNI is empty.
	NoSNI *Handshake
	// SNIDiffers is true when the server presents another leaf without SNI
	// than with it (both modern handshakes).
	SNIDiffers bool
	// Phone is the phone probe: TLS 1.0 with PhoneCipherSuites only, with
	// the same SNI. A server refusing it strands every LPE phone whatever
	// its certificate.
	Phone Handshake
	// ModernDiffers is true when the modern handshake got another leaf than
	// the phone probe (a server with an ECDSA and an RSA certificate, say).
	ModernDiffers bool
	// Certs is the presented chain that is judged: what the phone probe
	// got, since that is what phones get; the modern handshake's when the
	// phone probe failed. ChainFrom says which ("phone" or "modern").
	Certs     []*x509.Certificate
	ChainFrom string
	// Result is the chain engine's judgement of Certs; nil when Err is set.
	Result *chain.Result
	// Err says why the endpoint could not be judged (no address,
	// unreachable, hostile server…); nil otherwise.
	Err error
	// PoolNote is the pool consistency note (PoolNote.Message) naming this
	// endpoint as an odd member of its pool; empty otherwise. Audit sets it
	// so that JSON readers see what the table's pool notes say.
	PoolNote string
}

// HostPort is "address:port" ("[v6]:port" for IPv6), or the name and port
// when the name did not resolve.
func (e *Endpoint) HostPort() string {
	if !e.Address.IsValid() {
		if e.Port == 0 {
			return e.Name
		}
		return net.JoinHostPort(e.Name, strconv.Itoa(e.Port))
	}
	return netip.AddrPortFrom(e.Address, uint16(e.Port)).String()
}

// Label names the endpoint for people: "name (address:port)" or "address:port".
func (e *Endpoint) Label() string {
	if e.Name == "" || !e.Address.IsValid() {
		return e.HostPort()
	}
	return e.Name + " (" + e.HostPort() + ")"
}

// Trusted reports whether the endpoint was judged and its chain is trusted
// by the store.
func (e *Endpoint) Trusted(store string) bool {
	return e.Err == nil && e.Result != nil && e.Result.TrustedBy(store)
}

// PhoneReady reports whether a phone with that store signs in here: the
// chain is trusted, no finding is an error (chain.Result.Passes) and the
// server accepts the phone's TLS 1.0 handshake.
func (e *Endpoint) PhoneReady(store string) bool {
	return e.Trusted(store) && e.Result.Passes(store) && e.Phone.OK
}

// endpointJSON is the JSON form of the endpoint's own fields; the chain
// result's fields follow them in the same object.
type endpointJSON struct {
	Target          string     `json:"target"`
	Via             string     `json:"via"`
	Name            string     `json:"name"`
	Address         string     `json:"address"`
	Port            int        `json:"port"`
	SNI             string     `json:"sni"`
	PhoneHandshake  Handshake  `json:"phone_handshake"`
	ModernHandshake Handshake  `json:"modern_handshake"`
	NoSNI           *Handshake `json:"no_sni"`
	SNIDiffers      bool       `json:"sni_differs"`
	ModernDiffers   bool       `json:"modern_differs"`
	ChainFrom       string     `json:"chain_from"`
	PoolNote        *string    `json:"pool_note"`
	Error           *string    `json:"error"`
}

// MarshalJSON writes one object: target, via, name, address, port, sni,
// phone_handshake, modern_handshake, no_sni (each handshake with ok,
// version, cipher_suite, error, leaf_sha1), sni_differs, modern_differs,
// chain_from, pool_note and error, then the fields of the chain result (source,
// chain, verdicts, minimum_release, …).
func (e Endpoint) MarshalJSON() ([]byte, error) {
	j := endpointJSON{
		Target: e.Target, Via: e.Via, Name: e.Name, Port: e.Port, SNI: e.SNI,
		PhoneHandshake: e.Phone, ModernHandshake: e.Modern,
	}
	if e.Address.IsValid() {
		j.Address = e.Address.String()
	}
	j.NoSNI, j.SNIDiffers, j.ModernDiffers, j.ChainFrom = e.NoSNI, e.SNIDiffers, e.ModernDiffers, e.ChainFrom
	if e.PoolNote != "" {
		j.PoolNote = &e.PoolNote
	}
	if e.Err != nil {
		s := e.Err.Error()
		j.Error = &s
	}
	own, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	var rest []byte
	if e.Result != nil {
		rest, err = json.Marshal(e.Result)
	} else {
		// An endpoint that could not be judged keeps every result field,
		// empty, so that scripts read one shape.
		rest, err = json.Marshal(chain.Result{Source: e.Label(), Chain: []chain.CertInfo{}, Verdicts: []chain.Verdict{},
			MinimumBuilds: []chain.FamilyBuild{}, MissingRoots: []chain.MissingRoot{}, Findings: []chain.Finding{}, Alternatives: []chain.Alternative{}})
	}
	if err != nil {
		return nil, err
	}
	if len(rest) <= 2 {
		return own, nil
	}
	out := append(own[:len(own)-1:len(own)-1], ',')
	return append(out, rest[1:]...), nil
}

// plan is an endpoint to check, before any handshake.
type plan struct {
	target, via, name string
	ports             []int
	optional          bool // a discovered name that may not exist
	sipDomain         string
	err               error // a discovery query that failed
}

// Audit expands the request's targets and discovery domains to every
// address and port, handshakes each endpoint (with SNI, without SNI, and as
// a phone), and judges each presented chain with chain.Evaluate against the
// catalogue. Endpoints come back in a stable order: targets in the order
// given, then discovered names, each name's addresses IPv4 first in numeric
// order, each address's ports in order. One endpoint's failure is its Err
// and never stops the others. When ctx ends, endpoints not yet checked get
// an error saying so. Audit returns an error only for a bad request.
func Audit(ctx context.Context, cat *truststore.Catalogue, req Request) ([]Endpoint, error) {
	if cat == nil {
		return nil, errors.New("live: nil catalogue")
	}
	plans, err := planTargets(req)
	if err != nil {
		return nil, err
	}
	res := req.Resolver
	if res == nil {
		res = SystemResolver()
	}
	conc := req.Concurrency
	if conc <= 0 {
		conc = defaultBudget().ceiling()
	}
	discovered, err := discover(ctx, res, req, req.Trace)
	if err != nil {
		return nil, err
	}
	plans = append(plans, discovered...)
	eps := resolveAndProbe(ctx, cat, req, res, plans, conc)
	for _, n := range Consistency(eps) {
		for i := range eps {
			if eps[i].Name == n.Name && eps[i].Port == n.Port && slices.Contains(n.Odd, eps[i].HostPort()) {
				eps[i].PoolNote = n.Message
			}
		}
	}
	return eps, nil
}

func (req Request) ports() []int {
	if len(req.Ports) > 0 {
		return req.Ports
	}
	return DefaultPorts
}

// planTargets turns the request's targets into plans, in order.
func planTargets(req Request) ([]plan, error) {
	for _, p := range req.Ports {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("port %d: not from 1 to 65535", p)
		}
	}
	var out []plan
	for _, s := range req.Targets {
		t, err := ParseTarget(s)
		if err != nil {
			return nil, err
		}
		ports := req.ports()
		if t.Port != 0 {
			ports = []int{t.Port}
		}
		out = append(out, plan{target: s, via: "target", name: t.Host, ports: ports})
	}
	for _, d := range req.Discover {
		if _, err := CheckDomain(d); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 && len(req.Discover) == 0 {
		return nil, errors.New("nothing to check: give a target or a domain to discover")
	}
	return out, nil
}

// discover looks up the SRV records of each domain and lists the
// well-known names; those names are checked only where they resolve.
func discover(ctx context.Context, res Resolver, req Request, tr trace.Func) ([]plan, error) {
	// Every SRV query at once, each under the per-endpoint timeout.
	type answer struct {
		recs []SRV
		err  error
	}
	services := []string{"_sipinternaltls._tcp.", "_sip._tls."}
	answers := make([][]answer, len(req.Discover))
	var wg sync.WaitGroup
	for i, raw := range req.Discover {
		d, _ := CheckDomain(raw)
		answers[i] = make([]answer, len(services))
		for j, svc := range services {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lctx, cancel := context.WithTimeout(ctx, req.timeout())
				defer cancel()
				a := &answers[i][j]
				a.recs, a.err = res.LookupSRV(lctx, svc+d)
				traceLookup(tr, "SRV "+svc+d, len(a.recs), a.err)
			}()
		}
	}
	wg.Wait()
	var out []plan
	for i, raw := range req.Discover {
		d, _ := CheckDomain(raw)
		for j, svc := range services {
			owner := svc + d
			recs, err := answers[i][j].recs, answers[i][j].err
			if errors.Is(err, ErrNoSuchName) {
				continue
			}
			if err != nil {
				out = append(out, plan{target: raw, via: "SRV " + owner, name: owner, sipDomain: d, err: err})
				continue
			}
			for _, r := range recs {
				if r.Target == "." || r.Target == "" {
					continue // "." means "no such service here" (RFC 2782)
				}
				name, err := checkHostName(r.Target)
				if err != nil || r.Port == 0 {
					// A broken record is the administrator's to fix: say so.
					out = append(out, plan{target: raw, via: "SRV " + owner, name: owner, sipDomain: d,
						err: fmt.Errorf("SRV %s: record %s port %d is not a usable host and port", owner, r.Target, r.Port)})
					continue
				}
				out = append(out, plan{target: raw, via: "SRV " + owner, name: name, ports: []int{r.Port}, sipDomain: d})
			}
		}
		out = append(out,
			plan{target: raw, via: "discovered", name: "sip." + d, ports: req.ports(), optional: true, sipDomain: d},
			plan{target: raw, via: "discovered", name: "lyncdiscoverinternal." + d, ports: []int{WebPort}, optional: true, sipDomain: d},
			plan{target: raw, via: "discovered", name: "ucupdates-r2." + d, ports: []int{WebPort}, optional: true, sipDomain: d},
		)
	}
	return out, nil
}

// timeout is the per-endpoint timeout: each handshake, each DNS lookup.
func (req Request) timeout() time.Duration {
	if req.Timeout > 0 {
		return req.Timeout
	}
	return DefaultTimeout
}

// resolveAndProbe resolves every plan's name, all at once (conc at a time),
// each lookup under the per-endpoint timeout, and probes each endpoint as
// soon as its name has resolved, conc endpoints at most at once: a silent
// name costs one timeout and holds up no other. It returns one endpoint per name, address and port, without
// duplicates, in plan order (see Audit).
func resolveAndProbe(ctx context.Context, cat *truststore.Catalogue, req Request, res Resolver, plans []plan, conc int) []Endpoint {
	tr := req.Trace
	type key struct {
		name string
		addr netip.Addr
		port int
	}
	// byName lists the plans of each name, in plan order; the endpoints of
	// plan i are made once its name resolved, into perPlan[i].
	byName := map[string][]int{}
	var order []string
	for i, p := range plans {
		if p.err != nil {
			continue
		}
		if _, ok := byName[p.name]; !ok {
			order = append(order, p.name)
		}
		byName[p.name] = append(byName[p.name], i)
	}
	perPlan := make([][]*Endpoint, len(plans))
	lookupErr := make([]error, len(plans))
	endpointsOf := func(name string, addrs []netip.Addr, err error) []*Endpoint {
		seen := map[key]bool{}
		var probeable []*Endpoint
		for _, i := range byName[name] {
			p := plans[i]
			lookupErr[i] = err
			if err != nil {
				if p.optional && errors.Is(err, ErrNoSuchName) {
					continue
				}
				for _, port := range p.ports {
					if k := (key{name: p.name, port: port}); !seen[k] {
						seen[k] = true
						perPlan[i] = append(perPlan[i], &Endpoint{Target: p.target, Via: p.via, Name: p.name, Port: port, SNI: p.name,
							Err: fmt.Errorf("no address: %w", &LookupError{Name: p.name, Server: serverOf(res), Err: err})})
					}
				}
				continue
			}
			_, isIP := netip.ParseAddr(p.name)
			for _, a := range addrs {
				for _, port := range p.ports {
					k := key{p.name, a, port}
					if seen[k] {
						continue
					}
					seen[k] = true
					ep := &Endpoint{Target: p.target, Via: p.via, Address: a, Port: port}
					if isIP != nil {
						ep.Name, ep.SNI = p.name, p.name
					}
					perPlan[i] = append(perPlan[i], ep)
					probeable = append(probeable, ep)
				}
			}
		}
		return probeable
	}

	// The probe workers, fed as names resolve, are started as endpoints
	// become known: one per endpoint known so far, up to the ceiling
	// (Request.Concurrency, or the CPU budget's ceiling; see
	// ChooseConcurrency). A pool name's addresses are only known once it
	// resolved, so the number cannot be fixed before.
	ceiling := conc
	lim := req.Limits.withDefaults()
	dialer := req.Dialer
	if dialer == nil {
		dialer = &net.Dialer{}
	}
	sipDomains := map[string]string{}
	for _, d := range req.Discover {
		n, _ := CheckDomain(d)
		sipDomains[d] = n
	}
	judged := newVerdicts(cat, req.Chain)
	var mu sync.Mutex // Progress, one call at a time
	done, total := 0, 0
	progress := func(more, finished int) {
		if req.Progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if more == 0 && finished == 0 && total > 0 {
			return
		}
		total += more
		done += finished
		req.Progress(done, total)
	}
	jobs := make(chan *Endpoint)
	var workersWG sync.WaitGroup
	work := func() {
		defer workersWG.Done()
		for ep := range jobs {
			if err := ctx.Err(); err != nil {
				ep.Err = notChecked(ctx)
			} else {
				probe(ctx, dialer, ep, req.timeout(), lim, tr)
				judged.judge(sipDomains[ep.Target], ep)
			}
			progress(0, 1)
		}
	}
	// Worker w starts w·step after the first one, so that the first
	// round of handshakes does not reach the servers as one burst.
	step := min(time.Millisecond, staggerWindow/time.Duration(ceiling))
	var spawnMu sync.Mutex
	workers, known := 0, 0
	var firstStart time.Time
	grow := func(more int) {
		spawnMu.Lock()
		defer spawnMu.Unlock()
		known += more
		for ; workers < min(known, ceiling); workers++ {
			if workers == 0 {
				firstStart = time.Now()
			}
			wait := time.Until(firstStart.Add(time.Duration(workers) * step))
			workersWG.Add(1)
			go func() {
				if wait > 0 {
					t := time.NewTimer(wait)
					select {
					case <-t.C:
					case <-ctx.Done():
						t.Stop()
					}
				}
				work()
			}()
		}
	}

	// Addresses given as such need no lookup: they are probed first.
	var literal []*Endpoint
	var names []string
	for _, n := range order {
		if a, err := netip.ParseAddr(n); err == nil {
			literal = append(literal, endpointsOf(n, []netip.Addr{a}, nil)...)
		} else {
			names = append(names, n)
		}
	}
	progress(len(literal), 0)
	grow(len(literal))
	var lookups sync.WaitGroup
	lookups.Add(1)
	go func() {
		defer lookups.Done()
		for _, ep := range literal {
			jobs <- ep
		}
	}()
	sem := make(chan struct{}, max(conc, 1))
	for _, n := range names {
		lookups.Add(1)
		go func() {
			defer lookups.Done()
			sem <- struct{}{}
			lctx, cancel := context.WithTimeout(ctx, req.timeout())
			addrs, err := res.LookupAddrs(lctx, n)
			cancel()
			<-sem
			if err != nil {
				traceLookup(tr, "A/AAAA "+n, 0, err)
			} else {
				tr.Printf(trace.DNS, "A/AAAA %s: %v", n, addrs)
			}
			mu.Lock()
			probeable := endpointsOf(n, addrs, err)
			mu.Unlock()
			progress(len(probeable), 0)
			grow(len(probeable))
			for _, ep := range probeable {
				jobs <- ep
			}
		}()
	}
	lookups.Wait()
	close(jobs)
	workersWG.Wait()

	var eps []Endpoint
	found := map[string]bool{} // discovery domains for which something was found
	for i, p := range plans {
		if p.err != nil {
			found[p.target] = true
			eps = append(eps, Endpoint{Target: p.target, Via: p.via, Name: p.name, Err: fmt.Errorf("discovery: %w", &LookupError{Name: p.name, Server: serverOf(res), Err: p.err})})
			continue
		}
		if lookupErr[i] != nil && p.optional && errors.Is(lookupErr[i], ErrNoSuchName) {
			continue
		}
		if p.sipDomain != "" {
			found[p.target] = true
		}
		for _, ep := range perPlan[i] {
			eps = append(eps, *ep)
		}
	}
	// A domain where nothing at all was found is itself a failure.
	for _, p := range plans {
		if p.sipDomain != "" && p.optional && !found[p.target] {
			found[p.target] = true
			eps = append(eps, Endpoint{Target: p.target, Via: "discovered", Name: p.target,
				Err: &LookupError{Name: p.target, Server: serverOf(res), Err: noSuchName{fmt.Sprintf("discover %s: no SRV records, and none of sip., lyncdiscoverinternal., ucupdates-r2. resolves", p.target)}}})
		}
	}
	return eps
}

// traceLookup traces a DNS answer count or failure.
func traceLookup(tr trace.Func, query string, n int, err error) {
	switch {
	case errors.Is(err, ErrNoSuchName):
		tr.Printf(trace.DNS, "%s: no such name", query)
	case err != nil:
		tr.Printf(trace.DNS, "%s: %s", query, sockerr.Message(err))
	default:
		tr.Printf(trace.DNS, "%s: %d records", query, n)
	}
}

func notChecked(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errors.New("not checked: the total deadline passed first")
	}
	return errors.New("not checked: canceled")
}

// probe runs the endpoint's handshakes in parallel and fills in what they
// found.
func probe(ctx context.Context, dialer *net.Dialer, ep *Endpoint, timeout time.Duration, lim Limits, tr trace.Func) {
	addr := ep.HostPort()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		ep.Modern = handshake(ctx, dialer, addr, ep.SNI, probeModern, timeout, lim, tr)
	}()
	go func() { defer wg.Done(); ep.Phone = handshake(ctx, dialer, addr, ep.SNI, probePhone, timeout, lim, tr) }()
	if ep.SNI != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := handshake(ctx, dialer, addr, "", probeModern, timeout, lim, tr)
			ep.NoSNI = &h
		}()
	}
	wg.Wait()

	switch {
	case ep.Phone.OK && len(ep.Phone.Certs) > 0:
		ep.Certs, ep.ChainFrom = ep.Phone.Certs, "phone"
	case len(ep.Modern.Certs) > 0:
		ep.Certs, ep.ChainFrom = ep.Modern.Certs, "modern"
	case len(ep.Phone.Certs) > 0:
		ep.Certs, ep.ChainFrom = ep.Phone.Certs, "phone"
	}
	if ep.NoSNI != nil && ep.NoSNI.LeafSHA1() != "" && ep.Modern.LeafSHA1() != "" {
		ep.SNIDiffers = ep.NoSNI.LeafSHA1() != ep.Modern.LeafSHA1()
	}
	if ep.Phone.LeafSHA1() != "" && ep.Modern.LeafSHA1() != "" {
		ep.ModernDiffers = ep.Phone.LeafSHA1() != ep.Modern.LeafSHA1()
	}
	if len(ep.Certs) == 0 {
		switch {
		case !ep.Modern.OK:
			ep.Err = errors.New(ep.Modern.Error)
		case !ep.Phone.OK:
			ep.Err = errors.New(ep.Phone.Error)
		default:
			ep.Err = errors.New("the server presented no certificate")
		}
	}
}

// SortEndpoints orders endpoints by name, address and port; Audit already
// returns them in a stable order, this is for callers merging audits.
func SortEndpoints(eps []Endpoint) {
	slices.SortStableFunc(eps, func(a, b Endpoint) int {
		if a.Name != b.Name {
			if a.Name < b.Name {
				return -1
			}
			return 1
		}
		if c := a.Address.Compare(b.Address); c != 0 {
			return c
		}
		return a.Port - b.Port
	})
}
