package chain

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
)

// Severities and bases of findings.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityInfo    = "info"

	// BasisFact: documented behaviour of LPE phones or Lync Server.
	BasisFact = "fact"
	// BasisAssumption: no source settles it; the tool assumes the cautious answer.
	BasisAssumption = "assumption"
)

// Finding codes.
const (
	CodeWildcardLeaf    = "wildcard_leaf"
	CodePoolNotInSAN    = "pool_not_in_san"
	CodeSIPNotInSAN     = "sip_domain_not_in_san"
	CodeNoServerAuth    = "no_server_auth_eku"
	CodeNoEKU           = "no_eku"
	CodeRSAKeyTooSmall  = "rsa_key_below_2048"
	CodeECDSAKey        = "ecdsa_key"
	CodeSignatureHash   = "signature_hash_above_sha256"
	CodeLeafExpiring    = "leaf_expiring"
	CodeLeafExpired     = "leaf_expired"
	CodeAIAFetched      = "aia_fetched"
	CodeAIAFetchFailed  = "aia_fetch_failed"
	CodeRSAKeyAbove2048 = "rsa_key_above_2048"
	// CodeLegacySignature: a signature on the path is one crypto/x509
	// refuses (MD5, an RSA key below 1024 bits) and lpetrust verified itself.
	CodeLegacySignature = "legacy_signature"
	// CodeCertificateSkipped: a certificate of the input could not be
	// parsed and was left out.
	CodeCertificateSkipped = "certificate_skipped"
)

// legacySignatureFindings labels every signature of the paths that only
// lpetrust's own RSA code verified, once per certificate.
func legacySignatureFindings(paths []path) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, p := range paths {
		for i := 0; i+1 < len(p); i++ {
			child, parent := p[i], p[i+1]
			if seen[child.sha1] || checkSig(child.rawSum, parent.keySum, child.cert, parent.cert) != sigLegacy {
				continue
			}
			seen[child.sha1] = true
			what := "with " + truststore.SignatureAlgorithmName(child.cert)
			if legacySignature(child.cert, parent.cert) != "MD5" {
				what = fmt.Sprintf("by the %s of %s", truststore.PublicKeyDescription(parent.cert), certID(parent.cert))
			}
			out = append(out, Finding{Code: CodeLegacySignature, Severity: SeverityWarning, Basis: BasisAssumption,
				Message: fmt.Sprintf("%s is signed %s: Go's crypto/x509 refuses such signatures, lpetrust verified it with its own RSA code; 2010-era CryptoAPI on the phones accepts it, current Windows does not", certID(child.cert), what)})
		}
	}
	return out
}

