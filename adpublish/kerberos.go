package adpublish

import (
	"context"
	"crypto/md5" //nolint:gosec // RFC 4121 fixes MD5 for the channel-binding hash
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/lpetrust/lpetrust/truststore/inputfile"
)

// Kerberos says where the credentials of a GSSAPI bind come from: a
// password, a keytab, or a credential cache (kinit's).
type Kerberos struct {
	// Krb5Conf is the krb5.conf path; "" means $KRB5_CONFIG or
	// /etc/krb5.conf, and none at all when that file does not exist.
	Krb5Conf string
	// CCache is the credential cache path; "" means $KRB5CCNAME or
	// /tmp/krb5cc_<uid>. Used when neither Password nor Keytab is set.
	CCache string
	// Keytab and Principal (user or user@REALM) log in without a cache.
	Keytab    string
	Principal string
	// Password logs in as Principal. It is never put in an error or a log.
	Password string
	// SPN is the DC's service principal; "" means ldap/<server host>.
	SPN string

	files *kerberosFiles // set by Load
}

var krb5Section = regexp.MustCompile(`(?m)^\s*\[(libdefaults|realms)\]`)

// kerberosFiles are the parsed files of a Kerberos bind.
type kerberosFiles struct {
	conf   *config.Config
	keytab *keytab.Keytab
	ccache *credentials.CCache
	noConf bool // no krb5.conf at the default place: defaults
}

// KerberosFile names one of the files of a Kerberos bind.
type KerberosFile string

// The files of a Kerberos bind.
const (
	FileKrb5Conf KerberosFile = "Kerberos configuration"
	FileKeytab   KerberosFile = "keytab"
	FileCCache   KerberosFile = "credential cache"
)

// FileError is a Kerberos file that cannot be read or holds bad data: bad
// input, found before any connection.
type FileError struct {
	File KerberosFile
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("%s %s: %v", e.File, e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// Load reads and parses the files of the bind (krb5.conf, and the keytab or
// the credential cache; a password logon reads no credential file), each bounded to inputfile.MaxKerberos and refused
// unless a regular file; the files named explicitly are read before the
// defaults, so that an error is about what the caller gave. Errors are
// *FileError. Bind calls it when the caller did not.
func (k *Kerberos) Load() error {
	if k.files != nil {
		return nil
	}
	f := &kerberosFiles{}
	type step struct {
		file     KerberosFile
		path     string
		explicit bool
		parse    func([]byte) error
	}
	var steps []step
	if _, err := os.Stat(k.krb5Conf()); k.Krb5Conf == "" && errors.Is(err, os.ErrNotExist) {
		// No krb5.conf at the default place: defaults, as MIT Kerberos
		// skips missing configuration files; the realm then comes from the
		// principal and its KDCs from DNS.
		f.conf, f.noConf = config.New(), true
	} else {
		steps = append(steps, step{FileKrb5Conf, k.krb5Conf(), k.Krb5Conf != "", func(b []byte) (err error) {
			// The parser accepts any text; a configuration has sections.
			if !krb5Section.Match(b) {
				return errors.New("no [libdefaults] or [realms] section")
			}
			f.conf, err = config.NewFromString(string(b))
			return err
		}})
	}
	switch {
	case k.Principal != "" && k.Keytab == "":
		// A password logon reads no credential file.
	case k.Keytab != "":
		steps = append(steps, step{FileKeytab, k.Keytab, true, func(b []byte) error {
			f.keytab = keytab.New()
			return f.keytab.Unmarshal(b)
		}})
	default:
		steps = append(steps, step{FileCCache, k.ccache(), k.CCache != "", func(b []byte) error {
			f.ccache = new(credentials.CCache)
			return f.ccache.Unmarshal(b)
		}})
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].explicit && !steps[j].explicit })
	for _, s := range steps {
		if err := loadKerberosFile(s.file, s.path, s.parse); err != nil {
			return err
		}
	}
	k.files = f
	return nil
}

