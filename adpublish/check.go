package adpublish

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"time"
)

// Policy relaxes the checks made before publishing.
type Policy struct {
	// Force publishes certificates that are not CA certificates.
	Force bool
	// AllowExpired publishes certificates expired (or not yet valid) at At.
	AllowExpired bool
	// At is the moment validity is judged.
	At time.Time
}

// CheckCertificate refuses what should not be published: a certificate
// larger than the schema allows, one that is not a CA certificate (unless
// p.Force) and one outside its validity period at p.At (unless
// p.AllowExpired). The error, a *RefusedError, names the problem, not the
// input.
func CheckCertificate(c *x509.Certificate, p Policy) error {
	if len(c.Raw) > MaxCertificateSize {
		return &RefusedError{Name: CAName(c), Reason: RefusedTooLarge, Size: len(c.Raw)}
	}
	if !p.Force && !isCA(c) {
		return &RefusedError{Name: CAName(c), Reason: RefusedNotCA}
	}
	if !p.AllowExpired {
		if p.At.After(c.NotAfter) {
			return &RefusedError{Name: CAName(c), Reason: RefusedExpired, Date: c.NotAfter}
		}
		if p.At.Before(c.NotBefore) {
			return &RefusedError{Name: CAName(c), Reason: RefusedNotYetValid, Date: c.NotBefore}
		}
	}
	return nil
}

// RefusalReason is why CheckCertificate refuses a certificate.
type RefusalReason int

// Reasons for a refusal. Policy.Force overrides RefusedNotCA and
// Policy.AllowExpired the two validity reasons; nothing overrides
// RefusedTooLarge.
const (
	RefusedTooLarge RefusalReason = iota + 1
	RefusedNotCA
	RefusedExpired
	RefusedNotYetValid
)

// RefusedError is a certificate CheckCertificate refuses to publish.
type RefusedError struct {
	Name   string // CAName of the certificate
	Reason RefusalReason
	Date   time.Time // NotAfter (RefusedExpired) or NotBefore (RefusedNotYetValid)
	Size   int       // DER bytes (RefusedTooLarge)
}

func (e *RefusedError) Error() string {
	switch e.Reason {
	case RefusedTooLarge:
		return fmt.Sprintf("certificate is %d bytes, larger than the %d the directory schema allows", e.Size, MaxCertificateSize)
	case RefusedNotCA:
		return fmt.Sprintf("%q is not a CA certificate (basicConstraints CA:FALSE, or none and neither keyCertSign nor self-issued)", e.Name)
	case RefusedExpired:
		return fmt.Sprintf("%q expired on %s", e.Name, e.Date.UTC().Format(time.DateOnly))
	case RefusedNotYetValid:
		return fmt.Sprintf("%q is not valid before %s", e.Name, e.Date.UTC().Format(time.DateOnly))
	}
	return fmt.Sprintf("%q is refused", e.Name)
}

// isCA accepts basicConstraints CA:TRUE. A certificate without
// basicConstraints counts as a CA when it may sign certificates (keyUsage
// keyCertSign) or is self-issued: the oldest public roots, some of them
// LPE-trusted, carry no basicConstraints (v1, or only a Netscape cert type).
func isCA(c *x509.Certificate) bool {
	if c.BasicConstraintsValid {
		return c.IsCA
	}
	return c.KeyUsage&x509.KeyUsageCertSign != 0 || bytes.Equal(c.RawSubject, c.RawIssuer)
}
