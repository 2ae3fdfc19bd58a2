package live

import (
	"fmt"
	"strings"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

// Problems are what stops phones of the store at the judged endpoints, or
// may: one line each, naming the endpoint. A chain the store does not trust,
// error and warning findings, a refused phone handshake, and a modern or
// SNI-less client given another certificate than the phone probe.
// Endpoints that could not be judged (Err) are left out: their error says it.
func Problems(eps []Endpoint, store string) []string {
	var out []string
	for i := range eps {
		e := &eps[i]
		if e.Err != nil {
			continue
		}
		if v := e.Result.Verdict(store); v != nil && !v.Trusted {
			out = append(out, fmt.Sprintf("%s: not trusted by %s: %s", e.Label(), store, strings.Join(v.Reasons, "; ")))
		}
		for _, fd := range e.Result.Findings {
			if fd.Severity == chain.SeverityError || fd.Severity == chain.SeverityWarning {
				out = append(out, fmt.Sprintf("%s: %s [%s] %s: %s", e.Label(), fd.Severity, fd.Basis, fd.Code, fd.Message))
			}
		}
		if !e.Phone.OK {
			out = append(out, fmt.Sprintf("%s: phone handshake (TLS 1.0, RSA CBC suites) refused: %s", e.Label(), e.Phone.Error))
		}
		if e.ModernDiffers {
			out = append(out, fmt.Sprintf("%s: a modern client gets another certificate (%s, %s, %s) than the phone probe; the phone's is the one judged",
				e.Label(), e.Modern.LeafSHA1(), truststore.DisplayName(e.Modern.Certs[0]), truststore.PublicKeyDescription(e.Modern.Certs[0])))
		}
		if e.SNIDiffers {
			out = append(out, fmt.Sprintf("%s: without SNI the server presents another certificate (%s, %s); clients that send no server name get it (whether LPE phones send one is undocumented)",
				e.Label(), e.NoSNI.LeafSHA1(), truststore.DisplayName(e.NoSNI.Certs[0])))
		}
	}
	return out
}
