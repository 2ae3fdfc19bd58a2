package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
)

// fastTime is the Reader's time parser without its date memo.
func fastTime(b []byte) (time.Time, bool) { return (*dateMemo)(nil).fastTime(b) }

// FuzzReader: no input makes the reader panic or loop, every record is
// classified, the counts add up, and ReadAhead reads the same rows, and so
// does a Reader resumed at any Mark.
//
//	go test ./truststore/inventory -run XXX -fuzz FuzzReader -fuzztime 60s
func FuzzReader(f *testing.F) {
	for _, name := range []string{"lync-ip-phone-inventory.csv", "monitoring-registrations.tsv", "phones-semicolon.csv", "user-agents.txt"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "inventory", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("version\n\"4.0.7577.4420\n"))
	f.Add([]byte("\xef\xbb\xbfUser agent;MAC\n\"a\"\"b\";00-04\n"))
	cat := truststore.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		ir, err := NewReader(bytes.NewReader(data), cat)
		if err != nil {
			return
		}
		kinds := map[Kind]int{}
		for n := 0; ; n++ {
			if n > len(data)+1 {
				t.Fatalf("more records than bytes")
			}
			row, err := ir.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("read error from a byte slice: %v", err)
			}
			if row.Line < 1 {
				t.Fatalf("line %d", row.Line)
			}
			if row.Kind == KindPhone && row.Version == "" {
				t.Fatalf("phone without a version at line %d", row.Line)
			}
			kinds[row.Kind]++
		}
		st := ir.Stats()
		other := 0
		for _, n := range st.Other {
			other += n
		}
		if st.PhoneRows != kinds[KindPhone] || st.BadRows != kinds[KindBad] || other != kinds[KindOther] ||
			st.Records != st.PhoneRows+st.BadRows+other {
			t.Fatalf("stats %+v do not add up to %v", st, kinds)
		}
		compareReadAhead(t, data, nil)
		compareReadAhead(t, data, func(line int) bool { return line%2 == 0 })
		compareResume(t, data, int64(len(data)/3+1), true)
	})
}

// FuzzFastTime: the allocation-free time parser agrees with time.Parse on
// every input it accepts, and with and without its date memo with the
// field-by-field parser it replaced on every input.
func FuzzFastTime(f *testing.F) {
	for _, s := range []string{"11/20/2026 8:15:03 AM", "12/31/2026 12:00:00 PM", "2/29/2024 12:59:59 AM",
		"2026-11-20 08:15:03.457", "1/1/2026 1:00:00 AM", "12/5/2026 10:07:59 PM", "1/25/2026 9:00:00 AM", "2026-11-20 08:15:03.1", "2026-11-20 08:15:03.123456789", "2026-11-20 08:15:03.", "2026-11-20 08:15:03", "2026-02-30 00:00:00", "13/1/2026 1:00:00 AM", "1/1/2026 13:00:00 PM",
		"0000-01-01 00:00:00", "0000-02-29 23:59:59", "0000-03-01 00:00:00", "1600-02-29 00:00:00", "1900-02-28 00:00:00", "9999-12-31 23:59:59.999999999"} {
		f.Add(s)
	}
	var memo dateMemo // shared by the inputs: their dates meet in its slots
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := fastTime([]byte(s))
		if m, mok := memo.fastTime([]byte(s)); m != got || mok != ok {
			t.Fatalf("fastTime(%q) = %v, %v; with the date memo: %v, %v", s, got, ok, m, mok)
		}
		if r, rok := referenceFastTime([]byte(s)); r != got || rok != ok {
			t.Fatalf("fastTime(%q) = %v, %v; the field-by-field parser: %v, %v", s, got, ok, r, rok)
		}
		if !ok {
			return
		}
		var want time.Time
		var err error
		if len(s) > 4 && s[4] == '-' {
			want, err = time.Parse("2006-01-02 15:04:05.999999999", s)
		} else {
			want, err = time.Parse("1/2/2006 3:04:05 PM", s)
		}
		if err != nil || got != want {
			t.Fatalf("fastTime(%q) = %v, time.Parse: %v, %v", s, got, want, err)
		}
	})
}

