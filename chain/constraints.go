package chain

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// The rules below are what Windows CryptoAPI (CertGetCertificateChain, the
// chain engine of Windows CE 6.0 on the phones) enforces on a path. Each
// names its source and whether the source settles it (fact) or lpetrust
// assumes the CE 6.0 engine behaves like the documented desktop one
// (assumption): the CE 6.0 R3 page lists the time, signature, usage and
// root bits; the extension, basic and name constraint bits are documented
// for the desktop engine. Sources:
//
//   - [trust-status]: CERT_TRUST_STATUS, Windows Embedded CE 6.0 R3 and
//     desktop wincrypt.h documentation (learn.microsoft.com
//     .../wincrypt/ns-wincrypt-cert_trust_status): the error bits
//     CERT_TRUST_IS_NOT_TIME_VALID, CERT_TRUST_IS_NOT_SIGNATURE_VALID,
//     CERT_TRUST_IS_NOT_VALID_FOR_USAGE, CERT_TRUST_INVALID_EXTENSION,
//     CERT_TRUST_INVALID_BASIC_CONSTRAINTS ("has a basic constraints
//     extension, and either the certificate cannot be used to issue other
//     certificates, or the chain path length has been exceeded"),
//     CERT_TRUST_INVALID_NAME_CONSTRAINTS and the HAS_NOT_SUPPORTED /
//     HAS_NOT_PERMITTED / HAS_EXCLUDED_NAME_CONSTRAINT bits.
//   - [trust-values]: "Certificate and Trust Return Values" (winerror.h):
//     CERT_E_CRITICAL "A certificate contains an unknown extension that is
//     marked critical", CERT_E_PATHLENCONST, CERT_E_INVALID_NAME,
//     CERT_E_WRONG_USAGE.
//   - [rfc5280]: RFC 5280 §6.1, for the details CryptoAPI's documentation
//     leaves open (how self-issued certificates count, how names match).
type rule struct {
	kind   ReasonKind
	source string
	basis  string
}

// Rules lists every rule the verdict engine applies, by reason kind.
var rules = []rule{
	{ReasonExpired, "[trust-status] CERT_TRUST_IS_NOT_TIME_VALID", BasisFact},
	{ReasonNotYetValid, "[trust-status] CERT_TRUST_IS_NOT_TIME_VALID", BasisFact},
	{ReasonBadSignature, "[trust-status] CERT_TRUST_IS_NOT_SIGNATURE_VALID", BasisFact},
	// An issuer whose basicConstraints say cA=FALSE cannot issue
	// ([trust-status]: the flag is raised for a certificate that "has a
	// basic constraints extension, and ... cannot be used to issue").
	// Without the extension the documentation says nothing: a version 1 or
	// 2 certificate (no extensions at all, as old CAs are) may issue, as in
	// [rfc5280] 6.1.4 (k); a version 3 intermediate without it may not,
	// the cautious reading of [rfc5280] 4.2.1.9. Trust anchors (the store's
	// roots) are not judged by this rule: many are v1 or extension-less.
	{ReasonNotACA, "[trust-status] CERT_TRUST_INVALID_BASIC_CONSTRAINTS; v1/v2 and missing extensions per [rfc5280] 6.1.4 (k)", BasisAssumption},
	// Self-issued intermediates do not count ([rfc5280] 6.1.4 (l)).
	{ReasonPathLen, "[trust-status] CERT_TRUST_INVALID_BASIC_CONSTRAINTS, [trust-values] CERT_E_PATHLENCONST; counting per [rfc5280] 6.1.4", BasisAssumption},
	{ReasonKeyUsage, "[rfc5280] 4.2.1.3 keyCertSign; CryptoAPI reports it as CERT_TRUST_IS_NOT_VALID_FOR_USAGE", BasisAssumption},
	{ReasonCriticalExtension, "[trust-values] CERT_E_CRITICAL, [trust-status] CERT_TRUST_INVALID_EXTENSION", BasisAssumption},
	{ReasonNameConstraint, "[trust-status] CERT_TRUST_INVALID_NAME_CONSTRAINTS and HAS_*_NAME_CONSTRAINT; matching per [rfc5280] 4.2.1.10", BasisAssumption},
	// CryptoAPI intersects the EKUs of every certificate of the chain with
	// the requested usage; that the phone requests server authentication
	// (as Schannel does for a TLS server) is assumed.
	{ReasonEKU, "[trust-status] CERT_TRUST_IS_NOT_VALID_FOR_USAGE, [trust-values] CERT_E_WRONG_USAGE", BasisAssumption},
}

