package adpublish

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// SASL GSSAPI security layers (RFC 4752 section 3.3), as a bit mask.
const (
	saslLayerNone            = 0x01
	saslLayerIntegrity       = 0x02
	saslLayerConfidentiality = 0x04
)

// saslChoice is the outcome of the last step of a SASL GSSAPI bind.
type saslChoice struct {
	layer     byte // one of the saslLayer constants
	serverMax int  // largest buffer the server accepts; 0 without a layer
}

// chooseSASLLayer reads the server's offer (the unwrapped 4 octets of its
// last token: a mask of layers and its largest buffer) and picks a layer.
// Over TLS no layer is needed (AD refuses one inside TLS); over cleartext a
// bind without one would leave every later message unprotected, so it is
// refused, and confidentiality is preferred to integrity (signOnly, for
// tests, takes integrity when offered).
func chooseSASLLayer(offer []byte, overTLS, signOnly bool) (saslChoice, error) {
	if len(offer) != 4 {
		return saslChoice{}, fmt.Errorf("the server's SASL offer is %d bytes, not 4", len(offer))
	}
	mask := offer[0]
	max := int(binary.BigEndian.Uint32(offer) & 0xffffff)
	switch {
	case overTLS && mask&saslLayerNone != 0:
		return saslChoice{layer: saslLayerNone}, nil
	case mask&saslLayerConfidentiality != 0 && !signOnly:
		return saslChoice{layer: saslLayerConfidentiality, serverMax: max}, nil
	case mask&saslLayerIntegrity != 0:
		return saslChoice{layer: saslLayerIntegrity, serverMax: max}, nil
	case overTLS:
		return saslChoice{}, fmt.Errorf("the server offers no usable SASL security layer (mask %#x)", mask)
	}
	return saslChoice{}, errors.New("the server offers no SASL signing or sealing, and without it the connection would be unprotected")
}

// saslResponse is the client's answer, before it is wrapped: the chosen
// layer, the largest buffer the client accepts (0 without a layer), and the
// authorization identity (empty: act as the authenticated user).
func saslResponse(c saslChoice) []byte {
	b := make([]byte, 4)
	if c.layer != saslLayerNone {
		binary.BigEndian.PutUint32(b, maxReceiveBuffer)
	}
	b[0] = c.layer
	return b
}