// referenceFastTime is the field-by-field parser fastTime replaced: what it
// accepts and returns fastTime must.
func referenceFastTime(b []byte) (time.Time, bool) {
	var y, mo, d, h, mi, sec, nsec int
	var ok bool
	i := 0
	if len(b) > 4 && b[4] == '-' {
		if y, i, ok = digits(b, i, 4, 4, '-'); !ok {
			return time.Time{}, false
		}
		if mo, i, ok = digits(b, i, 2, 2, '-'); !ok {
			return time.Time{}, false
		}
		if d, i, ok = digits(b, i, 2, 2, ' '); !ok {
			return time.Time{}, false
		}
		if h, i, ok = digits(b, i, 2, 2, ':'); !ok {
			return time.Time{}, false
		}
		if mi, i, ok = digits(b, i, 2, 2, ':'); !ok {
			return time.Time{}, false
		}
		if sec, i, ok = digits(b, i, 2, 2, 0); !ok {
			return time.Time{}, false
		}
		if i < len(b) && b[i] == '.' {
			start := i + 1
			f, j, ok := digits(b, start, 1, 9, 0)
			if !ok {
				return time.Time{}, false
			}
			for n := j - start; n < 9; n++ {
				f *= 10
			}
			nsec, i = f, j
		}
	} else {
		if mo, i, ok = digits(b, i, 1, 2, '/'); !ok {
			return time.Time{}, false
		}
		if d, i, ok = digits(b, i, 1, 2, '/'); !ok {
			return time.Time{}, false
		}
		if y, i, ok = digits(b, i, 4, 4, ' '); !ok {
			return time.Time{}, false
		}
		if h, i, ok = digits(b, i, 1, 2, ':'); !ok {
			return time.Time{}, false
		}
		if mi, i, ok = digits(b, i, 2, 2, ':'); !ok {
			return time.Time{}, false
		}
		if sec, i, ok = digits(b, i, 2, 2, ' '); !ok || i+2 != len(b) {
			return time.Time{}, false
		}
		if h < 1 || h > 12 {
			return time.Time{}, false
		}
		switch string(b[i:]) {
		case "AM":
			if h == 12 {
				h = 0
			}
		case "PM":
			if h != 12 {
				h += 12
			}
		default:
			return time.Time{}, false
		}
		i += 2
	}
	if i != len(b) || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	// time.Date(y, mo, d, h, mi, sec, nsec, time.UTC), without its
	// normalization (every field is in range).
	secs := daysSinceEpoch(y, mo, d)*86400 + int64(h*3600+mi*60+sec)
	return time.Unix(secs, int64(nsec)).UTC(), true
}

// digits reads min to max decimal digits of b from i and then, unless sep
// is 0, the separator sep; it returns the number and the index after.
func digits(b []byte, i, min, max int, sep byte) (n, next int, ok bool) {
	start := i
	for i < len(b) && i-start < max && b[i] >= '0' && b[i] <= '9' {
		n = n*10 + int(b[i]-'0')
		i++
	}
	if i-start < min {
		return 0, i, false
	}
	if sep != 0 {
		if i >= len(b) || b[i] != sep {
			return 0, i, false
		}
		i++
	}
	return n, i, true
}

// FuzzSplitFields: the splitter gives bytes.Split's
// fields, each capped at its end, after the fields it was given, and
// declines every line holding a quote or a NUL byte.
func FuzzSplitFields(f *testing.F) {
	for _, s := range []string{"", ",", "a,b", "POLYCOM,CX600,00-04-F2-00-00-01,sip:user1@contoso.com,CPE/4.0.7577.4047,11/2/2026 2:01:00 AM,,",
		",,,,,,,,,,,,,,,,", "a;b;c;d;e;f;g;h;i", "abcdefgh,", "abcdefg,h", `a,"b",c`, "abcdefghijklmnop\x00", "abcdefghijklmno\""} {
		f.Add(s, byte(','))
	}
	f.Add("a;b;c;d;e;f;g;h;i", byte(';'))
	f.Add("a\tb\t\tc", byte('\t'))
	f.Fuzz(func(t *testing.T, s string, delim byte) {
		if delim == '"' || delim == 0 {
			return
		}
		l := []byte(s)
		prefix := [][]byte{[]byte("kept")}
		got, ok := splitFields(prefix, l, delim)
		if strings.ContainsAny(s, "\"\x00") {
			if ok || len(got) != 1 {
				t.Fatalf("splitFields(%q, %q) = %q, %v; want it declined", s, delim, got, ok)
			}
			return
		}
		want := bytes.Split(l, []byte{delim})
		if !ok || len(got) != len(want)+1 || string(got[0]) != "kept" {
			t.Fatalf("splitFields(%q, %q) = %q, %v; want %q", s, delim, got, ok, want)
		}
		for i, w := range want {
			if g := got[i+1]; !bytes.Equal(g, w) || cap(g) != len(g) {
				t.Fatalf("splitFields(%q, %q) field %d = %q (cap %d), want %q", s, delim, i, g, cap(g), w)
			}
		}
	})
}

// FuzzParseMAC: the fixed-layout path reads what the digit-by-digit one
// reads, and AppendMAC writes it back as six upper-case hex octets.
func FuzzParseMAC(f *testing.F) {
	for _, s := range []string{"00-04-F2-12-34-56", "00:04:f2:12:34:56", "0004.F212.3456", "00-04-F2-12-34-5G", "00-04-F2-12-34:56",
		"00-04-F2-12-34-567", "00 04 F2 12 34 56", "00-04-F2-1-234-56", "ff-ff-ff-ff-ff-ff", "00-04-F2\x00-12-34-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseMAC([]byte(s), false)
		want, wok := parseMACDigits([]byte(s))
		if got != want || ok != wok {
			t.Fatalf("parseMAC(%q) = %x, %v; digit by digit: %x, %v", s, got, ok, want, wok)
		}
		if ok {
			o := func(shift int) byte { return byte(got >> shift) }
			if a, f := string(AppendMAC(nil, got)), fmt.Sprintf("%02X-%02X-%02X-%02X-%02X-%02X", o(40), o(32), o(24), o(16), o(8), o(0)); a != f {
				t.Fatalf("AppendMAC(%x) = %s, want %s", got, a, f)
			}
		}
	})
}
