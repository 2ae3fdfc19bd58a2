package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
)

// TestPhoneEncodersMatch checks the hand-written per-phone encoders against
// encoding/json and encoding/csv, byte for byte, on awkward values: a new
// field of Phone or PhoneVerdict that the encoders miss fails here.
func TestPhoneEncodersMatch(t *testing.T) {
	seen := time.Date(2026, 11, 2, 8, 30, 15, 123000000, time.FixedZone("CET", 3600))
	from := time.Date(2028, 12, 31, 23, 59, 59, 0, time.UTC)
	odd := []string{"", "plain", `quote " and \ backslash`, "comma, inside", "line\nbreak", "cr\r\nlf", " leading space",
		"\tTab", `\.`, "ctl\x01\x1f\x7f", "bad \xff utf8", "ls\u2028ps\u2029", "Zürich — ✓", "<html>&amp;"}
	var phones []*Phone
	for i, s := range odd {
		p := &Phone{Line: i + 2, MAC: "00-04-F2-00-00-0" + strconv.Itoa(i%10), UserURI: "sip:" + s, Manufacturer: s, Model: s,
			Family: s, Firmware: s, Release: s, Store: s, SignIn: s, Pool: s, Site: s}
		if i%2 == 0 {
			p.Seen = &seen
		}
		p.Verdicts = []PhoneVerdict{
			{Chain: s, Status: StatusStranded, Reason: s, id: int32(i + 1)},
			{Chain: "b", Status: StatusExpiring, Reason: s, StrandedFrom: &from, Role: RoleBackup},
		}
		phones = append(phones, p)
	}
	phones = append(phones, &Phone{Line: 99})

	var verdicts fragments
	for _, p := range phones {
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(p); err != nil {
			t.Fatal(err)
		}
		want = bytes.TrimRight(buf.Bytes(), "\n")
		for round := range 2 { // the second round takes the memoized verdicts
			got := appendPhoneJSON(nil, p, func(dst []byte, v *PhoneVerdict) []byte {
				return append(dst, verdicts.get(v, appendVerdictJSON)...)
			})
			if !bytes.Equal(got, want) {
				t.Errorf("line %d round %d JSON:\n got %s\nwant %s", p.Line, round, got, want)
			}
		}
	}

	s := &Summary{Chains: []ChainSummary{{Name: "a, chain", Kind: KindCandidate}, {Name: "b", Kind: KindPool}}}
	for _, long := range []bool{false, true} {
		var got bytes.Buffer
		var w Writer = NewCSVWriter(&got)
		if long {
			w = NewLongCSVWriter(&got)
		}
		if _, err := w.Begin(s); err != nil {
			t.Fatal(err)
		}
		for _, p := range phones {
			if err := w.Phone(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.End(); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		if long {
			cw.Write(LongCSVHeader)
		} else {
			head := []string{"line", "mac", "user_uri", "manufacturer", "model", "family", "firmware", "release", "store", "sign_in", "last_seen"}
			for _, ch := range s.Chains {
				head = append(head, ch.Name+" status", ch.Name+" stranded_from", ch.Name+" reason")
			}
			cw.Write(append(head, "pool", "site", "firmware_verified", "cannot_register"))
		}
		for _, p := range phones {
			last := ""
			if p.Seen != nil {
				last = p.Seen.UTC().Format(time.RFC3339)
			}
			base := []string{strconv.Itoa(p.Line), p.MAC, p.UserURI, p.Manufacturer, p.Model, p.Family, p.Firmware, p.Release, p.Store, p.SignIn, last}
			cells := func(v PhoneVerdict) []string {
				f := ""
				if v.StrandedFrom != nil {
					f = day(*v.StrandedFrom)
				}
				return []string{v.Status, f, v.Reason}
			}
			fw := []string{strconv.FormatBool(p.FirmwareVerified), strconv.FormatBool(p.CannotRegister)}
			if long {
				for i, v := range p.Verdicts {
					cw.Write(append(append(append(append([]string{}, base...), p.Pool, p.Site, v.Chain, s.Chains[i].Kind), cells(v)...), fw...))
				}
				continue
			}
			rec := append([]string{}, base...)
			for _, v := range p.Verdicts {
				rec = append(rec, cells(v)...)
			}
			cw.Write(append(append(rec, p.Pool, p.Site), fw...))
		}
		cw.Flush()
		if got.String() != want.String() {
			gl, wl := strings.Split(got.String(), "\n"), strings.Split(want.String(), "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Errorf("long=%v CSV line %d:\n got %q\nwant %q", long, i+1, gl[i], wl[i])
					break
				}
			}
			if len(gl) != len(wl) {
				t.Errorf("long=%v CSV: %d lines, want %d", long, len(gl), len(wl))
			}
		}
	}
}

// unmemoized hands the writer a copy of every phone, which has no
// template: the writer writes each phone in full.
type unmemoized struct{ Writer }

func (u unmemoized) Phone(p *Phone) error { return u.Writer.Phone(p.Clone()) }

// sequential hands the writer every phone in one goroutine (EachPhone),
// counting those with a template.
type sequential struct {
	Writer
	templated int
}

func (s *sequential) Phone(p *Phone) error {
	if p.tmpl != nil && p.tmpl.id > 0 {
		s.templated++
	}
	return s.Writer.Phone(p)
}

// TestListingMemoized checks that the listings written by the second
// pass's goroutines (writeListing) and by EachPhone, memoizing what a
// phone template fixes (see phoneTemplate), are what a writer writes for
// every phone in full, on the Lync report and on the estate (pools,
// sites, roles).
func TestListingMemoized(t *testing.T) {
	cat := contosoCatalogue(t)
	estate := estateChains(t)
	estate[0].Pool, estate[1].Pool, estate[2].Pool = "pool01.contoso.com", "POOL02.contoso.com.", "sba-leeds.contoso.com"
	// A generated inventory of newer registrations of the same phones, cut
	// into segments of a few records.
	generated := filepath.Join(t.TempDir(), "generated.csv")
	f, err := os.Create(generated)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeInventory(f, 5000, 1500); err != nil {
		t.Fatal(err)
	}
	// and records whose user URIs need quoting and escaping, one over two lines.
	for i, uri := range []string{`"sip:a,b@contoso.com"`, `"sip:""q""@contoso.com"`, `" sip:lead@contoso.com"`, "sip:zürich\u2028@contoso.com",
		"\"sip:two\nlines@contoso.com\"", `sip:back\slash@contoso.com`, "sip:bad\xff@contoso.com"} {
		fmt.Fprintf(f, "POLYCOM,CX600,00-04-F2-FF-00-%02X,%s,CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition),11/3/2026 8:00:00 AM,,\n", i, uri)
	}
	f.Close()
	defer func(n, m int64) { segmentBytes, spillSegmentBytes = n, m }(segmentBytes, spillSegmentBytes)
	segmentBytes, spillSegmentBytes = 1000, 100
	for _, inv := range []struct {
		name   string
		file   string
		chains []Chain
		opts   Options
	}{
		{"lync", lyncReport, todayAndRenewal(t), Options{}},
		{"estate", estateInventory, estate, Options{Registrars: testRegistrars}},
		{"generated", generated, append(todayAndRenewal(t), readChain(t, "g2-root.pem", "root only", KindCandidate)), Options{}},
	} {
		for _, format := range []struct {
			name string
			w    func(io.Writer) Writer
		}{
			{"table", func(w io.Writer) Writer { return NewTableWriter(w, remedy.SH) }},
			{"csv", func(w io.Writer) Writer { return NewCSVWriter(w) }},
			{"csv-long", func(w io.Writer) Writer { return NewLongCSVWriter(w) }},
			{"json", func(w io.Writer) Writer { return NewJSONWriter(w) }},
		} {
			t.Run(inv.name+"/"+format.name, func(t *testing.T) {
				var run, seq, full bytes.Buffer
				runReport(t, cat, inv.file, inv.chains, inv.opts, format.w(&run))
				sw := &sequential{Writer: format.w(&seq)}
				runReport(t, cat, inv.file, inv.chains, inv.opts, sw)
				runReport(t, cat, inv.file, inv.chains, inv.opts, unmemoized{format.w(&full)})
				if sw.templated == 0 {
					t.Fatal("no phone with a template")
				}
				if !bytes.Equal(run.Bytes(), full.Bytes()) {
					t.Errorf("Run's output differs from the full one:\n%s", diff(full.String(), run.String()))
				}
				ways := []secondPass{spilledInMemory, spilledToFile, readAgain, unwritableSpill}
				if inv.name == "generated" { // 5,000 registrations of 1,500 phones
					ways = append(ways, droppedSpill)
				}
				for _, way := range ways {
					var out bytes.Buffer
					listVia(t, way, cat, inv.file, inv.chains, inv.opts, format.w(&out))
					if !bytes.Equal(out.Bytes(), full.Bytes()) {
						t.Errorf("the listing %s differs from the full one:\n%s", way, diff(full.String(), out.String()))
					}
				}
				if !bytes.Equal(seq.Bytes(), full.Bytes()) {
					t.Errorf("EachPhone's memoized output differs from the full one:\n%s", diff(full.String(), seq.String()))
				}
			})
		}
	}
}

// secondPass is a way writeListing lists the phones.
type secondPass string

const (
	spilledInMemory secondPass = "from the spill in memory"
	spilledToFile   secondPass = "from the spill in a temporary file"
	readAgain       secondPass = "from the inventory read again"
	unwritableSpill secondPass = "from the inventory read again when the spill's file cannot be made"
	droppedSpill    secondPass = "from the inventory read again when most registrations are superseded"
)

// listVia writes the report of inv as Run does, its second pass taking the
// way asked for (checked).
func listVia(t *testing.T, way secondPass, cat *truststore.Catalogue, inv string, chains []Chain, opts Options, w Writer) {
	t.Helper()
	lw, ok := w.(listingWriter)
	if !ok {
		t.Fatal("not a listingWriter")
	}
	if opts.At.IsZero() {
		opts.At = at2026
	}
	b, err := NewBuilder(cat, chains, opts)
	if err != nil {
		t.Fatal(err)
	}
	if way != readAgain {
		b.spill = &spill{}
		defer func() { b.spill.close() }()
	}
	if way == spilledToFile || way == unwritableSpill {
		defer func(n int) { spillMemory = n }(spillMemory)
		spillMemory = 64
	}
	if way == unwritableSpill {
		t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	}
	if way == droppedSpill {
		defer func(n int) { spillCheck = n }(spillCheck)
		spillCheck = 2000
	}
	s, err := b.Scan(filepath.Base(inv), fileOpener(inv))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case (way == readAgain || way == unwritableSpill || way == droppedSpill) && b.spill != nil,
		(way == spilledInMemory || way == spilledToFile) && (b.spill == nil || len(b.spill.marks) == 0),
		way == spilledInMemory && b.spill.f != nil,
		way == spilledToFile && b.spill.f == nil:
		t.Fatalf("the second pass cannot list %s", way)
	}
	if want, err := w.Begin(s); err != nil || !want {
		t.Fatalf("Begin = %v, %v", want, err)
	}
	if err := b.writeListing(filepath.Base(inv), fileOpener(inv), lw); err != nil {
		t.Fatal(err)
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
}

// recordingWriter keeps every Write's length.
type recordingWriter struct {
	bytes.Buffer
	writes []int
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(p))
	return w.Buffer.Write(p)
}

