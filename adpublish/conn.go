package adpublish

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/client"

	"github.com/lpetrust/lpetrust/truststore/inputfile"
	"github.com/lpetrust/lpetrust/truststore/sockerr"
	"github.com/lpetrust/lpetrust/truststore/trace"
)

// ConnectOptions say how to reach and authenticate to a domain controller.
type ConnectOptions struct {
	// Server is ldaps://host[:port] (the default path), ldap://host[:port]
	// (upgraded with StartTLS) or a bare host name (taken as ldaps://).
	Server string
	// Domain, when Server is empty, finds the domain's DCs in DNS
	// (_ldap._tcp.dc._msdcs.<Domain>, priority and weight order) and tries
	// them in turn as ldap://, going on to the next when one cannot be
	// reached (never after a refused bind, which would count against the
	// account).
	Domain string
	// DNSServer (host or host:port) answers DNS lookups (DCs, KDCs, their
	// names) instead of the system's resolver.
	DNSServer string
	// RootCAs verify the DC's certificate; nil means the system roots.
	RootCAs *x509.CertPool
	// InsecureSkipVerify accepts any DC certificate. Callers must warn.
	InsecureSkipVerify bool
	// NoStartTLS keeps an ldap:// connection without TLS: anonymous reads,
	// Kerberos and integrated binds with their signing layer, and simple
	// binds only with InsecurePlaintext.
	NoStartTLS bool
	// InsecurePlaintext allows a simple bind over a cleartext connection and
	// implies NoStartTLS. Without it such a bind is refused before anything
	// is sent.
	InsecurePlaintext bool
	// Auth is the bind; the zero value binds anonymously.
	Auth Auth
	// ConfigNC overrides the configuration naming context of the RootDSE.
	ConfigNC string
	// Timeout bounds each network step: each DNS lookup, the TCP connect,
	// the TLS or StartTLS handshake, the Kerberos logon, the bind and each
	// LDAP request. 0 means 30 seconds. The deadline of the context given
	// to ConnectContext bounds the whole session.
	Timeout time.Duration
	// Trace, when set, receives a line per connection step (connect, TLS,
	// StartTLS, bind, RootDSE); never the password.
	Trace trace.Func

	// signOnly makes a Kerberos bind negotiate integrity without
	// confidentiality, so that tests cover both layers.
	signOnly bool
}

// Auth is how to bind: a simple bind with User and Password, NTLM, Kerberos,
// or (on Windows) as the logged-on user.
type Auth struct {
	// User is a UPN (admin@example.com), a DN or DOMAIN\user.
	User string
	// Password of User. It is never put in an error or a log.
	Password string
	// Kerberos, when set, binds with GSSAPI instead of a simple bind.
	Kerberos *Kerberos
	// NTLM binds as User with Password through NTLM (Windows DCs; Samba
	// has no NTLM bind). It cannot sign, so it needs TLS.
	NTLM bool
	// Integrated binds as the logged-on Windows user through SSPI
	// (Kerberos), with channel binding over TLS and signing without it.
	Integrated bool
}

// Anonymous reports whether a binds anonymously.
func (a Auth) Anonymous() bool { return a.User == "" && a.Kerberos == nil && !a.Integrated }

// signs reports whether the bind negotiates a SASL security layer, and so
// is safe without TLS.
func (a Auth) signs() bool { return a.Kerberos != nil || a.Integrated }

// ErrPlaintextBind is returned, before the password is sent, for a bind
// that would travel in cleartext.
var ErrPlaintextBind = errors.New("refusing to bind over a cleartext connection")

// Transport is how the connection is protected.
type Transport string

// Transports.
const (
	TransportLDAPS     Transport = "ldaps"
	TransportStartTLS  Transport = "starttls"
	TransportPlaintext Transport = "plaintext"
	// TransportSigned and TransportSealed are ldap:// protected by the SASL
	// security layer of a Kerberos bind: integrity, or integrity and
	// confidentiality (RFC 4752).
	TransportSigned Transport = "sasl-signed"
	TransportSealed Transport = "sasl-sealed"
)

// Endpoint is a parsed server URL.
type Endpoint struct {
	URL       string // with scheme and port
	Host      string // without port
	Transport Transport
}

