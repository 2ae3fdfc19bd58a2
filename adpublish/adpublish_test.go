package adpublish

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

func TestParseServer(t *testing.T) {
	user := Auth{User: "admin@example.com", Password: "x"}
	tests := []struct {
		opts    ConnectOptions
		url     string
		tr      Transport
		wantErr string
	}{
		{ConnectOptions{Server: "dc1.example.com"}, "ldaps://dc1.example.com:636", TransportLDAPS, ""},
		{ConnectOptions{Server: "ldaps://dc1.example.com:3269", Auth: user}, "ldaps://dc1.example.com:3269", TransportLDAPS, ""},
		{ConnectOptions{Server: "ldap://dc1.example.com", Auth: user}, "ldap://dc1.example.com:389", TransportStartTLS, ""},
		{ConnectOptions{Server: "ldap://[::1]", Auth: user}, "ldap://[::1]:389", TransportStartTLS, ""},
		{ConnectOptions{Server: "ldap://dc1", NoStartTLS: true}, "ldap://dc1:389", TransportPlaintext, ""},
		{ConnectOptions{Server: "ldap://dc1", InsecurePlaintext: true, Auth: user}, "ldap://dc1:389", TransportPlaintext, ""},
		{ConnectOptions{Server: "ldap://dc1", NoStartTLS: true, Auth: user}, "", "",
			"refusing to bind over a cleartext connection to ldap://dc1:389: the password of admin@example.com would be sent in the clear; use ldaps://, StartTLS (drop --no-starttls), Kerberos (signed), or --insecure-plaintext"},
		// Kerberos and integrated binds sign the connection: allowed without TLS.
		{ConnectOptions{Server: "ldap://dc1", NoStartTLS: true, Auth: Auth{Kerberos: &Kerberos{}}}, "ldap://dc1:389", TransportPlaintext, ""},
		{ConnectOptions{Server: "ldap://dc1", NoStartTLS: true, Auth: Auth{Integrated: true}}, "ldap://dc1:389", TransportPlaintext, ""},
		// NTLM cannot sign: never without TLS, even when forced.
		{ConnectOptions{Server: "ldap://dc1", InsecurePlaintext: true, Auth: Auth{User: `EX\admin`, Password: "x", NTLM: true}}, "", "",
			`refusing to bind over a cleartext connection to ldap://dc1:389: an NTLM bind cannot sign the connection here, so it needs ldaps:// or StartTLS`},
		{ConnectOptions{Server: "ldaps://dc1", Auth: Auth{User: `EX\admin`, Password: "x", NTLM: true}}, "ldaps://dc1:636", TransportLDAPS, ""},
		{ConnectOptions{Domain: "contoso.com", Auth: user}, "ldap://contoso.com:389", TransportStartTLS, ""},
		{ConnectOptions{Domain: "contoso.com", NoStartTLS: true, Auth: user}, "", "",
			"refusing to bind over a cleartext connection to ldap://contoso.com:389: the password of admin@example.com would be sent in the clear; use ldaps://, StartTLS (drop --no-starttls), Kerberos (signed), or --insecure-plaintext"},
		{ConnectOptions{Domain: "bad/domain"}, "", "", `domain "bad/domain": want a DNS domain such as contoso.com`},
		{ConnectOptions{Server: "https://dc1"}, "", "", `server "https://dc1": scheme "https" not supported (want ldaps or ldap)`},
		{ConnectOptions{Server: "ldaps://dc1/dc=example"}, "", "", `server "ldaps://dc1/dc=example": want ldaps://host[:port] or ldap://host[:port], without path, query or user`},
		{ConnectOptions{Server: ""}, "", "", "no server given"},
	}
	for _, tt := range tests {
		ep, err := ParseServer(tt.opts)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseServer(%q) error = %v, want %q", tt.opts.Server, err, tt.wantErr)
			}
			continue
		}
		if err != nil || ep.URL != tt.url || ep.Transport != tt.tr {
			t.Errorf("ParseServer(%q) = %+v, %v; want %s %s", tt.opts.Server, ep, err, tt.url, tt.tr)
		}
	}
	_, err := ParseServer(ConnectOptions{Server: "ldap://dc1", NoStartTLS: true, Auth: user})
	if !errors.Is(err, ErrPlaintextBind) {
		t.Errorf("error %v is not ErrPlaintextBind", err)
	}
}

// makeCert self-signs tmpl with a fresh key (and a random serial number
// when tmpl has none).
func makeCert(t testing.TB, tmpl *x509.Certificate) *x509.Certificate {
	c, _ := makeCertKey(t, tmpl)
	return c
}

