package adpublish

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/lpetrust/lpetrust/truststore/sockerr"
)

// ResultCode returns the LDAP result code carried by err, or 0.
func ResultCode(err error) int {
	var le *ldap.Error
	if errors.As(err, &le) {
		return int(le.ResultCode)
	}
	return 0
}

// Explain says in words what an LDAP failure on dn means for the person
// publishing, naming the result code. It never includes secrets: LDAP
// diagnostics carry none, and bind errors are built without the password.
func Explain(err error, dn string) string {
	var le *ldap.Error
	if !errors.As(err, &le) {
		return sockerr.Message(err)
	}
	code := le.ResultCode
	var words string
	switch code {
	case ldap.LDAPResultInsufficientAccessRights:
		words = "insufficient access: needs Enterprise Admins or delegated rights on " + dn
	case ldap.LDAPResultStrongAuthRequired:
		words = "the directory requires a signed or encrypted connection for this bind: use ldaps:// or StartTLS"
	case ldap.LDAPResultConfidentialityRequired:
		words = "the directory requires TLS for this operation: use ldaps:// or StartTLS"
	case ldap.LDAPResultOperationsError:
		// AD (000004DC) and Samba (00002020) refuse anonymous searches this way.
		words = le.Err.Error()
		if strings.Contains(words, "000004DC") || strings.Contains(words, "without authentication") {
			words = "the directory refuses anonymous access: bind with a user and password, or with Kerberos"
		}
	case ldap.LDAPResultInvalidCredentials:
		words = "invalid credentials: wrong user name or password, or the account is locked or disabled"
	case ldap.LDAPResultInappropriateAuthentication:
		words = "inappropriate authentication: this bind method is not allowed for the account"
	case ldap.LDAPResultAttributeOrValueExists:
		words = "the value is already present on " + dn
	case ldap.LDAPResultInvalidAttributeSyntax:
		words = "the directory rejected the value's syntax on " + dn + " (empty, or larger than 32768 bytes)"
	case ldap.LDAPResultNoSuchObject:
		words = "no such object " + dn + " (a wrong configuration naming context, or the container is missing)"
	case ldap.LDAPResultInvalidDNSyntax:
		words = "invalid DN " + dn
	case ldap.LDAPResultObjectClassViolation:
		words = "object class violation on " + dn + " (a mandatory attribute would be missing)"
	case ldap.LDAPResultEntryAlreadyExists:
		words = "the object " + dn + " already exists"
	case ldap.LDAPResultNoSuchAttribute:
		words = "the value is not present on " + dn
	case ldap.LDAPResultConstraintViolation:
		words = "constraint violation on " + dn + " (value too large, or too many values)"
	case ldap.LDAPResultUnwillingToPerform:
		words = "the directory is unwilling to perform the operation on " + dn
	case ldap.LDAPResultBusy, ldap.LDAPResultUnavailable:
		words = "the directory is busy or unavailable: try again"
	case ldap.LDAPResultNamingViolation:
		words = "naming violation on " + dn
	case ldap.ErrorNetwork:
		return "cannot reach the directory: " + sockerr.Message(le.Err)
	default:
		if le.Err != nil {
			words = sockerr.Message(le.Err)
		} else {
			words = ldap.LDAPResultCodeMap[code]
		}
	}
	return fmt.Sprintf("%s (LDAP result %d)", words, code)
}

// IsNetwork reports whether err means the connection to the directory is gone.
func IsNetwork(err error) bool {
	var le *ldap.Error
	return errors.As(err, &le) && (le.ResultCode == ldap.ErrorNetwork || le.ResultCode == ldap.LDAPResultServerDown)
}

// Refusal is why a domain controller refused a bind, from the codes Active
// Directory (and Samba) put in its diagnostic message or the KDC's error.
type Refusal int

// Refusals.
const (
	RefusalUnknown Refusal = iota
	// RefusalStrongAuthRequired: 00002028, the DC requires signing (LDAP
	// signing policy) and the bind had neither TLS nor a security layer.
	RefusalStrongAuthRequired
	// RefusalChannelBindingRequired: 80090346, the DC requires the bind to be
	// tied to its TLS channel (LDAP channel binding policy).
	RefusalChannelBindingRequired
	RefusalWrongPassword       // 52e; KDC_ERR_PREAUTH_FAILED
	RefusalNoSuchUser          // 525; KDC_ERR_C_PRINCIPAL_UNKNOWN
	RefusalAccountDisabled     // 533
	RefusalAccountExpired      // 701
	RefusalPasswordExpired     // 532; KDC_ERR_KEY_EXPIRED
	RefusalMustChangePassword  // 773
	RefusalLockedOut           // 775
	RefusalRevoked             // KDC_ERR_CLIENT_REVOKED: disabled, locked out or expired
	RefusalLogonHours          // 530
	RefusalWorkstation         // 531
	RefusalNoSecurityLayerSASL // the DC refused a SASL bind without signing
)

