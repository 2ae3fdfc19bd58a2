package chain

import (
	"encoding/asn1"
	"fmt"
	"math/big"
)

// maxPFXIterations bounds the key-derivation iteration counts of a PKCS#12
// file. Real files use 1 to a few hundred thousand (OpenSSL 2048, Windows
// 2000 to 10000); a crafted count of billions would hang the reader.
const maxPFXIterations = 1_000_000

// checkPFXIterations walks the DER of a PKCS#12 file, descending into OCTET
// STRINGs that hold DER, and refuses iteration counts above the bound:
// every (salt OCTET STRING, iterations INTEGER) pair of PBE, PBKDF2 and MAC
// parameters. The walk is bounded in depth and element count.
func checkPFXIterations(der []byte) error {
	budget := 20000
	var walk func(b []byte, depth int) error
	walk = func(b []byte, depth int) error {
		if depth > 24 {
			return nil
		}
		var prevOctet bool
		for len(b) > 0 && budget > 0 {
			budget--
			var v asn1.RawValue
			rest, err := asn1.Unmarshal(b, &v)
			if err != nil {
				return nil // not DER here; the decoder will complain
			}
			b = rest
			switch {
			case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagInteger && prevOctet:
				n := new(big.Int).SetBytes(v.Bytes)
				if len(v.Bytes) > 0 && v.Bytes[0]&0x80 == 0 && n.Cmp(big.NewInt(maxPFXIterations)) > 0 {
					return fmt.Errorf("PKCS#12 iteration count %s is above the limit of %d", n, maxPFXIterations)
				}
			case v.IsCompound:
				if err := walk(v.Bytes, depth+1); err != nil {
					return err
				}
			case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString && len(v.Bytes) > 1 && v.Bytes[0] == 0x30:
				if err := walk(v.Bytes, depth+1); err != nil {
					return err
				}
			}
			prevOctet = v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString
		}
		return nil
	}
	return walk(der, 0)
}
