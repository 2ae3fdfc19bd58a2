package live

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/lpetrust/lpetrust/truststore/sockerr"
	"github.com/lpetrust/lpetrust/truststore/trace"
)

// Limits bound what one handshake may cost. The zero value means the
// defaults.
type Limits struct {
	// MaxCertificates caps the certificates a server may present;
	// 0 means DefaultMaxCertificates.
	MaxCertificates int
	// MaxChainBytes caps the size of the server's certificate message;
	// 0 means DefaultMaxChainBytes.
	MaxChainBytes int
	// MaxHandshakeBytes caps everything the server sends during one
	// handshake; 0 means DefaultMaxHandshakeBytes.
	MaxHandshakeBytes int64
}

// Default limits: real chains have 2 to 5 certificates of a few KiB.
const (
	DefaultMaxCertificates   = 32
	DefaultMaxChainBytes     = 256 << 10
	DefaultMaxHandshakeBytes = 1 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxCertificates <= 0 {
		l.MaxCertificates = DefaultMaxCertificates
	}
	if l.MaxChainBytes <= 0 {
		l.MaxChainBytes = DefaultMaxChainBytes
	}
	if l.MaxHandshakeBytes <= 0 {
		l.MaxHandshakeBytes = DefaultMaxHandshakeBytes
	}
	return l
}

// PhoneCipherSuites are the only suites the phone probe offers: what the
// Windows CE 6.0 TLS stack of Lync Phone Edition negotiates (RSA key
// exchange, CBC, SHA-1), at TLS 1.0 only.
var PhoneCipherSuites = []uint16{
	tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
}

// Handshake is the outcome of one TLS handshake with an endpoint.
type Handshake struct {
	// OK is true when the handshake completed.
	OK bool `json:"ok"`
	// Version and CipherSuite are what was negotiated ("TLS 1.0",
	// "TLS_RSA_WITH_AES_128_CBC_SHA"); empty when the handshake failed.
	Version     string `json:"version"`
	CipherSuite string `json:"cipher_suite"`
	// KeyExchange is the negotiated key-exchange group ("X25519",
	// "CurveP256"); empty for RSA key exchange and failed handshakes.
	KeyExchange string `json:"key_exchange,omitempty"`
	// Error says why the handshake failed, on one line; empty when OK.
	Error string `json:"error"`
	// Certs are the certificates the server presented, in its order,
	// captured whatever their validity (also when a later handshake step
	// failed).
	Certs []*x509.Certificate `json:"-"`

	// received counts the bytes read from the server (for tests of the limits).
	received int64
}

// LeafSHA1 is the upper-case hex SHA-1 of the first presented certificate, or "".
func (h *Handshake) LeafSHA1() string {
	if h == nil || len(h.Certs) == 0 {
		return ""
	}
	return sha1Hex(h.Certs[0].Raw)
}

// MarshalJSON writes ok, version, cipher_suite, error and leaf_sha1.
func (h Handshake) MarshalJSON() ([]byte, error) {
	type fields Handshake // without this method
	return json.Marshal(struct {
		fields
		LeafSHA1 string `json:"leaf_sha1"`
	}{fields(h), h.LeafSHA1()})
}

func sha1Hex(der []byte) string {
	sum := sha1.Sum(der)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// probeKind selects the ClientHello a handshake offers.
type probeKind int

// String names the probe in traces.
func (k probeKind) String() string {
	if k == probePhone {
		return "phone probe"
	}
	return "modern handshake"
}

const (
	// probeModern offers what a current client offers (Go's defaults:
	// TLS 1.2 and 1.3, ECDHE and AEAD suites).
	probeModern probeKind = iota
	// probePhone offers only what an LPE phone offers: TLS 1.0 and
	// PhoneCipherSuites.
	probePhone
)

func clientConfig(kind probeKind, sni string, capture func(tls.ConnectionState) error) *tls.Config {
	cfg := &tls.Config{
		ServerName: sni,
		// The chain is judged by the chain package per firmware store, not
		// by the system roots; it must be captured whatever its validity.
		InsecureSkipVerify: true,
		VerifyConnection:   capture,
	}
	if kind == probePhone {
		cfg.MinVersion = tls.VersionTLS10
		cfg.MaxVersion = tls.VersionTLS10
		cfg.CipherSuites = PhoneCipherSuites
		return cfg
	}
	// The modern probes only need the server's chain: classical groups
	// save the hybrid post-quantum key share, about a third of the
	// client's CPU per endpoint.
	cfg.CurvePreferences = modernGroups
	return cfg
}

// modernGroups are the key-exchange groups the modern and no-SNI probes offer.
var modernGroups = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}