// ParseServer checks a server value and says which transport it uses under
// opts, refusing a cleartext bind (ErrPlaintextBind) before anything is
// sent. With no Server but a Domain it checks the ldap:// endpoints that
// discovery yields.
func ParseServer(opts ConnectOptions) (Endpoint, error) {
	s := strings.TrimSpace(opts.Server)
	if s == "" && opts.Domain != "" {
		if err := checkDomain(opts.Domain); err != nil {
			return Endpoint{}, err
		}
		s = "ldap://" + strings.TrimSuffix(opts.Domain, ".")
	}
	if s == "" {
		return Endpoint{}, errors.New("no server given")
	}
	if !strings.Contains(s, "://") {
		s = "ldaps://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return Endpoint{}, fmt.Errorf("server %q: want ldaps://host[:port] or ldap://host[:port]", opts.Server)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return Endpoint{}, fmt.Errorf("server %q: want ldaps://host[:port] or ldap://host[:port], without path, query or user", opts.Server)
	}
	e := Endpoint{Host: u.Hostname()}
	port := u.Port()
	switch strings.ToLower(u.Scheme) {
	case "ldaps":
		e.Transport = TransportLDAPS
		if port == "" {
			port = "636"
		}
		e.URL = "ldaps://" + net.JoinHostPort(e.Host, port)
	case "ldap":
		e.Transport = TransportStartTLS
		if opts.NoStartTLS || opts.InsecurePlaintext {
			e.Transport = TransportPlaintext
		}
		if port == "" {
			port = "389"
		}
		e.URL = "ldap://" + net.JoinHostPort(e.Host, port)
	default:
		return Endpoint{}, fmt.Errorf("server %q: scheme %q not supported (want ldaps or ldap)", opts.Server, u.Scheme)
	}
	if e.Transport == TransportPlaintext {
		if err := plaintextAllowed(opts, e.URL); err != nil {
			return Endpoint{}, err
		}
	}
	return e, nil
}

// plaintextAllowed says whether opts' bind may run on a connection without
// TLS: anonymous, Kerberos and integrated ones (they sign) and, only when
// forced, a simple bind. NTLM never: go-ldap's NTLM bind cannot sign.
func plaintextAllowed(opts ConnectOptions, url string) error {
	a := opts.Auth
	switch {
	case a.Anonymous() || a.signs():
		return nil
	case a.NTLM:
		return fmt.Errorf("%w to %s: an NTLM bind cannot sign the connection here, so it needs ldaps:// or StartTLS", ErrPlaintextBind, url)
	case !opts.InsecurePlaintext:
		return fmt.Errorf("%w to %s: the password of %s would be sent in the clear; use ldaps://, StartTLS (drop --no-starttls), Kerberos (signed), or --insecure-plaintext", ErrPlaintextBind, url, a.User)
	}
	return nil
}

// checkDomain accepts a DNS domain name.
func checkDomain(d string) error {
	d = strings.TrimSuffix(d, ".")
	if d == "" || len(d) > 253 || strings.ContainsAny(d, "/:@\\ \t") || strings.Contains(d, "..") {
		return fmt.Errorf("domain %q: want a DNS domain such as contoso.com", d)
	}
	return nil
}

