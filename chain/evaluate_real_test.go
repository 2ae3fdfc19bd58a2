package chain

import (
	"reflect"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
)

// Tests on the real public certificates in testdata/certs: real roots and
// real cross-certificates whose signatures chain to real LPE roots.

var at20261122 = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

const (
	shaDigiCertG2    = "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4"
	shaDigiCertEV    = "5FB7EE0633E259DBAD0C4C9AE6D38F1A61C7DC25"
	shaGoDaddyCross  = "340B2880F446FCC04E59ED33F52B3D08D6242964"
	shaGoDaddyClass2 = "2796BAE63F1801E277261BA0D77770028F20EEE4"
	shaGoDaddyG2     = "47BEABC922EAE80E78783462A79F45C254FDE68B"
	shaUSERTrustAAA  = "D89E3BD43D5D909B47A18977AA9D5CE36CEE184C"
	shaAAA           = "D1EB23A46D17D68FD92564C2F1F1601764D8E349"
	shaComodoDV      = "339CDD57CFD5B141169B615FF31428782D1DA639"
	shaComodoAAA     = "8D4C4A23BA9EE84EA7348FA98CC6E65FBB69DE7B"
	shaGSR3Cross     = "0BBFAB97059595E8D1EC48E89EB8657C0E5AAE71"
	shaGSR1md5       = "2F173F7DE99667AFA57AF80AA2D1B12FAC830338"
	shaGSR1          = "B1BC968BD4F49D622AA89A81F2150152A41D829C"
)

type wantVerdict struct {
	trusted    bool
	anchor     string
	validUntil string // RFC 3339, "" for nil
	reasons    []string
}

func checkVerdicts(t *testing.T, r *Result, want map[string]wantVerdict) {
	t.Helper()
	if len(r.Verdicts) != len(want) {
		t.Fatalf("got %d verdicts, want %d", len(r.Verdicts), len(want))
	}
	for store, w := range want {
		v := r.Verdict(store)
		if v == nil {
			t.Fatalf("no verdict for %s", store)
		}
		until := ""
		if v.ValidUntil != nil {
			until = v.ValidUntil.UTC().Format(time.RFC3339)
		}
		reasons := v.Reasons
		if len(reasons) == 0 {
			reasons = nil
		}
		got := wantVerdict{v.Trusted, v.AnchorSHA1, until, reasons}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s:\n got  %+v\n want %+v", store, got, w)
		}
	}
}

func releaseOf(r *Result) string {
	if r.MinimumRelease == nil {
		return "<nil>"
	}
	return *r.MinimumRelease
}

func TestDigiCertG2TrustedByNoneAndNamedMissing(t *testing.T) {
	r := mustEvaluate(t, truststore.Default(), realInput(t, "modern/"+shaDigiCertG2+".pem"), Options{At: at20261122})
	reason := []string{"no path to any root of this store; the chain ends at DigiCert Global Root G2 (DF3C24F9BFD666761B268073FE06D1CC8D4F82A4), which no LPE firmware has"}
	checkVerdicts(t, r, map[string]wantVerdict{
		"RTM":  {false, "", "", reason},
		"CU10": {false, "", "", reason},
		"CU11": {false, "", "", reason},
	})
	if r.MinimumRelease != nil {
		t.Errorf("minimum_release = %q, want nil", *r.MinimumRelease)
	}
	for _, b := range r.MinimumBuilds {
		if b.Version != "" {
			t.Errorf("minimum build for %s = %s, want none", b.Family, b.Version)
		}
	}
	if len(r.MinimumBuilds) != len(truststore.Families) {
		t.Errorf("%d minimum builds, want one per family (%d)", len(r.MinimumBuilds), len(truststore.Families))
	}
	if len(r.MissingRoots) != 1 || r.MissingRoots[0].SHA1 != shaDigiCertG2 || !r.MissingRoots[0].Known ||
		r.MissingRoots[0].Name != "DigiCert Global Root G2" || r.MissingRoots[0].Cert == nil {
		t.Errorf("missing roots = %+v", r.MissingRoots)
	}
	if r.TrustedBy("CU11") || r.Passes("CU11") {
		t.Error("TrustedBy/Passes CU11 = true")
	}
}

