package adpublish

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/lpetrust/lpetrust/truststore"
)

// Object is one certificationAuthority object and its certificate values.
type Object struct {
	Container    Container `json:"container"`
	DN           string    `json:"dn"`
	Name         string    `json:"name"`
	Certificates []Value   `json:"certificates"`
}

// Value is one certificate value of an object. Placeholders (length ≤ 1)
// are never listed.
type Value struct {
	Attribute string    `json:"attribute"`
	SHA1      string    `json:"sha1"`
	Subject   string    `json:"subject,omitempty"`
	Name      string    `json:"name,omitempty"`
	NotAfter  time.Time `json:"not_after,omitzero"`
	Expired   bool      `json:"expired"`
	// LPEStores are the LPE firmware stores that already hold it.
	LPEStores []string `json:"lpe_stores"`
	// Error says why the value is not a certificate (Samba and AD accept garbage).
	Error string `json:"error,omitempty"`
	// Cert is the parsed certificate (nil when Error is set).
	Cert *x509.Certificate `json:"-"`
	Raw  []byte            `json:"-"`
}

// ListOptions control List.
type ListOptions struct {
	Containers []Container
	// Catalogue names the LPE stores holding each certificate; nil skips that.
	Catalogue *truststore.Catalogue
	// At is the moment "expired" is judged.
	At time.Time
}

// pageSize keeps each search response small; AD's default MaxPageSize is
// 1000. A variable so tests can force many pages.
var pageSize uint32 = 500

// List reads every certificationAuthority object of the containers (paged)
// and every certificate value in them.
func (d *Directory) List(opts ListOptions) ([]Object, error) {
	var out []Object
	for _, ct := range opts.Containers {
		base, scope := ContainerDN(ct, d.ConfigNC), ldap.ScopeSingleLevel
		if ct == ContainerNTAuth {
			scope = ldap.ScopeBaseObject
		}
		req := ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 0, 0, false,
			"(objectClass=certificationAuthority)", append([]string{"cn"}, readAttrs...), nil)
		res, err := d.conn.SearchWithPaging(req, pageSize)
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			continue // no NTAuthCertificates object yet, or no such container
		}
		if err != nil {
			return nil, fmt.Errorf("search %s: %s", base, Explain(err, base))
		}
		for _, e := range res.Entries {
			out = append(out, objectFromEntry(ct, e, opts))
		}
	}
	return out, nil
}

func objectFromEntry(ct Container, e *ldap.Entry, opts ListOptions) Object {
	o := Object{Container: ct, DN: e.DN, Name: e.GetAttributeValue("cn"), Certificates: []Value{}}
	obj := objectOf(e)
	for _, attr := range readAttrs {
		for _, raw := range obj.values[attr] {
			if isPlaceholder(raw) {
				continue
			}
			o.Certificates = append(o.Certificates, describe(attr, raw, opts))
		}
	}
	return o
}

func describe(attr string, raw []byte, opts ListOptions) Value {
	sum := sha1.Sum(raw)
	v := Value{Attribute: attr, SHA1: strings.ToUpper(hex.EncodeToString(sum[:])), Raw: raw, LPEStores: []string{}}
	c, err := x509.ParseCertificate(raw)
	if err != nil {
		v.Error = fmt.Sprintf("not a certificate: %v", err)
		return v
	}
	v.Cert, v.Subject, v.Name, v.NotAfter = c, c.Subject.String(), CAName(c), c.NotAfter
	v.Expired = !truststore.ValidAt(c, opts.At)
	if opts.Catalogue != nil {
		v.LPEStores = append(v.LPEStores, opts.Catalogue.StoresHolding(v.SHA1)...)
	}
	return v
}

// Publication says whether (and where) one certificate is published.
type Publication struct {
	SHA1      string `json:"sha1"`
	Subject   string `json:"subject"`
	Name      string `json:"name"`
	Published bool   `json:"published"`
	// Containers hold the certificate; phones only read ContainerCA, so
	// Published means "in Certification Authorities".
	Containers []Container `json:"containers"`
	DNs        []string    `json:"dns"`
}

// Published matches certificates (for example the missing roots of a chain)
// against listed objects.
func Published(objs []Object, certs []*x509.Certificate) []Publication {
	var out []Publication
	for _, c := range certs {
		out = append(out, PublishedSHA1(objs, truststore.SHA1Hex(c), c.Subject.String(), CAName(c)))
	}
	return out
}

// PublishedRoots returns the certificates published in CN=Certification
// Authorities, the container phones download trusted roots from.
func (d *Directory) PublishedRoots(cat *truststore.Catalogue, at time.Time) ([]*x509.Certificate, error) {
	objs, err := d.List(ListOptions{Containers: []Container{ContainerCA}, Catalogue: cat, At: at})
	if err != nil {
		return nil, err
	}
	var roots []*x509.Certificate
	for _, o := range objs {
		for _, v := range o.Certificates {
			if v.Cert != nil && v.Attribute == AttrCACertificate {
				roots = append(roots, v.Cert)
			}
		}
	}
	return roots, nil
}

// PublishedSHA1 says whether (and where) the certificate with that SHA-1 is
// among the listed objects.
func PublishedSHA1(objs []Object, sha1, subject, name string) Publication {
	p := Publication{SHA1: sha1, Subject: subject, Name: name, Containers: []Container{}, DNs: []string{}}
	for _, o := range objs {
		for _, v := range o.Certificates {
			if v.SHA1 == sha1 {
				p.Containers = append(p.Containers, o.Container)
				p.DNs = append(p.DNs, o.DN)
				if o.Container == ContainerCA {
					p.Published = true
				}
				break
			}
		}
	}
	return p
}
