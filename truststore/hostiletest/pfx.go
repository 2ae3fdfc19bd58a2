// Package hostile builds the hostile inputs of the hostile-input tests: files
// crafted to hang, crash or exhaust a reader. It is used by tests only.
package hostiletest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
)

// HugeIterations is the iteration count the crafted PKCS#12 files carry: 2^62.
const HugeIterations = 1 << 62

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidShroudedKey   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidSafeContents  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
	oidPBE3DES       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBES2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBMAC1        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidPBKDF2        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA256    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidAES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidSHA1          = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
)

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type digestInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Digest    []byte
}

type macData struct {
	Mac        digestInfo
	MacSalt    []byte
	Iterations int64
}

type pfx struct {
	Version  int
	AuthSafe contentInfo
	MacData  macData `asn1:"optional"`
}

type safeBag struct {
	ID    asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"tag:0,explicit"`
}

type encryptedContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Algorithm   pkix.AlgorithmIdentifier
	Content     []byte `asn1:"tag:0,optional"`
}

type encryptedData struct {
	Version int
	Info    encryptedContentInfo
}

type encryptedKey struct {
	Algorithm pkix.AlgorithmIdentifier
	Data      []byte
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int64
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Scheme pkix.AlgorithmIdentifier
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func raw(b []byte) asn1.RawValue { return asn1.RawValue{FullBytes: b} }

func explicit0(b []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: b}
}

func octets(b []byte) []byte { return must(asn1.Marshal(b)) }

func dataContent(inner []byte) contentInfo {
	return contentInfo{ContentType: oidData, Content: explicit0(octets(inner))}
}

func pbkdf2Alg(iterations int64, keyLen int) pkix.AlgorithmIdentifier {
	p := pbkdf2Params{Salt: []byte("saltsalt"), Iterations: iterations, KeyLength: keyLen,
		PRF: pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: asn1.NullRawValue}}
	return pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: raw(must(asn1.Marshal(p)))}
}

func pbes2Alg(iterations int64, iv []byte) pkix.AlgorithmIdentifier {
	p := pbes2Params{KDF: pbkdf2Alg(iterations, 0),
		Scheme: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: raw(octets(iv))}}
	return pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: raw(must(asn1.Marshal(p)))}
}

// sha1MAC is a MAC of the PKCS#12 KDF kind: never computed, only its
// iteration count matters.
func sha1MAC(iterations int64) macData {
	return macData{Mac: digestInfo{Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA1, Parameters: asn1.NullRawValue},
		Digest: make([]byte, 20)}, MacSalt: []byte("saltsalt"), Iterations: iterations}
}

func encode(authSafe []byte, mac macData) []byte {
	return must(asn1.Marshal(pfx{Version: 3, AuthSafe: dataContent(authSafe), MacData: mac}))
}

func sequenceOf(elems ...[]byte) []byte {
	var b []byte
	for _, e := range elems {
		b = append(b, e...)
	}
	return must(asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: b}))
}

// PFXMACBehindPadding is a PKCS#12 file whose authenticated safe is padded
// with n ASN.1 NULLs and whose MAC asks for HugeIterations of the PKCS#12 KDF.
func PFXMACBehindPadding(n int) []byte {
	nulls := make([][]byte, n)
	for i := range nulls {
		nulls[i] = []byte{0x05, 0x00}
	}
	return encode(sequenceOf(nulls...), sha1MAC(HugeIterations))
}

// PFXEncryptedContentBomb is a PKCS#12 file whose one encrypted content
// asks for HugeIterations (pbeWithSHAAnd3-KeyTripleDES-CBC); its MAC is sane.
func PFXEncryptedContentBomb() []byte {
	params := must(asn1.Marshal(struct {
		Salt       []byte
		Iterations int64
	}{[]byte("saltsalt"), HugeIterations}))
	ed := encryptedData{Info: encryptedContentInfo{ContentType: oidData,
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidPBE3DES, Parameters: raw(params)}, Content: make([]byte, 16)}}
	ci := contentInfo{ContentType: oidEncryptedData, Content: explicit0(must(asn1.Marshal(ed)))}
	return encode(sequenceOf(must(asn1.Marshal(ci))), sha1MAC(2048))
}

func shroudedKeyBag(iterations int64) []byte {
	k := encryptedKey{Algorithm: pbes2Alg(iterations, make([]byte, 16)), Data: make([]byte, 32)}
	return must(asn1.Marshal(safeBag{ID: oidShroudedKey, Value: explicit0(must(asn1.Marshal(k)))}))
}

// PFXKeyBagBomb is a PKCS#12 file whose shrouded key bag, in plain content,
// asks for HugeIterations of PBKDF2.
func PFXKeyBagBomb() []byte {
	ci := dataContent(sequenceOf(shroudedKeyBag(HugeIterations)))
	return encode(sequenceOf(must(asn1.Marshal(ci))), sha1MAC(2048))
}

// PFXHiddenKeyBagBomb is a PKCS#12 file with the empty password, a real
// PBMAC1 MAC and real PBES2 encryption, whose encrypted content holds a
// shrouded key bag asking for HugeIterations: visible only once decrypted.
func PFXHiddenKeyBagBomb() []byte {
	return PFXWithEncryptedSafeContents("", 2048, sequenceOf(shroudedKeyBag(HugeIterations)))
}

// PFXNestedHiddenKeyBagBomb is a PKCS#12 file protected by password (PBES2
// with AES-256-CBC and a PBMAC1 MAC, 2048 iterations each, as OpenSSL 3
// writes), whose encrypted content holds a sane shrouded key bag and a
// safe contents bag with a second shrouded key bag asking for
// HugeIterations.
func PFXNestedHiddenKeyBagBomb(password string) []byte {
	nested := must(asn1.Marshal(safeBag{ID: oidSafeContents, Value: explicit0(sequenceOf(shroudedKeyBag(HugeIterations)))}))
	return PFXWithEncryptedSafeContents(password, 2048, sequenceOf(shroudedKeyBag(2048), nested))
}

// PFXWithEncryptedSafeContents is a PKCS#12 file whose one encrypted
// content is safeContents (any bytes), encrypted with PBES2
// (PBKDF2-HMAC-SHA256 of password, AES-256-CBC) and authenticated with
// PBMAC1 (RFC 9579: HMAC-SHA256 keyed by PBKDF2-HMAC-SHA256), both with
// iterations, a sane count (OpenSSL 3 writes 2048).
func PFXWithEncryptedSafeContents(password string, iterations int, safeContents []byte) []byte {
	iv := []byte("0123456789abcdef")
	key := must(pbkdf2.Key(sha256.New, password, []byte("saltsalt"), iterations, 32))
	block, _ := aes.NewCipher(key)
	pad := aes.BlockSize - len(safeContents)%aes.BlockSize
	plain := append(append([]byte(nil), safeContents...), make([]byte, pad)...)
	for i := len(safeContents); i < len(plain); i++ {
		plain[i] = byte(pad)
	}
	enc := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(enc, plain)
	ed := encryptedData{Info: encryptedContentInfo{ContentType: oidData, Algorithm: pbes2Alg(int64(iterations), iv), Content: enc}}
	ci := contentInfo{ContentType: oidEncryptedData, Content: explicit0(must(asn1.Marshal(ed)))}
	authSafe := sequenceOf(must(asn1.Marshal(ci)))
	macKey := must(pbkdf2.Key(sha256.New, password, []byte("saltsalt"), iterations, 32))
	h := hmac.New(sha256.New, macKey)
	h.Write(authSafe)
	params := must(asn1.Marshal(pbes2Params{KDF: pbkdf2Alg(int64(iterations), 32),
		Scheme: pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: asn1.NullRawValue}}))
	mac := macData{Mac: digestInfo{Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidPBMAC1, Parameters: raw(params)},
		Digest: h.Sum(nil)}, MacSalt: []byte("unused"), Iterations: 1}
	return encode(authSafe, mac)
}