// sentence says what a refusal means and what to do about it, without
// naming command-line flags.
func (r Refusal) sentence() string {
	switch r {
	case RefusalStrongAuthRequired:
		return "the domain controller requires a signed or encrypted connection for this bind (LDAP signing, AD 00002028): use LDAPS or StartTLS, or Kerberos, which lpetrust signs"
	case RefusalChannelBindingRequired:
		return "the domain controller requires LDAP channel binding (80090346): the bind must be tied to its TLS connection; use Kerberos or Windows integrated sign-on over LDAPS, which send channel bindings"
	case RefusalWrongPassword:
		return "wrong password (AD code 52e); each wrong try counts towards locking the account out"
	case RefusalNoSuchUser:
		return "no such user (AD code 525): check the user name (UPN admin@example.com, or DOMAIN\\user)"
	case RefusalAccountDisabled:
		return "the account is disabled (AD code 533): an administrator must enable it"
	case RefusalAccountExpired:
		return "the account has expired (AD code 701): an administrator must extend it"
	case RefusalPasswordExpired:
		return "the password has expired (AD code 532): change it (Ctrl+Alt+Del, Change a password) and try again"
	case RefusalMustChangePassword:
		return "the password must be changed before the first logon (AD code 773): change it and try again"
	case RefusalLockedOut:
		return "the account is locked out (AD code 775): wait for the lockout to end or have an administrator unlock it"
	case RefusalRevoked:
		return "the KDC refuses the account: it is disabled, locked out or expired (KDC_ERR_CLIENT_REVOKED)"
	case RefusalLogonHours:
		return "the account may not log on at this time (AD code 530)"
	case RefusalWorkstation:
		return "the account may not log on from this computer (AD code 531)"
	case RefusalNoSecurityLayerSASL:
		return "the domain controller requires the Kerberos bind to sign or seal the connection"
	}
	return "the bind was refused"
}

// BindError is a bind the domain controller (or its KDC) refused, with the
// reason. Its message is one line and never holds the password.
type BindError struct {
	User     string // who tried to bind
	Server   string // the DC's URL; "" for a refusal by the KDC
	Refusal  Refusal
	Kerberos bool // refused by the KDC, at Kerberos logon
	// ResultCode is the LDAP result code, 0 for a KDC refusal.
	ResultCode int
}

func (e *BindError) Error() string {
	switch {
	case e.Kerberos:
		return fmt.Sprintf("kerberos: log in as %s: %s", e.User, e.Refusal.sentence())
	case e.User == "":
		return fmt.Sprintf("bind to %s: %s (LDAP result %d)", e.Server, e.Refusal.sentence(), e.ResultCode)
	}
	return fmt.Sprintf("bind as %s to %s: %s (LDAP result %d)", e.User, e.Server, e.Refusal.sentence(), e.ResultCode)
}

// adDataCode finds the Win32 error of an AD diagnostic message: "80090308:
// LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563".
var adDataCode = regexp.MustCompile(`\bdata ([0-9a-fA-F]{1,8})\b`)

// bindRefusal reads the reason of a refused bind from the LDAP error AD
// returns; RefusalUnknown when it carries none.
func bindRefusal(err error) Refusal {
	var le *ldap.Error
	if !errors.As(err, &le) || le.Err == nil {
		return RefusalUnknown
	}
	msg := le.Err.Error()
	switch {
	case strings.HasPrefix(msg, "00002028"):
		return RefusalStrongAuthRequired
	case strings.HasPrefix(msg, "80090346"):
		return RefusalChannelBindingRequired
	case le.ResultCode == ldap.LDAPResultStrongAuthRequired && strings.Contains(msg, "Sign or Seal are required"):
		// Samba's words for a SASL bind without a security layer.
		return RefusalNoSecurityLayerSASL
	case le.ResultCode == ldap.LDAPResultStrongAuthRequired:
		return RefusalStrongAuthRequired
	}
	if le.ResultCode != ldap.LDAPResultInvalidCredentials {
		return RefusalUnknown
	}
	m := adDataCode.FindStringSubmatch(msg)
	if m == nil {
		return RefusalUnknown
	}
	switch strings.ToLower(m[1]) {
	case "52e":
		return RefusalWrongPassword
	case "525":
		return RefusalNoSuchUser
	case "533":
		return RefusalAccountDisabled
	case "701":
		return RefusalAccountExpired
	case "532":
		return RefusalPasswordExpired
	case "773":
		return RefusalMustChangePassword
	case "775":
		return RefusalLockedOut
	case "530":
		return RefusalLogonHours
	case "531":
		return RefusalWorkstation
	case "80090346":
		return RefusalChannelBindingRequired
	}
	return RefusalUnknown
}

// kdcRefusal maps a KDC error code (RFC 4120 section 7.5.9) to a refusal.
func kdcRefusal(code int) Refusal {
	switch code {
	case 6: // KDC_ERR_C_PRINCIPAL_UNKNOWN
		return RefusalNoSuchUser
	case 18: // KDC_ERR_CLIENT_REVOKED
		return RefusalRevoked
	case 23: // KDC_ERR_KEY_EXPIRED
		return RefusalPasswordExpired
	case 24: // KDC_ERR_PREAUTH_FAILED
		return RefusalWrongPassword
	}
	return RefusalUnknown
}
