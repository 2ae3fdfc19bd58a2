package chain

import (
	"bytes"
	"crypto/cipher"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
	"github.com/lpetrust/lpetrust/truststore/hostiletest"
)

const (
	shaTestLeaf = "9C310B15A12CF46E9F028F947E49FEF37DDD46C0"
	shaTestCA   = "6286EDFC3ABA4B3154867A6F0C1C02A36879BEBF"
)

func pfxPath(name string) string { return filepath.Join("..", "testdata", "pfx", name) }

func testPassword(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(pfxPath("password.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.TrimSpace(string(data)))
}

func sha1s(in Input) []string {
	var out []string
	for _, c := range in.Certs {
		out = append(out, truststore.SHA1Hex(c))
	}
	return out
}

// The PKCS#12 and PKCS#7 files were made by OpenSSL (testdata/pfx/README.md).
func TestReadRealContainerFiles(t *testing.T) {
	pw := testPassword(t)
	for _, tc := range []struct {
		file     string
		password bool // needs the password
		leaf     bool // the reader knows the leaf (PKCS#12)
	}{
		{"nopassword.pfx", false, true},
		{"aes256.pfx", true, true},
		{"legacy-3des.pfx", true, true},
		{"legacy-rc2.pfx", true, true},
		{"legacy-rc2-128.pfx", true, true},
		{"aes128.pfx", true, true},
		{"chain.p7b", false, false},
		{"chain-der.p7b", false, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			asked := 0
			opts := ReadOptions{Password: func(source string) ([]byte, error) {
				asked++
				if source != pfxPath(tc.file) {
					t.Errorf("password asked for %q", source)
				}
				return append([]byte(nil), pw...), nil
			}}
			ins, err := ReadFile(pfxPath(tc.file), opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(ins) != 1 {
				t.Fatalf("%d inputs", len(ins))
			}
			in := ins[0]
			if got, want := sha1s(in), []string{shaTestLeaf, shaTestCA}; !reflect.DeepEqual(got, want) {
				t.Errorf("certificates = %v, want %v", got, want)
			}
			if wantAsked := map[bool]int{true: 1, false: 0}[tc.password]; asked != wantAsked {
				t.Errorf("password asked %d times, want %d", asked, wantAsked)
			}
			if tc.leaf && (in.Leaf == nil || truststore.SHA1Hex(in.Leaf) != shaTestLeaf) {
				t.Errorf("leaf = %v", in.Leaf)
			}
			if !tc.leaf && in.Leaf != nil {
				t.Errorf("leaf set for a file without a key")
			}
			if in.Source != pfxPath(tc.file) {
				t.Errorf("source = %q", in.Source)
			}
		})
	}
}

func TestReadPKCS12PasswordErrors(t *testing.T) {
	for _, f := range []string{"aes256.pfx", "aes128.pfx", "legacy-3des.pfx", "legacy-rc2.pfx", "legacy-rc2-128.pfx"} {
		p := pfxPath(f)
		_, err := ReadFile(p, ReadOptions{})
		if !errors.Is(err, ErrPasswordRequired) || err.Error() != p+": PKCS#12 file is password-protected and no password was given" {
			t.Errorf("%s without password: %v", f, err)
		}
		_, err = ReadFile(p, ReadOptions{Password: func(string) ([]byte, error) { return []byte("not the password"), nil }})
		if !errors.Is(err, ErrWrongPassword) || err.Error() != p+": wrong PKCS#12 password" {
			t.Errorf("%s with a wrong password: %v", f, err)
		}
		_, err = ReadFile(p, ReadOptions{Password: func(string) ([]byte, error) { return nil, errors.New("no terminal") }})
		if err == nil || err.Error() != p+": reading the PKCS#12 password: no terminal" {
			t.Errorf("%s with a failing password source: %v", f, err)
		}
	}
}

func TestReadPEMBundleWithTextAndKeys(t *testing.T) {
	h := newHierarchy(t, "Bundle")
	var b strings.Builder
	b.WriteString("Bag Attributes\n    friendlyName: pool\nsubject=CN = pool.contoso.test\n")
	pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: h.leaf.cert.Raw})
	b.WriteString("\n-----BEGIN PRIVATE KEY-----\nTUlJ\n-----END PRIVATE KEY-----\nissuer text\r\n")
	pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: h.inter.cert.Raw})
	b.WriteString("trailing notes\n")
	in, err := ReadBytes("bundle.pem", []byte(b.String()), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Certs) != 2 || in.Certs[0] == nil || in.Certs[1].Subject.CommonName != "Bundle Issuing CA" {
		t.Errorf("certs = %v", sha1s(in))
	}
}