// makeCertKey is makeCert that also returns the key, for signing with the
// certificate.
func makeCertKey(t testing.TB, tmpl *x509.Certificate) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.SerialNumber == nil {
		if tmpl.SerialNumber, err = rand.Int(rand.Reader, big.NewInt(1<<62)); err != nil {
			t.Fatal(err)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func TestCheckCertificate(t *testing.T) {
	at := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	valid := func(tmpl *x509.Certificate) *x509.Certificate {
		tmpl.NotBefore, tmpl.NotAfter = at.AddDate(-1, 0, 0), at.AddDate(1, 0, 0)
		return tmpl
	}
	ca := makeCert(t, valid(&x509.Certificate{Subject: pkix.Name{CommonName: "CA"}, IsCA: true, BasicConstraintsValid: true}))
	leaf := makeCert(t, valid(&x509.Certificate{Subject: pkix.Name{CommonName: "pool.example.com"}, Issuer: pkix.Name{CommonName: "other"},
		BasicConstraintsValid: true}))
	expired := makeCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Old CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: at.AddDate(-10, 0, 0), NotAfter: time.Date(2019, 12, 24, 0, 0, 0, 0, time.UTC)})

	if err := CheckCertificate(ca, Policy{At: at}); err != nil {
		t.Errorf("CA: %v", err)
	}
	var re *RefusedError
	if err := CheckCertificate(leaf, Policy{At: at}); !errors.As(err, &re) || re.Reason != RefusedNotCA ||
		err.Error() != `"pool.example.com" is not a CA certificate (basicConstraints CA:FALSE, or none and neither keyCertSign nor self-issued)` {
		t.Errorf("leaf: %v", err)
	}
	if err := CheckCertificate(leaf, Policy{At: at, Force: true}); err != nil {
		t.Errorf("leaf with Force: %v", err)
	}
	if err := CheckCertificate(expired, Policy{At: at}); !errors.As(err, &re) || re.Reason != RefusedExpired || err.Error() != `"Old CA" expired on 2019-12-24` {
		t.Errorf("expired: %v", err)
	}
	early := makeCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "New CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: at.AddDate(10, 0, 0)})
	if err := CheckCertificate(early, Policy{At: at}); !errors.As(err, &re) || re.Reason != RefusedNotYetValid || err.Error() != `"New CA" is not valid before 2027-01-01` {
		t.Errorf("not yet valid: %v", err)
	}
	if err := CheckCertificate(expired, Policy{At: at, AllowExpired: true}); err != nil {
		t.Errorf("expired with AllowExpired: %v", err)
	}
	big := *ca
	big.Raw = make([]byte, MaxCertificateSize+1)
	if err := CheckCertificate(&big, Policy{At: at, Force: true, AllowExpired: true}); !errors.As(err, &re) || re.Reason != RefusedTooLarge ||
		err.Error() != "certificate is 32769 bytes, larger than the 32768 the directory schema allows" {
		t.Errorf("oversized: %v", err)
	}
}

func TestCANameWithoutCommonName(t *testing.T) {
	c := makeCert(t, &x509.Certificate{Subject: pkix.Name{Organization: []string{"The Go Daddy Group, Inc."},
		OrganizationalUnit: []string{"Go Daddy Class 2 Certification Authority"}, Country: []string{"US"}},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)})
	if got := CAName(c); got != "Go Daddy Class 2 Certification Authority" {
		t.Errorf("CAName = %q", got)
	}
	empty := makeCert(t, &x509.Certificate{NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)})
	if got := CAName(empty); got != SHA1Of(empty.RawSubject) || len(got) != 40 {
		t.Errorf("CAName of an empty subject = %q, want the SHA-1 of the encoded name", got)
	}
}

func TestTargetsEscapeDN(t *testing.T) {
	c := makeCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "#Lead, Plus+ Semi; Back\\ Space "},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)})
	tg := Targets(c, KindSub, "CN=Configuration,DC=example,DC=com")
	// Sanitizing already escapes # , + ; \ as !xxxx; the trailing space is
	// left to DN escaping.
	want := `CN=!0023Lead!002c Plus!002b Semi!003b Back!005c Space\ ,CN=AIA,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=com`
	if len(tg) != 1 || tg[0].DN != want || tg[0].Name != "!0023Lead!002c Plus!002b Semi!003b Back!005c Space " {
		t.Errorf("Targets = %+v\nwant DN %s", tg, want)
	}
	if _, err := ldap.ParseDN(tg[0].DN); err != nil {
		t.Errorf("DN does not parse: %v", err)
	}
}