// LoadCAFile reads PEM or DER certificates that verify the DC's certificate.
func LoadCAFile(path string) (*x509.CertPool, error) {
	data, err := inputfile.Read(path, inputfile.MaxCertificate)
	if err != nil {
		return nil, fmt.Errorf("CA file %s: %w", path, err)
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("CA file %s: %w", path, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		c, err := x509.ParseCertificate(data)
		if err != nil {
			return nil, fmt.Errorf("CA file %s: no PEM certificate and not a DER certificate", path)
		}
		pool.AddCert(c)
	}
	return pool, nil
}

// Directory is a bound connection to a domain controller.
type Directory struct {
	conn    *ldap.Conn
	sc      *sessionConn
	release func() error // of the security layer's context, if any
	// Endpoint is the server reached; its Transport is the protection in
	// effect (a StartTLS the DC refused ends as sasl-signed or sasl-sealed).
	Endpoint Endpoint
	// ConfigNC is the configuration naming context in use.
	ConfigNC string
	// Verified is false when the DC's certificate was not verified (and
	// when there is no TLS; a security layer's Kerberos bind proves the DC).
	Verified bool
	// BoundAs is the identity bound ("" for anonymous).
	BoundAs string
}

// Connect is ConnectContext without a deadline for the whole session.
func Connect(opts ConnectOptions) (*Directory, error) {
	return ConnectContext(context.Background(), opts)
}

// ConnectContext finds the DC (opts.Server, or discovery in opts.Domain),
// connects, protects the connection with TLS (verifying the DC's
// certificate unless told otherwise) or, for Kerberos on ldap:// without
// TLS, with a SASL security layer, binds, and reads the configuration
// naming context from the RootDSE unless opts.ConfigNC is set. Each network
// step is bounded by opts.Timeout; ctx's deadline bounds the whole session,
// including every operation on the Directory afterwards.
func ConnectContext(ctx context.Context, opts ConnectOptions) (*Directory, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if _, err := ParseServer(opts); err != nil {
		return nil, err
	}
	res, err := newResolver(opts.DNSServer, opts.Timeout)
	if err != nil {
		return nil, err
	}
	var krb *kerberosLogin
	if k := opts.Auth.Kerberos; k != nil {
		// Log in once, before any DC is dialed: a refused logon tries no DC.
		kctx, cancel := context.WithTimeout(ctx, opts.Timeout)
		cl, who, err := k.login(kctx, res)
		cancel()
		if err != nil {
			return nil, err
		}
		defer cl.Destroy()
		krb = &kerberosLogin{cl: cl, who: who}
	}
	servers := []string{opts.Server}
	if strings.TrimSpace(opts.Server) == "" {
		if servers, err = discoverDCs(ctx, res, opts.Domain); err != nil {
			return nil, err
		}
	}
	var failures []string
	for _, s := range servers {
		o := opts
		o.Server = s
		ep, err := ParseServer(o)
		if err != nil {
			return nil, err
		}
		d, err := connectTo(ctx, o, ep, res, krb)
		var unreachable *unreachableError
		if err == nil || !errors.As(err, &unreachable) || len(servers) == 1 {
			return d, err
		}
		failures = append(failures, err.Error())
	}
	return nil, fmt.Errorf("no domain controller of %s could be reached: %s", opts.Domain, strings.Join(failures, "; "))
}

// kerberosLogin is the Kerberos client logged in for the session.
type kerberosLogin struct {
	cl  *client.Client
	who string
}

// unreachableError is a DC that could not be reached at all (name, TCP):
// discovery goes on to the next.
type unreachableError struct {
	url string
	err error
}

func (e *unreachableError) Error() string {
	return "connect to " + e.url + ": cannot reach the directory: " + sockerr.Message(e.err)
}
func (e *unreachableError) Unwrap() error { return e.err }

// dial opens the TCP connection, resolving the host through res.
func dial(ctx context.Context, ep Endpoint, res *resolver, timeout time.Duration) (*sessionConn, error) {
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(ep.URL, "ldaps://"), "ldap://"))
	addrs, err := res.lookupHost(ctx, ep.Host)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return nil, &unreachableError{ep.URL, fmt.Errorf("no such host %s", ep.Host)}
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, &unreachableError{ep.URL, fmt.Errorf("looking up %s: no DNS answer within %s", ep.Host, timeout)}
		}
		return nil, &unreachableError{ep.URL, err}
	}
	var last error
	for _, a := range addrs {
		dctx, cancel := context.WithTimeout(ctx, timeout)
		var d net.Dialer
		c, err := d.DialContext(dctx, "tcp", net.JoinHostPort(a, port))
		cancel()
		if err == nil {
			end, _ := ctx.Deadline()
			return newSessionConn(c, timeout, end), nil
		}
		last = err
		if errors.Is(err, context.DeadlineExceeded) {
			last = fmt.Errorf("no answer from %s within %s", net.JoinHostPort(a, port), timeout)
			if ctx.Err() != nil {
				last = errors.New("the session's deadline passed")
			}
		}
	}
	return nil, &unreachableError{ep.URL, last}
}

