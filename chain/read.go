package chain

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lpetrust/lpetrust/truststore/inputfile"
	"github.com/smallstep/pkcs7"
	"software.sslmate.com/src/go-pkcs12"
)

// Errors a reader reports for PKCS#12 files, wrapped with the source name.
var (
	// ErrPasswordRequired: the PKCS#12 file is encrypted, the empty password
	// failed and no password source was given.
	ErrPasswordRequired = errors.New("PKCS#12 file is password-protected and no password was given")
	// ErrWrongPassword: neither the empty password nor the given one opens the file.
	ErrWrongPassword = errors.New("wrong PKCS#12 password")
)

// maxCertsPerFile bounds the certificates read from one file.
const maxCertsPerFile = 1000

// ReadFile reads the certificates of a file, or of every regular file of a
// directory (not recursing, skipping names starting with a dot), in name
// order. The format is detected by content. Errors name the file.
func ReadFile(path string, opts ReadOptions) ([]Input, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	if !fi.IsDir() {
		in, err := readOne(path, opts)
		if err != nil {
			return nil, err
		}
		return []Input{in}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.IsDir() {
			continue
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out []Input
	for _, n := range names {
		p := filepath.Join(path, n)
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, unwrapPathError(err))
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		in, err := readOne(p, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: directory holds no certificate files", path)
	}
	return out, nil
}

func readOne(path string, opts ReadOptions) (Input, error) {
	data, err := inputfile.Read(path, opts.maxBytes())
	if err != nil {
		return Input{}, fmt.Errorf("%s: %w", path, err)
	}
	return ReadBytes(path, data, opts)
}

func (o ReadOptions) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

// unwrapPathError drops the *os.PathError wrapper, whose message repeats the path.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ReadBytes reads the certificates of one file's content, detecting the
// format: PEM (any number of blocks of certificates or PKCS#7, text between
// blocks allowed, private keys ignored), DER certificate(s), DER PKCS#7,
// base64 without PEM armour, or PKCS#12 (the empty password first, then
// opts.Password); text may be UTF-8 or UTF-16 with a byte order mark.
// Errors are one line, start with source and say what is wrong.
func ReadBytes(source string, data []byte, opts ReadOptions) (Input, error) {
	if int64(len(data)) > opts.maxBytes() {
		return Input{}, fmt.Errorf("%s: file too large (over %d bytes)", source, opts.maxBytes())
	}
	in, err := readBytes(source, data, opts, 0)
	if err != nil {
		return Input{}, fmt.Errorf("%s: %w", source, err)
	}
	in.Source = source
	if len(in.Certs) == 0 {
		return Input{}, fmt.Errorf("%s: no certificate found", source)
	}
	return in, nil
}

func readBytes(source string, data []byte, opts ReadOptions, depth int) (Input, error) {
	// Windows PowerShell 5 writes text files as UTF-16 with a byte order mark.
	if text, ok := fromUTF16(data); ok {
		data = text
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return Input{}, errors.New("empty file")
	}
	if bytes.Contains(data, []byte("-----BEGIN")) {
		return readPEM(data)
	}
	if data[0] == 0x30 { // ASN.1 SEQUENCE: DER of some kind
		return readDER(source, data, opts)
	}
	if depth == 0 && looksBase64(trimmed) {
		raw, err := base64.StdEncoding.DecodeString(string(stripSpace(trimmed)))
		if err == nil && len(raw) > 0 && raw[0] == 0x30 {
			return readBytes(source, raw, opts, depth+1)
		}
	}
	if isText(data) {
		return Input{}, errors.New("not a certificate (text without a PEM block)")
	}
	return Input{}, errors.New("not a certificate (unrecognised binary data)")
}

func readPEM(data []byte) (Input, error) {
	var in Input
	rest := data
	blocks := 0
	var firstErr error // of the first unparsable certificate
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		blocks++
		switch block.Type {
		case "CERTIFICATE", "X509 CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("PEM block %d: not a valid certificate: %v", blocks, err)
				}
				in.Warnings = append(in.Warnings, skippedWarning(fmt.Sprintf("PEM block %d", blocks), block.Bytes, err))
				continue
			}
			in.Certs = append(in.Certs, c)
		case "TRUSTED CERTIFICATE":
			// OpenSSL's form: the certificate followed by trust settings.
			var raw asn1.RawValue
			if _, err := asn1.Unmarshal(block.Bytes, &raw); err != nil {
				return Input{}, fmt.Errorf("PEM block %d: not a valid certificate: %v", blocks, err)
			}
			c, err := x509.ParseCertificate(raw.FullBytes)
			if err != nil {
				return Input{}, fmt.Errorf("PEM block %d: not a valid certificate: %v", blocks, err)
			}
			in.Certs = append(in.Certs, c)
		case "PKCS7", "CMS":
			certs, err := parsePKCS7(block.Bytes)
			if err != nil {
				return Input{}, fmt.Errorf("PEM block %d: %w", blocks, err)
			}
			in.Certs = append(in.Certs, certs...)
		default:
			// Keys, CSRs, CRLs and parameters travel with certificates; they are not judged.
		}
		if len(in.Certs) > maxCertsPerFile {
			return Input{}, fmt.Errorf("more than %d certificates", maxCertsPerFile)
		}
	}
	if bytes.Contains(rest, []byte("-----BEGIN")) {
		if blocks == 0 {
			return Input{}, errors.New("truncated or corrupt PEM block")
		}
		return Input{}, fmt.Errorf("truncated or corrupt PEM block after %d good blocks", blocks)
	}
	if len(in.Certs) == 0 {
		if firstErr != nil {
			return Input{}, firstErr
		}
		return Input{}, errors.New("PEM data holds no certificate")
	}
	return in, nil
}

