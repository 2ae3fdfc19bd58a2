//go:build windows

package adpublish

import (
	"errors"
	"fmt"
	"os/user"

	"github.com/alexbrainman/sspi"
	"github.com/alexbrainman/sspi/kerberos"
	"golang.org/x/sys/windows"
)

// kerbWrapNoEncrypt (SECQOP_WRAP_NO_ENCRYPT) makes EncryptMessage sign
// without encrypting: GSS_Wrap with conf_flag false.
const kerbWrapNoEncrypt = 0x80000001

// ErrIntegratedUnavailable: integrated sign-on needs Windows (SSPI).
var ErrIntegratedUnavailable = errors.New("Windows integrated sign-on works only on Windows")

// sspiClient binds as the logged-on user through SSPI's Kerberos package,
// with TLS channel bindings when there is TLS, and negotiates the SASL
// security layer like krb5Client.
type sspiClient struct {
	creds    *sspi.Credentials
	ctx      *kerberos.ClientContext
	bindings []byte // SEC_CHANNEL_BINDINGS, or nil without TLS
	overTLS  bool
	choice   saslChoice
}

func newIntegratedClient(bindings []byte, overTLS bool) (saslClient, string, error) {
	creds, err := kerberos.AcquireCurrentUserCredentials()
	if err != nil {
		return nil, "", fmt.Errorf("integrated sign-on: the logged-on user's Kerberos credentials: %w", err)
	}
	who := "the logged-on user"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	c := &sspiClient{creds: creds, overTLS: overTLS}
	if bindings != nil {
		c.bindings = sspiChannelBindings(bindings)
	}
	return c, who, nil
}

const sspiFlags = sspi.ISC_REQ_INTEGRITY | sspi.ISC_REQ_CONFIDENTIALITY | sspi.ISC_REQ_MUTUAL_AUTH

func (c *sspiClient) InitSecContext(target string, token []byte) ([]byte, bool, error) {
	return c.InitSecContextWithOptions(target, token, nil)
}

func (c *sspiClient) InitSecContextWithOptions(target string, token []byte, _ []int) ([]byte, bool, error) {
	if token == nil {
		var (
			ctx  *kerberos.ClientContext
			done bool
			out  []byte
			err  error
		)
		if c.bindings != nil {
			ctx, done, out, err = kerberos.NewClientContextWithChannelBindings(c.creds, target, sspiFlags, c.bindings)
		} else {
			ctx, done, out, err = kerberos.NewClientContextWithFlags(c.creds, target, sspiFlags)
		}
		if err != nil {
			return nil, false, fmt.Errorf("SSPI: %w", err)
		}
		c.ctx = ctx
		return out, !done, nil
	}
	done, out, err := c.ctx.Update(token)
	if err != nil {
		return nil, false, fmt.Errorf("SSPI: %w", err)
	}
	if done {
		if err := c.ctx.VerifyFlags(); err != nil {
			return nil, false, fmt.Errorf("SSPI: the context lacks integrity, confidentiality or mutual authentication: %w", err)
		}
	}
	return out, !done, nil
}

func (c *sspiClient) NegotiateSaslAuth(token []byte, authzid string) ([]byte, error) {
	_, offer, err := c.ctx.DecryptMessage(append([]byte(nil), token...), 0)
	if err != nil {
		return nil, fmt.Errorf("the server's SASL offer: %w", err)
	}
	if c.choice, err = chooseSASLLayer(offer, c.overTLS, false); err != nil {
		return nil, err
	}
	resp := append(saslResponse(c.choice), authzid...)
	return c.ctx.EncryptMessage(resp, kerbWrapNoEncrypt, 0)
}

// DeleteSecContext keeps the context: the security layer uses it.
func (c *sspiClient) DeleteSecContext() error { return nil }

func (c *sspiClient) layer() (securityLayer, int) {
	if c.ctx == nil || c.choice.layer == saslLayerNone || c.choice.layer == 0 {
		return nil, 0
	}
	return &sspiLayer{ctx: c.ctx, seal: c.choice.layer == saslLayerConfidentiality}, c.choice.serverMax
}

func (c *sspiClient) Close() error {
	if c.ctx != nil {
		_ = c.ctx.Release()
	}
	return c.creds.Release()
}

// sspiLayer wraps with SSPI's EncryptMessage (signing only, or sealing).
type sspiLayer struct {
	ctx  *kerberos.ClientContext
	seal bool
}

func (l *sspiLayer) name() string {
	if l.seal {
		return "sealed"
	}
	return "signed"
}

func (l *sspiLayer) overhead() int {
	_, sig, block, trailer, err := l.ctx.Sizes()
	if err != nil {
		return 256
	}
	return int(sig + block + trailer)
}

func (l *sspiLayer) wrap(p []byte) ([]byte, error) {
	var qop uint32 = kerbWrapNoEncrypt
	if l.seal {
		qop = 0
	}
	return l.ctx.EncryptMessage(append([]byte(nil), p...), qop, 0)
}

func (l *sspiLayer) unwrap(tok []byte) ([]byte, error) {
	qop, data, err := l.ctx.DecryptMessage(append([]byte(nil), tok...), 0)
	if err != nil {
		return nil, err
	}
	if l.seal && qop&kerbWrapNoEncrypt != 0 {
		return nil, errors.New("an unencrypted buffer on a sealed session")
	}
	return data, nil
}

// DefaultDomain is the DNS domain of the computer ("" when it is in none).
func DefaultDomain() string {
	var n uint32 = 256
	buf := make([]uint16, n)
	if err := windows.GetComputerNameEx(windows.ComputerNameDnsDomain, &buf[0], &n); err != nil {
		return ""
	}
	return windows.UTF16ToString(buf[:n])
}
