package report

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore/inventory"
)

// TestSpillRoundTrip encodes registrations of every shape, in memory and
// in a temporary file, in segments of a few records, and decodes them
// back field for field.
func TestSpillRoundTrip(t *testing.T) {
	seen := []time.Time{
		{},
		time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 3, 8, 0, 0, 250000000, time.UTC),
		time.Date(2026, 11, 3, 9, 0, 0, 0, paris),
		time.Date(1969, 12, 31, 23, 59, 59, 1, paris),
	}
	var rows []inventory.Row
	for i := range 200 {
		r := inventory.Row{Line: 2 + 3*i, Seen: seen[i%len(seen)]}
		if i%3 != 0 {
			r.MAC, r.HasMAC = 0x0004F2000000+uint64(i)*0x010101, true
		}
		switch i % 4 {
		case 0: // no user URI
		case 1:
			r.UserURIBytes = []byte(fmt.Sprintf("sip:user%d@contoso.com", i))
		case 2:
			r.UserURIBytes = []byte("sip:zürich@contoso.com")
		case 3:
			r.UserURIBytes = bytes.Repeat([]byte("u"), 300+i)
		}
		rows = append(rows, r)
	}
	defer func(n int64, m int) { spillSegmentBytes, spillMemory = n, m }(spillSegmentBytes, spillMemory)
	spillSegmentBytes = 20
	for _, memory := range []int{1 << 20, 500} {
		t.Run(fmt.Sprint("memory ", memory), func(t *testing.T) {
			spillMemory = memory
			s := &spill{}
			defer s.close()
			for i := range rows {
				addRow(s, &rows[i], int32(i%7))
			}
			if !s.finish() {
				t.Fatal(s.err)
			}
			if inFile := s.f != nil; inFile != (memory == 500) {
				t.Fatalf("in a file: %v, want %v", inFile, memory == 500)
			}
			if len(s.marks) < 10 {
				t.Fatalf("%d segments, want one every few records", len(s.marks))
			}
			i := 0
			for seg := range s.marks {
				data, err := s.segment(seg, nil)
				if err != nil {
					t.Fatal(err)
				}
				var p spilledPhone
				var d spillDecoder
				d.reset(data)
				for {
					more, err := d.next(&p)
					if err != nil {
						t.Fatalf("record %d: %v", i, err)
					}
					if !more {
						break
					}
					r := rows[i]
					uri := string(r.UserURIBytes)
					if p.line != r.Line || p.hasMAC != r.HasMAC || p.mac != r.MAC || p.key != int32(i%7) || string(p.uri) != uri ||
						!p.seen.Equal(r.Seen) || p.seen.IsZero() != r.Seen.IsZero() {
						t.Fatalf("record %d: line %d MAC %v %X seen %v key %d URI %.40q; want line %d MAC %v %X seen %v key %d URI %.40q",
							i, p.line, p.hasMAC, p.mac, p.seen, p.key, p.uri, r.Line, r.HasMAC, r.MAC, r.Seen, i%7, uri)
					}
					// What the listings print of the time: the same text.
					if r.Seen.IsZero() {
						i++
						continue
					}
					if got, want := appendJSONTime(nil, p.seen), appendJSONTime(nil, r.Seen); !bytes.Equal(got, want) {
						t.Fatalf("record %d: time %s, want %s", i, got, want)
					}
					if got, want := appendRFC3339(nil, p.seen), appendRFC3339(nil, r.Seen); !bytes.Equal(got, want) {
						t.Fatalf("record %d: time %s, want %s", i, got, want)
					}
					i++
				}
			}
			if i != len(rows) {
				t.Fatalf("decoded %d records, want %d", i, len(rows))
			}
		})
	}
}

// TestSpillCorrupt checks that a truncated record is an error, not a
// panic or a phone.
func TestSpillCorrupt(t *testing.T) {
	s := &spill{}
	r := inventory.Row{Line: 7, MAC: 0x0004F2000001, HasMAC: true, Seen: time.Date(2026, 11, 3, 8, 0, 0, 0, paris), UserURIBytes: []byte("sip:a@contoso.com")}
	addRow(s, &r, 3)
	first := len(s.buf)
	r.Line, r.UserURIBytes = 9, []byte("sip:b@contoso.com")
	addRow(s, &r, 3)
	for n := 1; n < len(s.buf); n++ {
		var p spilledPhone
		var d spillDecoder
		d.reset(s.buf[:n])
		more, err := d.next(&p)
		if more && err == nil {
			more, err = d.next(&p)
		}
		if err != errCorruptSpill && (more || n != first) { // cut after the first record: the end
			t.Errorf("%d of %d bytes: %v, %v; want errCorruptSpill", n, len(s.buf), more, err)
		}
	}
}

