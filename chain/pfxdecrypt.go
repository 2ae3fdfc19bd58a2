package chain

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"unicode/utf16"

	"software.sslmate.com/src/go-pkcs12"
)

// The decryption of PKCS#12 content, done here only so that the bags inside
// encrypted content can be scanned before the decoder derives a key for any
// of them. It follows the decoder (go-pkcs12) algorithm for algorithm:
// what it decrypts, this decrypts to the same bytes.

var (
	oidPBEWithSHAAnd3KeyTripleDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithSHAAnd128BitRC2CBC     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 5}
	oidPBEWithSHAAnd40BitRC2CBC      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}
	oidHMACWithSHA1                  = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACWithSHA256                = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACWithSHA512                = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC                     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC                     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC                     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// unsupportedPFXError: an algorithm the decoder does not implement either.
type unsupportedPFXError struct{ what string }

func (e unsupportedPFXError) Error() string { return "unsupported PKCS#12 encoding: " + e.what }

// pfxPasswords returns the encodings of password the decoder may derive
// keys from: the BMPString with its terminator and, for the empty password,
// also the empty byte string (the decoder falls back to it when the MAC
// says so).
func pfxPasswords(password string) ([][]byte, error) {
	b := make([]byte, 0, 2*len(password)+2)
	for _, r := range password {
		if r1, _ := utf16.EncodeRune(r); r1 != 0xfffd {
			return nil, errors.New("the password holds a character PKCS#12 cannot encode (outside UCS-2)")
		}
		b = append(b, byte(r>>8), byte(r))
	}
	b = append(b, 0, 0)
	if password == "" {
		return [][]byte{b, nil}, nil
	}
	return [][]byte{b}, nil
}

