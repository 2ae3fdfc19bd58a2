package livetest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"time"
)

// DelayedServerConfig is the benchmark rig's server: it waits delay after
// each ClientHello, then completes the handshake with an ECDSA certificate
// for modern clients or an RSA one for the phone probe's RSA key exchange
// (TLS 1.0 accepted). The rig's certificates are chosen to cost little CPU
// (P-256, RSA 1024) so that on a small machine the measurement is of the
// client's scheduling, not of the rig's private-key operations.
func DelayedServerConfig(name string, delay time.Duration) (*tls.Config, error) {
	certs, err := cheapCertificates(name)
	if err != nil {
		return nil, err
	}
	return delayedConfig(certs, delay), nil
}

// DelayedRSA2048ServerConfig is DelayedServerConfig with what a Lync Front
// End serves and the phones need: one RSA-2048 certificate for every
// handshake, so the rig's private-key operations cost what real ones do.
func DelayedRSA2048ServerConfig(name string, delay time.Duration) (*tls.Config, error) {
	ca, caKey, err := benchCA()
	if err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	cert, err := benchLeaf(name, 2, key, ca, caKey)
	if err != nil {
		return nil, err
	}
	return delayedConfig([]tls.Certificate{cert}, delay), nil
}

func delayedConfig(certs []tls.Certificate, delay time.Duration) *tls.Config {
	return &tls.Config{
		Certificates: certs,
		MinVersion:   tls.VersionTLS10,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
		},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			time.Sleep(delay)
			return nil, nil
		},
	}
}

// cheapCertificates issues an ECDSA and an RSA leaf for name from one
// throwaway CA.
func cheapCertificates(name string) ([]tls.Certificate, error) {
	ca, caKey, err := benchCA()
	if err != nil {
		return nil, err
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		return nil, err
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	var out []tls.Certificate
	for i, key := range []crypto.Signer{ecKey, rsaKey} {
		cert, err := benchLeaf(name, int64(i+2), key, ca, caKey)
		if err != nil {
			return nil, err
		}
		out = append(out, cert)
	}
	return out, nil
}

// benchCA is the rig's throwaway P-256 CA.
func benchCA() (*x509.Certificate, crypto.Signer, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lpetrust benchmark CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return ca, caKey, nil
}

// benchLeaf issues a server certificate for name under ca; the chain sent
// is the leaf and ca.
func benchLeaf(name string, serial int64, key crypto.Signer, ca *x509.Certificate, caKey crypto.Signer) (tls.Certificate, error) {
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, key.Public(), caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.Raw}, PrivateKey: key}, nil
}
