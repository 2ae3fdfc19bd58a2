package adpublish

import (
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

	"github.com/lpetrust/lpetrust/truststore/inputfile"
)

// ConnectOptions say how to reach and authenticate to a domain controller.
type ConnectOptions struct {
	// Server is ldaps://host[:port] (the default path), ldap://host[:port]
	// (upgraded with StartTLS) or a bare host name (taken as ldaps://).
	Server string
	// RootCAs verify the DC's certificate; nil means the system roots.
	RootCAs *x509.CertPool
	// InsecureSkipVerify accepts any DC certificate. Callers must warn.
	InsecureSkipVerify bool
	// NoStartTLS keeps an ldap:// connection in cleartext: anonymous reads only,
	// unless InsecurePlaintext is also set.
	NoStartTLS bool
	// InsecurePlaintext allows a bind over a cleartext connection and implies
	// NoStartTLS. Without it a bind is refused before anything is sent.
	InsecurePlaintext bool
	// Auth is the bind; the zero value binds anonymously.
	Auth Auth
	// ConfigNC overrides the configuration naming context of the RootDSE.
	ConfigNC string
	// Timeout bounds dialing and each request; 0 means 30 seconds.
	Timeout time.Duration
}

// Auth is how to bind: a simple bind with User and Password, or Kerberos.
type Auth struct {
	// User is a UPN (admin@example.com), a DN or DOMAIN\user.
	User string
	// Password of User. It is never put in an error or a log.
	Password string
	// Kerberos, when set, binds with GSSAPI instead of a simple bind.
	Kerberos *Kerberos
}

// Anonymous reports whether a binds anonymously.
func (a Auth) Anonymous() bool { return a.User == "" && a.Kerberos == nil }

// ErrPlaintextBind is returned, before any connection is made, for a bind
// that would travel in cleartext without InsecurePlaintext.
var ErrPlaintextBind = errors.New("refusing to bind over a cleartext connection")

// Transport is how the connection is protected.
type Transport string

// Transports.
const (
	TransportLDAPS     Transport = "ldaps"
	TransportStartTLS  Transport = "starttls"
	TransportPlaintext Transport = "plaintext"
)

// Endpoint is a parsed server URL.
type Endpoint struct {
	URL       string // with scheme and port
	Host      string // without port
	Transport Transport
}

// ParseServer checks a --server value and says which transport it uses under
// opts, refusing a cleartext bind (ErrPlaintextBind) before anything is sent.
func ParseServer(opts ConnectOptions) (Endpoint, error) {
	s := strings.TrimSpace(opts.Server)
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
	if e.Transport == TransportPlaintext && !opts.Auth.Anonymous() {
		if opts.Auth.Kerberos != nil {
			return Endpoint{}, fmt.Errorf("%w: a Kerberos bind has no security layer here, so it needs ldaps:// or StartTLS", ErrPlaintextBind)
		}
		if !opts.InsecurePlaintext {
			return Endpoint{}, fmt.Errorf("%w to %s: the password of %s would be sent in the clear; use ldaps://, StartTLS (drop --no-starttls) or --insecure-plaintext", ErrPlaintextBind, e.URL, opts.Auth.User)
		}
	}
	return e, nil
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
	conn *ldap.Conn
	// Endpoint is the server reached.
	Endpoint Endpoint
	// ConfigNC is the configuration naming context in use.
	ConfigNC string
	// Verified is false when the DC's certificate was not verified.
	Verified bool
	// BoundAs is the identity bound ("" for anonymous).
	BoundAs string
}

// Connect dials the server, protects the connection with TLS (verifying the
// DC's certificate unless told otherwise), binds and reads the configuration
// naming context from the RootDSE unless opts.ConfigNC is set.
func Connect(opts ConnectOptions) (*Directory, error) {
	ep, err := ParseServer(opts)
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	tc := &tls.Config{
		ServerName:         ep.Host,
		RootCAs:            opts.RootCAs,
		InsecureSkipVerify: opts.InsecureSkipVerify, //nolint:gosec // explicit --tls-skip-verify, warned about by the caller
		MinVersion:         tls.VersionTLS12,
	}
	dialer := &net.Dialer{Timeout: timeout}
	conn, err := ldap.DialURL(ep.URL, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(tc))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %s", ep.URL, Explain(err, ""))
	}
	conn.SetTimeout(timeout)
	d := &Directory{conn: conn, Endpoint: ep, Verified: ep.Transport != TransportPlaintext && !opts.InsecureSkipVerify}
	if ep.Transport == TransportStartTLS {
		if err := conn.StartTLS(tc); err != nil {
			conn.Close()
			return nil, fmt.Errorf("StartTLS with %s: %s", ep.URL, Explain(err, ""))
		}
	}
	if err := d.bind(opts.Auth, ep); err != nil {
		conn.Close()
		return nil, err
	}
	d.ConfigNC = opts.ConfigNC
	if d.ConfigNC == "" {
		nc, err := d.rootDSEConfigNC()
		if err != nil {
			conn.Close()
			return nil, err
		}
		d.ConfigNC = nc
	}
	return d, nil
}

func (d *Directory) bind(a Auth, ep Endpoint) error {
	switch {
	case a.Kerberos != nil:
		who, err := d.kerberosBind(a.Kerberos, ep)
		if err != nil {
			return err
		}
		d.BoundAs = who
	case a.User != "":
		if a.Password == "" {
			// An empty password would be an unauthenticated bind: refuse it.
			return fmt.Errorf("bind as %s: empty password", a.User)
		}
		if err := d.conn.Bind(a.User, a.Password); err != nil {
			return fmt.Errorf("bind as %s to %s: %s", a.User, ep.URL, Explain(err, ""))
		}
		d.BoundAs = a.User
	}
	return nil
}

func (d *Directory) rootDSEConfigNC() (string, error) {
	res, err := d.conn.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"configurationNamingContext"}, nil))
	if err != nil {
		return "", fmt.Errorf("read the RootDSE of %s: %s", d.Endpoint.URL, Explain(err, ""))
	}
	if len(res.Entries) == 1 {
		if nc := res.Entries[0].GetAttributeValue("configurationNamingContext"); nc != "" {
			return nc, nil
		}
	}
	return "", fmt.Errorf("the RootDSE of %s has no configurationNamingContext (not Active Directory? give --config-nc)", d.Endpoint.URL)
}

// Close ends the connection.
func (d *Directory) Close() error { return d.conn.Close() }
