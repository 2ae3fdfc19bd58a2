package adpublish

import (
	"bytes"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/crypto/etype"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/types"
)

// RFC 4121 section 4.2.2 token flags.
const (
	wrapFromAcceptor   = 0x01
	wrapSealed         = 0x02
	wrapAcceptorSubkey = 0x04
)

const wrapHeaderLen = 16

// krb5Wrap makes and checks RFC 4121 wrap tokens for the initiator side of
// a Kerberos context: integrity (a checksum over the data) or
// confidentiality (the data encrypted). Only the AES encryption types use
// these tokens; the DC picks one of them for the context whenever the
// client offers it, as gokrb5 does.
type krb5Wrap struct {
	key            types.EncryptionKey
	et             etype.EType
	acceptorSubkey bool
	seal           bool // for data after the negotiation; the negotiation itself is never sealed

	sendSeq  uint64
	recvSeq  uint64
	received bool
}

func newKrb5Wrap(key types.EncryptionKey, acceptorSubkey bool, initiatorSeq uint64) (*krb5Wrap, error) {
	switch key.KeyType {
	case etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES256_CTS_HMAC_SHA1_96,
		etypeID.AES128_CTS_HMAC_SHA256_128:
	default:
		return nil, fmt.Errorf("the Kerberos session uses encryption type %d; the security layer needs AES (enable AES for the account)", key.KeyType)
	}
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return nil, err
	}
	return &krb5Wrap{key: key, et: et, acceptorSubkey: acceptorSubkey, sendSeq: initiatorSeq}, nil
}

func (w *krb5Wrap) name() string {
	if w.seal {
		return "sealed"
	}
	return "signed"
}

// overhead: header, confounder, the encrypted header copy and the HMAC.
func (w *krb5Wrap) overhead() int {
	return wrapHeaderLen + w.et.GetConfounderByteSize() + wrapHeaderLen + w.et.GetHMACBitLength()/8
}

func (w *krb5Wrap) header(flags byte, ec, rrc uint16, seq uint64) []byte {
	h := make([]byte, wrapHeaderLen)
	h[0], h[1], h[2], h[3] = 0x05, 0x04, flags, 0xff
	binary.BigEndian.PutUint16(h[4:], ec)
	binary.BigEndian.PutUint16(h[6:], rrc)
	binary.BigEndian.PutUint64(h[8:], seq)
	return h
}

func (w *krb5Wrap) wrap(p []byte) ([]byte, error) { return w.wrapToken(p, w.seal) }

// wrapToken makes one initiator token, sealed or with a checksum only.
func (w *krb5Wrap) wrapToken(p []byte, seal bool) ([]byte, error) {
	var flags byte
	if w.acceptorSubkey {
		flags |= wrapAcceptorSubkey
	}
	seq := w.sendSeq
	w.sendSeq++
	if seal {
		flags |= wrapSealed
		h := w.header(flags, 0, 0, seq)
		plain := append(append([]byte{}, p...), h...)
		_, ct, err := w.et.EncryptMessage(w.key.KeyValue, plain, keyusage.GSSAPI_INITIATOR_SEAL)
		if err != nil {
			return nil, err
		}
		return append(h, ct...), nil
	}
	sum, err := w.et.GetChecksumHash(w.key.KeyValue, append(append([]byte{}, p...), w.header(flags, 0, 0, seq)...), keyusage.GSSAPI_INITIATOR_SEAL)
	if err != nil {
		return nil, err
	}
	tok := w.header(flags, uint16(len(sum)), 0, seq)
	tok = append(tok, p...)
	return append(tok, sum...), nil
}

// unwrap checks one acceptor token and returns its data. Sequence numbers
// must increase, so a replayed or reordered buffer is refused.
func (w *krb5Wrap) unwrap(tok []byte) ([]byte, error) {
	if len(tok) < wrapHeaderLen || tok[0] != 0x05 || tok[1] != 0x04 || tok[3] != 0xff {
		return nil, errors.New("not a Kerberos wrap token")
	}
	flags := tok[2]
	if flags&wrapFromAcceptor == 0 {
		return nil, errors.New("a wrap token not sent by the server")
	}
	if (flags&wrapAcceptorSubkey != 0) != w.acceptorSubkey {
		return nil, errors.New("a wrap token under the wrong key")
	}
	ec := binary.BigEndian.Uint16(tok[4:])
	rrc := binary.BigEndian.Uint16(tok[6:])
	seq := binary.BigEndian.Uint64(tok[8:])
	if w.received && seq <= w.recvSeq {
		return nil, fmt.Errorf("wrap token sequence number %d after %d (replayed or reordered)", seq, w.recvSeq)
	}
	body := tok[wrapHeaderLen:]
	if len(body) > 0 {
		// Undo the sender's right rotation by rrc (RFC 4121 section 4.2.5).
		r := int(rrc) % len(body)
		body = append(append([]byte{}, body[r:]...), body[:r]...)
	}
	var data []byte
	if flags&wrapSealed != 0 {
		// gokrb5 slices without checking: refuse what cannot hold a
		// confounder, the header copy and the HMAC (a fuzzed token did).
		if len(body) < w.et.GetConfounderByteSize()+wrapHeaderLen+int(ec)+w.et.GetHMACBitLength()/8 {
			return nil, errors.New("a sealed wrap token too short")
		}
		plain, err := decrypt(w.et, w.key.KeyValue, body)
		if err != nil {
			return nil, fmt.Errorf("decrypting a wrap token: %w", err)
		}
		if len(plain) < wrapHeaderLen+int(ec) {
			return nil, errors.New("a sealed wrap token too short")
		}
		inner := plain[len(plain)-wrapHeaderLen:]
		if !bytes.Equal(inner, w.header(flags, ec, 0, seq)) {
			return nil, errors.New("a sealed wrap token whose header does not match")
		}
		data = plain[:len(plain)-wrapHeaderLen-int(ec)]
	} else {
		if int(ec) > len(body) {
			return nil, errors.New("a wrap token shorter than its checksum")
		}
		data, sum := body[:len(body)-int(ec)], body[len(body)-int(ec):]
		want, err := w.et.GetChecksumHash(w.key.KeyValue, append(append([]byte{}, data...), w.header(flags, 0, 0, seq)...), keyusage.GSSAPI_ACCEPTOR_SEAL)
		if err != nil {
			return nil, err
		}
		if !hmac.Equal(sum, want) {
			return nil, errors.New("a wrap token whose checksum does not match (altered on the way)")
		}
		w.recvSeq, w.received = seq, true
		return data, nil
	}
	w.recvSeq, w.received = seq, true
	return data, nil
}

// decrypt is DecryptMessage with the acceptor's key usage, turning a panic
// of gokrb5 on malformed input into an error.
func decrypt(et etype.EType, key, body []byte) (plain []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			plain, err = nil, errors.New("malformed ciphertext")
		}
	}()
	return et.DecryptMessage(key, body, keyusage.GSSAPI_ACCEPTOR_SEAL)
}