func TestWriteLDIF(t *testing.T) {
	var b bytes.Buffer
	err := WriteLDIF(&b, []Change{
		{DN: "CN=Ünïcode,CN=AIA", Type: ChangeModify, Op: OpAdd, Attrs: []Attr{{Name: "cACertificate", Values: [][]byte{bytes.Repeat([]byte{0xff}, 60)}}}},
		{DN: "CN=x,CN=AIA", Type: ChangeDelete},
		{DN: "CN=y,CN=AIA", Type: ChangeAdd, Attrs: []Attr{{Name: "cn", Values: [][]byte{[]byte("y")}}, {Name: "certificateRevocationList", Values: [][]byte{{0}}}}},
	}, "a comment")
	if err != nil {
		t.Fatal(err)
	}
	want := `version: 1
# a comment

dn:: Q049w5xuw69jb2RlLENOPUFJQQ==
changetype: modify
add: cACertificate
cACertificate:: ////////////////////////////////////////////////////////////
 ////////////////////
-

dn: CN=x,CN=AIA
changetype: delete

dn: CN=y,CN=AIA
changetype: add
cn: y
certificateRevocationList:: AA==
`
	if b.String() != want {
		t.Errorf("LDIF:\n%s\nwant:\n%s", b.String(), want)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if len(line) > 76 {
			t.Errorf("line longer than 76: %q", line)
		}
	}
}

func TestParseSHA1(t *testing.T) {
	got, err := ParseSHA1("df:3c:24:f9:bf:d6:66:76:1b:26:80:73:fe:06:d1:cc:8d:4f:82:a4")
	if err != nil || got != "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4" {
		t.Errorf("ParseSHA1 = %q, %v", got, err)
	}
	if _, err := ParseSHA1("zz3C24F9BFD666761B268073FE06D1CC8D4F82A4"); err == nil || err.Error() != `SHA-1 "zz3C24F9BFD666761B268073FE06D1CC8D4F82A4": not hex` {
		t.Errorf("non-hex: %v", err)
	}
}

func TestExplain(t *testing.T) {
	dn := "CN=X,CN=AIA"
	tests := map[uint16]string{
		50:  "insufficient access: needs Enterprise Admins or delegated rights on CN=X,CN=AIA (LDAP result 50)",
		8:   "the directory requires a signed or encrypted connection for this bind: use ldaps:// or StartTLS (LDAP result 8)",
		21:  "the directory rejected the value's syntax on CN=X,CN=AIA (empty, or larger than 32768 bytes) (LDAP result 21)",
		32:  "no such object CN=X,CN=AIA (a wrong configuration naming context, or the container is missing) (LDAP result 32)",
		65:  "object class violation on CN=X,CN=AIA (a mandatory attribute would be missing) (LDAP result 65)",
		68:  "the object CN=X,CN=AIA already exists (LDAP result 68)",
		200: "cannot reach the directory: boom",
	}
	for code, want := range tests {
		if got := Explain(ldap.NewError(code, errors.New("boom")), dn); got != want {
			t.Errorf("Explain(%d) = %q, want %q", code, got, want)
		}
	}
}

// TestOutcomeErrorOneLine: a directory diagnostic spanning lines is kept on
// one line in the outcome (tables and the one-line error rule).
func TestOutcomeErrorOneLine(t *testing.T) {
	o := Outcome{DN: "CN=X,CN=AIA"}
	o.fail(ldap.NewError(80, errors.New("00002020: Operation unavailable\n\twithout authentication\n")))
	if want := "00002020: Operation unavailable without authentication (LDAP result 80)"; o.Error != want || o.Status != StatusFailed || o.ResultCode != 80 {
		t.Errorf("fail: %q %s %d, want %q failed 80", o.Error, o.Status, o.ResultCode, want)
	}
}

func FuzzParseServer(f *testing.F) {
	for _, s := range []string{"dc1", "ldap://dc1:389", "ldaps://[::1]:636", "ldap://u@h/p?q", "://", "ldap://%zz"} {
		f.Add(s, false, true)
	}
	f.Fuzz(func(t *testing.T, s string, noStartTLS, withUser bool) {
		opts := ConnectOptions{Server: s, NoStartTLS: noStartTLS}
		if withUser {
			opts.Auth = Auth{User: "u", Password: "p"}
		}
		ep, err := ParseServer(opts)
		if err != nil {
			return
		}
		if withUser && ep.Transport == TransportPlaintext {
			t.Fatalf("%q: a bind over plaintext was allowed", s)
		}
		if !strings.HasPrefix(ep.URL, "ldap://") && !strings.HasPrefix(ep.URL, "ldaps://") {
			t.Fatalf("%q: URL %q", s, ep.URL)
		}
	})
}