var (
	oidKeyUsage          = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidNameConstraints   = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidExtKeyUsage       = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidEKUServerAuth     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	oidEKUAny            = asn1.ObjectIdentifier{2, 5, 29, 37, 0}
	oidEKUMicrosoftSGC   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 3}
	oidEKUNetscapeSGC    = asn1.ObjectIdentifier{2, 16, 840, 1, 113730, 4, 1}
	maxNameComparisons   = 1 << 16
	errTooManyNames      = fmt.Errorf("more than %d name comparisons", maxNameComparisons)
	errUnsupportedNCForm = fmt.Errorf("a name constraint of a form CryptoAPI does not support")
)

func hasExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return true
		}
	}
	return false
}

// unknownCritical returns the critical extensions neither crypto/x509 nor
// lpetrust processes (name constraints are parsed here, not by crypto/x509).
func unknownCritical(c *x509.Certificate) []string {
	var out []string
	for _, oid := range c.UnhandledCriticalExtensions {
		if oid.Equal(oidNameConstraints) {
			continue
		}
		out = append(out, oid.String())
	}
	return out
}

// serverAuthEKU reports whether c's extended key usage (when it has the
// extension) allows server authentication. isCA also accepts the
// Server Gated Crypto usages old CAs carry instead.
func serverAuthEKU(c *x509.Certificate, isCA bool) bool {
	if !hasExtension(c, oidExtKeyUsage) {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageAny:
			return true
		case x509.ExtKeyUsageMicrosoftServerGatedCrypto, x509.ExtKeyUsageNetscapeServerGatedCrypto:
			if isCA {
				return true
			}
		}
	}
	for _, u := range c.UnknownExtKeyUsage {
		if u.Equal(oidEKUServerAuth) || u.Equal(oidEKUAny) || isCA && (u.Equal(oidEKUMicrosoftSGC) || u.Equal(oidEKUNetscapeSGC)) {
			return true
		}
	}
	return false
}

// nameConstraints are the parsed subtrees of one CA certificate.
type nameConstraints struct {
	permitted, excluded []generalName
}

// generalName is one GeneralName of the forms name constraints use.
type generalName struct {
	tag  int    // context tag: 1 rfc822Name, 2 dNSName, 4 directoryName, 6 URI, 7 iPAddress
	text string // rfc822Name, dNSName, URI
	ip   []byte // iPAddress (with mask, in a constraint)
	rdns pkix.RDNSequence
	// otherName: its type-id and the whole value. Other forms
	// (x400Address, ediPartyName, registeredID) constrain only names of
	// their own form, which crypto/x509 does not expose and are not judged.
	otherType asn1.ObjectIdentifier
	otherRaw  []byte
}

// parseNameConstraints parses c's name constraints extension; nil when absent.
func parseNameConstraints(c *x509.Certificate) (*nameConstraints, error) {
	var raw []byte
	for _, e := range c.Extensions {
		if e.Id.Equal(oidNameConstraints) {
			raw = e.Value
		}
	}
	if raw == nil {
		return nil, nil
	}
	var seq asn1.RawValue
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) > 0 || seq.Tag != asn1.TagSequence {
		return nil, fmt.Errorf("malformed name constraints")
	}
	nc := &nameConstraints{}
	rest := seq.Bytes
	for len(rest) > 0 {
		var part asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &part); err != nil || part.Class != asn1.ClassContextSpecific || part.Tag > 1 {
			return nil, fmt.Errorf("malformed name constraints")
		}
		subtrees := part.Bytes
		for len(subtrees) > 0 {
			var st asn1.RawValue
			if subtrees, err = asn1.Unmarshal(subtrees, &st); err != nil || st.Tag != asn1.TagSequence {
				return nil, fmt.Errorf("malformed name constraints")
			}
			var base asn1.RawValue
			after, err := asn1.Unmarshal(st.Bytes, &base)
			if err != nil {
				return nil, fmt.Errorf("malformed name constraints")
			}
			if len(after) > 0 { // minimum or maximum: must be absent (RFC 5280 4.2.1.10)
				return nil, fmt.Errorf("name constraint with minimum or maximum")
			}
			g, err := parseGeneralName(base, true)
			if err != nil {
				return nil, err
			}
			if part.Tag == 0 {
				nc.permitted = append(nc.permitted, g)
			} else {
				nc.excluded = append(nc.excluded, g)
			}
		}
	}
	return nc, nil
}