// phoneFindings checks what LPE phones need of a server certificate, apart
// from trust. onPath are the certificates a phone validates (leaf and
// intermediates; the firmware's own roots excluded).
func phoneFindings(leaf *x509.Certificate, onPath []*x509.Certificate, at time.Time, opts Options) []Finding {
	var out []Finding
	add := func(code, sev, basis, format string, args ...any) {
		out = append(out, Finding{Code: code, Severity: sev, Basis: basis, Message: fmt.Sprintf(format, args...)})
	}
	names := leafNames(leaf)
	for _, n := range names {
		if strings.HasPrefix(n, "*") {
			add(CodeWildcardLeaf, SeverityError, BasisFact,
				"the certificate names %s: LPE phones do not support wildcard certificates on Front End or Access Edge (PIN and USB sign-in)", n)
			break
		}
	}
	if opts.Pool != "" && !hasDNSName(leaf, opts.Pool) {
		add(CodePoolNotInSAN, SeverityError, BasisFact,
			"the pool FQDN %s is not in the certificate's subject alternative names", strings.ToLower(opts.Pool))
	}
	if opts.SIPDomain != "" {
		want := "sip." + strings.ToLower(strings.TrimSuffix(opts.SIPDomain, "."))
		if !hasDNSName(leaf, want) {
			add(CodeSIPNotInSAN, SeverityError, BasisFact,
				"%s is not in the certificate's subject alternative names: LPE phones require it explicitly", want)
		}
	}
	switch {
	case len(leaf.ExtKeyUsage) == 0 && len(leaf.UnknownExtKeyUsage) == 0:
		if !leaf.IsCA {
			add(CodeNoEKU, SeverityInfo, BasisAssumption,
				"the certificate has no extended key usage; Lync Server expects Server Authentication")
		}
	case !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageAny):
		add(CodeNoServerAuth, SeverityError, BasisFact,
			"the certificate's extended key usage lacks Server Authentication (1.3.6.1.5.5.7.3.1), so TLS clients refuse it as a server certificate")
	}
	for i, c := range onPath {
		id := certID(c)
		switch k := c.PublicKey.(type) {
		case *rsa.PublicKey:
			if bits := k.N.BitLen(); bits < 2048 {
				add(CodeRSAKeyTooSmall, SeverityWarning, BasisAssumption,
					"%s has a %d-bit RSA key; Lync Server and current CAs require at least 2048 bits", id, bits)
			} else if bits > 2048 && i == 0 {
				add(CodeRSAKeyAbove2048, SeverityInfo, BasisAssumption,
					"%s has a %d-bit RSA key; whether LPE phones handle keys above 2048 bits is not documented", id, bits)
			}
		case *ecdsa.PublicKey:
			add(CodeECDSAKey, SeverityWarning, BasisAssumption,
				"%s has an ECDSA key (%s); no ECDSA support is documented for the LPE TLS stack", id, truststore.PublicKeyDescription(c))
		}
		// A root's own signature is never verified (it is an anchor); only
		// its key is used, so only its key is judged.
		selfSigned := bytes.Equal(c.RawSubject, c.RawIssuer)
		if bigHash(c.SignatureAlgorithm) && !selfSigned {
			add(CodeSignatureHash, SeverityWarning, BasisAssumption,
				"%s is signed with %s; only SHA-256 (and SHA-1) signatures are documented to work on LPE phones", id, truststore.SignatureAlgorithmName(c))
		}
	}
	warnDays := opts.WarnDays
	if warnDays == 0 {
		warnDays = 30
	}
	switch {
	case at.After(leaf.NotAfter):
		add(CodeLeafExpired, SeverityError, BasisFact, "%s expired %s", certID(leaf), leaf.NotAfter.UTC().Format(time.DateOnly))
	// AddDate, not a Duration: a large --warn-days must not overflow.
	case warnDays > 0 && leaf.NotAfter.Before(at.AddDate(0, 0, warnDays)):
		days := int(leaf.NotAfter.Sub(at).Hours() / 24)
		add(CodeLeafExpiring, SeverityWarning, BasisFact, "%s expires %s, in %d days (warning threshold %d days)",
			certID(leaf), leaf.NotAfter.UTC().Format(time.DateOnly), days, warnDays)
	}
	return out
}

func certID(c *x509.Certificate) string {
	return truststore.Named(truststore.DisplayName(c), thumb(c))
}

func bigHash(a x509.SignatureAlgorithm) bool {
	switch a {
	case x509.SHA384WithRSA, x509.SHA512WithRSA, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512,
		x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return true
	}
	return false
}

// leafNames lists the DNS names of the leaf: SANs, else the CN.
func leafNames(c *x509.Certificate) []string {
	if len(c.DNSNames) > 0 {
		return c.DNSNames
	}
	if c.Subject.CommonName != "" {
		return []string{c.Subject.CommonName}
	}
	return nil
}

// hasDNSName reports whether the certificate's SANs name host exactly
// (a wildcard does not count: phones do not accept wildcards).
func hasDNSName(c *x509.Certificate, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, n := range c.DNSNames {
		if strings.ToLower(strings.TrimSuffix(n, ".")) == host {
			return true
		}
	}
	return false
}
