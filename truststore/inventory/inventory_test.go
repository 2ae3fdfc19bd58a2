package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/lpetrust/lpetrust/truststore"
)

// readAll reads an inventory and returns one summary line per record.
func readAll(t *testing.T, r io.Reader) (*Reader, []string) {
	t.Helper()
	ir, err := NewReader(r, truststore.Default())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		row, err := ir.Next()
		if err == io.EOF {
			return ir, out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, describe(row))
	}
}

func describe(r *Row) string {
	switch r.Kind {
	case KindPhone:
		mac := "-"
		if r.HasMAC {
			mac = FormatMAC(r.MAC)
		}
		fam := r.Family
		if r.FamilyInferred {
			fam += " (inferred)"
		}
		seen := "-"
		if !r.Seen.IsZero() {
			seen = r.Seen.Format(time.RFC3339)
		}
		return fmt.Sprintf("%d phone %s|%s|%s|%s|%s|%s|%s|%s|%s", r.Line, mac, r.Model, fam, r.Version, r.Build.Release, r.Build.Store, r.SignIn, seen, r.UserURI)
	default:
		return fmt.Sprintf("%d %s: %s", r.Line, r.Kind, r.Reason)
	}
}

func openTestdata(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "inventory", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestLyncReport(t *testing.T) {
	ir, got := readAll(t, openTestdata(t, "lync-ip-phone-inventory.csv"))
	if ir.Format() != FormatLyncReport || ir.Delimiter() != ',' {
		t.Errorf("format %q delimiter %q", ir.Format(), ir.Delimiter())
	}
	want := []string{
		"2 phone 00-04-F2-00-01-76|CX600|Polycom CX500 / CX600 / CX3000|4.0.7577.4414|CU10|CU10||2026-11-02T08:15:03Z|sip:alice@contoso.com",
		"3 phone 00-04-F2-00-01-76|CX600|Polycom CX500 / CX600 / CX3000|4.0.7577.4420|CU11|CU11||2026-11-20T08:15:03Z|sip:alice@contoso.com",
		"4 phone 00-04-F2-3A-11-02|CX500|Polycom CX500 / CX600 / CX3000|4.0.7577.4100|CU6|RTM||2026-11-19T07:58:41Z|sip:bob@contoso.com",
		"5 phone 00-04-F2-8C-40-1E|CX3000|Polycom CX500 / CX600 / CX3000|4.0.7577.4463|May 2015|CU11||2026-11-18T10:00:00Z|sip:boardroom4@contoso.com",
		"6 phone 00-04-F2-10-9A-3C|CX700|Polycom CX700 / LG-Nortel IP 8540|4.0.7577.4363|CU7|RTM||2026-11-20T09:01:00Z|sip:carol@contoso.com",
		"7 phone 00-1E-CA-44-02-9B|IP8540|Polycom CX700 / LG-Nortel IP 8540|4.0.7577.4411|CU10|CU10||2026-11-20T09:02:00Z|sip:dave@contoso.com",
		"8 phone 00-08-5D-31-7A-C0|6725ip|Aastra 6721ip / 6725ip|4.0.7577.4414|CU10|CU10||2026-11-20T09:03:00Z|sip:erin@contoso.com",
		"9 phone 00-08-5D-31-7B-04|6721ip|Aastra 6721ip / 6725ip|4.0.7577.4047|CU4|RTM||2026-11-17T14:30:00Z|sip:lobby@contoso.com",
		"10 phone 00-21-5A-9C-00-11|4120|HP 4110 / 4120|4.0.7577.4455|CU15|CU11||2026-11-20T09:04:00Z|sip:frank@contoso.com",
		"11 phone 00-21-5A-9C-00-12|4110|HP 4110 / 4120|4.0.7577.4444|CU12|CU11||2026-11-20T09:05:00Z|sip:grace@contoso.com",
		"12 phone 00-04-F2-77-00-01|CPE||4.0.7577.4451|CU14|CU11||2026-11-20T09:06:00Z|sip:heidi@contoso.com",
		"13 phone 00-04-F2-00-01-99|CX600|Polycom CX500 / CX600 / CX3000|4.0.7577.4397|CU9|RTM||2026-11-19T09:00:00Z|sip:ivan@contoso.com",
		"14 not an LPE phone: desktop client",
		"15 not an LPE phone: other device",
		`17 unparsable: malformed MAC address "00-04-F2-XX-01-77"`,
		"18 unparsable: LPE device without a user agent or firmware version",
		`19 unparsable: unreadable time "yesterday"`,
		"20 unparsable: quoted field not closed",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	st := ir.Stats()
	wantStats := Stats{Records: 18, PhoneRows: 12, Other: map[string]int{OtherDesktopClient: 1, OtherDevice: 1}, BadRows: 4,
		Problems: []Problem{
			{17, `malformed MAC address "00-04-F2-XX-01-77"`},
			{18, "LPE device without a user agent or firmware version"},
			{19, `unreadable time "yesterday"`},
			{20, "quoted field not closed"},
		}, Skipped: 1}
	if !reflect.DeepEqual(st, wantStats) {
		t.Errorf("stats %+v\nwant  %+v", st, wantStats)
	}
}

func TestMonitoringView(t *testing.T) {
	ir, got := readAll(t, openTestdata(t, "monitoring-registrations.tsv"))
	if ir.Format() != FormatMonitoring || ir.Delimiter() != '\t' {
		t.Errorf("format %q delimiter %q", ir.Format(), ir.Delimiter())
	}
	want := []string{
		"2 phone 00-04-F2-00-01-76|CX600|Polycom CX500 / CX600 / CX3000|4.0.7577.4414|CU10|CU10||2026-11-02T08:15:03Z|sip:alice@contoso.com",
		"3 phone 00-04-F2-00-01-76|CX600|Polycom CX500 / CX600 / CX3000|4.0.7577.4420|CU11|CU11||2026-11-20T08:15:03Z|sip:alice@contoso.com",
		"4 phone 00-04-F2-00-01-76|CX600|Polycom CX500 / CX600 / CX3000|4.0.7577.4414|CU10|CU10||2026-11-10T08:15:03Z|sip:alice@contoso.com",
		"5 phone 00-04-F2-3A-11-02|CX500|Polycom CX500 / CX600 / CX3000|4.0.7577.4100|CU6|RTM||2026-11-19T07:58:41Z|sip:bob@contoso.com",
		"6 phone 00-04-F2-10-9A-3C|CX700|Polycom CX700 / LG-Nortel IP 8540|4.0.7577.4363|CU7|RTM||2026-11-20T09:01:00Z|sip:carol@contoso.com",
		"7 phone 00-1E-CA-44-02-9B|IP8540|Polycom CX700 / LG-Nortel IP 8540|4.0.7577.4411|CU10|CU10||2026-11-20T09:02:00Z|sip:dave@contoso.com",
		"8 phone 00-08-5D-31-7A-C0|6725ip|Aastra 6721ip / 6725ip|4.0.7577.4414|CU10|CU10||2026-11-20T09:03:00Z|sip:erin@contoso.com",
		"9 phone 00-08-5D-31-7B-04|6721ip|Aastra 6721ip / 6725ip|4.0.7577.4047|CU4|RTM||2026-11-17T14:30:00Z|sip:lobby@contoso.com",
		"10 phone 00-21-5A-9C-00-11|4120|HP 4110 / 4120|4.0.7577.4455|CU15|CU11||2026-11-20T09:04:00Z|sip:frank@contoso.com",
		"11 phone 00-21-5A-9C-00-12|4110|HP 4110 / 4120|4.0.7577.4444|CU12|CU11||2026-11-20T09:05:00Z|sip:grace@contoso.com",
		"12 not an LPE phone: desktop client",
		"13 not an LPE phone: desktop client",
		"14 not an LPE phone: other device",
		`15 unparsable: malformed MAC address "-5"`,
		"16 unparsable: LPE device without a user agent or firmware version",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	st := ir.Stats()
	if st.Records != 15 || st.PhoneRows != 10 || st.BadRows != 2 || st.Other[OtherDesktopClient] != 2 || st.Other[OtherDevice] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestGenericSemicolonCSV(t *testing.T) {
	ir, got := readAll(t, openTestdata(t, "phones-semicolon.csv"))
	if ir.Format() != FormatCSV || ir.Delimiter() != ';' {
		t.Errorf("format %q delimiter %q", ir.Format(), ir.Delimiter())
	}
	want := []string{
		"2 phone 00-04-F2-00-01-76|CX600|Polycom CX500 / CX600 / CX3000|4.0.7577.4420|CU11|CU11|pin|-|",
		"3 phone 00-04-F2-3A-11-02|CX500|Polycom CX500 / CX600 / CX3000|4.0.7577.4100|CU6|RTM|ad|-|",
		"4 phone 00-08-5D-31-7A-C0|6725ip|Aastra 6721ip / 6725ip|4.0.7577.4414|CU10|CU10|pin|-|",
		"5 phone -|HP 4120|HP 4110 / 4120|4.0.7577.4455|CU15|CU11|ad|-|",
		"6 phone -|IP8540|Polycom CX700 / LG-Nortel IP 8540|4.0.7577.4411|CU10|CU10||-|",
		"7 phone -|CX3000|Polycom CX500 / CX600 / CX3000|4.0.7577.4463|May 2015|CU11|ad|-|",
		"8 not an LPE phone: other device",
		`9 unparsable: LPE device with "4.0.75x7": not a firmware version or a phone user agent`,
		"10 phone -|6721ip|Aastra 6721ip / 6725ip|4.0.7577.4047|CU4|RTM|pin|-|",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPlainText(t *testing.T) {
	ir, got := readAll(t, openTestdata(t, "user-agents.txt"))
	if ir.Format() != FormatText {
		t.Errorf("format %q", ir.Format())
	}
	want := []string{
		"2 phone -|||4.0.7577.4420|CU11|CU11||-|",
		"3 phone -|||4.0.7423.1|pre-RTM|RTM||-|",
		"4 phone -|||4.0.7577.4414|CU10|CU10||-|",
		"5 phone -||Polycom CX700 / LG-Nortel IP 8540 (inferred)|4.0.7577.4363|CU7|RTM||-|",
		"6 phone -||Polycom CX700 / LG-Nortel IP 8540 (inferred)|1.0.522.115|OCS 2007|RTM||-|",
		"7 not an LPE phone: desktop client",
		`9 unparsable: "not a version" is neither a user agent nor a firmware version`,
		"10 phone -||Polycom CX700 / LG-Nortel IP 8540 (inferred)|3.5.6907.222|OCS 2007 R2|RTM||-|",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if st := ir.Stats(); st.Skipped != 2 || st.Records != 8 || st.PhoneRows != 6 {
		t.Errorf("stats %+v", st)
	}
}

func TestDetectionErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "empty inventory: no header and no records"},
		{"blank lines", "\n\n  \n", "empty inventory: no header and no records"},
		{"no version column", "Name,Office,Phone\nAlice,Berlin,1234\n", "unknown inventory format: no header with a user agent, version or firmware column in the first 20 lines, and the first line is not a user agent or version"},
		{"binary", "PK\x03\x04\x00\x00", "line 1: contains a NUL byte (binary data, or UTF-16 text)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tc.in), truststore.Default())
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestTitleLinesAndAliases(t *testing.T) {
	in := "IP Phone Inventory Report\r\nPool: pool01.contoso.com\r\n\r\n" +
		"\"USER AGENT\",\"mac\",\"Last Seen\"\r\n" +
		"\"CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)\",0004F2000176,2026-11-20T08:15:03Z\r\n" +
		"\"multi\nline\",0004F2000177,2026-11-20\r\n"
	ir, got := readAll(t, strings.NewReader(in))
	want := []string{
		"5 phone 00-04-F2-00-01-76|||4.0.7577.4420|CU11|CU11||2026-11-20T08:15:03Z|",
		`6 unparsable: "multi\nline" is neither a user agent nor a firmware version`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ir.Format() != FormatCSV || ir.Stats().Skipped != 3 {
		t.Errorf("format %q stats %+v", ir.Format(), ir.Stats())
	}
}

func TestLongLineIsOneBadRow(t *testing.T) {
	in := "version\n" + strings.Repeat("x", 200<<10) + "\n4.0.7577.4420\n"
	_, got := readAll(t, strings.NewReader(in))
	want := []string{
		"2 unparsable: line longer than 64 KiB",
		"3 phone -|||4.0.7577.4420|CU11|CU11||-|",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A line is rejected the moment it passes the cap, and an endless one ends
// the reading within a bounded number of bytes: the reader never reads a
// line to its end first.
func TestEndlessLineEndsTheRead(t *testing.T) {
	for _, tc := range []struct {
		name string
		rest io.Reader
		want string
	}{
		{"endless line", endless('x'), "line 2: no line end within 1 MiB: not a text inventory"},
		{"endless zeros", endless(0), "line 2: no line end within 1 MiB: not a text inventory"},
		{"long line then end", strings.NewReader(strings.Repeat("x", 900<<10)), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counted := &countingReader{r: io.MultiReader(strings.NewReader("version\n"), tc.rest)}
			ir, err := NewReader(counted, truststore.Default())
			if err != nil {
				t.Fatal(err)
			}
			row, err := ir.Next()
			if err != nil || row.Kind != KindBad || row.Reason != "line longer than 64 KiB" || row.Line != 2 {
				t.Fatalf("first row %+v, %v", row, err)
			}
			_, err = ir.Next()
			if tc.want == "" {
				if err != io.EOF {
					t.Fatalf("err = %v, want EOF", err)
				}
			} else if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %s", err, tc.want)
			}
			if counted.n > 2<<20 {
				t.Errorf("read %d bytes", counted.n)
			}
		})
	}
}

// endless is an unending stream of one byte, as /dev/zero is of zeros.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// failingReader is a fake for a fault a real file cannot produce on demand:
// a read error in the middle of the stream.
type failingReader struct{ data io.Reader }

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.data.Read(p)
	if err == io.EOF {
		return n, errors.New("device not ready")
	}
	return n, err
}

func TestReadErrorIsReturned(t *testing.T) {
	ir, err := NewReader(&failingReader{strings.NewReader("version\n4.0.7577.4420\n")}, truststore.Default())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ir.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := ir.Next(); err == nil || err.Error() != "line 3: device not ready" {
		t.Errorf("got %v", err)
	}
}

func TestParseMAC(t *testing.T) {
	for _, in := range []string{"00-04-F2-00-01-76", "00:04:f2:00:01:76", "0004.f200.0176", "0004F2000176"} {
		if m, ok := parseMAC([]byte(in), false); !ok || FormatMAC(m) != "00-04-F2-00-01-76" {
			t.Errorf("%s: %x %v", in, m, ok)
		}
	}
	if m, ok := parseMAC([]byte("21239955830"), true); !ok || FormatMAC(m) != "00-04-F2-00-01-76" {
		t.Errorf("decimal: %x %v", m, ok)
	}
	for _, in := range []string{"00-04-F2", "00-04-F2-00-01-76-11", "zz-04-F2-00-01-76"} {
		if _, ok := parseMAC([]byte(in), false); ok {
			t.Errorf("%s accepted", in)
		}
	}
	if _, ok := parseMAC([]byte("281474976710656"), true); ok {
		t.Error("2^48 accepted")
	}
}

// rowSource generates an inventory of n rows on the fly, so that the test
// itself holds no file in memory.
type rowSource struct {
	n, i int
	buf  []byte
}

func (s *rowSource) Read(p []byte) (int, error) {
	for len(s.buf) < len(p) && s.i <= s.n {
		if s.i == 0 {
			s.buf = append(s.buf, "MAC address,Hardware version,User agent,Last logon time\n"...)
		} else {
			s.buf = fmt.Appendf(s.buf, "00-04-F2-%02X-%02X-%02X,CX600,CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition),11/%d/2026 8:00:00 AM\n",
				(s.i>>16)&255, (s.i>>8)&255, s.i&255, s.i%28+1)
		}
		s.i++
	}
	if len(s.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.buf)
	s.buf = s.buf[:copy(s.buf, s.buf[n:])]
	return n, nil
}

// TestStreamingMemory reads 500,000 rows (about 60 MB) and checks that the
// live heap stays small: the Reader holds one record at a time.
func TestStreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 500,000 generated rows")
	}
	ir, err := NewReader(&rowSource{n: 500000}, truststore.Default())
	if err != nil {
		t.Fatal(err)
	}
	var peak uint64
	var ms runtime.MemStats
	for n := 0; ; n++ {
		row, err := ir.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if row.Kind != KindPhone {
			t.Fatalf("line %d: %s", row.Line, row.Reason)
		}
		if n%100000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if st := ir.Stats(); st.PhoneRows != 500000 {
		t.Errorf("%d phone rows", st.PhoneRows)
	}
	if peak > 8<<20 {
		t.Errorf("live heap reached %d MB while streaming; want < 8 MB", peak>>20)
	}
}

// TestUTF16 reads what Excel saves as "Unicode Text": UTF-16LE with a BOM,
// tab-separated, CRLF.
func TestUTF16(t *testing.T) {
	text := "Manufacturer\tHardware version\tMAC address\tUser URI\tUser agent\tLast logon time\r\n" +
		"POLYCOM\tCX600\t00-04-F2-00-01-76\tsip:zoë@contoso.com\tCPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)\t11/20/2026 8:15:03 AM\r\n"
	for _, bigEndian := range []bool{false, true} {
		var b []byte
		if bigEndian {
			b = []byte{0xFE, 0xFF}
		} else {
			b = []byte{0xFF, 0xFE}
		}
		for _, u := range utf16.Encode([]rune(text)) {
			if bigEndian {
				b = append(b, byte(u>>8), byte(u))
			} else {
				b = append(b, byte(u), byte(u>>8))
			}
		}
		ir, got := readAll(t, bytes.NewReader(b))
		want := []string{"2 phone 00-04-F2-00-01-76|CX600|Polycom CX500 / CX600 / CX3000|4.0.7577.4420|CU11|CU11||2026-11-20T08:15:03Z|sip:zoë@contoso.com"}
		if !reflect.DeepEqual(got, want) || ir.Format() != FormatLyncReport || ir.Delimiter() != '\t' {
			t.Errorf("big endian %v: %q (format %s)", bigEndian, got, ir.Format())
		}
	}
}

// TestLocaleTimes: exports made in other locales write the registration
// time their way; every phone still counts, with the right time.
func TestLocaleTimes(t *testing.T) {
	const ua = "CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)"
	for _, tc := range []struct{ name, in, want string }{
		{"US", "11/20/2026 8:15:03 AM", "2026-11-20T08:15:03Z"},
		{"SQL Server", "2026-11-20 08:15:03.457", "2026-11-20T08:15:03Z"},
		{"German", "20.11.2026 08:15:03", "2026-11-20T08:15:03Z"},
		{"German without seconds", "20.11.2026 08:15", "2026-11-20T08:15:00Z"},
		{"British", "20/11/2026 08:15:03", "2026-11-20T08:15:03Z"},
		{"British date only", "20/11/2026", "2026-11-20T00:00:00Z"},
		{"year first with slashes", "2026/11/20 08:15", "2026-11-20T08:15:00Z"},
		{"SQL Server CONVERT default", "Nov 20 2026  8:15AM", "2026-11-20T08:15:00Z"},
		{"SQL Server CONVERT default, afternoon", "Nov  5 2026 10:15PM", "2026-11-05T22:15:00Z"},
		{"day-month name", "20-Nov-2026 08:15:03", "2026-11-20T08:15:03Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := "Version,Last seen\n" + ua + "," + tc.in + "\n"
			_, rows := readAll(t, strings.NewReader(in))
			want := "2 phone -|||4.0.7577.4420|CU11|CU11||" + tc.want + "|"
			if len(rows) != 1 || rows[0] != want {
				t.Errorf("%q: rows %q\nwant %q", tc.in, rows, want)
			}
		})
	}
	// A British file: the first unambiguous date makes the next ones day-first.
	_, rows := readAll(t, strings.NewReader("Version,Last seen\n"+ua+",20/11/2026 08:00\n"+ua+",05/11/2026 08:00\n"))
	if len(rows) != 2 || !strings.HasSuffix(rows[1], "|2026-11-05T08:00:00Z|") {
		t.Errorf("day-first file: %q", rows)
	}
}

func TestLineFilterSkipsRecords(t *testing.T) {
	in := "Manufacturer,Hardware version,MAC address,User URI,User agent\n" +
		"POLYCOM,CX600,00-04-F2-00-00-01,sip:a@contoso.com,CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)\n" +
		"POLYCOM,CX600,00-04-F2-00-00-02,\"sip:b@contoso.com\nsecond line\",CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)\n" +
		"POLYCOM,CX600,00-04-F2-00-00-03,sip:c@contoso.com,CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)\n"
	ir, err := NewReader(strings.NewReader(in), truststore.Default())
	if err != nil {
		t.Fatal(err)
	}
	ir.SetLineFilter(func(line int) bool { return line != 3 })
	var got []string
	for {
		row, err := ir.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s", row.Line, row.UserURI))
	}
	want := []string{"2 sip:a@contoso.com", "5 sip:c@contoso.com"}
	if !slices.Equal(got, want) {
		t.Errorf("rows = %q, want %q", got, want)
	}
}

// TestDateMemo: with its dates remembered, fastTime gives what time.Parse
// gives for every day of four years in both layouts, each seen twice
// (1,461 dates meet in 64 slots), and rejects what it rejected before.
func TestDateMemo(t *testing.T) {
	var memo dateMemo
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for pass := range 2 {
		for d := start; d.Year() < 2027; d = d.AddDate(0, 0, 1) {
			for _, c := range []struct{ text, layout string }{
				{d.Add(13*time.Hour + 5*time.Minute + 9*time.Second).Format("1/2/2006 3:04:05 PM"), "1/2/2006 3:04:05 PM"},
				{d.Add(23*time.Hour + 59*time.Minute).Format("2006-01-02 15:04:05.000"), "2006-01-02 15:04:05.999999999"},
			} {
				want, err := time.Parse(c.layout, c.text)
				if err != nil {
					t.Fatal(err)
				}
				got, ok := memo.fastTime([]byte(c.text))
				if !ok || !got.Equal(want) || got.Location() != time.UTC {
					t.Fatalf("pass %d: %q = %v, %v; want %v", pass, c.text, got, ok, want)
				}
			}
		}
	}
	for _, s := range []string{"2/30/2026 1:00:00 AM", "2/29/2026 1:00:00 AM", "11/22/2026 13:00:00 PM", "11/22/2026 1:00:00",
		"11/22/20261 1:00:00 AM", "11/22/2026", "2026-11-22", "2026-11-22 24:00:00", "2026-13-01 00:00:00", "2026-11-22T08:00:00"} {
		for range 2 {
			if got, ok := memo.fastTime([]byte(s)); ok {
				t.Errorf("%q = %v, want no time", s, got)
			}
		}
	}
}
