package live

import (
	"encoding/pem"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"crypto/x509"
	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

// TestCrossAdvice: an endpoint whose chain ends at the public DigiCert
// Global Root G2 (judged by the real chain engine) gets the two DigiCert
// crosses, each with every store it rescues, and the hierarchies RTM
// phones trust instead.
func TestCrossAdvice(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "certs", "modern", "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	g2, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	cat := truststore.Default()
	r, err := chain.Evaluate(cat, chain.Input{Source: "g2", Certs: []*x509.Certificate{g2}}, chain.Options{At: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	eps := []Endpoint{{Address: netip.MustParseAddr("127.0.0.9"), Port: 443, Result: r}}
	advice := Advice(cat, eps, nil, "CU11", "", nil)
	for _, want := range []string{
		"Send DigiCert Global Root G2 (8BF7F178A745A11BAC6AE5B586FC1838EADCB2CF, issued by DigiCert Global Root CA) in the server's chain: CU11 would then trust it until 2031-11-09 (127.0.0.9:443).",
		"Send DigiCert Global Root G2 (B7402517EEAAC80AB04681186E8247BD7851CD0A, issued by DigiCert High Assurance EV Root CA) in the server's chain: CU10, CU11 would then trust it until 2031-11-08 (127.0.0.9:443).",
		"No certificate the server could send makes RTM trust this chain; CAs whose hierarchy RTM trusts without AD: Amazon Root CA 1 (8DA7F965EC5EFC37910F1C6E59FDC1CC6A6EDE16, until 2034-06-28); Go Daddy Root Certificate Authority - G2 (47BEABC922EAE80E78783462A79F45C254FDE68B, until 2031-05-30); Starfield Root Certificate Authority - G2 (B51C067CEE2B0C3DF855AB2D92F4FE39D4E70F0E, until 2031-05-30) (lpetrust cas --store RTM --reachable) (127.0.0.9:443).",
	} {
		if !slices.Contains(advice, want) {
			t.Errorf("advice %q\nlacks %q", advice, want)
		}
	}
}
