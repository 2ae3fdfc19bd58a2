package chain

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
)

// maxPFXIterations bounds the key-derivation iteration counts of a PKCS#12
// file. Real files use 1 to a few hundred thousand (OpenSSL 2048, Windows
// 2000 to 10000); a crafted count of billions would hang the reader.
const maxPFXIterations = 1_000_000

// PFXPart names the part of a PKCS#12 file that asks for a key derivation.
type PFXPart int

const (
	PFXMAC              PFXPart = iota + 1 // the MAC of the authenticated safe
	PFXEncryptedContent                    // an encrypted content of the authenticated safe
	PFXKeyBag                              // a shrouded key bag
)

// IterationError reports a PKCS#12 key-derivation iteration count above
// the limit, and where it is.
type IterationError struct {
	Part PFXPart
	// Index numbers the encrypted content or the key bag, from 1 (key bags
	// in plain content are counted together, those in an encrypted content
	// within it).
	Index int
	// InContent is the encrypted content holding the key bag, from 1; 0 for
	// a key bag in plain content.
	InContent  int
	Iterations int64
	Limit      int64
}

func (e *IterationError) Error() string {
	var where string
	switch e.Part {
	case PFXMAC:
		where = "MAC"
	case PFXEncryptedContent:
		where = fmt.Sprintf("encrypted content %d", e.Index)
	case PFXKeyBag:
		where = fmt.Sprintf("key bag %d", e.Index)
		if e.InContent > 0 {
			where += fmt.Sprintf(" in encrypted content %d", e.InContent)
		}
	}
	return fmt.Sprintf("PKCS#12 %s iteration count %d is above the limit of %d", where, e.Iterations, e.Limit)
}

// The PKCS#12 structures (RFC 7292), in the shapes the decoder reads them,
// so that what is checked here is what the decoder will use.
type (
	pfxPDU struct {
		Version  int
		AuthSafe pfxContentInfo
		MacData  pfxMacData `asn1:"optional"`
	}
	pfxContentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
	}
	pfxMacData struct {
		Mac struct {
			Algorithm pkix.AlgorithmIdentifier
			Digest    []byte
		}
		MacSalt    []byte
		Iterations int64 `asn1:"optional,default:1"`
	}
	pfxEncryptedData struct {
		Version              int
		EncryptedContentInfo struct {
			ContentType                asn1.ObjectIdentifier
			ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
			EncryptedContent           []byte `asn1:"tag:0,optional"`
		}
	}
	pfxSafeBag struct {
		ID         asn1.ObjectIdentifier
		Value      asn1.RawValue   `asn1:"tag:0,explicit"`
		Attributes []asn1.RawValue `asn1:"set,optional"`
	}
	pfxEncryptedKey struct {
		Algorithm     pkix.AlgorithmIdentifier
		EncryptedData []byte
	}
	// pbeParams: PKCS#12 PBE (pbeWithSHAAnd3-KeyTripleDES-CBC and the RC2 ones).
	pfxPBEParams struct {
		Salt       []byte
		Iterations int64
	}
	// pbes2Params is also the shape of PBMAC1's parameters (KDF, then MAC or cipher).
	pfxPBES2Params struct {
		KDF    pkix.AlgorithmIdentifier
		Scheme pkix.AlgorithmIdentifier
	}
	pfxPBKDF2Params struct {
		Salt       asn1.RawValue
		Iterations int64
		KeyLength  int64                    `asn1:"optional"`
		PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
	}
)

var (
	oidPKCS7Data          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidPKCS7EncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidShroudedKeyBag     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidSafeContentsBag    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
	oidPKCS12PBEPrefix    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1}
	oidPBES2              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBMAC1             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidPBKDF2             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
)

// errCorruptPFX: the structure cannot be read the way the decoder reads it.
var errCorruptPFX = errors.New("not a valid PKCS#12 file: corrupt structure")

// maxAuthSafeContents is the number of content infos the decoder accepts
// in the authenticated safe (certificates, then the key); it refuses more
// before decrypting any.
const maxAuthSafeContents = 2