// TestOutputSegments checks that a listing's output keeps the order of what
// its writer buffers and of the segments, writing a large segment in one
// call of its own after what was buffered.
func TestOutputSegments(t *testing.T) {
	var rec recordingWriter
	o := newOutput(&rec)
	large := bytes.Repeat([]byte("0123456789abcdef"), throughBytes/16)
	o.WriteString("header\n")
	for _, seg := range [][]byte{[]byte("small 1\n"), large, []byte("small 2\n"), large[:throughBytes-1]} {
		if err := o.writeSegment(seg); err != nil {
			t.Fatal(err)
		}
	}
	o.WriteString("footer\n")
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "header\nsmall 1\n" + string(large) + "small 2\n" + string(large[:throughBytes-1]) + "footer\n"
	if rec.String() != want {
		t.Errorf("output differs: %d bytes, want %d", rec.Len(), len(want))
	}
	// The header and the first small segment flushed before the large one;
	// the second small and the segment one byte short of throughBytes
	// buffered with the footer.
	if got, want := fmt.Sprint(rec.writes), fmt.Sprint([]int{15, throughBytes, 8 + throughBytes - 1 + 7}); got != want {
		t.Errorf("writes of %v bytes, want %v", got, want)
	}
}

// jsonStringOf is s as encoding/json writes it with HTML escaping off.
func jsonStringOf(t testing.TB, s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// TestJSONStringEveryPlace checks appendJSONString against encoding/json
// with each kind of byte that needs a look at every place of strings
// around the eight bytes it passes over at a time.
func TestJSONStringEveryPlace(t *testing.T) {
	checked := 0
	for _, odd := range []string{`"`, `\`, "\n", "\x00", "\x1f", "\x7f", "é", "\xff", "\u2028", "~", " "} {
		for n := 0; n <= 24; n++ {
			for at := 0; at <= n; at++ {
				s := strings.Repeat("s", at) + odd + strings.Repeat("x", n-at)
				want := jsonStringOf(t, s)
				if got := string(appendJSONString(nil, s)); got != want {
					t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
				}
				if got := string(appendJSONString(nil, []byte(s))); got != want {
					t.Fatalf("appendJSONString([]byte(%q)) = %s, want %s", s, got, want)
				}
				checked++
			}
		}
	}
	if checked != 11*325 {
		t.Errorf("checked %d strings", checked)
	}
}

func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"sip:user1@contoso.com", `sip:"q"@x`, "sip:zürich\u2028@x", "bad\xff\xfe", "ctl\x01\x1f\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := jsonStringOf(t, s)
		if got := string(appendJSONString(nil, []byte(s))); got != want {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

// FuzzCSVField: a field is written as encoding/csv writes it, quoted or
// not, wherever its special bytes are.
func FuzzCSVField(f *testing.F) {
	for _, s := range []string{"sip:user1@contoso.com", "sip:user1@contoso.com,", "12345678\"", "1234567\r\n", "a,b",
		" lead", "\\.", "Zürich — ✓", "\u00a0nbsp", "\x85next", "bad\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write([]string{s}); err != nil {
			t.Skip() // not a field encoding/csv writes
		}
		w.Flush()
		want := strings.TrimSuffix(buf.String(), "\n")
		if s == "" {
			want = "" // a lone empty field: encoding/csv quotes it to keep the record
		}
		if got := string(appendCSVField(nil, s)); got != want {
			t.Fatalf("appendCSVField(%q) = %s, want %s", s, got, want)
		}
		if got := string(appendCSVField(nil, []byte(s))); got != want {
			t.Fatalf("appendCSVField([]byte(%q)) = %s, want %s", s, got, want)
		}
	})
}

// TestDateCache checks the cached dates against appendRFC3339: days that
// share a slot, one after the other and back, days before 1970, other
// zones and fractions of a second, and years it does not cache.
func TestDateCache(t *testing.T) {
	var c dateCache
	base := time.Date(2026, 11, 5, 13, 14, 15, 0, time.UTC)
	var times []time.Time
	for _, days := range []int{0, dateSlots, 0, 1, -dateSlots, 365, -20000, -20000 + dateSlots, 0} {
		for _, secs := range []int{0, 1, 3599, 43200, 86399} {
			times = append(times, base.AddDate(0, 0, days).Truncate(24*time.Hour).Add(time.Duration(secs)*time.Second))
		}
	}
	times = append(times,
		time.Unix(-1, 0), time.Unix(0, 0), time.Unix(-86400, 0), time.Unix(-86401, 999),
		time.Date(2026, 11, 5, 23, 30, 0, 0, time.FixedZone("", -3600)),
		time.Date(2026, 11, 6, 0, 30, 0, 500, time.FixedZone("", 3600)),
		time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), base)
	for i, tm := range times {
		if got, want := string(c.appendRFC3339(nil, tm)), string(appendRFC3339(nil, tm)); got != want {
			t.Fatalf("time %d (%v): %s, want %s", i, tm, got, want)
		}
	}
	if len(times) != 56 {
		t.Errorf("checked %d times", len(times))
	}
}
