package adpublish

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3/gssapi"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/lpetrust/lpetrust/truststore/inputfile"
)

// Kerberos says where the credentials of a GSSAPI bind come from: a
// credential cache (kinit's) or a keytab with a principal.
type Kerberos struct {
	// Krb5Conf is the krb5.conf path; "" means $KRB5_CONFIG or /etc/krb5.conf.
	Krb5Conf string
	// CCache is the credential cache path; "" means $KRB5CCNAME or
	// /tmp/krb5cc_<uid>. Ignored when Keytab is set.
	CCache string
	// Keytab and Principal (user or user@REALM) log in without a cache.
	Keytab    string
	Principal string
	// SPN is the DC's service principal; "" means ldap/<server host>.
	SPN string

	files *kerberosFiles // set by Load
}

// kerberosFiles are the parsed files of a Kerberos bind.
type kerberosFiles struct {
	conf   *config.Config
	keytab *keytab.Keytab
	ccache *credentials.CCache
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
// the credential cache), each bounded to inputfile.MaxKerberos and refused
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
	steps := []step{{FileKrb5Conf, k.krb5Conf(), k.Krb5Conf != "", func(b []byte) (err error) {
		f.conf, err = config.NewFromString(string(b))
		return err
	}}}
	if k.Keytab != "" {
		steps = append(steps, step{FileKeytab, k.Keytab, true, func(b []byte) error {
			f.keytab = keytab.New()
			return f.keytab.Unmarshal(b)
		}})
	} else {
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

// kerberosBind binds with GSSAPI. go-ldap's client negotiates no SASL
// security layer, which is why ParseServer only allows it over TLS.
func (d *Directory) kerberosBind(k *Kerberos, ep Endpoint) (string, error) {
	quiet := client.DisablePAFXFAST(true)
	var (
		cl  *gssapi.Client
		who string
	)
	if k.Keytab != "" && k.Principal == "" {
		return "", fmt.Errorf("kerberos: a keytab needs a principal (--user)")
	}
	if err := k.Load(); err != nil {
		return "", err
	}
	if k.Keytab != "" {
		user, realm, _ := strings.Cut(k.Principal, "@")
		if realm == "" {
			// A bare user name is in the default realm, as kinit takes it.
			if realm = k.files.conf.LibDefaults.DefaultRealm; realm == "" {
				return "", fmt.Errorf("kerberos: principal %s has no realm and %s sets no default_realm: give --user user@REALM", k.Principal, k.krb5Conf())
			}
		}
		cl = &gssapi.Client{Client: client.NewWithKeytab(user, realm, k.files.keytab, k.files.conf, quiet)}
		if err := cl.Login(); err != nil {
			return "", fmt.Errorf("kerberos: log in as %s with keytab %s: %w", k.Principal, k.Keytab, err)
		}
		who = user + "@" + realm
	} else {
		c, err := client.NewFromCCache(k.files.ccache, k.files.conf, quiet)
		if err != nil {
			return "", fmt.Errorf("kerberos: credential cache %s: %w (run kinit, or give --keytab)", k.ccache(), err)
		}
		cl = &gssapi.Client{Client: c}
		who = cl.Credentials.CName().PrincipalNameString() + "@" + cl.Credentials.Realm()
	}
	defer cl.Close()
	spn := k.SPN
	if spn == "" {
		spn = "ldap/" + ep.Host
	}
	if err := d.conn.GSSAPIBind(cl, spn, ""); err != nil {
		return "", fmt.Errorf("kerberos bind as %s to %s (service %s): %s", who, ep.URL, spn, Explain(err, ""))
	}
	return who, nil
}