func TestReadDERAndBase64(t *testing.T) {
	h := newHierarchy(t, "DER")
	in, err := ReadBytes("leaf.cer", h.leaf.cert.Raw, ReadOptions{})
	if err != nil || len(in.Certs) != 1 {
		t.Fatalf("DER: %v %v", sha1s(in), err)
	}
	two := append(append([]byte(nil), h.leaf.cert.Raw...), h.inter.cert.Raw...)
	in, err = ReadBytes("two.der", two, ReadOptions{})
	if err != nil || len(in.Certs) != 2 {
		t.Fatalf("concatenated DER: %v %v", sha1s(in), err)
	}
	// A PEM file saved by Windows PowerShell 5: UTF-16 LE with a byte order mark.
	pemText := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.leaf.cert.Raw})
	u16 := []byte{0xff, 0xfe}
	for _, c := range string(pemText) {
		u16 = append(u16, byte(c), 0)
	}
	in, err = ReadBytes("leaf-utf16.pem", u16, ReadOptions{})
	if err != nil || len(in.Certs) != 1 || !in.Certs[0].Equal(h.leaf.cert) {
		t.Fatalf("UTF-16 PEM: %v %v", sha1s(in), err)
	}
	b64 := base64.StdEncoding.EncodeToString(h.leaf.cert.Raw)
	in, err = ReadBytes("leaf.b64", []byte(b64[:70]+"\r\n"+b64[70:]+"\n"), ReadOptions{})
	if err != nil || len(in.Certs) != 1 {
		t.Fatalf("base64: %v %v", sha1s(in), err)
	}
}

func TestReadBytesErrors(t *testing.T) {
	h := newHierarchy(t, "Bad")
	good := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.leaf.cert.Raw})
	for _, tc := range []struct {
		name string
		data []byte
		opts ReadOptions
		want string
	}{
		{"empty", nil, ReadOptions{}, "x: empty file"},
		{"blank", []byte(" \n\t\n"), ReadOptions{}, "x: empty file"},
		{"text", []byte("hello, this is a note\n"), ReadOptions{}, "x: not a certificate (text without a PEM block)"},
		{"binary", []byte{0x00, 0x01, 0xff, 0xfe, 0x10}, ReadOptions{}, "x: not a certificate (unrecognised binary data)"},
		{"truncated PEM", good[:len(good)/2], ReadOptions{}, "x: truncated or corrupt PEM block"},
		{"truncated second block", append(append([]byte(nil), good...), good[:100]...), ReadOptions{}, "x: truncated or corrupt PEM block after 1 good blocks"},
		{"key only", []byte("-----BEGIN PRIVATE KEY-----\nTUlJ\n-----END PRIVATE KEY-----\n"), ReadOptions{}, "x: PEM data holds no certificate"},
		{"bad cert in PEM", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x01}}), ReadOptions{},
			"x: PEM block 1: not a valid certificate: x509: malformed tbs certificate"},
		{"truncated DER", h.leaf.cert.Raw[:200], ReadOptions{}, fmt.Sprintf("x: truncated DER data (200 bytes, the encoding declares %d)", len(h.leaf.cert.Raw))},
		{"DER header only", []byte{0x30, 0x82, 0x05}, ReadOptions{}, "x: truncated DER data (3 bytes, the encoding declares 4)"},
		{"unknown DER", []byte{0x30, 0x03, 0x04, 0x01, 0x00}, ReadOptions{}, "x: not a certificate (DER data that is neither a certificate, PKCS#7 nor PKCS#12)"},
		{"too large", good, ReadOptions{MaxBytes: 100}, "x: file too large (over 100 bytes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadBytes("x", tc.data, tc.opts)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant %s", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
		})
	}
}

