package live

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

// verdicts judges each distinct presented chain once per audit: the
// members of a pool usually send the same bytes, and chain.Evaluate (path
// building, signature checks, the catalogue's cross-paths) is most of the
// client's CPU per endpoint. Endpoints that sent the same certificates,
// byte for byte, under the same pool name and SIP domain get the same
// judgement, each in its own copy with its own Source.
type verdicts struct {
	cat  *truststore.Catalogue
	opts chain.Options // At fixed for the whole audit

	mu   sync.Mutex
	seen map[verdictKey]*verdictEntry
}

// verdictKey is what chain.Evaluate's result depends on besides the
// audit's options: the presented certificates and the per-endpoint options.
type verdictKey struct {
	certs           [sha256.Size]byte // SHA-256 over each certificate's length and DER
	pool, sipDomain string
}

type verdictEntry struct {
	once   sync.Once
	result *chain.Result
	err    error
}

// newVerdicts fixes the moment of every judgement of the audit, so that
// endpoints judged a few seconds apart are judged alike.
func newVerdicts(cat *truststore.Catalogue, opts chain.Options) *verdicts {
	if opts.At.IsZero() {
		opts.At = time.Now()
	}
	return &verdicts{cat: cat, opts: opts, seen: map[verdictKey]*verdictEntry{}}
}

func chainKey(certs []*x509.Certificate) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, c := range certs {
		binary.BigEndian.PutUint64(n[:], uint64(len(c.Raw)))
		h.Write(n[:])
		h.Write(c.Raw)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// judge evaluates the endpoint's chain, or copies the judgement of the
// same chain made earlier in the audit.
func (v *verdicts) judge(sipDomain string, ep *Endpoint) {
	if ep.Err != nil {
		return
	}
	opts := v.opts
	if opts.Pool == "" {
		opts.Pool = ep.Name
	}
	if opts.SIPDomain == "" {
		opts.SIPDomain = sipDomain
	}
	key := verdictKey{certs: chainKey(ep.Certs), pool: opts.Pool, sipDomain: opts.SIPDomain}
	v.mu.Lock()
	e := v.seen[key]
	if e == nil {
		e = &verdictEntry{}
		v.seen[key] = e
	}
	v.mu.Unlock()
	// The first endpoint with this key evaluates; others wait for it.
	e.once.Do(func() {
		in := chain.Input{Source: ep.Label(), Certs: ep.Certs, Leaf: ep.Certs[0]}
		e.result, e.err = chain.Evaluate(v.cat, in, opts)
	})
	if e.err != nil {
		// chain.Evaluate names the source in its errors: this endpoint's.
		in := chain.Input{Source: ep.Label(), Certs: ep.Certs, Leaf: ep.Certs[0]}
		if _, err := chain.Evaluate(v.cat, in, opts); err != nil {
			ep.Err = fmt.Errorf("judging the chain: %w", err)
			return
		}
	}
	r := cloneResult(e.result)
	r.Source = ep.Label()
	ep.Result = r
}

// cloneResult is a deep copy of r that shares only the parsed
// certificates (never modified): callers may change one endpoint's
// result (add hints to its reasons, say) without changing another's.
func cloneResult(r *chain.Result) *chain.Result {
	return deepCopy(reflect.ValueOf(r)).Interface().(*chain.Result)
}

var certType = reflect.TypeFor[*x509.Certificate]()

// deepCopy copies v: structs field by field (unexported fields as they
// are), slices, arrays, maps and pointers recursively, except
// *x509.Certificate, which is shared.
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || v.Type() == certType {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(deepCopy(v.Elem()))
		return p
	case reflect.Struct:
		s := reflect.New(v.Type()).Elem()
		s.Set(v)
		for i := range v.NumField() {
			if s.Field(i).CanSet() {
				s.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return s
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			s.Index(i).Set(deepCopy(v.Index(i)))
		}
		return s
	case reflect.Array:
		a := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			a.Index(i).Set(deepCopy(v.Index(i)))
		}
		return a
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			m.SetMapIndex(it.Key(), deepCopy(it.Value()))
		}
		return m
	default:
		// Strings, numbers, booleans: values. Interfaces and funcs do not
		// occur in a chain.Result.
		return v
	}
}
