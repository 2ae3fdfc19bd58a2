package textwrap

import (
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	got := Wrap("  1. ", "     ", "serve the cross-certificate DigiCert Global Root G2 (B7402517EEAAC80AB04681186E8247BD7851CD0A) with the chain", 40)
	want := "  1. serve the cross-certificate\n     DigiCert Global Root G2\n     (B7402517EEAAC80AB04681186E8247BD7851CD0A)\n     with the chain\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// A command in prose is one word: never cut.
	got = Wrap("", "  ", "trusts without AD: Amazon Root CA 1 (lpetrust cas --store RTM --store CU10 --reachable).", 40)
	want = "trusts without AD: Amazon Root CA 1\n  (lpetrust cas --store RTM --store CU10 --reachable).\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := Wrap("a: ", "   ", "short", Width); got != "a: short\n" {
		t.Errorf("got %q", got)
	}
}

func TestElide(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"renewal-digicert-g2.pem", 17, "renewal-d...2.pem"},
		{"short.pem", 17, "short.pem"},
		{"Polycom CX700 / LG-Nortel IP 8540", 20, "Polycom CX7...P 8540"},
		{"Go Daddy Root Certificate Authority - G2", 26, "Go Daddy Root C...ity - G2"},
		{"DigiCert Global Root G2", 26, "DigiCert Global Root G2"},
		{"Class 3 Public Primary Certification Authority", 26, "Class 3 Public ...uthority"},
	} {
		if got := Elide(tc.in, tc.n); got != tc.want || Len(got) > tc.n || strings.ContainsRune(got, '…') {
			t.Errorf("Elide(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestTable(t *testing.T) {
	tb := NewTable(40)
	tb.Row("  ✗", "RTM", "no path to any root of this store; the chain ends at GTS Root R1")
	tb.Row("  ✓", "CU11", "trusted until 2031-11-09")
	want := "  ✗  RTM   no path to any root of this\n" +
		"           store; the chain ends at GTS\n" +
		"           Root R1\n" +
		"  ✓  CU11  trusted until 2031-11-09\n"
	if got := tb.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestGrid(t *testing.T) {
	rows := [][]string{{"RELEASE", "PHONES", "today.pem", "renewal.pem"}, {"CU10", "2", "0 / 2", "2 / 0"}}
	if got, want := Grid(rows, 120), "RELEASE  PHONES  today.pem  renewal.pem\nCU10     2       0 / 2      2 / 0\n"; got != want {
		t.Errorf("one table:\n%s\nwant\n%s", got, want)
	}
	// Too wide for 30 columns: two tables, each with the first column.
	want := "RELEASE  PHONES  today.pem\nCU10     2       0 / 2\n\nRELEASE  renewal.pem\nCU10     2 / 0\n"
	if got := Grid(rows, 30); got != want {
		t.Errorf("split:\n%s\nwant\n%s", got, want)
	}
	for _, l := range strings.Split(Grid(rows, 30), "\n") {
		if Len(l) > 30 {
			t.Errorf("%q passes 30 columns", l)
		}
	}
}

// AppendElide writes what the rule of Elide says, rune by rune: the first
// (n-3)*2/3 runes, "...", the last ones (invalid bytes as U+FFFD).
func TestAppendElide(t *testing.T) {
	for _, s := range []string{"", "short", "renewal-digicert-global-root-g2.pem", "Zürich — ✓ Zürich — ✓ Zürich", "bad \xff\xfe bytes in a long name", "sip:user123456@contoso.com"} {
		for n := 0; n < 40; n++ {
			want := s
			if r := []rune(s); len(r) > n && n >= 5 {
				head := (n - 3) * 2 / 3
				want = string(r[:head]) + "..." + string(r[len(r)-(n-3-head):])
			}
			if got := string(AppendElide([]byte("x"), s, n)); got != "x"+want {
				t.Errorf("AppendElide(%q, %d) = %q, want %q", s, n, got, "x"+want)
			}
			if got := string(AppendElide([]byte("x"), []byte(s), n)); got != "x"+want {
				t.Errorf("AppendElide(%q, %d) = %q, want %q", s, n, got, "x"+want)
			}
			if got := Elide(s, n); got != want {
				t.Errorf("Elide(%q, %d) = %q, want %q", s, n, got, want)
			}
		}
	}
}
