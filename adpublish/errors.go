package adpublish

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
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
		return err.Error()
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
			words = "the directory refuses anonymous access: bind with --user or --kerberos"
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
		words = "no such object " + dn + " (wrong --config-nc, or the container is missing)"
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
		return "cannot reach the directory: " + le.Err.Error()
	default:
		if le.Err != nil {
			words = le.Err.Error()
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
