package chain

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"
)

// maxPFXIterations bounds the key-derivation iteration counts of a PKCS#12
// file. Real files use 1 to a few hundred thousand (OpenSSL 2048, Windows
// 2000 to 10000); a crafted count of billions would hang the reader.
const maxPFXIterations = 1_000_000

// pfxDecodeLimit bounds the decoding of a PKCS#12 file whose structure
// passed checkPFXIterations: the key bags inside encrypted content are
// visible only once decrypted, so their counts cannot be checked ahead.
// A variable so that tests can shorten it.
var pfxDecodeLimit = 30 * time.Second

// IterationError reports a PKCS#12 key-derivation iteration count above
// the limit, and where it is.
type IterationError struct {
	Where      string // "MAC", "encrypted content 2", "key bag 1"
	Iterations int64
	Limit      int64
}

func (e *IterationError) Error() string {
	return fmt.Sprintf("PKCS#12 %s iteration count %d is above the limit of %d", e.Where, e.Iterations, e.Limit)
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

// checkPFXIterations reads the structure of a PKCS#12 file — the MAC, every
// encrypted content of the authenticated safe and every shrouded key bag
// outside encrypted content (nested safe contents included) — and refuses
// a key-derivation iteration count above maxPFXIterations. The work is
// linear in the size of the file: each element is read once, by position,
// whatever padding it holds. A structure the decoder could not read is
// refused too, so nothing unchecked reaches it.
func checkPFXIterations(der []byte) error {
	var pfx pfxPDU
	if err := unmarshalAll(der, &pfx); err != nil {
		return errCorruptPFX
	}
	if len(pfx.MacData.Mac.Algorithm.Algorithm) > 0 {
		if pfx.MacData.Iterations > maxPFXIterations {
			return &IterationError{Where: "MAC", Iterations: pfx.MacData.Iterations, Limit: maxPFXIterations}
		}
		if err := checkAlgorithm(pfx.MacData.Mac.Algorithm, "MAC"); err != nil {
			return err
		}
	}
	if !pfx.AuthSafe.ContentType.Equal(oidPKCS7Data) {
		return nil // the decoder refuses it without deriving a key
	}
	var authSafe []byte
	if err := unmarshalAll(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		return errCorruptPFX
	}
	var contents []pfxContentInfo
	if err := unmarshalAll(authSafe, &contents); err != nil {
		return errCorruptPFX
	}
	keyBags := 0
	for i, ci := range contents {
		switch {
		case ci.ContentType.Equal(oidPKCS7Data):
			var data []byte
			if err := unmarshalAll(ci.Content.Bytes, &data); err != nil {
				return errCorruptPFX
			}
			if err := checkSafeContents(data, &keyBags, 0); err != nil {
				return err
			}
		case ci.ContentType.Equal(oidPKCS7EncryptedData):
			var ed pfxEncryptedData
			if err := unmarshalAll(ci.Content.Bytes, &ed); err != nil {
				return errCorruptPFX
			}
			if err := checkAlgorithm(ed.EncryptedContentInfo.ContentEncryptionAlgorithm, fmt.Sprintf("encrypted content %d", i+1)); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxSafeContentsDepth bounds the nesting of safeContentsBag.
const maxSafeContentsDepth = 8

func checkSafeContents(der []byte, keyBags *int, depth int) error {
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
			if err := checkAlgorithm(k.Algorithm, fmt.Sprintf("key bag %d", *keyBags)); err != nil {
				return err
			}
		case b.ID.Equal(oidSafeContentsBag):
			if err := checkSafeContents(b.Value.FullBytes, keyBags, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkAlgorithm checks the iteration count of a password-based algorithm:
// PKCS#12 PBE, PBES2 and PBMAC1 with PBKDF2. Other algorithms derive no key
// from the password here, and the decoder refuses them.
func checkAlgorithm(alg pkix.AlgorithmIdentifier, where string) error {
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
		return &IterationError{Where: where, Iterations: n, Limit: maxPFXIterations}
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

// errPFXTooSlow: decoding went past pfxDecodeLimit.
var errPFXTooSlow = errors.New("PKCS#12 decoding takes too long (an iteration count inside the encrypted content is likely far above the limit)")

// decodePKCS12Bounded is decodePKCS12 given at most pfxDecodeLimit. Past it
// the decoding is abandoned (it ends with the process) and an error returned.
func decodePKCS12Bounded(data []byte, password string) (Input, error) {
	type result struct {
		in  Input
		err error
	}
	done := make(chan result, 1)
	go func() {
		in, err := decodePKCS12(data, password)
		done <- result{in, err}
	}()
	t := time.NewTimer(pfxDecodeLimit)
	defer t.Stop()
	select {
	case r := <-done:
		return r.in, r.err
	case <-t.C:
		return Input{}, errPFXTooSlow
	}
}
