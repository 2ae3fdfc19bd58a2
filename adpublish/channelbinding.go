package adpublish

import (
	"crypto"
	"crypto/x509"
	"encoding/binary"
)

// saslClient is a GSSAPI client for go-ldap's bind that also reports the
// security layer it negotiated: lpetrust's Kerberos client, or SSPI on
// Windows.
type saslClient interface {
	InitSecContext(target string, token []byte) ([]byte, bool, error)
	InitSecContextWithOptions(target string, token []byte, options []int) ([]byte, bool, error)
	NegotiateSaslAuth(token []byte, authzid string) ([]byte, error)
	DeleteSecContext() error
	// layer is the negotiated layer and the server's largest buffer; nil
	// for none.
	layer() (securityLayer, int)
	Close() error
}

// tlsServerEndPoint is the TLS channel binding of RFC 5929 section 4
// ("tls-server-end-point"): the hash of the DC's certificate, with SHA-256
// for MD5 and SHA-1 signatures and the signature's own hash otherwise. AD
// checks it when LDAP channel binding is required.
func tlsServerEndPoint(cert *x509.Certificate) []byte {
	var h crypto.Hash
	switch cert.SignatureAlgorithm {
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h = crypto.SHA384
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h = crypto.SHA512
	default:
		h = crypto.SHA256
	}
	d := h.New()
	d.Write(cert.Raw)
	return append([]byte("tls-server-end-point:"), d.Sum(nil)...)
}

// sspiChannelBindings lays out a SEC_CHANNEL_BINDINGS structure, as SSPI
// takes channel bindings: eight 32-bit little-endian fields (only the
// application data's length and offset set) followed by the data.
func sspiChannelBindings(appData []byte) []byte {
	const header = 32
	b := make([]byte, header, header+len(appData))
	binary.LittleEndian.PutUint32(b[24:], uint32(len(appData)))
	binary.LittleEndian.PutUint32(b[28:], header)
	return append(b, appData...)
}
