package live

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lpetrust/lpetrust/truststore"
)

// PoolNote reports members of one pool (one name and port, several
// addresses) that serve different chains.
type PoolNote struct {
	// Name and Port identify the pool.
	Name string `json:"name"`
	Port int    `json:"port"`
	// Members is how many members presented a chain.
	Members int `json:"members"`
	// Odd lists the members (address:port) whose chain differs from the
	// one most members serve.
	Odd []string `json:"odd"`
	// Kind is "leaf" when the odd members serve another end-entity
	// certificate, "intermediates" when only the rest of the chain differs.
	Kind string `json:"kind"`
	// Message says it in one sentence, naming the odd members.
	Message string `json:"message"`
}

// Consistency compares the chains the members of each pool present (the
// endpoints sharing a name and port) and returns a note for every pool
// whose members disagree, in the endpoints' order. The reference is the
// chain most members serve (the first one seen on a tie).
func Consistency(eps []Endpoint) []PoolNote {
	type key struct {
		name string
		port int
	}
	groups := map[key][]*Endpoint{}
	var order []key
	for i := range eps {
		e := &eps[i]
		if e.Name == "" || len(e.Certs) == 0 {
			continue
		}
		k := key{e.Name, e.Port}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], e)
	}
	var notes []PoolNote
	for _, k := range order {
		members := groups[k]
		if len(members) < 2 {
			continue
		}
		counts := map[string]int{}
		var fps []string
		for _, m := range members {
			fp := chainFingerprint(m)
			if counts[fp] == 0 {
				fps = append(fps, fp)
			}
			counts[fp]++
		}
		if len(fps) == 1 {
			continue
		}
		ref := fps[0]
		for _, fp := range fps[1:] {
			if counts[fp] > counts[ref] {
				ref = fp
			}
		}
		var refEP *Endpoint
		for _, m := range members {
			if chainFingerprint(m) == ref {
				refEP = m
				break
			}
		}
		note := PoolNote{Name: k.name, Port: k.port, Members: len(members), Kind: "intermediates"}
		var details []string
		for _, m := range members {
			if chainFingerprint(m) == ref {
				continue
			}
			note.Odd = append(note.Odd, m.HostPort())
			if m.Certs[0].Equal(refEP.Certs[0]) {
				details = append(details, fmt.Sprintf("%s serves the same leaf with other intermediates (%s instead of %s)",
					m.HostPort(), describeIntermediates(m), describeIntermediates(refEP)))
				continue
			}
			note.Kind = "leaf"
			details = append(details, fmt.Sprintf("%s serves leaf %s (%s, expires %s) instead of %s (%s, expires %s)",
				m.HostPort(),
				truststore.ShortSHA1(sha1Hex(m.Certs[0].Raw)), truststore.DisplayName(m.Certs[0]), m.Certs[0].NotAfter.UTC().Format("2006-01-02"),
				truststore.ShortSHA1(sha1Hex(refEP.Certs[0].Raw)), truststore.DisplayName(refEP.Certs[0]), refEP.Certs[0].NotAfter.UTC().Format("2006-01-02")))
		}
		note.Message = fmt.Sprintf("pool %s port %d: %d of %d members differ from the others: %s",
			k.name, k.port, len(note.Odd), len(members), strings.Join(details, "; "))
		notes = append(notes, note)
	}
	return notes
}

func chainFingerprint(e *Endpoint) string {
	parts := make([]string, len(e.Certs))
	for i, c := range e.Certs {
		parts[i] = sha1Hex(c.Raw)
	}
	return strings.Join(parts, ",")
}

func describeIntermediates(e *Endpoint) string {
	if len(e.Certs) < 2 {
		return "no intermediates"
	}
	names := make([]string, 0, len(e.Certs)-1)
	for _, c := range e.Certs[1:] {
		names = append(names, truststore.DisplayName(c)+" "+truststore.ShortSHA1(sha1Hex(c.Raw)))
	}
	return strings.Join(slices.Compact(names), ", ")
}