func TestReadFileAndDirectory(t *testing.T) {
	h := newHierarchy(t, "Dir")
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b-leaf.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.leaf.cert.Raw}))
	write("a-ca.cer", h.inter.cert.Raw)
	write(".hidden", []byte("not a certificate"))
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	ins, err := ReadFile(dir, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || ins[0].Source != filepath.Join(dir, "a-ca.cer") || ins[1].Source != filepath.Join(dir, "b-leaf.pem") {
		t.Errorf("inputs = %+v", ins)
	}

	write("c-notes.txt", []byte("notes"))
	_, err = ReadFile(dir, ReadOptions{})
	if want := filepath.Join(dir, "c-notes.txt") + ": not a certificate (text without a PEM block)"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}

	empty := t.TempDir()
	if _, err := ReadFile(empty, ReadOptions{}); err == nil || err.Error() != empty+": directory holds no certificate files" {
		t.Errorf("empty dir: %v", err)
	}
	missing := filepath.Join(dir, "missing.pem")
	if _, err := ReadFile(missing, ReadOptions{}); err == nil || err.Error() != missing+": no such file or directory" {
		t.Errorf("missing: %v", err)
	}
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, make([]byte, 2000), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(big, ReadOptions{MaxBytes: 1000}); err == nil || err.Error() != big+": too large (2000 bytes, the limit is 1000 bytes)" {
		t.Errorf("big: %v", err)
	}
}

func TestReadRealRootFiles(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("..", "testdata", "certs", "lpe"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".pem") {
			continue
		}
		c := realCert(t, "lpe/"+e.Name())
		if got := truststore.SHA1Hex(c) + ".pem"; got != e.Name() {
			t.Errorf("%s has thumbprint %s", e.Name(), got)
		}
	}
}

