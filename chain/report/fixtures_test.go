package report

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The chains the report tests judge phones against are generated once and
// kept in testdata/inventory/chains, so that golden outputs (which show
// thumbprints) stay stable:
//
//	go test ./chain/report -run TestGenerateFixtures -gen
//
// rewrites them. The private keys are thrown away.
//
//   - contoso-root.pem: "Contoso Enterprise Root CA", an enterprise root that
//     overlay-contoso.yaml adds to the CU10 and CU11 stores (an overlay is how
//     an administrator describes roots the tool does not embed).
//   - today.pem: pool01.contoso.com ← "Contoso Issuing CA 2019" (expires
//     2027-03-31, so phones are stranded within a year).
//   - g2-root.pem: a generated self-signed root whose subject is exactly that
//     of DigiCert Global Root G2 — not DigiCert's certificate or key: tests
//     that need the real root (DF3C24F9BFD666761B268073FE06D1CC8D4F82A4) read testdata/certs/modern.
//   - renewal-g2.pem: pool01.contoso.com ← "DigiCert Global G2 TLS RSA SHA256
//     2020 CA1" ← g2-root.pem, the chain a renewal with DigiCert gives today.
var gen = flag.Bool("gen", false, "regenerate testdata/inventory/chains")

var fixtureDir = filepath.Join("..", "..", "testdata", "inventory", "chains")

func TestGenerateFixtures(t *testing.T) {
	if !*gen {
		t.Skip("run with -gen to regenerate testdata/inventory/chains")
	}
	if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
		t.Fatal(err)
	}
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	contoso := fixtureCert(t, pkix.Name{CommonName: "Contoso Enterprise Root CA", Organization: []string{"Contoso Ltd"}}, true, nil, d(2019, 1, 1), d(2039, 1, 1), nil)
	issuing := fixtureCert(t, pkix.Name{CommonName: "Contoso Issuing CA 2019", Organization: []string{"Contoso Ltd"}}, true, contoso, d(2019, 1, 1), d(2027, 3, 31), nil)
	today := fixtureCert(t, pkix.Name{CommonName: "pool01.contoso.com", Organization: []string{"Contoso Ltd"}}, false, issuing, d(2025, 12, 1), d(2027, 6, 30),
		[]string{"pool01.contoso.com", "sip.contoso.com", "ucupdates-r2.contoso.com"})
	g2 := fixtureCert(t, pkix.Name{Country: []string{"US"}, Organization: []string{"DigiCert Inc"}, OrganizationalUnit: []string{"www.digicert.com"}, CommonName: "DigiCert Global Root G2"},
		true, nil, time.Date(2013, 8, 1, 12, 0, 0, 0, time.UTC), time.Date(2038, 1, 15, 12, 0, 0, 0, time.UTC), nil)
	g2ca := fixtureCert(t, pkix.Name{Country: []string{"US"}, Organization: []string{"DigiCert Inc"}, CommonName: "DigiCert Global G2 TLS RSA SHA256 2020 CA1"},
		true, g2, d(2021, 3, 30), time.Date(2031, 3, 29, 23, 59, 59, 0, time.UTC), nil)
	renewal := fixtureCert(t, pkix.Name{Country: []string{"US"}, Organization: []string{"Contoso Ltd"}, CommonName: "pool01.contoso.com"}, false, g2ca, d(2026, 11, 1), d(2027, 11, 30),
		[]string{"pool01.contoso.com", "sip.contoso.com", "ucupdates-r2.contoso.com"})

	write := func(name string, certs ...*fixture) {
		var out []byte
		for _, c := range certs {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})...)
		}
		if err := os.WriteFile(filepath.Join(fixtureDir, name), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("contoso-root.pem", contoso)
	write("today.pem", today, issuing)
	write("g2-root.pem", g2)
	write("renewal-g2.pem", renewal, g2ca, g2)
	overlay := "# Adds the Contoso enterprise root to the CU10 and CU11 stores (test fixture).\n" +
		"stores:\n  - name: CU10\n    roots:\n      - file: contoso-root.pem\n        note: enterprise root (test fixture)\n" +
		"  - name: CU11\n    roots:\n      - file: contoso-root.pem\n        note: enterprise root (test fixture)\n"
	if err := os.WriteFile(filepath.Join(fixtureDir, "overlay-contoso.yaml"), []byte(overlay), 0o644); err != nil {
		t.Fatal(err)
	}
}

type fixture struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

var fixtureSerial int64 = 0x1000

func fixtureCert(t *testing.T, name pkix.Name, isCA bool, parent *fixture, from, to time.Time, dns []string) *fixture {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	ski := sha1.Sum(spki)
	fixtureSerial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(fixtureSerial), Subject: name, NotBefore: from, NotAfter: to,
		BasicConstraintsValid: true, IsCA: isCA, DNSNames: dns, SubjectKeyId: ski[:],
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	if isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	parentCert, parentKey := tmpl, key
	if parent != nil {
		parentCert, parentKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{cert: c, key: key}
}