// loadKerberosFile reads path and parses it; the parsers of gokrb5 are not
// hardened against every malformed input, so a panic is bad data too.
func loadKerberosFile(file KerberosFile, path string, parse func([]byte) error) (err error) {
	data, err := inputfile.Read(path, inputfile.MaxKerberos)
	if err != nil {
		return &FileError{File: file, Path: path, Err: err}
	}
	if len(data) == 0 && file != FileKrb5Conf {
		return &FileError{File: file, Path: path, Err: errors.New("empty file")}
	}
	defer func() {
		if r := recover(); r != nil {
			err = &FileError{File: file, Path: path, Err: fmt.Errorf("not a valid %s", file)}
		}
	}()
	if err := parse(data); err != nil {
		return &FileError{File: file, Path: path, Err: fmt.Errorf("not a valid %s: %v", file, err)}
	}
	return nil
}

func (k *Kerberos) krb5Conf() string {
	if k.Krb5Conf != "" {
		return k.Krb5Conf
	}
	if v := os.Getenv("KRB5_CONFIG"); v != "" {
		return strings.SplitN(v, ":", 2)[0]
	}
	return "/etc/krb5.conf"
}

func (k *Kerberos) ccache() string {
	if k.CCache != "" {
		return strings.TrimPrefix(k.CCache, "FILE:")
	}
	if v := os.Getenv("KRB5CCNAME"); v != "" {
		return strings.TrimPrefix(v, "FILE:")
	}
	return fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid())
}

// login gets a Kerberos client for the configured credentials, finding the
// realm's KDCs in DNS (_kerberos._tcp.REALM) when krb5.conf names none.
func (k *Kerberos) login(ctx context.Context, r *resolver) (*client.Client, string, error) {
	if err := k.Load(); err != nil {
		return nil, "", err
	}
	cfg := k.files.conf
	confName := k.krb5Conf()
	if k.files.noConf {
		confName = "no krb5.conf"
	}
	quiet := client.DisablePAFXFAST(true)
	if cc := k.files.ccache; cc != nil {
		realm := cc.GetClientRealm()
		if err := findKDCs(ctx, r, cfg, realm, confName); err != nil {
			return nil, "", err
		}
		cl, err := client.NewFromCCache(cc, cfg, quiet)
		if err != nil {
			return nil, "", fmt.Errorf("kerberos: credential cache %s: %w", k.ccache(), err)
		}
		return cl, cc.GetClientPrincipalName().PrincipalNameString() + "@" + realm, nil
	}
	if k.Principal == "" {
		return nil, "", errors.New("kerberos: a keytab or a password needs a principal (user@REALM)")
	}
	user, realm, _ := strings.Cut(k.Principal, "@")
	if realm == "" {
		// A bare user name is in the default realm, as kinit takes it.
		if realm = cfg.LibDefaults.DefaultRealm; realm == "" {
			return nil, "", fmt.Errorf("kerberos: principal %s has no realm and %s sets no default_realm: give user@REALM", k.Principal, confName)
		}
	}
	// AD realms are the upper-case DNS domain; admin@contoso.com means CONTOSO.COM.
	realm = strings.ToUpper(realm)
	who := user + "@" + realm
	if err := findKDCs(ctx, r, cfg, realm, confName); err != nil {
		return nil, "", err
	}
	var cl *client.Client
	if kt := k.files.keytab; kt != nil {
		cl = client.NewWithKeytab(user, realm, kt, cfg, quiet)
	} else {
		cl = client.NewWithPassword(user, realm, k.Password, cfg, quiet)
	}
	if err := bounded(ctx, cl.Login); err != nil {
		return nil, "", kerberosLoginError(who, err)
	}
	return cl, who, nil
}

// findKDCs fills in the realm's KDCs from DNS when the configuration has
// none, so that the lookup honours the timeout and the chosen DNS server.
func findKDCs(ctx context.Context, r *resolver, cfg *config.Config, realm, confName string) error {
	if cfg.LibDefaults.DefaultRealm == "" {
		cfg.LibDefaults.DefaultRealm = realm
	}
	for _, rc := range cfg.Realms {
		if strings.EqualFold(rc.Realm, realm) && len(rc.KDC) > 0 {
			return nil
		}
	}
	targets, err := r.lookupSRV(ctx, "kerberos", "tcp", realm)
	if err != nil {
		return fmt.Errorf("kerberos: no KDC for realm %s: %s lists none, and %w", realm, confName, err)
	}
	var kdcs []string
	for _, t := range targets {
		// gokrb5 resolves KDC names itself, with the system resolver: give
		// it addresses found through ours.
		addrs, err := r.lookupHost(ctx, t.host)
		if err != nil || len(addrs) == 0 {
			continue
		}
		kdcs = append(kdcs, net.JoinHostPort(addrs[0], strconv.Itoa(int(t.port))))
	}
	if len(kdcs) == 0 {
		return fmt.Errorf("kerberos: no KDC for realm %s: the names in _kerberos._tcp.%s do not resolve", realm, realm)
	}
	cfg.Realms = append(cfg.Realms, config.Realm{Realm: realm, KDC: kdcs, DefaultDomain: strings.ToLower(realm)})
	cfg.LibDefaults.UDPPreferenceLimit = 1 // the records are for TCP
	return nil
}

