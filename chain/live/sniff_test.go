package live

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain/live/livetest"
)

// tlsRecord wraps a payload in one TLS record.
func tlsRecord(typ byte, payload []byte) []byte {
	return append([]byte{typ, 3, 3, byte(len(payload) >> 8), byte(len(payload))}, payload...)
}

// certificateMessage is a TLS 1.2 Certificate handshake message with n
// entries of size bytes.
func certificateMessage(n, size int) []byte {
	list := n * (3 + size)
	msg := []byte{handshakeCertificate, byte((list + 3) >> 16), byte((list + 3) >> 8), byte(list + 3), byte(list >> 16), byte(list >> 8), byte(list)}
	for range n {
		msg = append(msg, byte(size>>16), byte(size>>8), byte(size))
		msg = append(msg, make([]byte, size)...)
	}
	return msg
}

func TestChainSniffer(t *testing.T) {
	lim := Limits{MaxCertificates: 3, MaxChainBytes: 1000}.withDefaults()
	serverHello := []byte{2, 0, 0, 2, 3, 3}
	tests := []struct {
		name   string
		stream []byte
		want   error
	}{
		{"three certificates", append(tlsRecord(recordHandshake, serverHello), tlsRecord(recordHandshake, certificateMessage(3, 100))...), nil},
		{"four certificates", tlsRecord(recordHandshake, certificateMessage(4, 10)), ErrTooManyCertificates},
		{"message too large", tlsRecord(recordHandshake, certificateMessage(1, 2000)[:50]), ErrChainTooLarge},
		{"encrypted after ChangeCipherSpec", append(tlsRecord(recordChangeCipherSpec, []byte{1}), tlsRecord(recordHandshake, certificateMessage(9, 10))...), nil},
		{"not TLS", []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Byte by byte and all at once must agree.
			s := newChainSniffer(lim)
			var err1 error
			for i := range tt.stream {
				if err1 = s.feed(tt.stream[i : i+1]); err1 != nil {
					break
				}
			}
			err2 := newChainSniffer(lim).feed(tt.stream)
			if !errors.Is(err1, tt.want) || !errors.Is(err2, tt.want) || (tt.want == nil) != (err1 == nil) {
				t.Errorf("byte by byte %v, at once %v, want %v", err1, err2, tt.want)
			}
		})
	}
}

// TestLimitsOnRealHandshake checks the certificate count limit against a
// real TLS server presenting two certificates: the phone probe's TLS 1.0
// Certificate message is seen in clear by the sniffer, the modern TLS 1.3
// one (encrypted) is counted after crypto/tls parsed it.
func TestLimitsOnRealHandshake(t *testing.T) {
	h := livetest.NewHierarchy(t, "Limits", 0, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "limits.lpe.test")
	l := livetest.ListenSamePort(t, "127.0.0.6")
	livetest.ServeTLS(t, l[0], livetest.ServerConfig(h.TLSCert(), true))
	addr := l[0].Addr().String()
	for _, kind := range []probeKind{probeModern, probePhone} {
		ok := handshake(context.Background(), &net.Dialer{}, addr, "limits.lpe.test", kind, 2*time.Second, Limits{MaxCertificates: 2}.withDefaults(), nil)
		if !ok.OK || len(ok.Certs) != 2 {
			t.Errorf("kind %d, limit 2: %+v", kind, ok)
		}
		bad := handshake(context.Background(), &net.Dialer{}, addr, "limits.lpe.test", kind, 2*time.Second, Limits{MaxCertificates: 1}.withDefaults(), nil)
		if bad.OK || bad.Error != "too many certificates in chain: server sent more than 1 certificates" {
			t.Errorf("kind %d, limit 1: %+v", kind, bad)
		}
	}
}

// FuzzChainSniffer: no input panics the sniffer, and how the bytes are cut
// into reads never changes its verdict.
func FuzzChainSniffer(f *testing.F) {
	f.Add(tlsRecord(recordHandshake, certificateMessage(3, 5)), uint8(1))
	f.Add(tlsRecord(recordHandshake, certificateMessage(40, 1)), uint8(7))
	f.Add([]byte{22, 3, 1, 0, 4, 11, 0xff, 0xff, 0xff}, uint8(2))
	f.Add([]byte("GET / HTTP/1.0\r\n\r\n"), uint8(3))
	f.Fuzz(func(t *testing.T, stream []byte, cut uint8) {
		lim := Limits{MaxCertificates: 8, MaxChainBytes: 4096}.withDefaults()
		whole := newChainSniffer(lim).feed(stream)
		s := newChainSniffer(lim)
		step := int(cut%16) + 1
		var parts error
		for i := 0; i < len(stream) && parts == nil; i += step {
			parts = s.feed(stream[i:min(i+step, len(stream))])
		}
		if (whole == nil) != (parts == nil) || (whole != nil && whole.Error() != parts.Error()) {
			t.Fatalf("at once %v, in parts of %d: %v", whole, step, parts)
		}
	})
}

// TestOversizedChainsReadLittle: against the FAKE server streaming a 10 MB
// certificate or 1000 certificates, the client stops after reading at most
// a few records, whatever the server still has to send.
func TestOversizedChainsReadLittle(t *testing.T) {
	for _, tt := range []struct {
		name          string
		entries, size int
		want          error
	}{
		{"10 MB certificate", 1, 10 << 20, ErrChainTooLarge},
		{"1000 certificates", 1000, 64, ErrTooManyCertificates},
		{"1000 certificates of 1 KiB", 1000, 1024, ErrChainTooLarge},
	} {
		l := livetest.ListenSamePort(t, "127.0.0.8")
		livetest.Serve(t, l[0], livetest.FakeChain(tt.entries, tt.size))
		for _, kind := range []probeKind{probeModern, probePhone} {
			h := handshake(context.Background(), &net.Dialer{}, l[0].Addr().String(), "", kind, 5*time.Second, Limits{}.withDefaults(), nil)
			if h.OK || !strings.HasPrefix(h.Error, tt.want.Error()) {
				t.Errorf("%s, kind %d: %+v", tt.name, kind, h)
			}
			if h.received > 32<<10 {
				t.Errorf("%s, kind %d: read %d bytes", tt.name, kind, h.received)
			}
		}
		l[0].Close()
	}
}
