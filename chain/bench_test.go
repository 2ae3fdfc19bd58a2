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
	// Once untimed: the catalogue's index is built on first use in a run.
	if _, err := Evaluate(cat, in, opts); err != nil {
		b.Fatal(err)
	}
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

// BenchmarkEvaluateMesh is the 57-certificate cross-signed mesh hiding a
// 4-certificate path (see TestMeshHidesShortPath). Target: under 50 ms.
//
//	go test ./chain -run '^$' -bench 'EvaluateMesh|EvaluateDecoys' -benchmem
func BenchmarkEvaluateMesh(b *testing.B) {
	root, in, _ := meshCase(b)
	benchmarkTrusted(b, root, in)
}

// BenchmarkEvaluateDecoys is an issuing CA behind 600 certificates with its
// name and key identifier (see TestSixHundredDecoys). Target: under 50 ms.
func BenchmarkEvaluateDecoys(b *testing.B) {
	root, in := decoyCase(b)
	benchmarkTrusted(b, root, in)
}

func benchmarkTrusted(b *testing.B, root *ca, in Input) {
	cat := overlayCatalogue(b, root.cert)
	opts := Options{At: at2027}
	if _, err := Evaluate(cat, in, opts); err != nil { // index the catalogue, untimed
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := Evaluate(cat, in, opts)
		if err != nil || !r.TrustedBy("LAB") {
			b.Fatal("not trusted", err)
		}
	}
}

// BenchmarkEvaluateUntrusted: a chain no store trusts, so the crosses that
// would rescue it and the hierarchies that work instead are looked up.
func BenchmarkEvaluateUntrusted(b *testing.B) {
	in := realInput(b, "modern/DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.pem")
	cat := truststore.Default()
	opts := Options{At: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		r, err := Evaluate(cat, in, opts)
		if err != nil || len(r.Alternatives) != 2 || len(r.Instead) != 1 {
			b.Fatal("want 2 alternatives and 1 instead", err)
		}
	}
}
