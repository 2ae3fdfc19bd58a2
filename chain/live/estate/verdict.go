package estate

import (
	"fmt"
	"strings"
)

// Verdict says in a few words whether phones of the store sign in at every
// endpoint of the pool, and if not, why: "yes", "not audited", or "no: "
// and the count of each reason (not trusted, refusing the phone handshake,
// an error finding, unreachable or failed).
func (a *PoolAudit) Verdict(store string) string {
	if len(a.Endpoints) == 0 {
		return "not audited"
	}
	var errs, untrusted, refused, findings int
	for i := range a.Endpoints {
		e := &a.Endpoints[i]
		switch {
		case e.Err != nil:
			errs++
		case !e.Trusted(store):
			untrusted++
		case !e.Phone.OK:
			refused++
		case !e.Result.Passes(store):
			findings++
		}
	}
	if errs+untrusted+refused+findings == 0 {
		return "yes"
	}
	var why []string
	if untrusted > 0 {
		why = append(why, fmt.Sprintf("%d not trusted by %s", untrusted, store))
	}
	if refused > 0 {
		why = append(why, fmt.Sprintf("%d refuse the phone handshake", refused))
	}
	if findings > 0 {
		why = append(why, fmt.Sprintf("%d with an error finding", findings))
	}
	if errs > 0 {
		why = append(why, fmt.Sprintf("%d unreachable or failed", errs))
	}
	return "no: " + strings.Join(why, ", ")
}
