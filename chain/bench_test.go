package chain

import (
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
)

// BenchmarkEvaluate is the whole verdict for one real chain (COMODO issuing
// CA + the AAA cross-certificate) against every store, as inspect and the
// live checks run it once per endpoint and per phone model. Signature
// checks are cached across evaluations, as they are in a real run.
//
//	go test ./chain -run '^$' -bench Evaluate -benchmem
func BenchmarkEvaluate(b *testing.B) {
	in := realInput(b, "intermediates/"+shaComodoDV+".pem", "modern/"+shaComodoAAA+".pem")
	cat := truststore.Default()
	opts := Options{At: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), Pool: "pool.contoso.test", SIPDomain: "contoso.test"}
	b.ReportAllocs()
	for b.Loop() {
		r, err := Evaluate(cat, in, opts)
		if err != nil || !r.TrustedBy("RTM") {
			b.Fatal("not trusted", err)
		}
	}
}

// BenchmarkEvaluateColdSignatures is the same with the signature cache
// emptied before every evaluation: the cost of the first chain of a run.
func BenchmarkEvaluateColdSignatures(b *testing.B) {
	in := realInput(b, "intermediates/"+shaComodoDV+".pem", "modern/"+shaComodoAAA+".pem")
	cat := truststore.Default()
	opts := Options{At: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		sigCache.Lock()
		clear(sigCache.m)
		sigCache.Unlock()
		if _, err := Evaluate(cat, in, opts); err != nil {
			b.Fatal(err)
		}
	}
}
