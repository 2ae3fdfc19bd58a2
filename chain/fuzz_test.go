package chain

import (
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
	"github.com/lpetrust/lpetrust/truststore/hostiletest"
)

// Seed corpora live in testdata/fuzz/FuzzReadBytes and
// testdata/fuzz/FuzzBuildPaths (real certificate, PFX and P7B files, a
// truncated PEM, a cross-signing loop). Run for example:
//
//	go test ./chain -run '^$' -fuzz FuzzReadBytes -fuzztime 30s -fuzzminimizetime 1s
//	go test ./chain -run '^$' -fuzz FuzzBuildPaths -fuzztime 30s -fuzzminimizetime 1s
//
// (-fuzzminimizetime keeps the engine from spending minutes minimizing
// PKCS#12 inputs, each of which costs several key derivations.)

func fuzzPassword(string) ([]byte, error) { return []byte("lpetrust-test-pfx"), nil }

// FuzzReadBytes: the reader never panics, and either returns certificates
// or a one-line error that starts with the source name.
func FuzzReadBytes(f *testing.F) {
	for _, p := range []string{"pfx/nopassword.pfx", "pfx/legacy-rc2.pfx", "pfx/chain.p7b", "pfx/chain-der.p7b", "pfx/leaf.pem"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in Input
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			in, err = ReadBytes("fuzz.bin", data, ReadOptions{Password: fuzzPassword, MaxBytes: 1 << 20})
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second): // a hang is a failure too
			t.Fatalf("ReadBytes still running after 5s on %d bytes", len(data))
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.bin: ") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("bad error %q", err)
			}
			return
		}
		if len(in.Certs) == 0 {
			t.Fatal("no error and no certificate")
		}
	})
}

// FuzzBuildPaths: whatever certificates come in, path building and the
// verdicts never panic and stay consistent.
func FuzzBuildPaths(f *testing.F) {
	for _, p := range []string{"pfx/chain.p7b", "certs/modern/340B2880F446FCC04E59ED33F52B3D08D6242964.pem", "certs/intermediates/339CDD57CFD5B141169B615FF31428782D1DA639.pem"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	cat := truststore.Default()
	at := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ReadBytes("fuzz.pem", data, ReadOptions{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		r, err := Evaluate(cat, in, Options{At: at, Pool: "pool.contoso.test", SIPDomain: "contoso.test"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Verdicts) != len(cat.Stores()) {
			t.Fatalf("%d verdicts for %d stores", len(r.Verdicts), len(cat.Stores()))
		}
		for _, v := range r.Verdicts {
			if v.Trusted && (v.ValidUntil == nil || v.AnchorSHA1 == "" || len(v.Path) == 0 || v.Path[len(v.Path)-1] != v.AnchorSHA1) {
				t.Fatalf("inconsistent trusted verdict %+v", v)
			}
			if len(v.ReasonCodes) != len(v.Reasons) {
				t.Fatalf("%d reason codes for %d reasons: %+v", len(v.ReasonCodes), len(v.Reasons), v)
			}
			if !v.Trusted && len(v.Reasons) == 0 {
				t.Fatalf("untrusted verdict without reasons: %+v", v)
			}
		}
		if (r.MinimumRelease != nil) != (len(r.Verdicts) > 0 && anyTrusted(r)) {
			t.Fatal("minimum_release inconsistent with verdicts")
		}
	})
}

func anyTrusted(r *Result) bool {
	for _, v := range r.Verdicts {
		if v.Trusted {
			return true
		}
	}
	return false
}

// FuzzPFXIterations: the PKCS#12 scan (structure, then the bags inside
// encrypted content once decrypted) ends fast whatever the input, refuses
// with its own errors only, and what it passes never asks the decoder for
// more iterations than the limit (the decoder, given the file, returns
// within the bound too).
func FuzzPFXIterations(f *testing.F) {
	for _, p := range []string{"pfx/nopassword.pfx", "pfx/legacy-rc2.pfx", "pfx/legacy-3des.pfx", "pfx/aes256.pfx"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(hostiletest.PFXMACBehindPadding(100))
	f.Add(hostiletest.PFXEncryptedContentBomb())
	f.Add(hostiletest.PFXKeyBagBomb())
	f.Add(hostiletest.PFXHiddenKeyBagBomb())
	f.Add(hostiletest.PFXNestedHiddenKeyBagBomb("lpetrust-test-pfx"))
	f.Add(withBombInEncryptedContent(f, "legacy-rc2.pfx"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		err := checkPFXIterations(data)
		if err == nil {
			if err = checkEncryptedBags(data, ""); isPasswordError(err) {
				err = checkEncryptedBags(data, "lpetrust-test-pfx")
			}
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("scan of %d bytes took %s", len(data), d)
		}
		if err != nil {
			wantScanError(t, err)
			return
		}
		decodeWithin(t, data, 10*time.Second)
	})
}

// FuzzPFXEncryptedBags: whatever the content of an encrypted SafeContents,
// the reader decrypts and scans it in bounded time, refuses a shrouded key
// bag the structure scan refuses, and what it passes the decoder decodes
// within the bound.
func FuzzPFXEncryptedBags(f *testing.F) {
	for _, p := range []string{"pfx/aes256.pfx", "pfx/legacy-3des.pfx"} {
		der, err := os.ReadFile(filepath.Join("..", "testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		pfx, _ := parsePFX(der)
		contents, _ := authSafeContents(pfx)
		for _, ci := range contents {
			var data []byte
			if ci.ContentType.Equal(oidPKCS7Data) && unmarshalAll(ci.Content.Bytes, &data) == nil {
				f.Add(data) // the key's SafeContents: a sane shrouded key bag
			}
		}
	}
	sequence := func(b []byte) []byte {
		return mustMarshal(f, asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: b})
	}
	bomb := sequence(bombKeyBag(f))
	f.Add(bomb)
	f.Add(sequence(mustMarshal(f, pfxSafeBag{ID: oidSafeContentsBag, Value: explicit0(bomb)})))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, safeContents []byte) {
		keyBags := 0
		want := checkSafeContents(safeContents, &keyBags, 1, 0)
		der := hostiletest.PFXWithEncryptedSafeContents("", 1, safeContents)
		start := time.Now()
		in, err := ReadBytes("fuzz.pfx", der, ReadOptions{})
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("reading took %s", d)
		}
		var ie, wantIE *IterationError
		if errors.As(want, &wantIE) && (!errors.As(err, &ie) || *ie != *wantIE) {
			t.Fatalf("the scan refuses with %v, the reader returned %v", want, err)
		}
		if err == nil && len(in.Certs) == 0 {
			t.Fatal("no error and no certificate")
		}
		if err != nil && (!strings.HasPrefix(err.Error(), "fuzz.pfx: ") || strings.Contains(err.Error(), "\n")) {
			t.Fatalf("bad error %q", err)
		}
	})
}

// wantScanError fails unless err is one of the scan's own refusals.
func wantScanError(t *testing.T, err error) {
	t.Helper()
	var ie *IterationError
	var ue unsupportedPFXError
	if !errors.As(err, &ie) && !errors.As(err, &ue) && err != errCorruptPFX && !isPasswordError(err) {
		t.Fatalf("unexpected error %v", err)
	}
}

// decodeWithin fails when decoding a file the scan passed takes longer than
// d (the decoder keeps running then: the test process ends with the failure).
func decodeWithin(t *testing.T, data []byte, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := openPKCS12(data, ""); isPasswordError(err) {
			openPKCS12(data, "lpetrust-test-pfx")
		}
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("decoding a file the scan passed still runs after %s", d)
	}
}
