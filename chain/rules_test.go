package chain

import (
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
)

// Tests of the CryptoAPI rules (constraints.go) and of the path search on
// hierarchies generated at test time.

func intp(i int) *int { return &i }

// verdictOf evaluates certs (leaf first) against a LAB store holding root.
func verdictOf(t *testing.T, root *ca, certs ...*ca) (*Result, *Verdict) {
	t.Helper()
	in := Input{Source: "rules"}
	for _, c := range certs {
		in.Certs = append(in.Certs, c.cert)
	}
	in.Leaf = certs[0].cert
	r := mustEvaluate(t, overlayCatalogue(t, root.cert), in, Options{At: at2027})
	return r, r.Verdict("LAB")
}

func wantCodes(t *testing.T, v *Verdict, trusted bool, codes ...ReasonKind) {
	t.Helper()
	if codes == nil {
		codes = []ReasonKind{}
	}
	if v.Trusted != trusted || !reflect.DeepEqual(v.ReasonCodes, codes) || len(v.Reasons) != len(v.ReasonCodes) {
		t.Errorf("verdict: trusted %v codes %v reasons %q; want trusted %v codes %v", v.Trusted, v.ReasonCodes, v.Reasons, trusted, codes)
	}
}

func leafSpec(key string) certSpec {
	return certSpec{cn: "pool.contoso.test", key: key, dns: []string{"pool.contoso.test"}}
}

func TestRuleCABit(t *testing.T) {
	root := gen(t, certSpec{cn: "CA Bit Root", isCA: true}, nil)
	for _, tc := range []struct {
		name    string
		spec    certSpec
		trusted bool
		codes   []ReasonKind
		reason  string
	}{
		{"cA=FALSE", certSpec{cn: "CA Bit False", caFalse: true}, false, []ReasonKind{ReasonNotACA}, "(basicConstraints cA=FALSE)"},
		{"v3 without basicConstraints", certSpec{cn: "CA Bit Missing", noBC: true}, false, []ReasonKind{ReasonNotACA}, "(a version 3 certificate without basicConstraints)"},
		{"cA=TRUE", certSpec{cn: "CA Bit True", isCA: true}, true, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inter := gen(t, tc.spec, root)
			leaf := gen(t, leafSpec("ca bit leaf"), inter)
			_, v := verdictOf(t, root, leaf, inter)
			wantCodes(t, v, tc.trusted, tc.codes...)
			if tc.reason != "" {
				want := "intermediate " + certID(inter.cert) + " is not a CA certificate " + tc.reason
				if len(v.Reasons) != 1 || v.Reasons[0] != want {
					t.Errorf("reasons %q, want %q", v.Reasons, want)
				}
			}
		})
	}
	// A version 1 intermediate (no extensions at all) may issue.
	key := testKey(t, "v1 intermediate").(*rsa.PrivateKey)
	v1 := editCert(t, gen(t, certSpec{cn: "CA Bit V1", key: "v1 intermediate", isCA: true}, root).cert, root.key.(*rsa.PrivateKey), crypto.SHA256, toV1)
	leaf := gen(t, leafSpec("v1 leaf"), &ca{cert: v1, key: key})
	if v1.Version != 1 {
		t.Fatalf("test setup: version %d", v1.Version)
	}
	_, v := verdictOf(t, root, leaf, &ca{cert: v1})
	wantCodes(t, v, true)
}

func TestRulePathLen(t *testing.T) {
	root := gen(t, certSpec{cn: "PathLen Root", isCA: true}, nil)
	top := gen(t, certSpec{cn: "PathLen Zero CA", isCA: true, pathLen: intp(0)}, root)
	below := gen(t, certSpec{cn: "PathLen Below CA", isCA: true}, top)
	leaf := gen(t, leafSpec("pathlen leaf"), below)
	_, v := verdictOf(t, root, leaf, below, top)
	wantCodes(t, v, false, ReasonPathLen)
	if want := "intermediate " + certID(top.cert) + " allows 0 intermediate(s) below it (pathLenConstraint), the path has 1"; len(v.Reasons) != 1 || v.Reasons[0] != want {
		t.Errorf("reasons %q, want %q", v.Reasons, want)
	}
	// A self-issued key rollover below a pathLen 0 CA does not count.
	rollover := gen(t, certSpec{cn: "PathLen Zero CA", key: "pathlen rollover", isCA: true}, top)
	leaf2 := gen(t, leafSpec("pathlen rollover leaf"), rollover)
	_, v = verdictOf(t, root, leaf2, rollover, top)
	wantCodes(t, v, true)
}

