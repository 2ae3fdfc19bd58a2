package chain

import (
	"fmt"
	"strings"

	"github.com/lpetrust/lpetrust/truststore"
)

// Advice turns a result into the steps an administrator takes for phones
// whose firmware carries the target store. exportDir names the directory the
// missing roots' PEM files were written to, or is empty.
func (r *Result) Advice(target, exportDir string) []string {
	var out []string
	if r.Passes(target) {
		out = append(out, fmt.Sprintf("Phones with %s firmware trust this chain; install it.", target))
	} else if !r.TrustedBy(target) {
		out = append(out, fmt.Sprintf("Phones with %s firmware would NOT sign in with this chain.", target))
	}
	older := false
	for _, v := range r.Verdicts {
		if !v.Trusted {
			older = true
		}
	}
	for _, alt := range r.Alternatives {
		out = append(out, strings.ToUpper(alt.Message[:1])+alt.Message[1:]+".")
	}
	for _, in := range r.Instead {
		out = append(out, strings.ToUpper(in.Message[:1])+in.Message[1:]+".")
	}
	for _, u := range r.UnknownIssuers {
		out = append(out, "The chain ends at a certificate issued by a "+u+": add that CA's certificates with --intermediates, or publish its root.")
	}
	if older && r.MinimumRelease != nil {
		out = append(out, fmt.Sprintf("Update phones older than %s, or publish the missing roots to them.", *r.MinimumRelease))
	}
	if len(r.MissingRoots) > 0 {
		var names []string
		for _, m := range r.MissingRoots {
			names = append(names, truststore.Named(m.Name, m.SHA1))
		}
		step := "Publish the missing root(s) " + strings.Join(names, ", ") + " in Active Directory so USB/NTLM-signed-in phones get them"
		if exportDir != "" {
			step += fmt.Sprintf("; their PEM files are in %s", exportDir)
		} else {
			step += " (--export-missing DIR writes their PEM files)"
		}
		out = append(out, step+".")
	}
	if r.MinimumRelease == nil && len(r.Alternatives) == 0 {
		out = append(out, "No LPE firmware trusts this chain: get the certificate from a CA whose root the phones have (see `lpetrust roots`), or publish the root to the phones.")
	}
	for _, f := range r.Findings {
		if f.Severity == SeverityError {
			out = append(out, "Fix the findings marked error: phones fail on them even when the chain is trusted.")
			break
		}
	}
	return out
}
