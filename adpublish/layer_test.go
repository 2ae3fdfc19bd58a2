package adpublish

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/types"
)

func aesKey(t testing.TB, etype int32) types.EncryptionKey {
	et, err := crypto.GetEtype(etype)
	if err != nil {
		t.Fatal(err)
	}
	k := make([]byte, et.GetKeyByteSize())
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return types.EncryptionKey{KeyType: etype, KeyValue: k}
}

// acceptorToken is an integrity-only token from the DC side, made by
// gokrb5's own RFC 4121 code, rotated by rrc as Samba and AD may send it.
func acceptorToken(t testing.TB, key types.EncryptionKey, seq uint64, payload []byte, rrc int) []byte {
	et, _ := crypto.GetEtype(key.KeyType)
	wt := gssapi.WrapToken{Flags: wrapFromAcceptor | wrapAcceptorSubkey, EC: uint16(et.GetHMACBitLength() / 8), SndSeqNum: seq, Payload: payload}
	if err := wt.SetCheckSum(key, keyusage.GSSAPI_ACCEPTOR_SEAL); err != nil {
		t.Fatal(err)
	}
	b, err := wt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return rotate(b, rrc)
}

// rotate turns the token's body right by rrc bytes and records it (RFC 4121 4.2.5).
func rotate(tok []byte, rrc int) []byte {
	body := tok[wrapHeaderLen:]
	r := rrc % len(body)
	out := append(append(append([]byte{}, tok[:wrapHeaderLen]...), body[len(body)-r:]...), body[:len(body)-r]...)
	binary.BigEndian.PutUint16(out[6:], uint16(rrc))
	return out
}

// sealedAcceptorToken encrypts payload as the DC does for confidentiality.
func sealedAcceptorToken(t testing.TB, key types.EncryptionKey, seq uint64, payload []byte, ec, rrc int) []byte {
	et, _ := crypto.GetEtype(key.KeyType)
	w := &krb5Wrap{}
	h := w.header(wrapFromAcceptor|wrapSealed|wrapAcceptorSubkey, uint16(ec), 0, seq)
	plain := append(append(append([]byte{}, payload...), make([]byte, ec)...), h...)
	_, ct, err := et.EncryptMessage(key.KeyValue, plain, keyusage.GSSAPI_ACCEPTOR_SEAL)
	if err != nil {
		t.Fatal(err)
	}
	return rotate(append(h, ct...), rrc)
}

func TestKrb5WrapInterop(t *testing.T) {
	for _, etype := range []int32{etypeID.AES256_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA256_128} {
		key := aesKey(t, etype)
		w, err := newKrb5Wrap(key, true, 1000)
		if err != nil {
			t.Fatal(err)
		}
		// Our integrity token checks out with gokrb5's verifier.
		tok, err := w.wrapToken([]byte("an LDAP message"), false)
		if err != nil {
			t.Fatal(err)
		}
		var wt gssapi.WrapToken
		if err := wt.Unmarshal(tok, false); err != nil {
			t.Fatal(err)
		}
		if ok, err := wt.Verify(key, keyusage.GSSAPI_INITIATOR_SEAL); !ok || wt.SndSeqNum != 1000 || wt.Flags != wrapAcceptorSubkey || string(wt.Payload) != "an LDAP message" {
			t.Fatalf("etype %d: gokrb5 does not verify our token: %v %+v", etype, err, wt)
		}
		// The DC's tokens, plain and rotated, sealed with filler and rotated.
		for i, in := range [][]byte{
			acceptorToken(t, key, 7, []byte("reply 1"), 0),
			acceptorToken(t, key, 8, []byte("reply 2"), int(wt.EC)),
			sealedAcceptorToken(t, key, 9, []byte("reply 3"), 0, 0),
			sealedAcceptorToken(t, key, 10, []byte("reply 4"), 16, 28),
		} {
			got, err := w.unwrap(in)
			if want := "reply " + string(rune('1'+i)); err != nil || string(got) != want {
				t.Errorf("etype %d: token %d: %q, %v; want %q", etype, i, got, err, want)
			}
		}
	}
}

