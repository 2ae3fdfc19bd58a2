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
// p.AllowExpired). The error names the problem, not the input.
func CheckCertificate(c *x509.Certificate, p Policy) error {
	if len(c.Raw) > MaxCertificateSize {
		return fmt.Errorf("certificate is %d bytes, larger than the %d the directory schema allows", len(c.Raw), MaxCertificateSize)
	}
	if !p.Force && !isCA(c) {
		return fmt.Errorf("%q is not a CA certificate (basicConstraints CA:FALSE, or none and neither keyCertSign nor self-issued); --force publishes it anyway", CAName(c))
	}
	if !p.AllowExpired {
		if p.At.After(c.NotAfter) {
			return fmt.Errorf("%q expired on %s; --allow-expired publishes it anyway", CAName(c), c.NotAfter.UTC().Format(time.DateOnly))
		}
		if p.At.Before(c.NotBefore) {
			return fmt.Errorf("%q is not valid before %s; --allow-expired publishes it anyway", CAName(c), c.NotBefore.UTC().Format(time.DateOnly))
		}
	}
	return nil
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