func parseGeneralName(v asn1.RawValue, constraint bool) (generalName, error) {
	g := generalName{tag: v.Tag}
	if v.Class != asn1.ClassContextSpecific {
		return g, fmt.Errorf("malformed general name")
	}
	switch v.Tag {
	case 1, 2, 6:
		g.text = string(v.Bytes)
		if constraint && v.Tag == 2 && !validDNSConstraint(g.text) {
			return g, fmt.Errorf("invalid dNSName constraint %q", g.text)
		}
	case 4:
		if _, err := asn1.Unmarshal(v.Bytes, &g.rdns); err != nil {
			return g, fmt.Errorf("malformed directoryName")
		}
	case 0:
		var on struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue `asn1:"explicit,tag:0"`
		}
		if _, err := asn1.UnmarshalWithParams(v.FullBytes, &on, "tag:0"); err != nil {
			return g, fmt.Errorf("malformed otherName")
		}
		g.otherType, g.otherRaw = on.Type, on.Value.FullBytes
	case 7:
		g.ip = v.Bytes
		if constraint {
			if len(g.ip) != 8 && len(g.ip) != 32 || !contiguousMask(g.ip[len(g.ip)/2:]) {
				return g, fmt.Errorf("invalid iPAddress constraint")
			}
		}
	}
	return g, nil
}

func validDNSConstraint(s string) bool {
	if s == "" {
		return true
	}
	if strings.HasPrefix(s, ".") {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

func contiguousMask(m []byte) bool {
	zero := false
	for _, b := range m {
		for bit := 7; bit >= 0; bit-- {
			set := b&(1<<bit) != 0
			if set && zero {
				return false
			}
			if !set {
				zero = true
			}
		}
	}
	return true
}

// subjectNames returns the names of c that name constraints apply to: the
// subject DN (when not empty) and the SANs. A leaf without SANs is named by
// its subject CN, which a TLS client then matches as the host name, so a
// CN that is a host name is checked as a dNSName too (cautious: RFC 5280
// does not ask it, BetterTLS expects it).
func subjectNames(c *x509.Certificate, leaf bool) []generalName {
	var out []generalName
	var subj pkix.RDNSequence
	if _, err := asn1.Unmarshal(c.RawSubject, &subj); err == nil && len(subj) > 0 {
		out = append(out, generalName{tag: 4, rdns: subj})
	}
	if leaf && len(c.DNSNames) == 0 && len(c.IPAddresses) == 0 && len(c.EmailAddresses) == 0 && len(c.URIs) == 0 &&
		c.Subject.CommonName != "" && validDNSConstraint(strings.TrimPrefix(c.Subject.CommonName, "*.")) {
		out = append(out, generalName{tag: 2, text: c.Subject.CommonName})
	}
	for _, d := range c.DNSNames {
		out = append(out, generalName{tag: 2, text: d})
	}
	for _, e := range c.EmailAddresses {
		out = append(out, generalName{tag: 1, text: e})
	}
	for _, u := range c.URIs {
		out = append(out, generalName{tag: 6, text: u.String()})
	}
	for _, ip := range c.IPAddresses {
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		out = append(out, generalName{tag: 7, ip: ip})
	}
	return append(out, otherNames(c)...)
}

var oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}

// otherNames returns the otherName entries of c's SANs.
func otherNames(c *x509.Certificate) []generalName {
	var out []generalName
	for _, e := range c.Extensions {
		if !e.Id.Equal(oidSubjectAltName) {
			continue
		}
		var seq asn1.RawValue
		if _, err := asn1.Unmarshal(e.Value, &seq); err != nil {
			return nil
		}
		for rest := seq.Bytes; len(rest) > 0; {
			var v asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &v); err != nil {
				return out
			}
			if v.Class == asn1.ClassContextSpecific && v.Tag == 0 {
				if g, err := parseGeneralName(v, false); err == nil {
					out = append(out, g)
				}
			}
		}
	}
	return out
}

// checkNames reports the first name of names that nc does not allow.
func (nc *nameConstraints) checkNames(names []generalName, budget *int) (string, error) {
	for _, n := range names {
		for _, ex := range nc.excluded {
			if ex.tag != n.tag {
				continue
			}
			if *budget--; *budget < 0 {
				return "", errTooManyNames
			}
			if matchName(n, ex, true) {
				return fmt.Sprintf("%s is excluded", n), nil
			}
		}
		typed, ok := false, false
		for _, p := range nc.permitted {
			if p.tag != n.tag {
				continue
			}
			typed = true
			if *budget--; *budget < 0 {
				return "", errTooManyNames
			}
			if matchName(n, p, false) {
				ok = true
				break
			}
		}
		if typed && !ok {
			return fmt.Sprintf("%s is not permitted", n), nil
		}
	}
	return "", nil
}

