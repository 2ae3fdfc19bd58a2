package live

import "github.com/lpetrust/lpetrust/chain"

// MissingRoots returns the roots the endpoints' chains are missing, each
// once (by SHA-1), in the order the endpoints first name them: what
// `lpetrust ad publish --from-check` publishes.
func MissingRoots(eps []Endpoint) []chain.MissingRoot {
	var out []chain.MissingRoot
	seen := map[string]bool{}
	for i := range eps {
		if eps[i].Result == nil {
			continue
		}
		for _, m := range eps[i].Result.MissingRoots {
			if !seen[m.SHA1] {
				seen[m.SHA1] = true
				out = append(out, m)
			}
		}
	}
	return out
}

// AllPhoneReady reports whether phones with the store's firmware sign in at
// every endpoint (see Endpoint.PhoneReady); false when eps is empty.
func AllPhoneReady(eps []Endpoint, store string) bool {
	for i := range eps {
		if !eps[i].PhoneReady(store) {
			return false
		}
	}
	return len(eps) > 0
}