// connectTo connects to one endpoint and binds.
func connectTo(ctx context.Context, opts ConnectOptions, ep Endpoint, res *resolver, krb *kerberosLogin) (*Directory, error) {
	tr := opts.Trace
	tr.Printf(trace.TCP, "connecting to %s (%s, timeout %s)", ep.URL, ep.Transport, opts.Timeout)
	sc, err := dial(ctx, ep, res, opts.Timeout)
	if err != nil {
		tr.Printf(trace.TCP, "%s", oneLineText(err.Error()))
		return nil, err
	}
	tr.Printf(trace.TCP, "connected to %s at %s", ep.URL, sc.RemoteAddr())
	tc := &tls.Config{
		ServerName:         ep.Host,
		RootCAs:            opts.RootCAs,
		InsecureSkipVerify: opts.InsecureSkipVerify, //nolint:gosec // explicit --tls-skip-verify, warned about by the caller
		MinVersion:         tls.VersionTLS12,
	}
	d := &Directory{sc: sc, Endpoint: ep}
	switch ep.Transport {
	case TransportLDAPS:
		tlsConn := tls.Client(sc, tc)
		done := sc.step()
		err := tlsConn.HandshakeContext(ctx)
		done()
		if err != nil {
			sc.Close()
			err = d.stepError("TLS handshake with", err)
			tr.Printf(trace.TLS, "%s", err)
			return nil, err
		}
		traceTLS(tr, tlsConn.ConnectionState(), "TLS handshake with "+ep.URL)
		d.conn = ldap.NewConn(tlsConn, true)
	default:
		d.conn = ldap.NewConn(sc, false)
	}
	d.conn.SetTimeout(opts.Timeout)
	d.conn.Start()
	if ep.Transport == TransportStartTLS {
		// Ask for StartTLS only when the DC offers it (Samba without TLS
		// crashes on it). A Kerberos bind does without: it signs.
		offered, err := d.offersStartTLS()
		if err != nil {
			d.conn.Close()
			return nil, err
		}
		switch {
		case offered == offerYes:
		case opts.Auth.signs() && offered != offerYes:
			// Samba lists no extensions at all (and one without TLS
			// crashes on StartTLS): Kerberos signs instead.
			d.Endpoint.Transport = TransportPlaintext
		case offered == offerUnknown:
		case opts.Auth.Anonymous():
			d.conn.Close()
			return nil, fmt.Errorf("%s does not offer StartTLS: read anonymously in cleartext with --no-starttls, or use ldaps://", ep.URL)
		default:
			d.conn.Close()
			return nil, fmt.Errorf("%w: %s does not offer StartTLS (has the DC no certificate?): the password of %s would be sent in the clear; use Kerberos, which signs the connection, or LDAPS", ErrPlaintextBind, ep.URL, opts.Auth.User)
		}
	}
	if d.Endpoint.Transport == TransportStartTLS {
		done := d.step()
		err := d.conn.StartTLS(tc)
		done()
		if err != nil {
			d.conn.Close()
			var cve *tls.CertificateVerificationError
			if !sc.expired() && !errors.As(err, &cve) && opts.Auth.signs() {
				// The DC offers StartTLS but cannot do it (no certificate):
				// the bind's security layer protects the session instead.
				plain := ep
				plain.Transport = TransportPlaintext
				return connectTo(ctx, opts, plain, res, krb)
			}
			if refusedByServer(err) && !opts.Auth.Anonymous() {
				return nil, fmt.Errorf("%w: %s refused StartTLS (%s; has the DC no certificate?): the password of %s would be sent in the clear; use Kerberos, which signs the connection, or LDAPS", ErrPlaintextBind, ep.URL, oneLineText(Explain(err, "")), opts.Auth.User)
			}
			err = d.stepError("StartTLS with", err)
			tr.Printf(trace.LDAP, "%s", err)
			return nil, err
		}
		if cs, ok := d.conn.TLSConnectionState(); ok {
			traceTLS(tr, cs, "StartTLS with "+ep.URL)
		}
	}
	d.Verified = d.Endpoint.Transport != TransportPlaintext && !opts.InsecureSkipVerify
	if err := d.bind(ctx, opts, krb); err != nil {
		tr.Printf(trace.LDAP, "bind failed: %s", oneLineText(err.Error()))
		d.conn.Close()
		return nil, err
	}
	if d.BoundAs != "" {
		tr.Printf(trace.LDAP, "bind as %s: ok (%s)", d.BoundAs, d.Endpoint.Transport)
	} else {
		tr.Printf(trace.LDAP, "no bind: anonymous")
	}
	d.ConfigNC = opts.ConfigNC
	if d.ConfigNC == "" {
		nc, err := d.rootDSEConfigNC()
		if err != nil {
			tr.Printf(trace.LDAP, "RootDSE: %s", oneLineText(err.Error()))
			d.Close()
			return nil, err
		}
		d.ConfigNC = nc
		tr.Printf(trace.LDAP, "RootDSE configurationNamingContext: %s", nc)
	}
	return d, nil
}