var paris = time.FixedZone("", 3600)

// FuzzSpillRoundTrip encodes two registrations made of the fuzzer's values
// and checks that they decode to the same fields and the same printed
// times.
func FuzzSpillRoundTrip(f *testing.F) {
	f.Add(2, uint64(0x0004F2000001), true, int64(1793692800), 0, 0, "sip:a@contoso.com", "sip:b@contoso.com", int32(1))
	f.Add(1<<40, uint64(0), false, int64(-62135596800), 999999999, -43200, "", "sip:zürich@contoso.com", int32(70000))
	f.Fuzz(func(t *testing.T, line int, mac uint64, hasMAC bool, secs int64, nanos, offset int, uri1, uri2 string, key int32) {
		if line < 1 || line > 1<<50 || key < 0 || nanos < 0 || nanos > 999999999 || offset < -86400 || offset > 86400 || secs < -1<<40 || secs > 1<<40 {
			t.Skip()
		}
		mac &= 1<<48 - 1
		if !hasMAC {
			mac = 0
		}
		var seen time.Time
		switch {
		case secs == 0:
		case offset == 0:
			seen = time.Unix(secs, int64(nanos)).UTC()
		default:
			seen = time.Unix(secs, int64(nanos)).In(time.FixedZone("", offset))
		}
		rows := []inventory.Row{
			{Line: line, MAC: mac, HasMAC: hasMAC, Seen: seen, UserURIBytes: []byte(uri1)},
			{Line: line + 1, MAC: mac, HasMAC: hasMAC, Seen: seen, UserURIBytes: []byte(uri2)},
		}
		s := &spill{}
		for i := range rows {
			addRow(s, &rows[i], key)
		}
		var d spillDecoder
		d.reset(s.buf)
		for i, r := range rows {
			var p spilledPhone
			more, err := d.next(&p)
			if err != nil || !more {
				t.Fatalf("record %d: %v, %v", i, more, err)
			}
			uri := string(r.UserURIBytes)
			if p.line != r.Line || p.hasMAC != r.HasMAC || p.mac != r.MAC || p.key != key || string(p.uri) != uri || !p.seen.Equal(r.Seen) {
				t.Fatalf("record %d: line %d MAC %X seen %v key %d URI %q", i, p.line, p.mac, p.seen, p.key, p.uri)
			}
			if !r.Seen.IsZero() && string(appendJSONTime(nil, p.seen)) != string(appendJSONTime(nil, r.Seen)) {
				t.Fatalf("record %d: time %s, want %s", i, appendJSONTime(nil, p.seen), appendJSONTime(nil, r.Seen))
			}
		}
		if more, err := d.next(new(spilledPhone)); more || err != nil {
			t.Fatalf("after the records: %v, %v", more, err)
		}
	})
}

// addRow adds a row's registration to s as the first pass does.
func addRow(s *spill, r *inventory.Row, key int32) {
	var sb scanBatch
	sb.regs = append(sb.regs, registration{line: r.Line, mac: r.MAC, hasMAC: r.HasMAC})
	sb.addListed(r, key)
	sb.spillTo(s)
}

// TestSharedEnds checks sharedEnds against a byte-by-byte count, on
// lengths around the eight bytes it compares at a time.
func TestSharedEnds(t *testing.T) {
	slow := func(a, b []byte) (pre, suf int) {
		n := min(len(a), len(b))
		for pre < n && a[pre] == b[pre] {
			pre++
		}
		for suf < n-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
			suf++
		}
		return pre, suf
	}
	base := []byte("sip:user0123456789@contoso.example.com")
	checked := 0
	for la := 0; la <= len(base); la++ {
		for lb := 0; lb <= len(base); lb++ {
			for change := -1; change < lb; change++ {
				a := base[:la]
				b := append([]byte(nil), base[len(base)-lb:]...)
				if change >= 0 {
					b[change] ^= 0x20
				}
				wp, ws := slow(a, b)
				if p, s := sharedEnds(a, b); p != wp || s != ws {
					t.Fatalf("sharedEnds(%q, %q) = %d, %d, want %d, %d", a, b, p, s, wp, ws)
				}
				checked++
			}
		}
	}
	if p, s := sharedEnds([]byte("sip:user1000001@contoso.com"), []byte("sip:user1000002@contoso.com")); p != 14 || s != 12 {
		t.Errorf("sharedEnds of two neighbouring URIs = %d, %d, want 14, 12", p, s)
	}
	if checked != 30420 {
		t.Errorf("checked %d pairs", checked)
	}
}