func TestRuleKeyUsage(t *testing.T) {
	root := gen(t, certSpec{cn: "KU Root", isCA: true}, nil)
	inter := gen(t, certSpec{cn: "KU CA", isCA: true, keyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign}, root)
	leaf := gen(t, leafSpec("ku leaf"), inter)
	_, v := verdictOf(t, root, leaf, inter)
	wantCodes(t, v, false, ReasonKeyUsage)
	if want := "intermediate " + certID(inter.cert) + " may not sign certificates (its key usage lacks keyCertSign)"; len(v.Reasons) != 1 || v.Reasons[0] != want {
		t.Errorf("reasons %q", v.Reasons)
	}
}

// oidCTPoison is the critical extension of a Certificate Transparency
// precertificate (RFC 6962 3.1).
var oidCTPoison = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 3}

func TestRuleUnknownCriticalExtension(t *testing.T) {
	root := gen(t, certSpec{cn: "Critical Root", isCA: true}, nil)
	poison := []pkix.Extension{{Id: oidCTPoison, Critical: true, Value: []byte{0x05, 0x00}}}
	inter := gen(t, certSpec{cn: "Critical CA", isCA: true}, root)
	pre := leafSpec("precert leaf")
	pre.extra = poison
	leaf := gen(t, pre, inter)
	_, v := verdictOf(t, root, leaf, inter)
	wantCodes(t, v, false, ReasonCriticalExtension)
	if want := "certificate " + certID(leaf.cert) + " has an unknown critical extension (1.3.6.1.4.1.11129.2.4.3)"; len(v.Reasons) != 1 || v.Reasons[0] != want {
		t.Errorf("reasons %q", v.Reasons)
	}
	// The same extension, not critical, is ignored; critical on an intermediate, it fails the path.
	poison[0].Critical = false
	pre.extra, pre.key = poison, "noncritical leaf"
	leaf = gen(t, pre, inter)
	_, v = verdictOf(t, root, leaf, inter)
	wantCodes(t, v, true)
	crit := gen(t, certSpec{cn: "Critical CA 2", isCA: true, extra: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{0x05, 0x00}}}}, root)
	leaf = gen(t, leafSpec("critical ca leaf"), crit)
	_, v = verdictOf(t, root, leaf, crit)
	wantCodes(t, v, false, ReasonCriticalExtension)
}

func TestRuleNameConstraints(t *testing.T) {
	root := gen(t, certSpec{cn: "NC Root", isCA: true}, nil)
	inter := gen(t, certSpec{cn: "NC CA", isCA: true, permitted: []string{"contoso.test"}}, root)
	good := gen(t, leafSpec("nc good leaf"), inter)
	_, v := verdictOf(t, root, good, inter)
	wantCodes(t, v, true)
	bad := gen(t, certSpec{cn: "pool.fabrikam.test", key: "nc bad leaf", dns: []string{"pool.fabrikam.test"}}, inter)
	_, v = verdictOf(t, root, bad, inter)
	wantCodes(t, v, false, ReasonNameConstraint)
	if want := "certificate " + certID(bad.cert) + ": DNS name pool.fabrikam.test is not permitted by the name constraints of " + certID(inter.cert); len(v.Reasons) != 1 || v.Reasons[0] != want {
		t.Errorf("reasons %q, want %q", v.Reasons, want)
	}
	// Constraints in the root apply too.
	ncRoot := gen(t, certSpec{cn: "NC Constrained Root", isCA: true, permitted: []string{"fabrikam.test"}}, nil)
	inter2 := gen(t, certSpec{cn: "NC CA 2", isCA: true}, ncRoot)
	leaf := gen(t, leafSpec("nc root leaf"), inter2)
	_, v = verdictOf(t, ncRoot, leaf, inter2)
	wantCodes(t, v, false, ReasonNameConstraint)
}