// A crafted iteration count would make key derivation run for hours: it is
// found by structure, wherever it is and whatever padding precedes it.
func TestReadPKCS12IterationBound(t *testing.T) {
	data, err := os.ReadFile(pfxPath("legacy-3des.pfx"))
	if err != nil {
		t.Fatal(err)
	}
	// The MAC's iteration count 2048 (INTEGER 0x0800) follows its salt at the end of the file.
	i := strings.LastIndex(string(data), "\x02\x02\x08\x00")
	if i < 0 {
		t.Fatal("test setup: iteration count not found")
	}
	ok := append([]byte(nil), data...)
	ok[i+2] = 0x7f // 0x7f00 = 32512: allowed
	if err := checkPFXIterations(ok); err != nil {
		t.Fatalf("32512 iterations refused: %v", err)
	}
	for _, tt := range []struct {
		name string
		der  []byte
		want string
	}{
		{"MAC behind 25,000 NULLs", hostiletest.PFXMACBehindPadding(25000), "PKCS#12 MAC iteration count 4611686018427387904 is above the limit of 1000000"},
		{"encrypted content", hostiletest.PFXEncryptedContentBomb(), "PKCS#12 encrypted content 1 iteration count 4611686018427387904 is above the limit of 1000000"},
		{"key bag", hostiletest.PFXKeyBagBomb(), "PKCS#12 key bag 1 iteration count 4611686018427387904 is above the limit of 1000000"},
	} {
		start := time.Now()
		_, err := ReadBytes("x.pfx", tt.der, ReadOptions{Password: fuzzPassword})
		if err == nil || err.Error() != "x.pfx: "+tt.want {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		var ie *IterationError
		if !errors.As(err, &ie) || ie.Iterations != hostiletest.HugeIterations {
			t.Errorf("%s: not an IterationError: %#v", tt.name, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %s", tt.name, d)
		}
	}
	if _, err := ReadFile(pfxPath("legacy-3des.pfx"), ReadOptions{Password: fuzzPassword}); err != nil {
		t.Errorf("real file refused: %v", err)
	}
}

// A key bag inside encrypted content shows its count only once decrypted:
// the content is decrypted and scanned before the decoder derives a key for
// any bag in it, whatever the cipher, the nesting and the password.
func TestReadPKCS12HiddenKeyBagBomb(t *testing.T) {
	const pw = "pässwörd"
	password := func(string) ([]byte, error) { return []byte(pw), nil }
	wrong := func(string) ([]byte, error) { return []byte("wrong"), nil }
	real := testPassword(t)
	realPassword := func(string) ([]byte, error) { return append([]byte(nil), real...), nil } // the reader clears it
	bomb := "iteration count 4611686018427387904 is above the limit of 1000000"
	for _, tt := range []struct {
		name string
		der  []byte
		opts ReadOptions
		want string
	}{
		{"PBES2, the empty password", hostiletest.PFXHiddenKeyBagBomb(), ReadOptions{},
			"PKCS#12 key bag 1 in encrypted content 1 " + bomb},
		{"PBES2, nested behind a sane bag", hostiletest.PFXNestedHiddenKeyBagBomb(pw), ReadOptions{Password: password},
			"PKCS#12 key bag 2 in encrypted content 1 " + bomb},
		{"PBES2, wrong password", hostiletest.PFXNestedHiddenKeyBagBomb(pw), ReadOptions{Password: wrong},
			ErrWrongPassword.Error()},
		{"PBES2, no password given", hostiletest.PFXNestedHiddenKeyBagBomb(pw), ReadOptions{},
			ErrPasswordRequired.Error()},
		{"3DES (OpenSSL file)", withBombInEncryptedContent(t, "legacy-3des.pfx"), ReadOptions{Password: realPassword},
			"PKCS#12 key bag 1 in encrypted content 1 " + bomb},
		{"RC2-40 (OpenSSL file)", withBombInEncryptedContent(t, "legacy-rc2.pfx"), ReadOptions{Password: realPassword},
			"PKCS#12 key bag 1 in encrypted content 1 " + bomb},
		{"RC2-128 (OpenSSL file)", withBombInEncryptedContent(t, "legacy-rc2-128.pfx"), ReadOptions{Password: realPassword},
			"PKCS#12 key bag 1 in encrypted content 1 " + bomb},
		{"AES-256 (OpenSSL file)", withBombInEncryptedContent(t, "aes256.pfx"), ReadOptions{Password: realPassword},
			"PKCS#12 key bag 1 in encrypted content 1 " + bomb},
		{"AES-128 (OpenSSL file)", withBombInEncryptedContent(t, "aes128.pfx"), ReadOptions{Password: realPassword},
			"PKCS#12 key bag 1 in encrypted content 1 " + bomb},
	} {
		start := time.Now()
		_, err := ReadBytes("x.pfx", tt.der, tt.opts)
		if err == nil || err.Error() != "x.pfx: "+tt.want {
			t.Errorf("%s: err = %v\nwant x.pfx: %s", tt.name, err, tt.want)
		}
		var ie *IterationError
		if errors.As(err, &ie) != strings.Contains(tt.want, bomb) {
			t.Errorf("%s: IterationError %v for %#v", tt.name, ie, err)
		}
		if ie != nil && (ie.Part != PFXKeyBag || ie.InContent != 1 || ie.Iterations != hostiletest.HugeIterations || ie.Limit != 1_000_000) {
			t.Errorf("%s: %+v", tt.name, *ie)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %s", tt.name, d)
		}
	}
}

// The limit inside encrypted content is the limit outside: 1,000,000 passes
// the scan, one more does not. More content infos than the decoder takes
// are refused before any is decrypted.
func TestCheckEncryptedBagsLimit(t *testing.T) {
	sequence := func(b ...byte) []byte {
		return mustMarshal(t, asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: b})
	}
	for _, tt := range []struct {
		iterations int64
		want       string
	}{
		{1_000_000, ""},
		{1_000_001, "PKCS#12 key bag 2 in encrypted content 1 iteration count 1000001 is above the limit of 1000000"},
	} {
		der := hostiletest.PFXWithEncryptedSafeContents("", 1, sequence(append(keyBag(t, 2048), keyBag(t, tt.iterations)...)...))
		if err := checkPFXIterations(der); err != nil {
			t.Fatal(err)
		}
		err := checkEncryptedBags(der, "")
		if got := fmt.Sprint(err); (tt.want == "" && err != nil) || (tt.want != "" && got != tt.want) {
			t.Errorf("%d iterations: %v, want %q", tt.iterations, err, tt.want)
		}
	}
	empty := mustMarshal(t, testContentInfo{oidPKCS7Data, explicit0(mustMarshal(t, sequence()))})
	authSafe := sequence(append(append(append([]byte(nil), empty...), empty...), empty...)...)
	der := mustMarshal(t, struct {
		Version  int
		AuthSafe testContentInfo
	}{3, testContentInfo{oidPKCS7Data, explicit0(mustMarshal(t, authSafe))}})
	_, err := ReadBytes("x.pfx", der, ReadOptions{})
	if want := "x.pfx: unsupported PKCS#12 encoding: 3 content infos in the authenticated safe (at most 2)"; fmt.Sprint(err) != want {
		t.Errorf("3 content infos: %v, want %s", err, want)
	}
}

// withBombInEncryptedContent is the OpenSSL test file name with a shrouded
// key bag asking for 2^62 iterations added to its encrypted content (the
// certificates), re-encrypted as it was. The MAC no longer matches: the bag
// must be refused before the MAC is even verified.
func withBombInEncryptedContent(t testing.TB, name string) []byte {
	t.Helper()
	der, err := os.ReadFile(pfxPath(name))
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := parsePFX(der)
	if err != nil {
		t.Fatal(err)
	}
	contents, err := authSafeContents(pfx)
	if err != nil {
		t.Fatal(err)
	}
	if !contents[0].ContentType.Equal(oidPKCS7EncryptedData) {
		t.Fatalf("%s: content 1 is not encrypted", name)
	}
	var ed pfxEncryptedData
	if err := unmarshalAll(contents[0].Content.Bytes, &ed); err != nil {
		t.Fatal(err)
	}
	pws, err := pfxPasswords(string(testPassword(t)))
	if err != nil {
		t.Fatal(err)
	}
	alg := ed.EncryptedContentInfo.ContentEncryptionAlgorithm
	plain, err := pfxDecrypt(alg, ed.EncryptedContentInfo.EncryptedContent, pws[0])
	if err != nil {
		t.Fatal(err)
	}
	var bags []asn1.RawValue
	if err := unmarshalAll(plain, &bags); err != nil {
		t.Fatal(err)
	}
	bags = append([]asn1.RawValue{{FullBytes: bombKeyBag(t)}}, bags...)
	plain = mustMarshal(t, bags)

	block, iv, err := pfxCipher(alg, pws[0])
	if err != nil {
		t.Fatal(err)
	}
	pad := block.BlockSize() - len(plain)%block.BlockSize()
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(plain, plain)
	ed.EncryptedContentInfo.EncryptedContent = plain
	encrypted := mustMarshal(t, testContentInfo{oidPKCS7EncryptedData, explicit0(mustMarshal(t, ed))})
	var rest []byte
	for _, ci := range contents[1:] {
		rest = append(rest, mustMarshal(t, testContentInfo{ci.ContentType, explicit0(ci.Content.Bytes)})...)
	}
	authSafe := mustMarshal(t, asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: append(encrypted, rest...)})
	return mustMarshal(t, struct {
		Version  int
		AuthSafe testContentInfo
		MacData  asn1.RawValue
	}{3, testContentInfo{oidPKCS7Data, explicit0(mustMarshal(t, authSafe))}, asn1.RawValue{FullBytes: mustMarshal(t, pfx.MacData)}})
}

