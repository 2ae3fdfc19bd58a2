package live

import (
	"errors"
	"fmt"
)

// ErrChainTooLarge and ErrTooManyCertificates report a server whose
// certificate message exceeds the Limits. They are detected on the raw
// record stream, before crypto/tls allocates or parses any certificate.
var (
	ErrChainTooLarge       = errors.New("certificate chain too large")
	ErrTooManyCertificates = errors.New("too many certificates in chain")
	ErrHandshakeTooLarge   = errors.New("handshake too large")
)

// TLS record and handshake message types the sniffer looks at (RFC 5246).
const (
	recordChangeCipherSpec = 20
	recordAlert            = 21
	recordHandshake        = 22
	recordApplicationData  = 23

	handshakeCertificate = 11
)

// chainSniffer watches the bytes a server sends during the handshake and
// stops a Certificate message that is too large or carries too many
// certificates as soon as its header or the offending entry goes by, so a
// hostile server cannot make the client buffer or parse megabytes. It reads
// only the plaintext part of the handshake: in TLS 1.3 the certificates are
// encrypted (crypto/tls caps that message at 256 KiB and the connection's
// byte budget bounds the rest). Anything that is not a TLS record stream is
// left to crypto/tls to reject.
type chainSniffer struct {
	maxCerts int
	maxBytes int

	stopped bool

	// record layer
	recHdr  [5]byte
	recHdrN int
	recLeft int
	recType byte

	// handshake layer
	msgHdr  [4]byte
	msgHdrN int
	msgLeft int
	inCert  bool

	// Certificate message body: a 3-byte list length, then entries of a
	// 3-byte length and the DER.
	listHdrN  int
	entryHdr  [3]byte
	entryHdrN int
	entryLeft int
	certs     int
}

func newChainSniffer(l Limits) *chainSniffer {
	return &chainSniffer{maxCerts: l.MaxCertificates, maxBytes: l.MaxChainBytes}
}

// feed consumes the next bytes the server sent.
func (s *chainSniffer) feed(p []byte) error {
	for len(p) > 0 && !s.stopped {
		if s.recLeft == 0 && s.recHdrN < len(s.recHdr) {
			n := copy(s.recHdr[s.recHdrN:], p)
			s.recHdrN += n
			p = p[n:]
			if s.recHdrN < len(s.recHdr) {
				return nil
			}
			s.recType = s.recHdr[0]
			s.recLeft = int(s.recHdr[3])<<8 | int(s.recHdr[4])
			switch s.recType {
			case recordHandshake, recordAlert:
			default:
				// Encryption starts (ChangeCipherSpec, or TLS 1.3 records),
				// or this is not TLS at all.
				s.stopped = true
				return nil
			}
			if s.recLeft == 0 {
				s.recHdrN = 0
			}
			continue
		}
		n := min(s.recLeft, len(p))
		if s.recType == recordHandshake {
			if err := s.feedHandshake(p[:n]); err != nil {
				s.stopped = true
				return err
			}
		}
		s.recLeft -= n
		p = p[n:]
		if s.recLeft == 0 {
			s.recHdrN = 0
		}
	}
	return nil
}

func (s *chainSniffer) feedHandshake(p []byte) error {
	for len(p) > 0 {
		if s.msgLeft == 0 {
			n := copy(s.msgHdr[s.msgHdrN:], p)
			s.msgHdrN += n
			p = p[n:]
			if s.msgHdrN < len(s.msgHdr) {
				return nil
			}
			s.msgHdrN = 0
			s.msgLeft = int(s.msgHdr[1])<<16 | int(s.msgHdr[2])<<8 | int(s.msgHdr[3])
			s.inCert = s.msgHdr[0] == handshakeCertificate
			if s.inCert {
				if s.msgLeft > s.maxBytes {
					return fmt.Errorf("%w: server's certificate message is %d bytes (limit %d)", ErrChainTooLarge, s.msgLeft, s.maxBytes)
				}
				s.listHdrN, s.entryHdrN, s.entryLeft, s.certs = 0, 0, 0, 0
			}
			continue
		}
		n := min(s.msgLeft, len(p))
		if s.inCert {
			if err := s.feedCertificates(p[:n]); err != nil {
				return err
			}
		}
		s.msgLeft -= n
		p = p[n:]
	}
	return nil
}

func (s *chainSniffer) feedCertificates(p []byte) error {
	for len(p) > 0 {
		switch {
		case s.listHdrN < 3:
			n := min(3-s.listHdrN, len(p))
			s.listHdrN += n
			p = p[n:]
		case s.entryLeft > 0:
			n := min(s.entryLeft, len(p))
			s.entryLeft -= n
			p = p[n:]
		default:
			n := copy(s.entryHdr[s.entryHdrN:], p)
			s.entryHdrN += n
			p = p[n:]
			if s.entryHdrN < 3 {
				return nil
			}
			s.entryHdrN = 0
			s.entryLeft = int(s.entryHdr[0])<<16 | int(s.entryHdr[1])<<8 | int(s.entryHdr[2])
			s.certs++
			if s.certs > s.maxCerts {
				return fmt.Errorf("%w: server sent more than %d certificates", ErrTooManyCertificates, s.maxCerts)
			}
		}
	}
	return nil
}