func TestKrb5WrapRefuses(t *testing.T) {
	key := aesKey(t, etypeID.AES256_CTS_HMAC_SHA1_96)
	fresh := func() *krb5Wrap {
		w, err := newKrb5Wrap(key, true, 1)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	good := acceptorToken(t, key, 5, []byte("reply"), 0)
	altered := append([]byte{}, good...)
	altered[wrapHeaderLen] ^= 1
	sealed := sealedAcceptorToken(t, key, 5, []byte("reply"), 0, 0)
	sealedAltered := append([]byte{}, sealed...)
	sealedAltered[len(sealedAltered)-1] ^= 1
	ours, _ := fresh().wrapToken([]byte("x"), false)
	for name, tc := range map[string]struct {
		toks [][]byte
		want string
	}{
		"altered":         {[][]byte{altered}, "checksum does not match"},
		"sealed altered":  {[][]byte{sealedAltered}, "decrypting a wrap token"},
		"replayed":        {[][]byte{good, good}, "sequence number 5 after 5"},
		"our own":         {[][]byte{ours}, "not sent by the server"},
		"short":           {[][]byte{good[:10]}, "not a Kerberos wrap token"},
		"no subkey flag":  {[][]byte{append([]byte{good[0], good[1], wrapFromAcceptor}, good[3:]...)}, "wrong key"},
		"checksum longer": {[][]byte{append(append([]byte{}, good[:4]...), append([]byte{0xff, 0xff}, good[6:]...)...)}, "shorter than its checksum"},
	} {
		w := fresh()
		var err error
		for _, tok := range tc.toks {
			if _, err = w.unwrap(tok); err != nil {
				break
			}
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	if _, err := newKrb5Wrap(types.EncryptionKey{KeyType: etypeID.RC4_HMAC, KeyValue: make([]byte, 16)}, false, 0); err == nil || !strings.Contains(err.Error(), "needs AES") {
		t.Errorf("RC4: %v", err)
	}
}

func FuzzKrb5Unwrap(f *testing.F) {
	key := aesKey(f, etypeID.AES256_CTS_HMAC_SHA1_96)
	f.Add(acceptorToken(f, key, 1, []byte("reply"), 0))
	f.Add(acceptorToken(f, key, 1, []byte("reply"), 12))
	f.Add(sealedAcceptorToken(f, key, 1, []byte("reply"), 16, 28))
	f.Fuzz(func(t *testing.T, tok []byte) {
		w, err := newKrb5Wrap(key, true, 0)
		if err != nil {
			t.Fatal(err)
		}
		data, err := w.unwrap(tok)
		if err == nil && len(data) > len(tok) {
			t.Fatalf("%d bytes out of a %d-byte token", len(data), len(tok))
		}
	})
}

func TestChooseSASLLayer(t *testing.T) {
	for _, tc := range []struct {
		offer             []byte
		overTLS, signOnly bool
		layer             byte
		max               int
		err               string
	}{
		{[]byte{7, 0x98, 0x96, 0x80}, false, false, saslLayerConfidentiality, 10000000, ""},
		{[]byte{7, 0x98, 0x96, 0x80}, false, true, saslLayerIntegrity, 10000000, ""},
		{[]byte{7, 0, 1, 0}, true, false, saslLayerNone, 0, ""},
		{[]byte{2, 0, 1, 0}, false, false, saslLayerIntegrity, 256, ""},
		{[]byte{1, 0, 0, 0}, false, false, 0, 0, "offers no SASL signing or sealing"},
		{[]byte{6, 0, 1, 0}, true, false, saslLayerConfidentiality, 256, ""},
		{[]byte{0, 0, 0, 0}, true, false, 0, 0, "no usable SASL security layer"},
		{[]byte{7, 0, 1}, false, false, 0, 0, "is 3 bytes, not 4"},
	} {
		c, err := chooseSASLLayer(tc.offer, tc.overTLS, tc.signOnly)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%x: %v, want %q", tc.offer, err, tc.err)
			}
			continue
		}
		if err != nil || c.layer != tc.layer || c.serverMax != tc.max {
			t.Errorf("%x tls=%v: %+v %v, want layer %d max %d", tc.offer, tc.overTLS, c, err, tc.layer, tc.max)
		}
	}
	if got := saslResponse(saslChoice{layer: saslLayerIntegrity}); !bytes.Equal(got, []byte{2, 0x10, 0, 0}) {
		t.Errorf("response %x", got)
	}
	if got := saslResponse(saslChoice{layer: saslLayerNone}); !bytes.Equal(got, []byte{1, 0, 0, 0}) {
		t.Errorf("response without a layer %x", got)
	}
}

// xorLayer is a stand-in security layer to test sessionConn's framing.
type xorLayer struct{}

func (xorLayer) wrap(p []byte) ([]byte, error) { return xor(p), nil }
func (xorLayer) unwrap(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, errors.New("empty")
	}
	return xor(b), nil
}
func (xorLayer) overhead() int { return 0 }
func (xorLayer) name() string  { return "signed" }

