//go:build !windows

package adpublish

import "errors"

// ErrIntegratedUnavailable: integrated sign-on needs Windows (SSPI).
var ErrIntegratedUnavailable = errors.New("Windows integrated sign-on works only on Windows")

func newIntegratedClient(bindings []byte, overTLS bool) (saslClient, string, error) {
	return nil, "", ErrIntegratedUnavailable
}

// DefaultDomain is the machine's AD domain on Windows; "" elsewhere.
func DefaultDomain() string { return "" }