func TestDigiCertEVRootTrustedFromCU10(t *testing.T) {
	r := mustEvaluate(t, truststore.Default(), realInput(t, "lpe/"+shaDigiCertEV+".pem"), Options{At: at20261122})
	checkVerdicts(t, r, map[string]wantVerdict{
		"RTM":  {false, "", "", []string{"no path to any root of this store; the chain ends at DigiCert High Assurance EV Root CA (5FB7EE0633E259DBAD0C4C9AE6D38F1A61C7DC25), which only CU10, CU11 have"}},
		"CU10": {true, shaDigiCertEV, "2031-11-10T00:00:00Z", nil},
		"CU11": {true, shaDigiCertEV, "2031-11-10T00:00:00Z", nil},
	})
	if got := releaseOf(r); got != "CU10" {
		t.Errorf("minimum_release = %s, want CU10", got)
	}
	wantBuilds := []FamilyBuild{
		{truststore.FamilyCX700, "4.0.7577.4411", "CU10"},
		{truststore.FamilyCX500, "4.0.7577.4414", "CU10"},
		{truststore.FamilyAastra, "4.0.7577.4414", "CU10"},
		{truststore.FamilyHP, "4.0.7577.4414", "CU10"},
	}
	if !reflect.DeepEqual(r.MinimumBuilds, wantBuilds) {
		t.Errorf("minimum builds = %+v\nwant %+v", r.MinimumBuilds, wantBuilds)
	}
	if len(r.MissingRoots) != 1 || r.MissingRoots[0].SHA1 != shaDigiCertEV || !reflect.DeepEqual(r.MissingRoots[0].Stores, []string{"CU10", "CU11"}) {
		t.Errorf("missing roots = %+v", r.MissingRoots)
	}
}

// The real Go Daddy G2 cross-certificate is signed by the RTM root Go Daddy
// Class 2; its key is the key of the CU11 root Go Daddy G2, so CU11 anchors
// it at its own G2 root (matched by key) and older stores through Class 2.
func TestGoDaddyG2CrossTrustedFromRTM(t *testing.T) {
	r := mustEvaluate(t, truststore.Default(), realInput(t, "modern/"+shaGoDaddyCross+".pem"), Options{At: at20261122})
	checkVerdicts(t, r, map[string]wantVerdict{
		"RTM":  {true, shaGoDaddyClass2, "2031-05-30T07:00:00Z", nil},
		"CU10": {true, shaGoDaddyClass2, "2031-05-30T07:00:00Z", nil},
		"CU11": {true, shaGoDaddyG2, "2037-12-31T23:59:59Z", nil},
	})
	if got := releaseOf(r); got != "RTM" {
		t.Errorf("minimum_release = %s, want RTM", got)
	}
	if got := r.Verdict("RTM").Path; !reflect.DeepEqual(got, []string{shaGoDaddyCross, shaGoDaddyClass2}) {
		t.Errorf("RTM path = %v", got)
	}
	if got := r.Verdict("CU11").Path; !reflect.DeepEqual(got, []string{shaGoDaddyG2}) {
		t.Errorf("CU11 path = %v", got)
	}
	if len(r.MissingRoots) != 0 || len(r.Alternatives) != 0 {
		t.Errorf("missing %v, alternatives %v", r.MissingRoots, r.Alternatives)
	}
	wantHP := FamilyBuild{truststore.FamilyHP, "4.0.7577.4047", "CU4"}
	if r.MinimumBuilds[3] != wantHP {
		t.Errorf("HP minimum build = %+v, want %+v", r.MinimumBuilds[3], wantHP)
	}
}

func TestUSERTrustViaAAACross(t *testing.T) {
	in := realInput(t, "modern/"+shaUSERTrustAAA+".pem")
	r := mustEvaluate(t, truststore.Default(), in, Options{At: at20261122})
	trusted := wantVerdict{true, shaAAA, "2028-12-31T23:59:59Z", nil}
	checkVerdicts(t, r, map[string]wantVerdict{"RTM": trusted, "CU10": trusted, "CU11": trusted})
	if got := releaseOf(r); got != "RTM" {
		t.Errorf("minimum_release = %s, want RTM", got)
	}

	r = mustEvaluate(t, truststore.Default(), in, Options{At: time.Date(2029, 6, 1, 0, 0, 0, 0, time.UTC)})
	expired := wantVerdict{false, shaAAA, "", []string{
		"certificate USERTrust RSA Certification Authority (D89E3BD43D5D909B47A18977AA9D5CE36CEE184C) expired 2028-12-31",
		"root AAA Certificate Services (D1EB23A46D17D68FD92564C2F1F1601764D8E349) expired 2028-12-31",
	}}
	checkVerdicts(t, r, map[string]wantVerdict{"RTM": expired, "CU10": expired, "CU11": expired})
	if r.MinimumRelease != nil {
		t.Errorf("minimum_release = %s at 2029-06-01, want nil", *r.MinimumRelease)
	}
}