func TestRuleEKUIntersection(t *testing.T) {
	root := gen(t, certSpec{cn: "EKU Root", isCA: true}, nil)
	for _, tc := range []struct {
		name    string
		eku     []x509.ExtKeyUsage
		trusted bool
	}{
		{"client only", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, false},
		{"server and client", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, true},
		{"any", []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, true},
		{"Microsoft SGC", []x509.ExtKeyUsage{x509.ExtKeyUsageMicrosoftServerGatedCrypto}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inter := gen(t, certSpec{cn: "EKU CA " + tc.name, isCA: true, caEKU: tc.eku}, root)
			leaf := gen(t, leafSpec("eku leaf"), inter)
			_, v := verdictOf(t, root, leaf, inter)
			if tc.trusted {
				wantCodes(t, v, true)
			} else {
				wantCodes(t, v, false, ReasonEKU)
			}
		})
	}
}

func TestValidityReasonCodes(t *testing.T) {
	root := gen(t, certSpec{cn: "Codes Root", isCA: true}, nil)
	inter := gen(t, certSpec{cn: "Codes Old CA", isCA: true, notAfter: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}, root)
	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: "codes leaf", notBefore: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), dns: []string{"pool.contoso.test"}}, inter)
	_, v := verdictOf(t, root, leaf, inter)
	wantCodes(t, v, false, ReasonNotYetValid, ReasonExpired)
}

// A cA=FALSE copy of the issuing CA (same key and name) that expires later
// must not be the best path: valid_until is the CA copy's expiry.
func TestNonCACopyWithLaterExpiry(t *testing.T) {
	root := gen(t, certSpec{cn: "Copy Root", isCA: true}, nil)
	caCopy := gen(t, certSpec{cn: "Copy Issuing CA", key: "copy ca key", isCA: true, notAfter: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)}, root)
	nonCA := gen(t, certSpec{cn: "Copy Issuing CA", key: "copy ca key", caFalse: true, notAfter: time.Date(2039, 1, 1, 0, 0, 0, 0, time.UTC)}, root)
	leaf := gen(t, leafSpec("copy leaf"), caCopy)
	_, v := verdictOf(t, root, leaf, nonCA, caCopy)
	wantCodes(t, v, true)
	if v.ValidUntil == nil || !v.ValidUntil.Equal(caCopy.cert.NotAfter) {
		t.Errorf("valid_until %v, want %v", v.ValidUntil, caCopy.cert.NotAfter)
	}
	if want := []string{truststore.SHA1Hex(leaf.cert), truststore.SHA1Hex(caCopy.cert), truststore.SHA1Hex(root.cert)}; !reflect.DeepEqual(v.Path, want) {
		t.Errorf("path %v, want %v", v.Path, want)
	}
}

// A self-issued key rollover certificate (new key, signed by the old key
// under the same name) is an intermediate, not a root.
func TestSelfIssuedRolloverIsNotARoot(t *testing.T) {
	old := gen(t, certSpec{cn: "Rollover CA", key: "rollover old", isCA: true}, nil)
	newWithOld := gen(t, certSpec{cn: "Rollover CA", key: "rollover new", isCA: true}, old)
	leaf := gen(t, leafSpec("rollover leaf"), newWithOld)
	r, v := verdictOf(t, old, leaf, newWithOld)
	wantCodes(t, v, true)
	// The stores without the old root miss the old root, not the rollover.
	if len(r.MissingRoots) != 1 || r.MissingRoots[0].SHA1 != truststore.SHA1Hex(old.cert) {
		t.Errorf("missing roots %+v", r.MissingRoots)
	}
	// Without the old root anywhere, the rollover certificate is still not
	// named as a missing root: its issuer was not supplied.
	r = mustEvaluate(t, truststore.Default(), Input{Source: "r", Certs: []*x509.Certificate{leaf.cert, newWithOld.cert}}, Options{At: at2027})
	if len(r.MissingRoots) != 0 || !reflect.DeepEqual(r.Verdicts[0].ReasonCodes, []ReasonKind{ReasonMissingIssuer}) {
		t.Errorf("missing roots %+v, codes %v", r.MissingRoots, r.Verdicts[0].ReasonCodes)
	}
}

