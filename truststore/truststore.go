// Package truststore holds what Lync Phone Edition (LPE) firmware trusts: the
// root certificates of each firmware store, the catalogue of firmware builds
// that maps any version, release name or phone user-agent to its store, and a
// catalogue of other known CA certificates (modern roots and
// cross-certificates) that no phone trusts but that the tool can name, export
// and use to find cross-signed paths.
//
// The embedded data is parsed once, on first use. An overlay file can add
// builds, roots and stores; everything it adds is marked as user data.
package truststore

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Kinds of known CA certificates.
const (
	KindRoot  = "root"  // self-signed root
	KindCross = "cross" // cross-certificate: issued by another CA's key
)

// Root is one root certificate of an LPE firmware store.
type Root struct {
	Cert   *x509.Certificate
	SHA1   string // upper-case hex thumbprint of the DER
	SHA256 string // upper-case hex
	// TableLabel is the "Vendor / Friendly Name" the seed table gave; empty for user data.
	TableLabel string
	// AddedIn is the release whose store first held the root (RTM, CU10, CU11,
	// or an overlay store's name).
	AddedIn string
	// Note corrects the seed table where it is wrong, or says where user data came from.
	Note string
	// UserData is true for roots an overlay file added.
	UserData bool
}

// Store is the set of roots one firmware release trusts.
type Store struct {
	Name  string
	Roots []*Root
	// UserData is true for a store defined or extended by an overlay file.
	UserData bool
	// Base is the store a user store was built on ("" for embedded ones).
	Base string
}

// KnownCA is a CA certificate the tool knows but no LPE store holds.
type KnownCA struct {
	Cert     *x509.Certificate
	SHA1     string
	SHA256   string
	Name     string
	Kind     string // KindRoot or KindCross
	Note     string
	UserData bool
}

// Build is one firmware build of the catalogue.
type Build struct {
	Version  string   `json:"version"`
	Release  string   `json:"release"`
	Platform string   `json:"platform,omitempty"`
	Released string   `json:"released"` // YYYY-MM-DD, or empty when the source gives no day
	KB       string   `json:"kb,omitempty"`
	Families []string `json:"families"`
	Store    string   `json:"store"`
	// Verified is true when the build's store is documented; false when assumed.
	Verified bool   `json:"verified"`
	Note     string `json:"note"`
	UserData bool   `json:"user_data,omitempty"`
}

// Thumbprints returns the upper-case hex SHA-1 and SHA-256 of a certificate's DER.
func Thumbprints(c *x509.Certificate) (sha1Hex, sha256Hex string) {
	s1 := sha1.Sum(c.Raw)
	s256 := sha256.Sum256(c.Raw)
	return strings.ToUpper(hex.EncodeToString(s1[:])), strings.ToUpper(hex.EncodeToString(s256[:]))
}

// SHA1Hex returns the upper-case hex SHA-1 thumbprint of a certificate.
func SHA1Hex(c *x509.Certificate) string {
	s, _ := Thumbprints(c)
	return s
}

// ValidAt reports whether t lies within the certificate's validity period.
func ValidAt(c *x509.Certificate, t time.Time) bool {
	return !t.Before(c.NotBefore) && !t.After(c.NotAfter)
}

// PublicKeyDescription names the key type and size, e.g. "RSA 2048" or "ECDSA P-384".
func PublicKeyDescription(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	default:
		return c.PublicKeyAlgorithm.String()
	}
}

// DisplayName is the most specific name in a certificate's subject: the CN,
// else the last OU, else the last O, else the whole subject.
func DisplayName(c *x509.Certificate) string { return NameOf(c.Subject) }

// NameOf is the most specific name of a distinguished name: the CN, else the
// last OU, else the last O, else the whole name.
func NameOf(n pkix.Name) string {
	switch {
	case n.CommonName != "":
		return n.CommonName
	case len(n.OrganizationalUnit) > 0:
		return n.OrganizationalUnit[len(n.OrganizationalUnit)-1]
	case len(n.Organization) > 0:
		return n.Organization[len(n.Organization)-1]
	}
	return n.String()
}

// ShortSHA1 is the first eight hex digits of a thumbprint, as people quote them.
func ShortSHA1(sha1Hex string) string {
	if len(sha1Hex) > 8 {
		return sha1Hex[:8]
	}
	return sha1Hex
}

// ValidAt returns the store's roots that are within their validity period at t.
func (s *Store) ValidAt(t time.Time) []*Root {
	var out []*Root
	for _, r := range s.Roots {
		if ValidAt(r.Cert, t) {
			out = append(out, r)
		}
	}
	return out
}

// Has reports whether the store holds the root with that SHA-1 thumbprint.
func (s *Store) Has(sha1Hex string) bool {
	for _, r := range s.Roots {
		if r.SHA1 == sha1Hex {
			return true
		}
	}
	return false
}

// oidMD2WithRSA is not known to crypto/x509, but old LPE roots use it.
var oidMD2WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 2}

// SignatureAlgorithmName names a certificate's signature algorithm like
// crypto/x509 does ("SHA256-RSA"), including MD2-RSA, which crypto/x509
// reports as unknown; any other unknown algorithm is named by its OID.
func SignatureAlgorithmName(c *x509.Certificate) string {
	if c.SignatureAlgorithm != x509.UnknownSignatureAlgorithm {
		return c.SignatureAlgorithm.String()
	}
	var outer struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.Raw, &outer); err != nil {
		return "unknown"
	}
	if outer.SigAlg.Algorithm.Equal(oidMD2WithRSA) {
		return "MD2-RSA"
	}
	return outer.SigAlg.Algorithm.String()
}