// bounded runs f, giving up when ctx ends (f's own network timeouts end it
// soon after).
func bounded(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// kdcErrorCode finds the KDC's error code in a gokrb5 error, which carries
// it only in its text ("KRB Error: (24) KDC_ERR_PREAUTH_FAILED ...").
var kdcErrorCode = regexp.MustCompile(`KRB Error: \((\d+)\) `)

func kerberosLoginError(who string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("kerberos: log in as %s: no answer from the KDC in time", who)
	}
	if m := kdcErrorCode.FindStringSubmatch(err.Error()); m != nil {
		code, _ := strconv.Atoi(m[1])
		if reason := kdcRefusal(code); reason != RefusalUnknown {
			return &BindError{User: who, Refusal: reason, Kerberos: true}
		}
	}
	return fmt.Errorf("kerberos: log in as %s: %s", who, oneLineText(err.Error()))
}

func serviceTicketError(spn, who string, err error) error {
	if m := kdcErrorCode.FindStringSubmatch(err.Error()); m != nil && m[1] == "7" { // KDC_ERR_S_PRINCIPAL_UNKNOWN
		return fmt.Errorf("kerberos: no ticket for service %s as %s: the KDC has no such service principal (name the DC by its DNS name, or give its SPN)", spn, who)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("kerberos: no ticket for service %s as %s: no answer from the KDC in time", spn, who)
	}
	return fmt.Errorf("kerberos: no ticket for service %s as %s: %s", spn, who, oneLineText(err.Error()))
}

// krb5Client is the initiator side of a Kerberos GSSAPI bind (RFC 4752)
// that negotiates a security layer: go-ldap's own client never does.
type krb5Client struct {
	cl       *client.Client
	overTLS  bool
	signOnly bool // negotiate integrity, not confidentiality (tests)
	// bindings is the TLS channel binding data (RFC 5929), or nil.
	bindings []byte

	sessionKey types.EncryptionKey
	auth       types.Authenticator
	wrap       *krb5Wrap
	choice     saslChoice
}

// GSS-API context flags asked for in the authenticator checksum (RFC 4121
// section 4.1.1.1).
var krb5ContextFlags = uint32(gssapi.ContextFlagMutual | gssapi.ContextFlagInteg | gssapi.ContextFlagConf)

func (c *krb5Client) InitSecContext(target string, token []byte) ([]byte, bool, error) {
	return c.InitSecContextWithOptions(target, token, nil)
}

func (c *krb5Client) InitSecContextWithOptions(target string, token []byte, _ []int) (out []byte, more bool, err error) {
	if token == nil {
		return c.apReq(target)
	}
	// gokrb5's parsers are not hardened against every malformed input: a
	// server's garbage is an error, not a crash.
	defer func() {
		if r := recover(); r != nil {
			out, more, err = nil, false, errors.New("the server's Kerberos reply is malformed")
		}
	}()
	var t spnego.KRB5Token
	if err := t.Unmarshal(token); err != nil {
		return nil, false, fmt.Errorf("the server's Kerberos reply: %w", err)
	}
	if t.IsKRBError() {
		return nil, false, t.KRBError
	}
	if !t.IsAPRep() {
		return nil, false, errors.New("the server's Kerberos reply is not an AP-REP")
	}
	plain, err := crypto.DecryptEncPart(t.APRep.EncPart, c.sessionKey, keyusage.AP_REP_ENCPART)
	if err != nil {
		return nil, false, fmt.Errorf("the server did not prove its identity: %w", err)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		return nil, false, fmt.Errorf("the server's Kerberos reply: %w", err)
	}
	if part.CTime.Unix() != c.auth.CTime.Unix() || part.Cusec != c.auth.Cusec {
		return nil, false, errors.New("the server's Kerberos reply does not answer this request")
	}
	// RFC 4121 section 2: the acceptor's subkey when it sent one, else ours.
	key, acceptorSubkey := c.auth.SubKey, false
	if len(part.Subkey.KeyValue) > 0 {
		key, acceptorSubkey = part.Subkey, true
	}
	c.wrap, err = newKrb5Wrap(key, acceptorSubkey, uint64(c.auth.SeqNumber))
	if err != nil {
		return nil, false, err
	}
	return []byte{}, false, nil
}