// skippedWarning names a certificate crypto/x509 cannot parse, by its
// SHA-1 and, when its DER allows, its subject.
func skippedWarning(where string, der []byte, err error) string {
	sum := sha1.Sum(der)
	id := "SHA-1 " + strings.ToUpper(hex.EncodeToString(sum[:]))
	if subj := lenientSubject(der); subj != "" {
		id += ", " + subj
	}
	return fmt.Sprintf("%s (%s) cannot be parsed and was skipped: %s", where, id, strings.TrimPrefix(err.Error(), "x509: "))
}

// lenientSubject returns the subject of a certificate's DER without
// validating the rest, or "".
func lenientSubject(der []byte) string {
	var cert struct {
		TBS asn1.RawValue
	}
	if _, err := asn1.Unmarshal(der, &cert); err != nil {
		return ""
	}
	rest := cert.TBS.Bytes
	var fields []asn1.RawValue
	for len(rest) > 0 && len(fields) < 6 {
		var f asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			return ""
		}
		fields = append(fields, f)
	}
	// [0] version (optional), serial, signature, issuer, validity, subject
	if len(fields) > 0 && fields[0].Class == asn1.ClassContextSpecific {
		fields = fields[1:]
	}
	if len(fields) < 5 {
		return ""
	}
	var rdns pkix.RDNSequence
	if _, err := asn1.Unmarshal(fields[4].FullBytes, &rdns); err != nil {
		return ""
	}
	var name pkix.Name
	name.FillFromRDNSequence(&rdns)
	return name.String()
}

// parseDERCertificates parses concatenated DER certificates, skipping (with
// a warning) those crypto/x509 refuses; the error is the first refusal when
// none parses.
func parseDERCertificates(data []byte) (Input, error) {
	var in Input
	var firstErr error
	for i := 1; len(data) > 0; i++ {
		var raw asn1.RawValue
		rest, err := asn1.Unmarshal(data, &raw)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			break
		}
		data = rest
		c, err := x509.ParseCertificate(raw.FullBytes)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			in.Warnings = append(in.Warnings, skippedWarning(fmt.Sprintf("DER certificate %d", i), raw.FullBytes, err))
			continue
		}
		in.Certs = append(in.Certs, c)
		if len(in.Certs) > maxCertsPerFile {
			return Input{}, fmt.Errorf("more than %d certificates", maxCertsPerFile)
		}
	}
	if len(in.Certs) == 0 {
		return Input{}, fmt.Errorf("not a valid DER certificate: %v", firstErr)
	}
	return in, nil
}

// derKind sniffs the first element inside a DER SEQUENCE: a certificate
// starts with another SEQUENCE (tbsCertificate), PKCS#7 ContentInfo with an
// OID, a PKCS#12 PFX with the INTEGER version 3.
func derKind(data []byte) string {
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(data, &outer); err != nil {
		// pkcs7 accepts BER (indefinite lengths) that encoding/asn1 refuses.
		if len(data) > 2 && data[1] == 0x80 {
			return "pkcs7"
		}
		return ""
	}
	if !outer.IsCompound || len(outer.Bytes) == 0 {
		return ""
	}
	switch outer.Bytes[0] {
	case 0x30:
		return "cert"
	case 0x06:
		return "pkcs7"
	case 0x02:
		return "pkcs12"
	}
	return ""
}

func readDER(source string, data []byte, opts ReadOptions) (Input, error) {
	switch derKind(data) {
	case "cert":
		return parseDERCertificates(data)
	case "pkcs7":
		certs, err := parsePKCS7(data)
		if err != nil {
			return Input{}, err
		}
		return Input{Certs: certs}, nil
	case "pkcs12":
		return readPKCS12(source, data, opts)
	}
	if declared, ok := derDeclaredLength(data); ok && declared > len(data) {
		return Input{}, fmt.Errorf("truncated DER data (%d bytes, the encoding declares %d)", len(data), declared)
	}
	return Input{}, errors.New("not a certificate (DER data that is neither a certificate, PKCS#7 nor PKCS#12)")
}