func xor(p []byte) []byte {
	out := make([]byte, len(p))
	for i, c := range p {
		out[i] = c ^ 0x5a
	}
	return out
}

// TestSessionConnLayerMidRead: go-ldap's reader waits in Read while the bind
// completes; the bytes that then arrive are wrapped and must be unwrapped.
// Writes are split into buffers the server accepts.
func TestSessionConnLayerMidRead(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	sc := newSessionConn(client, 5*time.Second, time.Time{})
	defer sc.Close()
	got := make(chan []byte)
	go func() {
		buf := make([]byte, 64)
		n, _ := sc.Read(buf)
		got <- buf[:n]
	}()
	time.Sleep(50 * time.Millisecond) // the read is waiting, in cleartext mode
	if err := sc.install(xorLayer{}, 70); err != nil {
		t.Fatal(err)
	}
	frame := func(p []byte) []byte {
		w := xor(p)
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(w))), w...)
	}
	go server.Write(append(frame([]byte("hello ")), frame([]byte("world"))...))
	if b := <-got; string(b) != "hello " {
		t.Fatalf("read %q", b)
	}
	buf := make([]byte, 64)
	if n, err := sc.Read(buf); err != nil || string(buf[:n]) != "world" {
		t.Fatalf("read %q %v", buf[:n], err)
	}
	// 100 bytes with a server maximum of 70 (overhead 0): two buffers.
	msg := bytes.Repeat([]byte("x"), 100)
	go sc.Write(msg)
	var sizes []int
	var all []byte
	for len(all) < 100 {
		var hdr [4]byte
		if _, err := io.ReadFull(server, hdr[:]); err != nil {
			t.Fatal(err)
		}
		body := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(server, body); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(body))
		all = append(all, xor(body)...)
	}
	if len(sizes) != 2 || sizes[0] != 70 || sizes[1] != 30 || !bytes.Equal(all, msg) {
		t.Fatalf("buffers %v", sizes)
	}
	// A buffer larger than we accept ends the read.
	go server.Write(binary.BigEndian.AppendUint32(nil, maxReceiveBuffer+1))
	if _, err := sc.Read(buf); err == nil || !strings.Contains(err.Error(), "at most 1048576 accepted") {
		t.Fatalf("oversized buffer: %v", err)
	}
}