// A leaf whose subject equals its issuer's name is not a root either.
func TestLeafWithSubjectEqualToIssuer(t *testing.T) {
	root := gen(t, certSpec{cn: "Same Name Root", isCA: true}, nil)
	inter := gen(t, certSpec{cn: "Same Name CA", isCA: true}, root)
	name := inter.cert.Subject
	leaf := gen(t, certSpec{cn: "x", key: "same name leaf", subject: &name, dns: []string{"pool.contoso.test"}}, inter)
	r := mustEvaluate(t, overlayCatalogue(t, root.cert), Input{Source: "s", Certs: []*x509.Certificate{leaf.cert}}, Options{At: at2027})
	v := r.Verdict("LAB")
	wantCodes(t, v, false, ReasonMissingIssuer)
	if len(r.MissingRoots) != 0 {
		t.Errorf("a leaf is named as a missing root: %+v", r.MissingRoots)
	}
	r = mustEvaluate(t, overlayCatalogue(t, root.cert), Input{Source: "s", Certs: []*x509.Certificate{leaf.cert, inter.cert}}, Options{At: at2027})
	wantCodes(t, r.Verdict("LAB"), true)
}

// A certificate naming a supplied issuer whose key does not verify it.
func TestBadSignatureReason(t *testing.T) {
	root := gen(t, certSpec{cn: "Sig Root", isCA: true}, nil)
	inter := gen(t, certSpec{cn: "Sig CA", key: "sig real", isCA: true}, root)
	impostor := gen(t, certSpec{cn: "Sig CA", key: "sig impostor", isCA: true}, root)
	// The leaf claims the impostor's key id but is signed by the real CA.
	leaf := gen(t, leafSpec("sig leaf"), inter)
	forged := editCert(t, leaf.cert, inter.key.(*rsa.PrivateKey), crypto.SHA256, func(e [][]byte) [][]byte { return e })
	forged.Signature[0] ^= 0xff
	_, v := verdictOf(t, root, &ca{cert: reparse(t, forged)}, impostor, inter)
	wantCodes(t, v, false, ReasonBadSignature)
}

