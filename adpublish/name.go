package adpublish

import (
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Limits of the MS-WCCE sanitized name (3.1.1.4.1.1).
const (
	sanitizedCut = 51 // longest sanitized name kept before the hash suffix
	// MaxNameLength is the longest sanitized name: 51 characters, "-" and five digits.
	MaxNameLength = sanitizedCut + 6
)

// SanitizeName returns the MS-WCCE "sanitized CA name" of name, the common
// name certutil -dspublish gives the directory object (MS-WCCE 3.1.1.4.1.1).
//
// Over the UTF-16 code units of name, every unit below 0x20 or above 0x7E and
// each of ! " # % & ' ( ) * + , / : ; < = > ? [ \ ] ^ ` { | } becomes "!" and
// four lower-case hex digits. A result longer than 51 characters is cut at 51
// (before an "!xxxx" sequence the cut would split) and "-" plus a five-digit
// hash of the characters cut off is appended, so the result never exceeds 57
// characters. The result is plain ASCII; it still needs DN escaping.
func SanitizeName(name string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(name)) {
		if u < 0x20 || u > 0x7e || strings.ContainsRune(disallowed, rune(u)) {
			fmt.Fprintf(&b, "!%04x", u)
			continue
		}
		b.WriteByte(byte(u))
	}
	s := b.String()
	if len(s) <= sanitizedCut {
		return s
	}
	cut := sanitizedCut
	// An escape sequence is 5 characters; if one starts within the last four
	// kept characters, the cut would split it.
	if i := strings.LastIndexByte(s[cut-4:cut], '!'); i >= 0 {
		cut = cut - 4 + i
	}
	var h uint16
	for i := cut; i < len(s); i++ {
		h = (h<<1 | h>>15) + uint16(s[i])
	}
	return fmt.Sprintf("%s-%05d", s[:cut], h)
}

// disallowed are the printable ASCII characters MS-WCCE 3.1.1.4.1.1.2 escapes.
const disallowed = "!\"#%&'()*+,/:;<=>?[\\]^`{|}"

// CAName is the name certutil gives a CA certificate before sanitizing: the
// subject's common name; without one, the most specific attribute value of the
// subject; for an empty subject, the SHA-1 hex of the encoded subject.
func CAName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(c.RawSubject, &rdns); err == nil && len(rest) == 0 {
		for i := len(rdns) - 1; i >= 0; i-- {
			for j := len(rdns[i]) - 1; j >= 0; j-- {
				if v, ok := rdns[i][j].Value.(string); ok && v != "" {
					return v
				}
			}
		}
	}
	sum := sha1.Sum(c.RawSubject)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// ObjectName is the sanitized common name of the directory object that holds c.
func ObjectName(c *x509.Certificate) string { return SanitizeName(CAName(c)) }
