package chain

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"sync"
)

// sigResult is the outcome of one signature check.
type sigResult uint8

const (
	sigBad sigResult = iota
	// sigGood: crypto/x509 verified the signature.
	sigGood
	// sigLegacy: crypto/x509 refuses the signature (MD5, or an RSA key
	// below 1024 bits) and lpetrust verified it with its own PKCS#1 v1.5
	// code, as 2010-era CryptoAPI on the phones does.
	sigLegacy
)

// sigCache remembers signature checks across evaluations: the same
// intermediates and roots are checked for every endpoint and phone model.
// The key is the child's SHA-1 and the SHA-1 of the parent's key.
var sigCache = struct {
	sync.Mutex
	m map[[40]byte]sigResult
}{m: map[[40]byte]sigResult{}}

const maxSigCache = 1 << 14

// signedBy reports whether parent's key signed child.
func signedBy(child, parent *x509.Certificate) bool {
	return checkSig(sha1.Sum(child.Raw), sha1.Sum(parent.RawSubjectPublicKeyInfo), child, parent) != sigBad
}

// checkSig verifies child's signature under parent's key, using the cache;
// childSum and keySum are the SHA-1 of child.Raw and of parent's key.
func checkSig(childSum, keySum [20]byte, child, parent *x509.Certificate) sigResult {
	var k [40]byte
	copy(k[:20], childSum[:])
	copy(k[20:], keySum[:])
	sigCache.Lock()
	r, hit := sigCache.m[k]
	sigCache.Unlock()
	if hit {
		return r
	}
	r = verifySignature(child, parent)
	sigCache.Lock()
	if len(sigCache.m) >= maxSigCache {
		clear(sigCache.m)
	}
	sigCache.m[k] = r
	sigCache.Unlock()
	return r
}

// verifySignature checks child's signature with parent's key. SHA-1 is
// accepted by crypto/x509's CheckSignature; MD5 and RSA keys below 1024 bits
// are not, so those RSA PKCS#1 v1.5 signatures are verified here.
func verifySignature(child, parent *x509.Certificate) sigResult {
	if parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature) == nil {
		return sigGood
	}
	pub, ok := parent.PublicKey.(*rsa.PublicKey)
	if !ok {
		return sigBad
	}
	var h crypto.Hash
	switch child.SignatureAlgorithm {
	case x509.MD5WithRSA:
		h = crypto.MD5
	case x509.SHA1WithRSA:
		h = crypto.SHA1
	case x509.SHA256WithRSA:
		h = crypto.SHA256
	case x509.SHA384WithRSA:
		h = crypto.SHA384
	case x509.SHA512WithRSA:
		h = crypto.SHA512
	default:
		return sigBad
	}
	if verifyPKCS1v15(pub, h, digest(h, child.RawTBSCertificate), child.Signature) {
		return sigLegacy
	}
	return sigBad
}

func digest(h crypto.Hash, data []byte) []byte {
	switch h {
	case crypto.MD5:
		s := md5.Sum(data)
		return s[:]
	case crypto.SHA1:
		s := sha1.Sum(data)
		return s[:]
	case crypto.SHA256:
		s := sha256.Sum256(data)
		return s[:]
	case crypto.SHA384:
		s := sha512.Sum384(data)
		return s[:]
	default:
		s := sha512.Sum512(data)
		return s[:]
	}
}

// digestInfoPrefix is the DER of DigestInfo up to the hash value (RFC 8017 §9.2).
var digestInfoPrefix = map[crypto.Hash][]byte{
	crypto.MD5:    {0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10},
	crypto.SHA1:   {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// verifyPKCS1v15 is RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) for
// keys of any size. Only public data is involved, so math/big's variable
// time arithmetic is fine.
func verifyPKCS1v15(pub *rsa.PublicKey, h crypto.Hash, hashed, sig []byte) bool {
	k := (pub.N.BitLen() + 7) / 8
	prefix := digestInfoPrefix[h]
	tLen := len(prefix) + len(hashed)
	if pub.E < 2 || len(sig) != k || k < tLen+11 {
		return false
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return false
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N)
	em := m.FillBytes(make([]byte, k))
	want := make([]byte, k)
	want[1] = 0x01
	for i := 2; i < k-tLen-1; i++ {
		want[i] = 0xff
	}
	copy(want[k-tLen:], prefix)
	copy(want[k-len(hashed):], hashed)
	return bytes.Equal(em, want)
}

// legacySignature says why a signature that verified needed lpetrust's own
// code ("MD5", "a 1000-bit RSA key"), or "" when crypto/x509 accepted it.
func legacySignature(child, parent *x509.Certificate) string {
	if child.SignatureAlgorithm == x509.MD5WithRSA {
		return "MD5"
	}
	if k, ok := parent.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < 1024 {
		return "small RSA key"
	}
	return ""
}

// md2DigestInfoPrefix is DigestInfo for MD2 up to the hash value.
var md2DigestInfoPrefix = []byte{0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x02, 0x05, 0x00, 0x04, 0x10}

// md2SelfSigned reports whether an MD2-RSA certificate's signature opens
// under its own key to a well-formed PKCS#1 v1.5 MD2 block. Go has no MD2,
// so the hash itself is not compared: this decides only whether an old
// self-issued root is self-signed (a root), never whether a path verifies.
func md2SelfSigned(c *x509.Certificate) bool {
	pub, ok := c.PublicKey.(*rsa.PublicKey)
	if !ok || !signedWithMD2(c) {
		return false
	}
	k := (pub.N.BitLen() + 7) / 8
	tLen := len(md2DigestInfoPrefix) + 16
	if pub.E < 2 || len(c.Signature) != k || k < tLen+11 {
		return false
	}
	s := new(big.Int).SetBytes(c.Signature)
	if s.Cmp(pub.N) >= 0 {
		return false
	}
	em := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, k))
	if em[0] != 0 || em[1] != 1 || em[k-tLen-1] != 0 || !bytes.Equal(em[k-tLen:k-16], md2DigestInfoPrefix) {
		return false
	}
	for _, b := range em[2 : k-tLen-1] {
		if b != 0xff {
			return false
		}
	}
	return true
}

var oidMD2WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 2}

// signedWithMD2 reports whether c's signature algorithm is md2WithRSA,
// which crypto/x509 parses as an unknown algorithm.
func signedWithMD2(c *x509.Certificate) bool {
	if c.SignatureAlgorithm != x509.UnknownSignatureAlgorithm && c.SignatureAlgorithm != x509.MD2WithRSA {
		return false
	}
	var outer struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
	}
	if _, err := asn1.Unmarshal(c.Raw, &outer); err != nil {
		return false
	}
	return outer.Alg.Algorithm.Equal(oidMD2WithRSA)
}