// A real Sectigo (COMODO) issuing CA whose root no phone has: the catalogue's
// real cross-certificate from AAA Certificate Services (RTM) is offered as
// the certificate to add; once the server sends it, every store trusts the
// chain until the cross-certificate expires.
func TestComodoIntermediateAlternativeAndCross(t *testing.T) {
	r := mustEvaluate(t, truststore.Default(), realInput(t, "intermediates/"+shaComodoDV+".pem"), Options{At: at20261122})
	// The catalogue knows the NSS root COMODO RSA Certification Authority,
	// so the chain is followed to it and the root is named.
	reason := []string{"no path to any root of this store; the chain ends at COMODO RSA Certification Authority (AFE5D244A8D1194230FF479FE2F897BBCD7A8CB4), which no LPE firmware has"}
	checkVerdicts(t, r, map[string]wantVerdict{
		"RTM": {false, "", "", reason}, "CU10": {false, "", "", reason}, "CU11": {false, "", "", reason},
	})
	if len(r.Alternatives) != 1 {
		t.Fatalf("alternatives = %+v, want one", r.Alternatives)
	}
	alt := r.Alternatives[0]
	if alt.AddSHA1 != shaComodoAAA || alt.AnchorSHA1 != shaAAA || !reflect.DeepEqual(alt.Stores, []string{"RTM", "CU10", "CU11"}) ||
		alt.ValidUntil.UTC().Format(time.DateOnly) != "2028-12-31" {
		t.Errorf("alternative = %+v", alt)
	}
	wantMsg := "send COMODO RSA Certification Authority (8D4C4A23BA9EE84EA7348FA98CC6E65FBB69DE7B, issued by AAA Certificate Services) in the server's chain: RTM, CU10, CU11 would then trust it until 2028-12-31"
	if alt.Message != wantMsg {
		t.Errorf("message = %q\nwant %q", alt.Message, wantMsg)
	}

	// The server sends the cross-certificate: trusted from RTM.
	in := realInput(t, "intermediates/"+shaComodoDV+".pem", "modern/"+shaComodoAAA+".pem")
	r = mustEvaluate(t, truststore.Default(), in, Options{At: at20261122})
	trusted := wantVerdict{true, shaAAA, "2028-12-31T23:59:59Z", nil}
	checkVerdicts(t, r, map[string]wantVerdict{"RTM": trusted, "CU10": trusted, "CU11": trusted})
	if len(r.Alternatives) != 0 {
		t.Errorf("alternatives = %+v, want none", r.Alternatives)
	}
	if got := []string{r.Chain[0].SHA1, r.Chain[1].SHA1, r.Chain[2].SHA1}; !reflect.DeepEqual(got, []string{shaComodoDV, shaComodoAAA, shaAAA}) || r.Chain[2].Origin != OriginStore {
		t.Errorf("chain = %v (%s)", got, r.Chain[2].Origin)
	}
}

// GlobalSign Root CA R1: RTM holds the 1998 md5 copy (expired 2014), CU11
// the 2028 re-issue with the same key. A real R3 cross signed by that key
// is trusted by CU11, and by RTM only when expired roots are honoured.
func TestGlobalSignR1ExpiredCopyAndReissue(t *testing.T) {
	in := realInput(t, "modern/"+shaGSR3Cross+".pem")
	r := mustEvaluate(t, truststore.Default(), in, Options{At: at20261122})
	expired := wantVerdict{false, shaGSR1md5, "", []string{
		"root GlobalSign Root CA (2F173F7DE99667AFA57AF80AA2D1B12FAC830338) expired 2014-01-28",
		"a re-issue of that root with the same key, GlobalSign Root CA (B1BC968BD4F49D622AA89A81F2150152A41D829C, valid until 2028-01-28), is known: publish it to phones (e.g. in Active Directory)",
	}}
	checkVerdicts(t, r, map[string]wantVerdict{
		"RTM": expired, "CU10": expired,
		"CU11": {true, shaGSR1, "2028-01-28T12:00:00Z", nil},
	})
	if len(r.MissingRoots) != 1 || r.MissingRoots[0].SHA1 != shaGSR1 {
		t.Errorf("missing roots = %+v, want the re-issued R1", r.MissingRoots)
	}

	r = mustEvaluate(t, truststore.Default(), in, Options{At: at20261122, HonorExpiredRoots: true})
	honored := wantVerdict{true, shaGSR1md5, "2028-01-28T12:00:00Z", nil}
	checkVerdicts(t, r, map[string]wantVerdict{"RTM": honored, "CU10": honored, "CU11": {true, shaGSR1, "2028-01-28T12:00:00Z", nil}})
}

const shaGoDaddySecureG2 = "27AC9369FAF25207BB2627CEFACCBE4EF9C319B8"

