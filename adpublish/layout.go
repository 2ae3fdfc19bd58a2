// Package adpublish publishes CA certificates to Active Directory over LDAP
// the way certutil -dspublish does, and audits what is published there.
//
// Lync Phone Edition phones that sign in with AD credentials download the
// certificates in CN=Certification Authorities,CN=Public Key Services,
// CN=Services,<configuration naming context> and trust them as roots. Publishing
// a root the firmware lacks there is the supported repair for stranded phones.
//
// Objects are of class certificationAuthority and named by the MS-WCCE
// sanitized name of the certificate (SanitizeName). A new object gets the
// certificate plus one-byte placeholders for the mandatory revocation-list
// attributes; an existing object only ever gets a value added, so certificates
// other publishers put there are never lost. Every write is read back.
package adpublish

import (
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Kind says where a certificate is published, as certutil -dspublish's
// RootCA, SubCA, CrossCA and NTAuthCA do.
type Kind string

// Kinds of publication.
const (
	KindRoot   Kind = "root"   // Certification Authorities and AIA, cACertificate
	KindSub    Kind = "sub"    // AIA, cACertificate
	KindCross  Kind = "cross"  // AIA, crossCertificatePair
	KindNTAuth Kind = "ntauth" // the NTAuthCertificates object, cACertificate
)

// ParseKind accepts root, sub, cross or ntauth.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(strings.ToLower(s)); k {
	case KindRoot, KindSub, KindCross, KindNTAuth:
		return k, nil
	}
	return "", fmt.Errorf("publication kind %q: want root, sub, cross or ntauth", s)
}

// Container is one of the places under CN=Public Key Services that hold
// certificates.
type Container string

// Containers.
const (
	ContainerCA     Container = "ca"     // CN=Certification Authorities: what phones and Windows trust as roots
	ContainerAIA    Container = "aia"    // CN=AIA: intermediate and cross certificates for chain building
	ContainerNTAuth Container = "ntauth" // CN=NTAuthCertificates: CAs trusted for smart-card logon
)

// AllContainers lists every container in the order reports show them.
var AllContainers = []Container{ContainerCA, ContainerAIA, ContainerNTAuth}

// ParseContainers accepts ca, aia, ntauth or all.
func ParseContainers(s string) ([]Container, error) {
	switch c := Container(strings.ToLower(s)); c {
	case ContainerCA, ContainerAIA, ContainerNTAuth:
		return []Container{c}, nil
	case "all":
		return AllContainers, nil
	}
	return nil, fmt.Errorf("container %q: want ca, aia, ntauth or all", s)
}

// Attribute names of the certificationAuthority class that adpublish writes.
const (
	AttrCACertificate      = "cACertificate"
	AttrCrossCertificate   = "crossCertificatePair"
	AttrAuthorityRevList   = "authorityRevocationList"
	AttrCertificateRevList = "certificateRevocationList"
)

// MaxCertificateSize is the schema's upper bound for one cACertificate or
// crossCertificatePair value.
const MaxCertificateSize = 32768

// placeholder is the value of a mandatory attribute that holds nothing:
// a zero-length value is rejected, so certutil and PSPKI write one 0x00 byte.
var placeholder = []byte{0}

// isPlaceholder reports whether a value is a placeholder rather than a
// certificate; readers skip values of length 1 or less.
func isPlaceholder(v []byte) bool { return len(v) <= 1 }

// PublicKeyServicesDN is CN=Public Key Services,CN=Services,<configNC>.
func PublicKeyServicesDN(configNC string) string {
	return "CN=Public Key Services,CN=Services," + configNC
}

// ContainerDN is the DN of a container: for ContainerNTAuth that is the
// NTAuthCertificates object itself.
func ContainerDN(c Container, configNC string) string {
	switch c {
	case ContainerCA:
		return "CN=Certification Authorities," + PublicKeyServicesDN(configNC)
	case ContainerAIA:
		return "CN=AIA," + PublicKeyServicesDN(configNC)
	case ContainerNTAuth:
		return "CN=" + ntAuthName + "," + PublicKeyServicesDN(configNC)
	}
	panic("adpublish: unknown container " + string(c))
}

const ntAuthName = "NTAuthCertificates"

// Target is one value to write: the object, its name and the attribute.
type Target struct {
	Container Container
	DN        string
	Name      string // the object's cn (sanitized, not DN-escaped)
	Attribute string
}

// Targets returns where certutil -dspublish would put c for kind k.
func Targets(c *x509.Certificate, k Kind, configNC string) []Target {
	name := ObjectName(c)
	in := func(ct Container, attr string) Target {
		return Target{Container: ct, Name: name, Attribute: attr,
			DN: "CN=" + ldap.EscapeDN(name) + "," + ContainerDN(ct, configNC)}
	}
	switch k {
	case KindRoot:
		return []Target{in(ContainerCA, AttrCACertificate), in(ContainerAIA, AttrCACertificate)}
	case KindSub:
		return []Target{in(ContainerAIA, AttrCACertificate)}
	case KindCross:
		return []Target{in(ContainerAIA, AttrCrossCertificate)}
	case KindNTAuth:
		return []Target{{Container: ContainerNTAuth, Name: ntAuthName, Attribute: AttrCACertificate,
			DN: ContainerDN(ContainerNTAuth, configNC)}}
	}
	return nil
}