// pfxDecrypt decrypts data encrypted with alg under the password (a
// BMPString, see pfxPasswords). A password that does not open it is
// pkcs12.ErrDecryption (bad padding); an algorithm the decoder does not
// implement is an unsupportedPFXError.
func pfxDecrypt(alg pkix.AlgorithmIdentifier, data, password []byte) ([]byte, error) {
	block, iv, err := pfxCipher(alg, password)
	if err != nil {
		return nil, err
	}
	bs := block.BlockSize()
	if len(data) == 0 || len(data)%bs != 0 {
		return nil, errCorruptPFX
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > bs || !bytes.Equal(out[len(out)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, pkcs12.ErrDecryption
	}
	return out[:len(out)-pad], nil
}

func pfxCipher(alg pkix.AlgorithmIdentifier, password []byte) (cipher.Block, []byte, error) {
	var keyLen int
	var newCipher func([]byte) (cipher.Block, error)
	switch {
	case alg.Algorithm.Equal(oidPBEWithSHAAnd3KeyTripleDESCBC):
		keyLen, newCipher = 24, des.NewTripleDESCipher
	case alg.Algorithm.Equal(oidPBEWithSHAAnd128BitRC2CBC):
		keyLen, newCipher = 16, func(k []byte) (cipher.Block, error) { return newRC2(k, 128) }
	case alg.Algorithm.Equal(oidPBEWithSHAAnd40BitRC2CBC):
		keyLen, newCipher = 5, func(k []byte) (cipher.Block, error) { return newRC2(k, 40) }
	case alg.Algorithm.Equal(oidPBES2):
		return pbes2Cipher(alg, password)
	default:
		return nil, nil, unsupportedPFXError{"encryption algorithm " + alg.Algorithm.String()}
	}
	var p pfxPBEParams
	if err := unmarshalAll(alg.Parameters.FullBytes, &p); err != nil {
		return nil, nil, errCorruptPFX
	}
	key := pkcs12KDF(p.Salt, password, p.Iterations, 1, keyLen)
	iv := pkcs12KDF(p.Salt, password, p.Iterations, 2, 8)
	block, err := newCipher(key)
	if err != nil {
		return nil, nil, errCorruptPFX
	}
	return block, iv, nil
}

// pbes2Cipher: PBES2 (RFC 8018) with PBKDF2 and AES-CBC. The password is
// UTF-8 here, as Windows and the decoder use it.
func pbes2Cipher(alg pkix.AlgorithmIdentifier, bmpPassword []byte) (cipher.Block, []byte, error) {
	var p pfxPBES2Params
	if err := unmarshalAll(alg.Parameters.FullBytes, &p); err != nil {
		return nil, nil, errCorruptPFX
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, nil, unsupportedPFXError{"PBES2 key derivation " + p.KDF.Algorithm.String()}
	}
	var k pfxPBKDF2Params
	if err := unmarshalAll(p.KDF.Parameters.FullBytes, &k); err != nil {
		return nil, nil, errCorruptPFX
	}
	if k.Salt.Tag != asn1.TagOctetString {
		return nil, nil, unsupportedPFXError{"PBKDF2 salt that is not an OCTET STRING"}
	}
	var prf func() hash.Hash
	switch {
	case k.PRF.Algorithm.Equal(oidHMACWithSHA256):
		prf = sha256.New
	case k.PRF.Algorithm.Equal(oidHMACWithSHA512):
		prf = sha512.New
	case k.PRF.Algorithm.Equal(oidHMACWithSHA1), k.PRF.Algorithm == nil:
		prf = sha1.New
	default:
		return nil, nil, unsupportedPFXError{"PBKDF2 PRF " + k.PRF.Algorithm.String()}
	}
	var keyLen int
	switch {
	case p.Scheme.Algorithm.Equal(oidAES256CBC):
		keyLen = 32
	case p.Scheme.Algorithm.Equal(oidAES192CBC):
		keyLen = 24
	case p.Scheme.Algorithm.Equal(oidAES128CBC):
		keyLen = 16
	default:
		return nil, nil, unsupportedPFXError{"PBES2 cipher " + p.Scheme.Algorithm.String()}
	}
	iv := p.Scheme.Parameters.Bytes
	if len(iv) != aes.BlockSize {
		return nil, nil, errCorruptPFX
	}
	key, err := pbkdf2.Key(prf, bmpToUTF8(bmpPassword), k.Salt.Bytes, int(max(k.Iterations, 1)), keyLen)
	if err != nil {
		return nil, nil, errCorruptPFX
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, errCorruptPFX
	}
	return block, iv, nil
}

// bmpToUTF8 undoes pfxPasswords' encoding (both of them).
func bmpToUTF8(b []byte) string {
	b = bytes.TrimSuffix(b, []byte{0, 0})
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}

// pkcs12KDF is the key derivation of RFC 7292 appendix B.2 with SHA-1
// (u = 20, v = 64 bytes), giving n bytes for the purpose id (1 key, 2 IV,
// 3 MAC key). The hash runs iterations times (at least once).
func pkcs12KDF(salt, password []byte, iterations int64, id byte, n int) []byte {
	const u, v = sha1.Size, 64
	fill := func(s []byte) []byte { // s repeated to a multiple of v bytes
		if len(s) == 0 {
			return nil
		}
		out := make([]byte, (len(s)+v-1)/v*v)
		for i := range out {
			out[i] = s[i%len(s)]
		}
		return out
	}
	d := bytes.Repeat([]byte{id}, v)
	in := append(fill(salt), fill(password)...)
	var out []byte
	for len(out) < n {
		h := sha1.New()
		h.Write(d)
		h.Write(in)
		a := h.Sum(nil)
		for j := int64(1); j < iterations; j++ {
			s := sha1.Sum(a)
			a = s[:]
		}
		out = append(out, a...)
		if len(out) >= n {
			break
		}
		// I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes.
		var b [v]byte
		for i := range b {
			b[i] = a[i%u]
		}
		for j := 0; j < len(in); j += v {
			carry := uint16(1)
			for i := v - 1; i >= 0; i-- {
				sum := uint16(in[j+i]) + uint16(b[i]) + carry
				in[j+i] = byte(sum)
				carry = sum >> 8
			}
		}
	}
	return out[:n]
}

// decryptedSafeContents returns encrypted content i (1-based) of the
// authenticated safe decrypted under each encoding of the password that
// opens it (decrypts with good padding to a SafeContents).
// pkcs12.ErrDecryption says that none does.
func decryptedSafeContents(ed pfxEncryptedData, i int, passwords [][]byte) ([][]byte, error) {
	alg := ed.EncryptedContentInfo.ContentEncryptionAlgorithm
	if ed.Version != 0 {
		return nil, unsupportedPFXError{fmt.Sprintf("encrypted content %d: EncryptedData version %d", i, ed.Version)}
	}
	if alg.Algorithm.Equal(oidPBES2) {
		passwords = passwords[:1] // the same UTF-8 password for both encodings
	}
	var out [][]byte
	for _, pw := range passwords {
		plain, err := pfxDecrypt(alg, ed.EncryptedContentInfo.EncryptedContent, pw)
		var ue unsupportedPFXError
		switch {
		case errors.As(err, &ue):
			return nil, unsupportedPFXError{fmt.Sprintf("encrypted content %d: %s", i, ue.what)}
		case errors.Is(err, pkcs12.ErrDecryption):
			continue
		case err != nil:
			return nil, err
		}
		var bags []pfxSafeBag
		if unmarshalAll(plain, &bags) == nil {
			out = append(out, plain)
		}
	}
	if len(out) == 0 {
		return nil, pkcs12.ErrDecryption
	}
	return out, nil
}