// traceTLS traces a negotiated TLS connection.
func traceTLS(tr trace.Func, cs tls.ConnectionState, what string) {
	peer := ""
	if len(cs.PeerCertificates) > 0 {
		peer = ", server certificate " + cs.PeerCertificates[0].Subject.String()
	}
	tr.Printf(trace.TLS, "%s: %s %s%s", what, tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite), peer)
}

// refusedByServer reports whether err is the DC's answer (an LDAP result),
// not a failure of the connection.
func refusedByServer(err error) bool {
	var le *ldap.Error
	return errors.As(err, &le) && le.ResultCode != ldap.ErrorNetwork && le.ResultCode < ldap.LDAPResultServerDown
}

// step bounds what follows by the timeout on the connection itself, with
// go-ldap's own request timeout held off meanwhile, so that a stall is
// reported as this step's.
func (d *Directory) step() (done func()) {
	end := d.sc.step()
	d.conn.SetTimeout(2*d.sc.timeout + time.Second)
	return func() {
		end()
		d.conn.SetTimeout(d.sc.timeout)
	}
}

// stepError words a failed step, saying so when it ran out of time.
func (d *Directory) stepError(step string, err error) error {
	switch {
	case d.sc.expired() && !d.sc.end.IsZero() && !time.Now().Before(d.sc.end):
		return fmt.Errorf("%s %s: the session's deadline passed", step, d.Endpoint.URL)
	case d.sc.expired():
		return fmt.Errorf("%s %s: no answer within %s", step, d.Endpoint.URL, d.sc.timeout)
	}
	return fmt.Errorf("%s %s: %s", step, d.Endpoint.URL, oneLineText(Explain(err, "")))
}

func (d *Directory) bind(ctx context.Context, opts ConnectOptions, krb *kerberosLogin) error {
	a := opts.Auth
	done := d.step()
	defer done()
	switch {
	case a.Kerberos != nil || a.Integrated:
		return d.saslBind(ctx, opts, krb)
	case a.NTLM:
		if a.Password == "" {
			return fmt.Errorf("bind as %s: empty password", a.User)
		}
		domain, user := ntlmUser(a.User)
		if err := d.conn.NTLMBind(domain, user, a.Password); err != nil {
			return d.bindError(a.User, err)
		}
		d.BoundAs = a.User
	case a.User != "":
		if a.Password == "" {
			// An empty password would be an unauthenticated bind: refuse it.
			return fmt.Errorf("bind as %s: empty password", a.User)
		}
		if err := d.conn.Bind(a.User, a.Password); err != nil {
			return d.bindError(a.User, err)
		}
		d.BoundAs = a.User
	}
	return nil
}

