package live

import (
	"crypto/ecdsa"
	"fmt"
	"strings"

	"github.com/lpetrust/lpetrust/truststore"
)

// Advice turns an audit into the steps an administrator takes for phones
// whose firmware carries the target store. checkTarget is what to pass to
// "lpetrust ad publish --from-check", which audits that one target again with
// the system resolver and default ports; empty when that would not audit the
// same endpoints (discovery, several targets, another resolver or ports).
// exported lists PEM files of the missing roots already written, which the
// publish command then names instead.
func Advice(cat *truststore.Catalogue, eps []Endpoint, notes []PoolNote, target, checkTarget string, exported []string) []string {
	var out []string
	var unreachable, noPhone, ecdsaServers, untrusted, failing []string
	highest := -1
	allHaveMinimum := true
	for i := range eps {
		e := &eps[i]
		if e.Err != nil {
			unreachable = append(unreachable, e.Label())
			continue
		}
		switch {
		case e.Phone.OK:
		case ecdsaOnly(e):
			ecdsaServers = append(ecdsaServers, e.Label())
		default:
			noPhone = append(noPhone, e.Label())
		}
		switch {
		case !e.Result.TrustedBy(target):
			untrusted = append(untrusted, e.Label())
		case !e.Result.Passes(target):
			failing = append(failing, e.Label())
		}
		if e.Result.MinimumRelease == nil {
			allHaveMinimum = false
		} else if idx := cat.StoreIndex(*e.Result.MinimumRelease); idx > highest {
			highest = idx
		}
	}
	missing := MissingRoots(eps)
	if len(unreachable) == 0 && len(noPhone) == 0 && len(ecdsaServers) == 0 && len(untrusted) == 0 && len(failing) == 0 {
		out = append(out, fmt.Sprintf("Nothing: phones with %s firmware sign in at every endpoint checked.", target))
	}
	if len(unreachable) > 0 {
		out = append(out, "Fix, or remove from DNS, the endpoints that could not be checked: "+strings.Join(unreachable, ", ")+".")
	}
	if len(noPhone) > 0 {
		out = append(out, "Re-enable TLS 1.0 with RSA key exchange (TLS_RSA_WITH_AES_128_CBC_SHA) on "+strings.Join(noPhone, ", ")+
			": LPE phones cannot do TLS 1.2, so they cannot connect there whatever the certificate.")
	}
	if len(ecdsaServers) > 0 {
		out = append(out, "Give "+strings.Join(ecdsaServers, ", ")+" an RSA certificate: it presents only an ECDSA one, and LPE phones offer only RSA key exchange (TLS_RSA_WITH_AES_128_CBC_SHA), so they cannot connect there.")
	}
	if len(untrusted) > 0 {
		if allHaveMinimum && highest >= 0 {
			out = append(out, fmt.Sprintf("Upgrade phones to at least %s firmware (%s), or publish the missing roots.", cat.Stores()[highest].Name, buildsOf(cat, cat.Stores()[highest].Name)))
		} else {
			out = append(out, "No firmware release trusts every endpoint: publish the missing roots to the phones, or replace the certificates with ones from a CA whose root the phones have (see `lpetrust roots`).")
		}
	}
	out = append(out, crossAdvice(eps, target)...)
	if len(untrusted) > 0 && len(missing) > 0 {
		var names []string
		for _, m := range missing {
			names = append(names, truststore.Named(m.Name, m.SHA1))
		}
		cmd := "lpetrust ad publish --as root --server ldaps://<your DC> "
		switch {
		case len(exported) > 0:
			quoted := make([]string, len(exported))
			for i, f := range exported {
				quoted[i] = ShellQuote(f)
			}
			cmd += strings.Join(quoted, " ")
		case checkTarget != "":
			cmd += "--from-check " + ShellQuote(checkTarget)
		default:
			cmd = "run this check again with --export-missing DIR, then " + cmd + "DIR"
		}
		out = append(out, "Publish the missing root(s) "+strings.Join(names, ", ")+
			" in Active Directory for phones signing in with USB or NTLM: "+cmd)
	}
	if len(failing) > 0 {
		out = append(out, "Fix the findings marked error on "+strings.Join(failing, ", ")+": phones fail on them even where the chain is trusted.")
	}
	for _, n := range notes {
		out = append(out, fmt.Sprintf("Install the same certificate chain on every member of %s port %d (odd: %s).", n.Name, n.Port, strings.Join(n.Odd, ", ")))
	}
	var noSNI []string
	for i := range eps {
		if eps[i].SNIDiffers {
			noSNI = append(noSNI, eps[i].Label())
		}
	}
	if len(noSNI) > 0 {
		out = append(out, "Make the pool certificate the default (no-SNI) certificate on "+strings.Join(noSNI, ", ")+", so clients that send no server name get it too.")
	}
	return out
}

// buildsOf lists the first build of a release per family, for the advice.
func buildsOf(cat *truststore.Catalogue, store string) string {
	builds := cat.EarliestBuilds(func(s string) bool { return strings.EqualFold(s, store) || cat.StoreIndex(s) >= cat.StoreIndex(store) })
	var parts []string
	for _, fam := range truststore.Families {
		if b, ok := builds[fam]; ok {
			parts = append(parts, fam+" "+b.Version)
		}
	}
	if len(parts) == 0 {
		return "see `lpetrust firmware`"
	}
	return strings.Join(parts, ", ")
}

// ShellQuote quotes an argument of a printed command line for a POSIX shell,
// only when it needs quoting, so that the command can be pasted as is.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-[]") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ecdsaOnly reports whether the phone probe failed while a modern client
// got an ECDSA certificate: the server has no RSA certificate to offer the
// phones' RSA key exchange suites, whatever TLS versions it enables.
func ecdsaOnly(e *Endpoint) bool {
	if e.Phone.OK || !e.Modern.OK || len(e.Modern.Certs) == 0 {
		return false
	}
	_, ok := e.Modern.Certs[0].PublicKey.(*ecdsa.PublicKey)
	return ok
}

// crossAdvice gathers, from endpoints the target does not trust, the
// cross-certificates to send (with the stores they rescue and until when)
// and the hierarchies that would work instead, each once with the
// endpoints it concerns.
func crossAdvice(eps []Endpoint, target string) []string {
	var order []string
	where := map[string][]string{}
	note := func(msg, label string) {
		if _, ok := where[msg]; !ok {
			order = append(order, msg)
		}
		where[msg] = append(where[msg], label)
	}
	for i := range eps {
		e := &eps[i]
		if e.Err != nil || e.Result == nil || e.Result.TrustedBy(target) {
			continue
		}
		for _, alt := range e.Result.Alternatives {
			note(alt.Message, e.Label())
		}
		for _, in := range e.Result.Instead {
			note(in.Message, e.Label())
		}
	}
	var out []string
	for _, msg := range order {
		out = append(out, strings.ToUpper(msg[:1])+msg[1:]+" ("+strings.Join(where[msg], ", ")+").")
	}
	return out
}