// bombKeyBag is a shrouded key bag (pbeWithSHAAnd3-KeyTripleDES-CBC) asking
// for 2^62 iterations.
func bombKeyBag(t testing.TB) []byte { return keyBag(t, hostiletest.HugeIterations) }

// keyBag is a shrouded key bag (pbeWithSHAAnd3-KeyTripleDES-CBC) asking for
// iterations.
func keyBag(t testing.TB, iterations int64) []byte {
	params := mustMarshal(t, pfxPBEParams{Salt: []byte("saltsalt"), Iterations: iterations})
	key := mustMarshal(t, pfxEncryptedKey{Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidPBEWithSHAAnd3KeyTripleDESCBC,
		Parameters: asn1.RawValue{FullBytes: params}}, EncryptedData: make([]byte, 32)})
	return mustMarshal(t, pfxSafeBag{ID: oidShroudedKeyBag, Value: explicit0(key)})
}

// testContentInfo is a ContentInfo to marshal; Content is explicit0(…).
type testContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func explicit0(b []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: b}
}

func TestWindowsText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"UTF-16 LE with BOM", "\xff\xfes\x00e\x00c\x00r\x00\xe9\x00t\x00\r\x00\n\x00", "secrét\r\n"},
		{"UTF-16 BE with BOM", "\xfe\xff\x00o\x00k", "ok"},
		{"UTF-8 with BOM", "\xef\xbb\xbfpool01.contoso.com\n", "pool01.contoso.com\n"},
		{"plain", "pool01.contoso.com:5061", "pool01.contoso.com:5061"},
		{"odd trailing byte", "\xff\xfeo\x00k\x00!", "ok"},
	}
	for _, tt := range tests {
		if got := string(WindowsText([]byte(tt.in))); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