// reparse re-encodes a certificate whose Signature was altered.
func reparse(t *testing.T, c *x509.Certificate) *x509.Certificate {
	t.Helper()
	der, err := asn1.Marshal(struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
		Sig asn1.BitString
	}{asn1.RawValue{FullBytes: c.RawTBSCertificate}, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, Parameters: asn1.NullRawValue}, asn1.BitString{Bytes: c.Signature, BitLength: 8 * len(c.Signature)}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// MD5 signatures and RSA keys below 1024 bits: crypto/x509 refuses them,
// the phones accept them; lpetrust verifies them and labels the path.
func TestLegacySignaturesVerified(t *testing.T) {
	small := smallRSAKey(t, 1000)
	// A 1000-bit root (like the RTM root 4463C531) signing an MD5 CA.
	rootTmpl := gen(t, certSpec{cn: "Legacy 1000-bit Root", isCA: true}, nil)
	root := editCert(t, rootTmpl.cert, small, crypto.SHA256, withKey(small))
	inter := gen(t, certSpec{cn: "Legacy MD5 CA", isCA: true}, rootTmpl)
	// Re-sign the CA with the small key over MD5, and make its issuer the small root.
	md5CA := editCert(t, inter.cert, small, crypto.MD5, func(e [][]byte) [][]byte { return e })
	leaf := gen(t, leafSpec("legacy leaf"), inter)
	if md5CA.SignatureAlgorithm != x509.MD5WithRSA || md5CA.CheckSignatureFrom(root) == nil {
		t.Fatalf("test setup: %v", md5CA.SignatureAlgorithm)
	}
	r, v := verdictOf(t, &ca{cert: root}, leaf, &ca{cert: md5CA})
	wantCodes(t, v, true)
	var legacy []string
	for _, f := range r.Findings {
		if f.Code == CodeLegacySignature {
			legacy = append(legacy, f.Message)
		}
	}
	want := []string{certID(md5CA) + " is signed with MD5-RSA: Go's crypto/x509 refuses such signatures, lpetrust verified it with its own RSA code; 2010-era CryptoAPI on the phones accepts it, current Windows does not"}
	if !reflect.DeepEqual(legacy, want) {
		t.Errorf("legacy findings %q\nwant %q", legacy, want)
	}
	// The small key alone (SHA-256) is labelled with the key.
	sha256CA := editCert(t, inter.cert, small, crypto.SHA256, func(e [][]byte) [][]byte { return e })
	r, v = verdictOf(t, &ca{cert: root}, leaf, &ca{cert: sha256CA})
	wantCodes(t, v, true)
	if f := findingCodes(r)[CodeLegacySignature]; !strings.Contains(f.Message, "is signed by the RSA 1000 of "+certID(root)) {
		t.Errorf("finding %q", f.Message)
	}
}

// smallRSAKey makes an RSA key of the given size, below what crypto/rsa
// generates.
func smallRSAKey(t *testing.T, bits int) *rsa.PrivateKey {
	t.Helper()
	e := big.NewInt(65537)
	for {
		p, err := rand.Prime(rand.Reader, bits/2)
		if err != nil {
			t.Fatal(err)
		}
		q, err := rand.Prime(rand.Reader, bits-bits/2)
		if err != nil {
			t.Fatal(err)
		}
		n := new(big.Int).Mul(p, q)
		phi := new(big.Int).Mul(new(big.Int).Sub(p, big.NewInt(1)), new(big.Int).Sub(q, big.NewInt(1)))
		d := new(big.Int).ModInverse(e, phi)
		if d == nil || n.BitLen() != bits {
			continue
		}
		return &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: 65537}, D: d, Primes: []*big.Int{p, q}}
	}
}