// derDeclaredLength returns the total length (header and content) the
// outermost DER element declares, so that a cut-off file is called
// truncated rather than unrecognised.
func derDeclaredLength(data []byte) (int, bool) {
	if len(data) < 2 {
		return 0, len(data) == 1
	}
	l := int(data[1])
	if l < 0x80 {
		return 2 + l, true
	}
	n := l & 0x7f
	if n == 0 || n > 4 { // indefinite (BER) or absurd lengths
		return 0, false
	}
	if len(data) < 2+n {
		return 2 + n, true
	}
	length := 0
	for _, b := range data[2 : 2+n] {
		length = length<<8 | int(b)
	}
	return 2 + n + length, true
}

func parsePKCS7(der []byte) (certs []*x509.Certificate, err error) {
	defer func() {
		// The PKCS#7 library is not hardened against every malformed input.
		if r := recover(); r != nil {
			certs, err = nil, errors.New("corrupt PKCS#7 data")
		}
	}()
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("not a valid PKCS#7 file: %v", err)
	}
	if len(p7.Certificates) == 0 {
		return nil, errors.New("PKCS#7 file holds no certificate")
	}
	if len(p7.Certificates) > maxCertsPerFile {
		return nil, fmt.Errorf("more than %d certificates", maxCertsPerFile)
	}
	return p7.Certificates, nil
}

func readPKCS12(source string, data []byte, opts ReadOptions) (Input, error) {
	if err := checkPFXIterations(data); err != nil {
		return Input{}, err
	}
	in, err := openPKCS12(data, "")
	if err == nil {
		return in, nil
	}
	if !isPasswordError(err) {
		return Input{}, err
	}
	if opts.Password == nil {
		return Input{}, ErrPasswordRequired
	}
	pw, perr := opts.Password(source)
	if perr != nil {
		return Input{}, fmt.Errorf("reading the PKCS#12 password: %w", perr)
	}
	in, err = openPKCS12(data, string(pw))
	clear(pw)
	if err != nil {
		if isPasswordError(err) {
			return Input{}, ErrWrongPassword
		}
		return Input{}, err
	}
	return in, nil
}

// openPKCS12 decodes a PKCS#12 file checkPFXIterations passed, once the
// bags inside its encrypted content, decrypted with password, pass too: the
// decoder never derives a key with an unchecked iteration count.
func openPKCS12(data []byte, password string) (Input, error) {
	if err := checkEncryptedBags(data, password); err != nil {
		return Input{}, err
	}
	return decodePKCS12(data, password)
}

func isPasswordError(err error) bool {
	return errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption)
}

func decodePKCS12(data []byte, password string) (in Input, err error) {
	defer func() {
		if r := recover(); r != nil {
			in, err = Input{}, errors.New("corrupt PKCS#12 data")
		}
	}()
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if isPasswordError(err) {
			return Input{}, err
		}
		// A certificates-only file (Java trust store form) has no key.
		if certs, terr := pkcs12.DecodeTrustStore(data, password); terr == nil && len(certs) > 0 {
			return Input{Certs: certs}, nil
		}
		var nie pkcs12.NotImplementedError
		if errors.As(err, &nie) {
			return Input{}, fmt.Errorf("unsupported PKCS#12 encoding: %v", strings.TrimPrefix(err.Error(), "pkcs12: "))
		}
		return Input{}, fmt.Errorf("not a valid PKCS#12 file: %v", strings.TrimPrefix(err.Error(), "pkcs12: "))
	}
	all := append([]*x509.Certificate{leaf}, cas...)
	// The first certificate bag is not necessarily the key's certificate.
	if pub, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		for _, c := range all {
			if k, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); ok && k.Equal(pub.Public()) {
				leaf = c
				break
			}
		}
	}
	return Input{Certs: all, Leaf: leaf}, nil
}

func looksBase64(b []byte) bool {
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '+', c == '/', c == '=', c == '\n', c == '\r', c == ' ', c == '\t':
		default:
			return false
		}
	}
	return true
}

func stripSpace(b []byte) []byte {
	return bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, b)
}

func isText(b []byte) bool {
	if len(b) > 512 {
		b = b[:512]
	}
	for _, c := range b {
		if c < 0x09 || (c > 0x0d && c < 0x20) {
			return false
		}
	}
	return true
}

// fromUTF16 converts UTF-16 text with a byte order mark to UTF-8.
func fromUTF16(b []byte) ([]byte, bool) {
	if len(b) < 2 || len(b)%2 != 0 || !(b[0] == 0xff && b[1] == 0xfe || b[0] == 0xfe && b[1] == 0xff) {
		return nil, false
	}
	return WindowsText(b), true
}

// WindowsText is inputfile.WindowsText, kept for callers of this package.
func WindowsText(b []byte) []byte { return inputfile.WindowsText(b) }