// ntlmUser splits DOMAIN\user; a UPN goes whole, with the domain taken from
// the DC's challenge.
func ntlmUser(u string) (domain, user string) {
	if d, name, ok := strings.Cut(u, `\`); ok {
		return d, name
	}
	return "", u
}

// bindError words a refused bind: AD's reason when it gives one.
func (d *Directory) bindError(user string, err error) error {
	if r := bindRefusal(err); r != RefusalUnknown {
		return &BindError{User: user, Server: d.Endpoint.URL, Refusal: r, ResultCode: ResultCode(err)}
	}
	if d.sc.expired() {
		return d.stepError("bind as "+user+" to", err)
	}
	if user == "" {
		return fmt.Errorf("bind to %s: %s", d.Endpoint.URL, oneLineText(Explain(err, "")))
	}
	return fmt.Errorf("bind as %s to %s: %s", user, d.Endpoint.URL, oneLineText(Explain(err, "")))
}

// saslBind binds with GSSAPI (Kerberos from gokrb5, or SSPI on Windows) and
// installs the security layer it negotiated.
func (d *Directory) saslBind(ctx context.Context, opts ConnectOptions, krb *kerberosLogin) error {
	spn := "ldap/" + d.Endpoint.Host
	if k := opts.Auth.Kerberos; k != nil && k.SPN != "" {
		spn = k.SPN
	}
	state, overTLS := d.conn.TLSConnectionState()
	var bindings []byte
	if overTLS && len(state.PeerCertificates) > 0 {
		bindings = tlsServerEndPoint(state.PeerCertificates[0])
	}
	var (
		sc  saslClient
		who string
		err error
	)
	if krb != nil {
		who = krb.who
		// Fetch the service ticket within the step's bound.
		if err := bounded(ctx, func() error { _, _, err := krb.cl.GetServiceTicket(spn); return err }); err != nil {
			return serviceTicketError(spn, who, err)
		}
		sc = &krb5Client{cl: krb.cl, overTLS: overTLS, bindings: bindings, signOnly: opts.signOnly}
	} else {
		sc, who, err = newIntegratedClient(bindings, overTLS)
		if err != nil {
			return err
		}
	}
	installed := false
	defer func() {
		if !installed {
			sc.Close()
		}
	}()
	if err := d.conn.GSSAPIBind(sc, spn, ""); err != nil {
		if r := bindRefusal(err); r != RefusalUnknown {
			return &BindError{User: who, Server: d.Endpoint.URL, Refusal: r, ResultCode: ResultCode(err)}
		}
		if d.sc.expired() {
			return d.stepError("kerberos bind as "+who+" to", err)
		}
		return fmt.Errorf("kerberos bind as %s to %s (service %s): %s", who, d.Endpoint.URL, spn, oneLineText(Explain(err, "")))
	}
	if l, max := sc.layer(); l != nil {
		if err := d.sc.install(l, max); err != nil {
			return fmt.Errorf("kerberos bind as %s to %s: %w", who, d.Endpoint.URL, err)
		}
		installed = true
		d.release = sc.Close // the layer goes on using the security context
		d.Endpoint.Transport = TransportSigned
		if l.name() == "sealed" {
			d.Endpoint.Transport = TransportSealed
		}
	}
	d.BoundAs = who
	return nil
}

// startTLSOID names the StartTLS extended operation (RFC 4511).
const startTLSOID = "1.3.6.1.4.1.1466.20037"

// offer is whether the RootDSE lists an extended operation.
type offer int

const (
	offerUnknown offer = iota // no supportedExtension at all (Samba)
	offerYes
	offerNo
)

// offersStartTLS reads the RootDSE's supportedExtension.
func (d *Directory) offersStartTLS() (offer, error) {
	done := d.step()
	defer done()
	res, err := d.conn.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"supportedExtension"}, nil))
	if err != nil {
		return offerUnknown, d.stepError("read the RootDSE of", err)
	}
	o := offerUnknown
	for _, e := range res.Entries {
		for _, v := range e.GetAttributeValues("supportedExtension") {
			if v == startTLSOID {
				return offerYes, nil
			}
			o = offerNo
		}
	}
	return o, nil
}

func (d *Directory) rootDSEConfigNC() (string, error) {
	res, err := d.conn.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"configurationNamingContext"}, nil))
	if err != nil {
		if d.sc.expired() {
			return "", d.stepError("read the RootDSE of", err)
		}
		return "", fmt.Errorf("read the RootDSE of %s: %s", d.Endpoint.URL, oneLineText(Explain(err, "")))
	}
	if len(res.Entries) == 1 {
		if nc := res.Entries[0].GetAttributeValue("configurationNamingContext"); nc != "" {
			return nc, nil
		}
	}
	return "", fmt.Errorf("the RootDSE of %s has no configurationNamingContext (not Active Directory? give --config-nc)", d.Endpoint.URL)
}

// Close ends the connection.
func (d *Directory) Close() error {
	err := d.conn.Close()
	if d.release != nil {
		_ = d.release()
		d.release = nil
	}
	return err
}