// editCert rewrites a certificate's TBS (its elements, in order) and signs
// it with key over hash using PKCS#1 v1.5 computed here (any key size).
func editCert(t *testing.T, c *x509.Certificate, key *rsa.PrivateKey, hash crypto.Hash, edit func([][]byte) [][]byte) *x509.Certificate {
	t.Helper()
	out, err := x509.ParseCertificate(editDER(t, c, key, hash, edit))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// editDER is editCert without parsing the result.
func editDER(t *testing.T, c *x509.Certificate, key *rsa.PrivateKey, hash crypto.Hash, edit func([][]byte) [][]byte) []byte {
	t.Helper()
	var tbs asn1.RawValue
	if _, err := asn1.Unmarshal(c.RawTBSCertificate, &tbs); err != nil {
		t.Fatal(err)
	}
	var elems [][]byte
	for rest := tbs.Bytes; len(rest) > 0; {
		var v asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &v); err != nil {
			t.Fatal(err)
		}
		elems = append(elems, v.FullBytes)
	}
	alg := pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, Parameters: asn1.NullRawValue}
	if hash == crypto.MD5 {
		alg.Algorithm = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}
	}
	algDER, err := asn1.Marshal(alg)
	if err != nil {
		t.Fatal(err)
	}
	sigIndex := 1 // serial, then signature algorithm
	if elems[0][0] == 0xa0 {
		sigIndex = 2
	}
	elems[sigIndex] = algDER
	elems = edit(elems)
	newTBS, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: concat(elems)})
	if err != nil {
		t.Fatal(err)
	}
	var digest []byte
	if hash == crypto.MD5 {
		s := md5.Sum(newTBS)
		digest = s[:]
	} else {
		s := sha256.Sum256(newTBS)
		digest = s[:]
	}
	sig := signPKCS1v15(key, hash, digest)
	der, err := asn1.Marshal(struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
		Sig asn1.BitString
	}{asn1.RawValue{FullBytes: newTBS}, alg, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func concat(parts [][]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func signPKCS1v15(key *rsa.PrivateKey, hash crypto.Hash, digest []byte) []byte {
	k := (key.N.BitLen() + 7) / 8
	t := append(append([]byte(nil), digestInfoPrefix[hash]...), digest...)
	em := make([]byte, k)
	em[1] = 1
	for i := 2; i < k-len(t)-1; i++ {
		em[i] = 0xff
	}
	copy(em[k-len(t):], t)
	return new(big.Int).Exp(new(big.Int).SetBytes(em), key.D, key.N).FillBytes(make([]byte, k))
}

// toV1 drops the version and the extensions: a version 1 certificate.
func toV1(e [][]byte) [][]byte {
	var out [][]byte
	for _, b := range e {
		if b[0] == 0xa0 || b[0] == 0xa3 {
			continue
		}
		out = append(out, b)
	}
	return out
}

// withKey replaces the subject public key (the element after the subject).
func withKey(k *rsa.PrivateKey) func([][]byte) [][]byte {
	return func(e [][]byte) [][]byte {
		spki, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			panic(err)
		}
		i := 5 // serial, algorithm, issuer, validity, subject, key
		if e[0][0] == 0xa0 {
			i = 6
		}
		e[i] = spki
		return toV1(e) // no key identifiers left that name the old key
	}
}

// A certificate with a negative serial number (as the real EC-ACC root
// has) is read, and one crypto/x509 cannot parse is skipped with a warning
// naming it; an input of only unparsable certificates is an error.
func TestReadNegativeSerialAndSkipUnparsable(t *testing.T) {
	h := newHierarchy(t, "Read")
	key := h.root.key.(*rsa.PrivateKey)
	negative := editCert(t, h.inter.cert, key, crypto.SHA256, func(e [][]byte) [][]byte {
		i := 0
		if e[0][0] == 0xa0 {
			i = 1
		}
		e[i], _ = asn1.Marshal(big.NewInt(-12345))
		return e
	})
	if negative.SerialNumber.Sign() >= 0 {
		t.Fatal("test setup: serial not negative")
	}
	// A basicConstraints extension that is not DER: crypto/x509 refuses the certificate.
	brokenDER := editDER(t, h.inter.cert, key, crypto.SHA256, func(e [][]byte) [][]byte {
		last := e[len(e)-1]
		bc := []byte{0x06, 0x03, 0x55, 0x1d, 0x13}
		if i := strings.Index(string(last), string(bc)); i >= 0 {
			// Turn the cA BOOLEAN's value (after the critical flag) into a non-DER 0x01.
			rest := last[i+len(bc):]
			if j := strings.LastIndex(string(rest[:16]), "\x01\x01\xff"); j > 0 {
				rest[j+2] = 0x01
			}
		}
		return e
	})
	if _, err := x509.ParseCertificate(brokenDER); err == nil {
		t.Fatal("test setup: the broken certificate parses")
	}
	broken := &x509.Certificate{Raw: brokenDER}
	pemOf := func(cs ...*x509.Certificate) []byte {
		var out []byte
		for _, c := range cs {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
		return out
	}
	in, err := ReadBytes("bundle.pem", pemOf(h.leaf.cert, broken, negative), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Certs) != 2 || in.Certs[1].SerialNumber.Int64() != -12345 {
		t.Fatalf("read %d certificates", len(in.Certs))
	}
	wantWarn := "PEM block 2 (SHA-1 " + truststore.SHA1Hex(broken) + ", CN=Read Issuing CA,O=lpetrust tests) cannot be parsed and was skipped: "
	if len(in.Warnings) != 1 || !strings.HasPrefix(in.Warnings[0], wantWarn) {
		t.Errorf("warnings %q, want prefix %q", in.Warnings, wantWarn)
	}
	r := mustEvaluate(t, overlayCatalogue(t, h.root.cert), in, Options{At: at2027})
	if f := findingCodes(r)[CodeCertificateSkipped]; f.Message != in.Warnings[0] || f.Severity != SeverityWarning {
		t.Errorf("finding %+v", f)
	}
	// DER, concatenated: the same.
	in, err = ReadBytes("bundle.der", append(append([]byte(nil), broken.Raw...), negative.Raw...), ReadOptions{})
	if err != nil || len(in.Certs) != 1 || len(in.Warnings) != 1 || !strings.HasPrefix(in.Warnings[0], "DER certificate 1 (SHA-1 ") {
		t.Errorf("DER: %v %d %q", err, len(in.Certs), in.Warnings)
	}
	// Nothing parsable: an error naming the problem.
	if _, err := ReadBytes("only.pem", pemOf(broken), ReadOptions{}); err == nil || !strings.HasPrefix(err.Error(), "only.pem: PEM block 1: not a valid certificate: ") {
		t.Errorf("err = %v", err)
	}
}

// Every rule the engine applies names its source and basis.
func TestEveryRuleHasSourceAndBasis(t *testing.T) {
	want := []ReasonKind{ReasonExpired, ReasonNotYetValid, ReasonBadSignature, ReasonNotACA, ReasonPathLen, ReasonKeyUsage,
		ReasonCriticalExtension, ReasonNameConstraint, ReasonEKU}
	var got []ReasonKind
	for _, r := range rules {
		got = append(got, r.kind)
		if !strings.Contains(r.source, "[") || (r.basis != BasisFact && r.basis != BasisAssumption) {
			t.Errorf("rule %s: source %q, basis %q", r.kind, r.source, r.basis)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rules %v, want %v", got, want)
	}
}

// An MD2-signed self-issued root (Go has no MD2) is still a root when its
// signature opens under its own key; a rollover signed by another key is not.
func TestMD2RootIsSelfSigned(t *testing.T) {
	key := testKey(t, "md2 root").(*rsa.PrivateKey)
	base := gen(t, certSpec{cn: "MD2 Root", key: "md2 root", isCA: true}, nil)
	digest := make([]byte, 16) // any MD2 value: the hash is not compared
	der := editDER(t, base.cert, key, crypto.SHA256, func(e [][]byte) [][]byte {
		alg, _ := asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 2}, Parameters: asn1.NullRawValue})
		i := 1
		if e[0][0] == 0xa0 {
			i = 2
		}
		e[i] = alg
		return e
	})
	var outer struct {
		TBS asn1.RawValue
		Alg asn1.RawValue
		Sig asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &outer); err != nil {
		t.Fatal(err)
	}
	k := (key.N.BitLen() + 7) / 8
	em := make([]byte, k)
	em[1] = 1
	tb := append(append([]byte(nil), md2DigestInfoPrefix...), digest...)
	for i := 2; i < k-len(tb)-1; i++ {
		em[i] = 0xff
	}
	copy(em[k-len(tb):], tb)
	sig := new(big.Int).Exp(new(big.Int).SetBytes(em), key.D, key.N).FillBytes(make([]byte, k))
	md2Alg, _ := asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 2}, Parameters: asn1.NullRawValue})
	der, err := asn1.Marshal(struct {
		TBS asn1.RawValue
		Alg asn1.RawValue
		Sig asn1.BitString
	}{outer.TBS, asn1.RawValue{FullBytes: md2Alg}, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil || !signedWithMD2(c) {
		t.Fatalf("test setup: %v %v", err, c.SignatureAlgorithm)
	}
	if !newNode(c, OriginInput).selfSigned {
		t.Error("MD2 root not self-signed")
	}
	other := *c
	other.Signature = append([]byte(nil), c.Signature...)
	other.Signature[5] ^= 1
	if newNode(&other, OriginInput).selfSigned {
		t.Error("a corrupted MD2 signature passes")
	}
}

// README.md lists the rules with their sources and bases.
func TestRulesTableInREADME(t *testing.T) {
	var b strings.Builder
	b.WriteString("| reason code | rule source | basis |\n|---|---|---|\n")
	for _, r := range rules {
		b.WriteString("| `" + string(r.kind) + "` | " + r.source + " | " + r.basis + " |\n")
	}
	checkREADMESection(t, "rules", b.String())
}
