package main

import "testing"

// The server line says how the connection was made, insecure parts first.
func TestADServerLine(t *testing.T) {
	for _, tc := range []struct {
		s    adServer
		want string
	}{
		{adServer{Server: "ldaps://dc1:636", Transport: "ldaps", TLSVerified: true, BoundAs: "a@b", ConfigNC: "CN=Configuration,DC=b"},
			"Server: ldaps://dc1:636 (ldaps, certificate verified), bound as a@b, configuration NC CN=Configuration,DC=b"},
		{adServer{Server: "ldap://dc1:389", Transport: "plaintext", ConfigNC: "CN=C"},
			"Server: ldap://dc1:389 (plaintext, CLEARTEXT), bound as anonymous, configuration NC CN=C"},
		{adServer{Server: "ldap://dc1:389", Transport: "plaintext", BoundAs: "a@b", ConfigNC: "CN=C", PasswordInClear: true},
			"Server: ldap://dc1:389 (plaintext, CLEARTEXT, the password was sent unprotected (--insecure-plaintext)), bound as a@b, configuration NC CN=C"},
	} {
		if got := tc.s.line(); got != tc.want {
			t.Errorf("line() = %q\nwant     %q", got, tc.want)
		}
	}
}