// handshake connects to addr, runs one TLS handshake offering kind, and
// returns what happened, tracing the connect and the handshake on tr.
// timeout covers connect and handshake. The server
// may send at most lim.MaxHandshakeBytes, and its certificate message is
// checked against the limits before crypto/tls parses it.
func handshake(parent context.Context, dialer *net.Dialer, addr, sni string, kind probeKind, timeout time.Duration, lim Limits, tr trace.Func) Handshake {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	var h Handshake
	fail := func(err error) Handshake {
		h.OK = false
		// The connection's deadline may fire just before the context's.
		dl, hasDeadline := parent.Deadline()
		switch {
		case errors.Is(parent.Err(), context.DeadlineExceeded) || hasDeadline && !time.Now().Before(dl):
			h.Error = "stopped: the total deadline passed during the handshake"
		case parent.Err() != nil:
			h.Error = "stopped: canceled"
		default:
			h.Error = describe(err, timeout)
		}
		return h
	}
	what := kind.String() + " " + addr
	if sni != "" {
		what += " (SNI " + sni + ")"
	}
	start := time.Now()
	raw, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		h = fail(err)
		tr.Printf(trace.TCP, "%s: connect failed: %s", what, h.Error)
		return h
	}
	tr.Printf(trace.TCP, "%s: connected from %s in %s", what, raw.LocalAddr(), time.Since(start).Round(time.Millisecond))
	defer raw.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
	}
	conn := &guardedConn{Conn: raw, budget: lim.MaxHandshakeBytes, limit: lim.MaxHandshakeBytes, sniff: newChainSniffer(lim)}
	capture := func(cs tls.ConnectionState) error {
		// In TLS 1.3 the certificates are encrypted, so the sniffer cannot
		// count them; crypto/tls capped that message at 256 KiB.
		if len(cs.PeerCertificates) > lim.MaxCertificates {
			return fmt.Errorf("%w: server sent more than %d certificates", ErrTooManyCertificates, lim.MaxCertificates)
		}
		h.Certs = cs.PeerCertificates
		return nil
	}
	tc := tls.Client(conn, clientConfig(kind, sni, capture))
	err = tc.HandshakeContext(ctx)
	h.received = lim.MaxHandshakeBytes - conn.budget
	if err != nil {
		h = fail(err)
		tr.Printf(trace.TLS, "%s: handshake failed after %d bytes: %s", what, h.received, h.Error)
		return h
	}
	cs := tc.ConnectionState()
	h.OK = true
	h.Version = tls.VersionName(cs.Version)
	h.CipherSuite = tls.CipherSuiteName(cs.CipherSuite)
	if cs.CurveID != 0 {
		h.KeyExchange = cs.CurveID.String()
	}
	h.Certs = cs.PeerCertificates
	tr.Printf(trace.TLS, "%s: %s %s, %d certificates, leaf %s", what, h.Version, h.CipherSuite, len(h.Certs), h.LeafSHA1())
	return h
}

// guardedConn is a net.Conn whose reads are counted against a byte budget
// and shown to a chainSniffer, so a hostile server's handshake costs bounded
// memory and time.
type guardedConn struct {
	net.Conn
	budget int64
	limit  int64
	sniff  *chainSniffer
	err    error
}

func (c *guardedConn) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.budget <= 0 {
		c.err = fmt.Errorf("%w: server sent more than %d bytes", ErrHandshakeTooLarge, c.limit)
		return 0, c.err
	}
	if int64(len(p)) > c.budget {
		p = p[:c.budget]
	}
	n, err := c.Conn.Read(p)
	c.budget -= int64(n)
	if serr := c.sniff.feed(p[:n]); serr != nil {
		c.err = serr
		return 0, serr
	}
	return n, err
}

// describe turns a dial or handshake error into one line that names the
// failure the way an administrator thinks of it.
func describe(err error, timeout time.Duration) string {
	var msg string
	switch {
	case errors.Is(err, ErrChainTooLarge), errors.Is(err, ErrTooManyCertificates), errors.Is(err, ErrHandshakeTooLarge):
		msg = unwrapSniff(err).Error()
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		msg = fmt.Sprintf("timed out after %s (connect and handshake)", timeout)
	case errors.Is(err, context.Canceled):
		msg = "canceled"
	case sockerr.KindOf(err) == sockerr.Refused:
		msg = "connection refused"
	case sockerr.KindOf(err) == sockerr.Reset:
		msg = "connection reset by the server during the handshake"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg = "server closed the connection during the handshake"
	default:
		msg = sockerr.Message(err)
	}
	return strings.Join(strings.Fields(msg), " ")
}

// unwrapSniff returns the innermost error carrying a sniffer message.
func unwrapSniff(err error) error {
	for {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			err = oe.Err
			continue
		}
		return err
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
