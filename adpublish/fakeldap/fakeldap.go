// Package fakeldap is a FAKE LDAP server on loopback, for the faults a real
// domain controller cannot be made to produce: one that accepts StartTLS and
// then goes silent, one that never answers, and one that refuses StartTLS
// the way an AD DC without a certificate does (Samba without TLS crashes
// instead). It speaks just enough LDAP for lpetrust's connection steps.
package fakeldap

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
)

// Behaviour is what the fake does.
type Behaviour int

const (
	// StallAfterStartTLS answers the RootDSE and StartTLS, then says nothing.
	StallAfterStartTLS Behaviour = iota
	// Silent accepts connections and never answers.
	Silent
	// RefuseStartTLS answers the RootDSE (offering StartTLS) and refuses
	// StartTLS with result 52, as AD does without a certificate.
	RefuseStartTLS
)

// Server is a running fake.
type Server struct {
	Addr string // host:port
	mu   sync.Mutex
	recv bytes.Buffer
}

// Received returns every byte clients sent.
func (s *Server) Received() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.recv.Bytes()...)
}

// Start runs a fake on 127.0.0.1 until the test ends.
func Start(t testing.TB, b Behaviour) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String()}
	var conns sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close(); conns.Wait() })
	// The accept loop holds a count of its own, so that its Add calls never
	// race with the cleanup's Wait at a zero count.
	conns.Add(1)
	go func() {
		defer conns.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				go func() { <-done; c.Close() }()
				s.serve(c, b)
			}()
		}
	}()
	return s
}

type recorder struct {
	net.Conn
	s *Server
}

func (r recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.s.mu.Lock()
	r.s.recv.Write(p[:n])
	r.s.mu.Unlock()
	return n, err
}

func (s *Server) serve(c net.Conn, b Behaviour) {
	rc := recorder{c, s}
	if b == Silent {
		_, _ = ber.ReadPacket(rc) // read what comes, answer nothing
		waitClose(rc)
		return
	}
	for {
		p, err := ber.ReadPacket(rc)
		if err != nil || len(p.Children) < 2 {
			return
		}
		id, _ := p.Children[0].Value.(int64)
		op := p.Children[1]
		switch op.Tag {
		case 3: // SearchRequest: the RootDSE
			_, _ = c.Write(rootDSE(id).Bytes())
			_, _ = c.Write(result(id, 5, 0, "").Bytes())
		case 23: // ExtendedRequest: StartTLS
			if b == RefuseStartTLS {
				_, _ = c.Write(result(id, 24, 52, "00000000: LdapErr: DSID-0C0912FC, comment: Error initializing SSL/TLS, data 0, v4563").Bytes())
				continue
			}
			_, _ = c.Write(result(id, 24, 0, "").Bytes())
			waitClose(rc) // the client's TLS handshake gets no answer
			return
		case 0: // BindRequest: refuse, as this fake has no accounts
			_, _ = c.Write(result(id, 1, 49, "").Bytes())
		default:
			return
		}
	}
}

// waitClose reads (and records) until the client gives up.
func waitClose(c net.Conn) {
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Minute))
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

func envelope(id int64, op *ber.Packet) *ber.Packet {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, ""))
	p.AppendChild(op)
	return p
}

func result(id int64, app ber.Tag, code int64, msg string) *ber.Packet {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, app, nil, "")
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, code, ""))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, msg, ""))
	return envelope(id, op)
}

func rootDSE(id int64) *ber.Packet {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 4, nil, "")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
	attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	for name, vals := range map[string][]string{
		"supportedExtension":         {"1.3.6.1.4.1.1466.20037", "1.3.6.1.4.1.4203.1.11.3"},
		"configurationNamingContext": {"CN=Configuration,DC=fake,DC=example,DC=com"},
	} {
		a := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
		a.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, name, ""))
		set := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "")
		for _, v := range vals {
			set.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, v, ""))
		}
		a.AppendChild(set)
		attrs.AppendChild(a)
	}
	op.AppendChild(attrs)
	return envelope(id, op)
}