// checkPFXIterations reads the structure of a PKCS#12 file — the MAC, every
// encrypted content of the authenticated safe and every shrouded key bag
// outside encrypted content (nested safe contents included) — and refuses
// a key-derivation iteration count above maxPFXIterations. The work is
// linear in the size of the file: each element is read once, by position,
// whatever padding it holds. A structure the decoder could not read is
// refused too, so nothing unchecked reaches it. The bags inside encrypted
// content are checked by checkEncryptedBags, once a password opens them.
func checkPFXIterations(der []byte) error {
	pfx, err := parsePFX(der)
	if err != nil {
		return err
	}
	if len(pfx.MacData.Mac.Algorithm.Algorithm) > 0 {
		if pfx.MacData.Iterations > maxPFXIterations {
			return &IterationError{Part: PFXMAC, Iterations: pfx.MacData.Iterations, Limit: maxPFXIterations}
		}
		if err := checkAlgorithm(pfx.MacData.Mac.Algorithm, IterationError{Part: PFXMAC}); err != nil {
			return err
		}
	}
	contents, err := authSafeContents(pfx)
	if err != nil {
		return err
	}
	keyBags := 0
	for i, ci := range contents {
		switch {
		case ci.ContentType.Equal(oidPKCS7Data):
			var data []byte
			if err := unmarshalAll(ci.Content.Bytes, &data); err != nil {
				return errCorruptPFX
			}
			if err := checkSafeContents(data, &keyBags, 0, 0); err != nil {
				return err
			}
		case ci.ContentType.Equal(oidPKCS7EncryptedData):
			var ed pfxEncryptedData
			if err := unmarshalAll(ci.Content.Bytes, &ed); err != nil {
				return errCorruptPFX
			}
			if err := checkAlgorithm(ed.EncryptedContentInfo.ContentEncryptionAlgorithm, IterationError{Part: PFXEncryptedContent, Index: i + 1}); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkEncryptedBags decrypts every encrypted content of the authenticated
// safe with password, as the decoder will, and checks the shrouded key bags
// inside (nested safe contents included) as checkPFXIterations checks those
// of plain content: before the decoder derives a key for any of them. Call
// it only on a file checkPFXIterations passed, which bounds the cost of the
// decryption itself. An encrypted content the password does not open is
// pkcs12.ErrDecryption (the decoder would fail there too).
func checkEncryptedBags(der []byte, password string) error {
	pfx, err := parsePFX(der)
	if err != nil {
		return err
	}
	contents, err := authSafeContents(pfx)
	if err != nil {
		return err
	}
	var passwords [][]byte
	for i, ci := range contents {
		if !ci.ContentType.Equal(oidPKCS7EncryptedData) {
			continue
		}
		if passwords == nil {
			if passwords, err = pfxPasswords(password); err != nil {
				return err
			}
		}
		var ed pfxEncryptedData
		if err := unmarshalAll(ci.Content.Bytes, &ed); err != nil {
			return errCorruptPFX
		}
		plains, err := decryptedSafeContents(ed, i+1, passwords)
		if err != nil {
			return err
		}
		for _, plain := range plains {
			keyBags := 0
			if err := checkSafeContents(plain, &keyBags, i+1, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// parsePFX reads the outer structure of a PKCS#12 file.
func parsePFX(der []byte) (*pfxPDU, error) {
	var pfx pfxPDU
	if err := unmarshalAll(der, &pfx); err != nil {
		return nil, errCorruptPFX
	}
	return &pfx, nil
}

// authSafeContents reads the content infos of the authenticated safe: none
// when it is not of type data (the decoder refuses it without deriving a
// key).
func authSafeContents(pfx *pfxPDU) ([]pfxContentInfo, error) {
	if !pfx.AuthSafe.ContentType.Equal(oidPKCS7Data) {
		return nil, nil
	}
	var authSafe []byte
	if err := unmarshalAll(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		return nil, errCorruptPFX
	}
	var contents []pfxContentInfo
	if err := unmarshalAll(authSafe, &contents); err != nil {
		return nil, errCorruptPFX
	}
	if len(contents) > maxAuthSafeContents {
		return nil, unsupportedPFXError{fmt.Sprintf("%d content infos in the authenticated safe (at most %d)", len(contents), maxAuthSafeContents)}
	}
	return contents, nil
}

// maxSafeContentsDepth bounds the nesting of safeContentsBag.
const maxSafeContentsDepth = 8

// checkSafeContents checks the shrouded key bags of a SafeContents, nested
// ones included; keyBags counts them; inContent is the encrypted content
// holding them (0: plain content).
func checkSafeContents(der []byte, keyBags *int, inContent, depth int) error {
	if depth > maxSafeContentsDepth {
		return errCorruptPFX
	}
	var bags []pfxSafeBag
	if err := unmarshalAll(der, &bags); err != nil {
		return errCorruptPFX
	}
	for _, b := range bags {
		switch {
		case b.ID.Equal(oidShroudedKeyBag):
			*keyBags++
			var k pfxEncryptedKey
			if err := unmarshalAll(b.Value.Bytes, &k); err != nil {
				return errCorruptPFX
			}
			if err := checkAlgorithm(k.Algorithm, IterationError{Part: PFXKeyBag, Index: *keyBags, InContent: inContent}); err != nil {
				return err
			}
		case b.ID.Equal(oidSafeContentsBag):
			if err := checkSafeContents(b.Value.Bytes, keyBags, inContent, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkAlgorithm checks the iteration count of a password-based algorithm:
// PKCS#12 PBE, PBES2 and PBMAC1 with PBKDF2. Other algorithms derive no key
// from the password here, and the decoder refuses them. at says where alg
// is; the error returned is at with the count and the limit.
func checkAlgorithm(alg pkix.AlgorithmIdentifier, at IterationError) error {
	var n int64
	switch {
	case isUnder(alg.Algorithm, oidPKCS12PBEPrefix):
		var p pfxPBEParams
		if err := unmarshalAll(alg.Parameters.FullBytes, &p); err != nil {
			return errCorruptPFX
		}
		n = p.Iterations
	case alg.Algorithm.Equal(oidPBES2), alg.Algorithm.Equal(oidPBMAC1):
		var p pfxPBES2Params
		if err := unmarshalAll(alg.Parameters.FullBytes, &p); err != nil {
			return errCorruptPFX
		}
		if !p.KDF.Algorithm.Equal(oidPBKDF2) {
			return nil
		}
		var k pfxPBKDF2Params
		if err := unmarshalAll(p.KDF.Parameters.FullBytes, &k); err != nil {
			return errCorruptPFX
		}
		n = k.Iterations
	default:
		return nil
	}
	if n > maxPFXIterations {
		at.Iterations, at.Limit = n, maxPFXIterations
		return &at
	}
	return nil
}

func isUnder(oid, prefix asn1.ObjectIdentifier) bool {
	return len(oid) > len(prefix) && oid[:len(prefix)].Equal(prefix)
}

// unmarshalAll is asn1.Unmarshal refusing trailing data, as the decoder does.
func unmarshalAll(der []byte, v any) error {
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return errors.New("trailing data")
	}
	return nil
}
