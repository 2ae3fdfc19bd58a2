package adpublish

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// securityLayer protects the LDAP byte stream after a SASL bind that
// negotiated integrity or confidentiality (RFC 4752 section 3.3): each
// buffer sent is wrapped, each one received unwrapped and checked.
type securityLayer interface {
	// wrap protects one buffer of outgoing bytes.
	wrap(p []byte) ([]byte, error)
	// unwrap checks (and decrypts) one incoming buffer.
	unwrap(token []byte) ([]byte, error)
	// overhead is how many bytes wrap adds at most.
	overhead() int
	// name is "signed" or "sealed", for reports.
	name() string
}

// maxReceiveBuffer is the largest SASL buffer lpetrust accepts (and says so
// in the negotiation): bigger than any LDAP message it exchanges.
const maxReceiveBuffer = 1 << 20

// sessionConn is the net.Conn handed to go-ldap. It bounds every step with
// deadlines (go-ldap's StartTLS handshake has none of its own) and, once a
// SASL bind has negotiated a security layer, frames the stream into wrapped
// buffers. go-ldap reads ahead, so a read that was already waiting when the
// layer was installed decides how to treat its bytes only after they came:
// a server sends nothing after the bind response until asked.
type sessionConn struct {
	net.Conn

	// end is the deadline of the whole session; zero means none.
	end time.Time
	// timeout bounds each write, and each step given to step.
	timeout time.Duration

	mu       sync.Mutex
	layer    securityLayer
	maxSend  int    // the server's largest buffer, payload of one frame
	pending  []byte // received, not yet unwrapped
	plain    []byte // unwrapped, not yet read
	timedOut bool   // a read or write hit a deadline
	readMu   sync.Mutex
	writeMu  sync.Mutex
}

func newSessionConn(c net.Conn, timeout time.Duration, end time.Time) *sessionConn {
	s := &sessionConn{Conn: c, timeout: timeout, end: end}
	_ = c.SetDeadline(end)
	return s
}

// step bounds what follows (a handshake, a bind) by the timeout; done ends
// the bound.
func (s *sessionConn) step() (done func()) {
	_ = s.Conn.SetDeadline(s.within(s.timeout))
	return func() { _ = s.Conn.SetDeadline(s.end) }
}

// within returns now+d, or the session's end when that comes first.
func (s *sessionConn) within(d time.Duration) time.Time {
	t := time.Now().Add(d)
	if !s.end.IsZero() && s.end.Before(t) {
		return s.end
	}
	return t
}

// expired reports whether a read or write ran into a deadline.
func (s *sessionConn) expired() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.timedOut
}

func (s *sessionConn) noteErr(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		s.mu.Lock()
		s.timedOut = true
		s.mu.Unlock()
	}
	return err
}

// install turns the security layer on; serverMax is the largest buffer the
// server accepts.
func (s *sessionConn) install(l securityLayer, serverMax int) error {
	if serverMax <= l.overhead()+64 {
		return fmt.Errorf("the server accepts SASL buffers of only %d bytes", serverMax)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.layer = l
	s.maxSend = serverMax - l.overhead()
	return nil
}

func (s *sessionConn) currentLayer() securityLayer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.layer
}

// Read returns plaintext: the raw stream before a layer is installed, the
// unwrapped buffers after.
func (s *sessionConn) Read(p []byte) (int, error) {
	s.readMu.Lock()
	defer s.readMu.Unlock()
	for {
		if len(s.plain) > 0 {
			n := copy(p, s.plain)
			s.plain = s.plain[n:]
			return n, nil
		}
		l := s.currentLayer()
		if l == nil {
			if len(s.pending) > 0 {
				n := copy(p, s.pending)
				s.pending = s.pending[n:]
				return n, nil
			}
			n, err := s.Conn.Read(p)
			if n > 0 && s.currentLayer() != nil {
				// The layer came while this read waited: these bytes are wrapped.
				s.pending = append(s.pending, p[:n]...)
				continue
			}
			return n, s.noteErr(err)
		}
		frame, err := s.readFrame()
		if err != nil {
			return 0, err
		}
		s.plain, err = l.unwrap(frame)
		if err != nil {
			return 0, fmt.Errorf("SASL security layer: %w", err)
		}
	}
}

// readFrame reads one length-prefixed SASL buffer.
func (s *sessionConn) readFrame() ([]byte, error) {
	var hdr [4]byte
	if err := s.fill(hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > maxReceiveBuffer {
		return nil, fmt.Errorf("SASL security layer: a buffer of %d bytes (at most %d accepted)", n, maxReceiveBuffer)
	}
	frame := make([]byte, n)
	if err := s.fill(frame); err != nil {
		return nil, err
	}
	return frame, nil
}

func (s *sessionConn) fill(b []byte) error {
	n := copy(b, s.pending)
	s.pending = s.pending[n:]
	if n == len(b) {
		return nil
	}
	_, err := io.ReadFull(s.Conn, b[n:])
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return s.noteErr(err)
}

// Write sends p, wrapped in buffers the server accepts once a layer is on;
// each write is bounded by the timeout.
func (s *sessionConn) Write(p []byte) (int, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	_ = s.Conn.SetWriteDeadline(s.within(s.timeout))
	l := s.currentLayer()
	if l == nil {
		n, err := s.Conn.Write(p)
		return n, s.noteErr(err)
	}
	s.mu.Lock()
	max := s.maxSend
	s.mu.Unlock()
	for done := 0; done < len(p); {
		chunk := p[done:min(len(p), done+max)]
		tok, err := l.wrap(chunk)
		if err != nil {
			return done, fmt.Errorf("SASL security layer: %w", err)
		}
		frame := make([]byte, 4+len(tok))
		binary.BigEndian.PutUint32(frame, uint32(len(tok)))
		copy(frame[4:], tok)
		if _, err := s.Conn.Write(frame); err != nil {
			return done, s.noteErr(err)
		}
		done += len(chunk)
	}
	return len(p), nil
}