func (g generalName) String() string {
	switch g.tag {
	case 4:
		return "directory name " + g.rdns.String()
	case 7:
		return "IP address " + net.IP(g.ip).String()
	case 1:
		return "email " + g.text
	case 6:
		return "URI " + g.text
	case 0:
		return "otherName of type " + g.otherType.String()
	}
	return "DNS name " + g.text
}

// matchName reports whether name n falls in constraint c. For an excluded
// subtree a wildcard DNS name matches when any name it covers would.
func matchName(n, c generalName, excluded bool) bool {
	switch n.tag {
	case 0:
		// Matching within an otherName type is type-specific; a name of an
		// excluded type is taken as excluded (cautious), a permitted one
		// must be that very value.
		if !n.otherType.Equal(c.otherType) {
			return false
		}
		return excluded || bytes.Equal(n.otherRaw, c.otherRaw)
	case 2:
		return matchDNS(n.text, c.text, excluded)
	case 1:
		return matchEmail(n.text, c.text)
	case 6:
		u, err := url.Parse(n.text)
		if err != nil || u.Host == "" {
			return excluded // an unparsable URI cannot be shown to be outside
		}
		host := u.Hostname()
		if strings.HasPrefix(c.text, ".") {
			return strings.HasSuffix(strings.ToLower(host), strings.ToLower(c.text))
		}
		return strings.EqualFold(host, c.text)
	case 7:
		half := len(c.ip) / 2
		if len(n.ip) != half {
			return false
		}
		for i := range n.ip {
			if n.ip[i]&c.ip[half+i] != c.ip[i]&c.ip[half+i] {
				return false
			}
		}
		return true
	case 4:
		if len(c.rdns) > len(n.rdns) {
			return false
		}
		for i := range c.rdns {
			if !sameRDN(c.rdns[i], n.rdns[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func sameRDN(a, b pkix.RelativeDistinguishedNameSET) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Type.Equal(b[i].Type) {
			return false
		}
		as, aok := a[i].Value.(string)
		bs, bok := b[i].Value.(string)
		if aok && bok {
			if !strings.EqualFold(strings.Join(strings.Fields(as), " "), strings.Join(strings.Fields(bs), " ")) {
				return false
			}
			continue
		}
		if fmt.Sprint(a[i].Value) != fmt.Sprint(b[i].Value) {
			return false
		}
	}
	return true
}

func matchDNS(name, constraint string, excluded bool) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	constraint = strings.ToLower(constraint)
	if constraint == "" {
		return true
	}
	if strings.HasPrefix(name, "*.") {
		base := name[2:]
		// *.base covers base's direct subdomains: inside a subtree when base
		// is the constraint or below it; touching an excluded subtree when the
		// constraint is below base as well.
		if within(base, constraint) {
			return true
		}
		if excluded {
			return strings.HasSuffix(constraint, "."+base) && strings.Count(constraint, ".") == strings.Count(base, ".")+1
		}
		return false
	}
	return within(name, constraint)
}

// within reports whether name is constraint or a subdomain of it.
func within(name, constraint string) bool {
	return name == constraint || strings.HasSuffix(name, "."+constraint)
}

func matchEmail(mailbox, constraint string) bool {
	at := strings.LastIndexByte(mailbox, '@')
	if at < 0 {
		return false
	}
	host := strings.ToLower(mailbox[at+1:])
	c := strings.ToLower(constraint)
	switch {
	case strings.Contains(c, "@"):
		return mailbox[:at] == constraint[:strings.LastIndexByte(constraint, '@')] && host == c[strings.LastIndexByte(c, '@')+1:]
	case strings.HasPrefix(c, "."):
		return strings.HasSuffix(host, c)
	default:
		return host == c
	}
}

// sameKeyID reports whether a child's authority key identifier names the
// key of parent (true when either is absent: nothing contradicts it).
func sameKeyID(child, parent *x509.Certificate) bool {
	return len(child.AuthorityKeyId) == 0 || len(parent.SubjectKeyId) == 0 || bytes.Equal(child.AuthorityKeyId, parent.SubjectKeyId)
}