func certWith(t *testing.T, alg x509.SignatureAlgorithm, curve elliptic.Curve) *x509.Certificate {
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dc1"}, SignatureAlgorithm: alg,
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// TestChannelBindings: RFC 5929 tls-server-end-point, the SSPI structure
// and the RFC 4121 checksum that carry it.
func TestChannelBindings(t *testing.T) {
	c256 := certWith(t, x509.ECDSAWithSHA256, elliptic.P256())
	h := sha256.Sum256(c256.Raw)
	want := append([]byte("tls-server-end-point:"), h[:]...)
	if got := tlsServerEndPoint(c256); !bytes.Equal(got, want) {
		t.Errorf("SHA-256 certificate: %x", got)
	}
	c384 := certWith(t, x509.ECDSAWithSHA384, elliptic.P384())
	h384 := sha512.Sum384(c384.Raw)
	if got := tlsServerEndPoint(c384); !bytes.Equal(got, append([]byte("tls-server-end-point:"), h384[:]...)) {
		t.Errorf("SHA-384 certificate: %x", got)
	}

	s := sspiChannelBindings(want)
	if len(s) != 32+len(want) || !bytes.Equal(s[:24], make([]byte, 24)) ||
		binary.LittleEndian.Uint32(s[24:]) != uint32(len(want)) || binary.LittleEndian.Uint32(s[28:]) != 32 || !bytes.Equal(s[32:], want) {
		t.Errorf("SEC_CHANNEL_BINDINGS %x", s)
	}

	sum := gssChecksum(krb5ContextFlags, want)
	gcb := append(binary.LittleEndian.AppendUint32(make([]byte, 16), uint32(len(want))), want...)
	bnd := md5.Sum(gcb)
	if len(sum) != 24 || binary.LittleEndian.Uint32(sum) != 16 || !bytes.Equal(sum[4:20], bnd[:]) || binary.LittleEndian.Uint32(sum[20:]) != 2|16|32 {
		t.Errorf("checksum with bindings %x", sum)
	}
	if sum := gssChecksum(krb5ContextFlags, nil); !bytes.Equal(sum[4:20], make([]byte, 16)) {
		t.Errorf("checksum without bindings %x", sum)
	}
}

func TestOrderSRV(t *testing.T) {
	ts := []srvTarget{
		{host: "c", priority: 10, weight: 0},
		{host: "b", priority: 0, weight: 10},
		{host: "a", priority: 0, weight: 90},
		{host: "d", priority: 10, weight: 5},
	}
	// pick always the top of the range: the last by running weight.
	got := orderSRV(ts, func(n uint32) uint32 { return n - 1 })
	var names []string
	for _, t := range got {
		names = append(names, t.host)
	}
	if strings.Join(names, "") != "abdc" {
		t.Errorf("order %v, want a b d c", names)
	}
	// pick 0: zero-weight targets first within a priority, then the first.
	got = orderSRV(ts, func(uint32) uint32 { return 0 })
	names = nil
	for _, t := range got {
		names = append(names, t.host)
	}
	if strings.Join(names, "") != "bacd" {
		t.Errorf("order %v, want b a c d", names)
	}
}

func TestBindRefusal(t *testing.T) {
	for _, tc := range []struct {
		code uint16
		msg  string
		want Refusal
	}{
		{49, "80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 52e, v4f7c", RefusalWrongPassword},
		{49, "80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 525, v4f7c", RefusalNoSuchUser},
		{49, "80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 533, v4f7c", RefusalAccountDisabled},
		{49, "80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 701, v4f7c", RefusalAccountExpired},
		{49, "80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 532, v4f7c", RefusalPasswordExpired},
		{49, "80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 773, v4f7c", RefusalMustChangePassword},
		{49, "80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 775, v4f7c", RefusalLockedOut},
		{49, "80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 530, v4f7c", RefusalLogonHours},
		{49, "80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 531, v4f7c", RefusalWorkstation},
		{49, "80090346: LdapErr: DSID-0C090689, comment: AcceptSecurityContext error, data 80090346, v4563", RefusalChannelBindingRequired},
		{49, "80090308: LdapErr: DSID-0C090689, comment: AcceptSecurityContext error, data 80090346, v4563", RefusalChannelBindingRequired},
		{8, "00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on integrity checking if SSL\\TLS are not already active on the connection, data 0, v4563", RefusalStrongAuthRequired},
		{8, "BindSimple: Transport encryption required.", RefusalStrongAuthRequired},
		{8, "SASL:[GSSAPI]: Sign or Seal are required.", RefusalNoSecurityLayerSASL},
		{49, "80090308: LdapErr: DSID-0C09056B, comment: AcceptSecurityContext error, data 999, v4f7c", RefusalUnknown},
		{50, "00002098: insufficient access", RefusalUnknown},
	} {
		if got := bindRefusal(ldap.NewError(tc.code, errors.New(tc.msg))); got != tc.want {
			t.Errorf("%d %q: refusal %d, want %d", tc.code, tc.msg, got, tc.want)
		}
	}
	be := &BindError{User: "admin@contoso.com", Server: "ldaps://dc1.contoso.com:636", Refusal: RefusalLockedOut, ResultCode: 49}
	if want := "bind as admin@contoso.com to ldaps://dc1.contoso.com:636: the account is locked out (AD code 775): wait for the lockout to end or have an administrator unlock it (LDAP result 49)"; be.Error() != want {
		t.Errorf("%s\nwant %s", be, want)
	}
	for code, want := range map[int]Refusal{6: RefusalNoSuchUser, 18: RefusalRevoked, 23: RefusalPasswordExpired, 24: RefusalWrongPassword, 14: RefusalUnknown} {
		if got := kdcRefusal(code); got != want {
			t.Errorf("KDC error %d: %d, want %d", code, got, want)
		}
	}
}

func TestNTLMUser(t *testing.T) {
	for in, want := range map[string][2]string{`CONTOSO\admin`: {"CONTOSO", "admin"}, "admin@contoso.com": {"", "admin@contoso.com"}} {
		if d, u := ntlmUser(in); d != want[0] || u != want[1] {
			t.Errorf("ntlmUser(%q) = %q, %q", in, d, u)
		}
	}
}

// FuzzAPRep: whatever the server answers the AP-REQ with is an error or a
// context, never a crash.
func FuzzAPRep(f *testing.F) {
	f.Add([]byte{0x60, 0x03, 0x06, 0x01, 0x00})
	f.Add(append([]byte{0x60, 0x0d}, append(append([]byte{}, krb5MechOID...), 0x02, 0x00)...))
	f.Fuzz(func(t *testing.T, tok []byte) {
		c := &krb5Client{sessionKey: aesKey(t, etypeID.AES256_CTS_HMAC_SHA1_96)}
		_, _, _ = c.InitSecContextWithOptions("ldap/dc1", append([]byte{}, tok...), nil)
	})
}
