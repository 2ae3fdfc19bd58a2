package chain

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
)

// Test hierarchies are generated at test time with crypto/x509; keys are
// cached per name so that a test can give two certificates the same key.

var (
	keyMu    sync.Mutex
	keyCache = map[string]crypto.Signer{}
	serial   int64
)

func testKey(t testing.TB, name string) crypto.Signer {
	t.Helper()
	keyMu.Lock()
	defer keyMu.Unlock()
	if k, ok := keyCache[name]; ok {
		return k
	}
	var k crypto.Signer
	var err error
	switch {
	case name == "ecdsa" || strings.HasPrefix(name, "ec "):
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case name == "rsa1024":
		k, err = rsa.GenerateKey(rand.Reader, 1024)
	default:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	keyCache[name] = k
	return k
}

// ca is a generated certificate with its key.
type ca struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// certSpec describes a certificate to generate. Zero fields get defaults.
type certSpec struct {
	cn        string
	key       string // testKey name; default cn
	isCA      bool
	notBefore time.Time
	notAfter  time.Time
	dns       []string
	eku       []x509.ExtKeyUsage
	noEKU     bool
	sigAlg    x509.SignatureAlgorithm
	aia       []string
	subject   *pkix.Name // overrides cn
	// CA details, for the rule tests.
	noBC      bool               // no basicConstraints extension
	caFalse   bool               // a CA (keyCertSign) whose basicConstraints say cA=FALSE
	pathLen   *int               // pathLenConstraint
	keyUsage  x509.KeyUsage      // overrides the default key usage
	caEKU     []x509.ExtKeyUsage // extended key usage of a CA
	permitted []string           // permitted DNS name constraints
	extra     []pkix.Extension
	ski       []byte // overrides the subject key identifier
}

var (
	t2020  = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	t2040  = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	at2027 = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

func skid(k crypto.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(k)
	s := sha1.Sum(der)
	return s[:]
}

// gen creates a certificate from spec, signed by parent (self-signed when nil).
func gen(t testing.TB, spec certSpec, parent *ca) *ca {
	t.Helper()
	keyName := spec.key
	if keyName == "" {
		keyName = spec.cn
	}
	key := testKey(t, keyName)
	keyMu.Lock()
	serial++
	sn := serial
	keyMu.Unlock()
	name := pkix.Name{CommonName: spec.cn, Organization: []string{"lpetrust tests"}}
	if spec.subject != nil {
		name = *spec.subject
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(sn),
		Subject:               name,
		NotBefore:             spec.notBefore,
		NotAfter:              spec.notAfter,
		BasicConstraintsValid: true,
		IsCA:                  spec.isCA,
		DNSNames:              spec.dns,
		SignatureAlgorithm:    spec.sigAlg,
		IssuingCertificateURL: spec.aia,
		SubjectKeyId:          skid(key.Public()),
	}
	if spec.ski != nil {
		tmpl.SubjectKeyId = spec.ski
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = t2020
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = t2040
	}
	if spec.isCA || spec.caFalse || spec.noBC {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		tmpl.ExtKeyUsage = spec.caEKU
		tmpl.IsCA = !spec.caFalse && !spec.noBC
		tmpl.BasicConstraintsValid = !spec.noBC
		if spec.pathLen != nil {
			tmpl.MaxPathLen = *spec.pathLen
			tmpl.MaxPathLenZero = *spec.pathLen == 0
		}
		tmpl.PermittedDNSDomains = spec.permitted
		tmpl.PermittedDNSDomainsCritical = len(spec.permitted) > 0
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		if spec.eku != nil {
			tmpl.ExtKeyUsage = spec.eku
		}
		if spec.noEKU {
			tmpl.ExtKeyUsage = nil
		}
	}
	if spec.keyUsage != 0 {
		tmpl.KeyUsage = spec.keyUsage
	}
	tmpl.ExtraExtensions = spec.extra
	parentCert, parentKey := tmpl, key
	if parent != nil {
		parentCert, parentKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, key.Public(), parentKey)
	if err != nil {
		t.Fatalf("generating %s: %v", spec.cn, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &ca{cert: c, key: key}
}

// hierarchy is root -> issuing CA -> leaf, all RSA 2048 SHA-256.
type hierarchy struct {
	root, inter, leaf *ca
}

func newHierarchy(t testing.TB, prefix string) hierarchy {
	t.Helper()
	root := gen(t, certSpec{cn: prefix + " Root", isCA: true}, nil)
	inter := gen(t, certSpec{cn: prefix + " Issuing CA", isCA: true}, root)
	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: prefix + " leaf", dns: []string{"pool.contoso.test", "sip.contoso.test"}}, inter)
	return hierarchy{root, inter, leaf}
}

func (h hierarchy) input(certs ...*ca) Input {
	in := Input{Source: "generated"}
	for _, c := range certs {
		in.Certs = append(in.Certs, c.cert)
	}
	return in
}

// overlayCatalogue loads the embedded catalogue with an overlay defining a
// store LAB holding the given roots (written to a temporary directory).
func overlayCatalogue(t testing.TB, roots ...*x509.Certificate) *truststore.Catalogue {
	t.Helper()
	dir := t.TempDir()
	y := "stores:\n  - name: LAB\n    roots:\n"
	for i, r := range roots {
		f := filepath.Join(dir, "root"+string(rune('a'+i))+".pem")
		if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Raw}), 0o644); err != nil {
			t.Fatal(err)
		}
		y += "      - file: " + filepath.Base(f) + "\n"
	}
	p := filepath.Join(dir, "overlay.yaml")
	if err := os.WriteFile(p, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := truststore.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// realCert reads one real public certificate from the top-level testdata.
func realCert(t testing.TB, rel string) *x509.Certificate {
	t.Helper()
	ins, err := ReadFile(filepath.Join("..", "testdata", "certs", rel), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ins[0].Certs[0]
}

func realInput(t testing.TB, rels ...string) Input {
	t.Helper()
	in := Input{Source: rels[0]}
	for _, r := range rels {
		in.Certs = append(in.Certs, realCert(t, r))
	}
	return in
}

func mustEvaluate(t testing.TB, cat *truststore.Catalogue, in Input, opts Options) *Result {
	t.Helper()
	r, err := Evaluate(cat, in, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