// apReq builds the first token: an AP-REQ for the DC's service, with a
// subkey and sequence number of our own, asking for mutual authentication.
func (c *krb5Client) apReq(spn string) ([]byte, bool, error) {
	tkt, key, err := c.cl.GetServiceTicket(spn)
	if err != nil {
		return nil, false, fmt.Errorf("service ticket for %s: %w", spn, err)
	}
	c.sessionKey = key
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return nil, false, err
	}
	auth, err := types.NewAuthenticator(c.cl.Credentials.Domain(), c.cl.Credentials.CName())
	if err != nil {
		return nil, false, err
	}
	if err := auth.GenerateSeqNumberAndSubKey(key.KeyType, et.GetKeyByteSize()); err != nil {
		return nil, false, err
	}
	auth.Cksum = types.Checksum{CksumType: chksumtype.GSSAPI, Checksum: gssChecksum(krb5ContextFlags, c.bindings)}
	c.auth = auth
	req, err := messages.NewAPReq(tkt, key, auth)
	if err != nil {
		return nil, false, err
	}
	types.SetFlag(&req.APOptions, flags.APOptionMutualRequired)
	body, err := req.Marshal()
	if err != nil {
		return nil, false, err
	}
	b := append(append([]byte{}, krb5MechOID...), 0x01, 0x00) // TOK_ID of an AP-REQ
	return asn1tools.AddASNAppTag(append(b, body...), 0), true, nil
}

// krb5MechOID is the DER of the Kerberos V5 mechanism, 1.2.840.113554.1.2.2
// (RFC 1964), which starts an initial context token.
var krb5MechOID = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02}

// gssChecksum is the authenticator checksum of RFC 4121 section 4.1.1: the
// MD5 hash of the channel bindings (zero without them) and the flags.
func gssChecksum(contextFlags uint32, bindings []byte) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b[0:], 16)
	if bindings != nil {
		h := md5.Sum(gssChannelBindings(bindings)) //nolint:gosec // fixed by RFC 4121
		copy(b[4:20], h[:])
	}
	binary.LittleEndian.PutUint32(b[20:], contextFlags)
	return b
}

// gssChannelBindings encodes a gss_channel_bindings_struct with no
// addresses and the given application data, as RFC 4121 hashes it.
func gssChannelBindings(appData []byte) []byte {
	b := make([]byte, 20, 20+len(appData))
	binary.LittleEndian.PutUint32(b[16:], uint32(len(appData)))
	return append(b, appData...)
}

// NegotiateSaslAuth reads the server's offer of security layers, picks one
// and answers (RFC 4752 section 3.1).
func (c *krb5Client) NegotiateSaslAuth(token []byte, authzid string) ([]byte, error) {
	if c.wrap == nil {
		return nil, errors.New("the server skipped mutual authentication")
	}
	offer, err := c.wrap.unwrap(token)
	if err != nil {
		return nil, fmt.Errorf("the server's SASL offer: %w", err)
	}
	c.choice, err = chooseSASLLayer(offer, c.overTLS, c.signOnly)
	if err != nil {
		return nil, err
	}
	resp := append(saslResponse(c.choice), authzid...)
	tok, err := c.wrap.wrapToken(resp, false)
	if err != nil {
		return nil, err
	}
	c.wrap.seal = c.choice.layer == saslLayerConfidentiality
	return tok, nil
}

// DeleteSecContext keeps the keys: the security layer goes on using them
// after the bind.
func (c *krb5Client) DeleteSecContext() error { return nil }

// layer returns the negotiated security layer, or nil for none.
func (c *krb5Client) layer() (securityLayer, int) {
	if c.wrap == nil || c.choice.layer == saslLayerNone || c.choice.layer == 0 {
		return nil, 0
	}
	return c.wrap, c.choice.serverMax
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

// Close releases nothing: the gokrb5 client belongs to the session.
func (c *krb5Client) Close() error { return nil }