// The real Go Daddy issuing CA under Go Daddy Root G2 (a CU11 root): CU11
// trusts it; RTM and CU10 only once the server also sends the G2
// cross-certificate from Go Daddy Class 2 (an RTM root), which the
// catalogue offers as the alternative.
func TestGoDaddyG2ChainTrustedFromRTMWithCross(t *testing.T) {
	r := mustEvaluate(t, truststore.Default(), realInput(t, "intermediates/"+shaGoDaddySecureG2+".pem"), Options{At: at20261122})
	noPath := []string{"no path to any root of this store; the chain ends at Go Daddy Root Certificate Authority - G2 (47BEABC922EAE80E78783462A79F45C254FDE68B), which only CU11 has"}
	checkVerdicts(t, r, map[string]wantVerdict{
		"RTM": {false, "", "", noPath}, "CU10": {false, "", "", noPath},
		"CU11": {true, shaGoDaddyG2, "2031-05-03T07:00:00Z", nil},
	})
	v := r.Verdict("CU11")
	if !v.Trusted || v.AnchorSHA1 != shaGoDaddyG2 || v.ValidUntil.UTC().Format(time.RFC3339) != "2031-05-03T07:00:00Z" {
		t.Errorf("CU11 = %+v", v)
	}
	for _, s := range []string{"RTM", "CU10"} {
		if v := r.Verdict(s); v.Trusted {
			t.Errorf("%s trusts the chain without the cross-certificate", s)
		}
	}
	if got := releaseOf(r); got != "CU11" {
		t.Errorf("minimum_release = %s", got)
	}
	if len(r.Alternatives) != 1 || r.Alternatives[0].AddSHA1 != shaGoDaddyCross ||
		!reflect.DeepEqual(r.Alternatives[0].Stores, []string{"RTM", "CU10"}) || r.Alternatives[0].AnchorSHA1 != shaGoDaddyClass2 {
		t.Fatalf("alternatives = %+v", r.Alternatives)
	}

	in := realInput(t, "intermediates/"+shaGoDaddySecureG2+".pem", "modern/"+shaGoDaddyCross+".pem")
	r = mustEvaluate(t, truststore.Default(), in, Options{At: at20261122})
	checkVerdicts(t, r, map[string]wantVerdict{
		"RTM":  {true, shaGoDaddyClass2, "2031-05-03T07:00:00Z", nil},
		"CU10": {true, shaGoDaddyClass2, "2031-05-03T07:00:00Z", nil},
		"CU11": {true, shaGoDaddyG2, "2031-05-03T07:00:00Z", nil},
	})
	if got := r.Verdict("RTM").Path; !reflect.DeepEqual(got, []string{shaGoDaddySecureG2, shaGoDaddyCross, shaGoDaddyClass2}) {
		t.Errorf("RTM path = %v", got)
	}
	if got := releaseOf(r); got != "RTM" || len(r.Alternatives) != 0 {
		t.Errorf("minimum_release = %s, alternatives %v", got, r.Alternatives)
	}
}

// Every real cross-certificate issued by an RTM root chains to that root
// with a real signature, so every store trusts it.
func TestChainsToRTMRootsTrustedByAllStores(t *testing.T) {
	for sha, rtmRoot := range map[string]string{
		"340B2880F446FCC04E59ED33F52B3D08D6242964": shaGoDaddyClass2,                           // Go Daddy G2 <- Go Daddy Class 2
		"841D4A9FC9D3B2F0CA5FAB95525AB2066ACF8322": shaGoDaddyClass2,                           // Go Daddy G2 (2011) <- Go Daddy Class 2
		"9565B778C8A50EB4FEFD45C8A658DDE2411EAD0A": "AD7E1C28B064EF8F6003402014C3D0E3370EB58A", // Starfield G2 <- Starfield Class 2
		"0ED4389DA291346F6C47F0E3C9A6FA7965A32322": "AD7E1C28B064EF8F6003402014C3D0E3370EB58A", // Starfield Services G2 <- Starfield Class 2
		shaUSERTrustAAA: shaAAA,
		shaComodoAAA:    shaAAA,
	} {
		r := mustEvaluate(t, truststore.Default(), realInput(t, "modern/"+sha+".pem"), Options{At: at20261122})
		for _, s := range []string{"RTM", "CU10", "CU11"} {
			if !r.TrustedBy(s) {
				t.Errorf("%s: not trusted by %s: %v", sha[:8], s, r.Verdict(s).Reasons)
			}
		}
		if v := r.Verdict("RTM"); v.AnchorSHA1 != rtmRoot {
			t.Errorf("%s: RTM anchor %s, want %s", sha[:8], v.AnchorSHA1, rtmRoot)
		}
		want := []FamilyBuild{
			{truststore.FamilyCX700, "4.0.7576.0", "RTM"},
			{truststore.FamilyCX500, "4.0.7576.0", "RTM"},
			{truststore.FamilyAastra, "4.0.7576.0", "RTM"},
			{truststore.FamilyHP, "4.0.7577.4047", "CU4"},
		}
		if releaseOf(r) != "RTM" || !reflect.DeepEqual(r.MinimumBuilds, want) {
			t.Errorf("%s: minimum release %s, builds %+v", sha[:8], releaseOf(r), r.MinimumBuilds)
		}
	}
}
