package report

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"sync/atomic"
	"time"
)

// spill keeps, from the first pass, what the listing formats need of each
// phone's registration: its line, MAC address, time, user URI and the
// template it shares with phones of the same class, sign-in method, pool
// and site. The second pass then formats the latest registrations from it
// instead of parsing the inventory again. Records are kept in memory up to
// spillMemory bytes, and in a temporary file beyond.
//
// The records are cut into segments of about spillSegmentBytes, each
// decodable on its own (line numbers are deltas from the segment's start),
// so that the second pass formats segments on every CPU.
type spill struct {
	buf      []byte   // records not yet written to f (all of them while f is nil)
	f        *os.File // nil while everything fits in memory
	removed  bool     // f's name is already gone (Unix removes an open file)
	size     int64    // bytes encoded, in f and buf
	marks    []int64  // where each segment starts
	segStart int64
	// The previous record of the segment: lines and times are written as
	// differences from it, user URIs as what differs from its URI (the
	// URIs of one estate share their start and their domain).
	prevLine int
	prevSeen int64
	prevURI  []byte
	err      error // the first write error: the second pass parses instead
	// chunks go to the goroutine writing f (see flush), which recycles
	// them through free and reports its error on done.
	chunks chan []byte
	free   chan []byte
	done   chan error
	// dropped is set by drop, read by the goroutine filling the batches.
	dropped atomic.Bool
}

// spillCheck is how many registrations the first pass counts before it
// may drop the spill (see drop; a variable for tests).
var spillCheck = 1 << 20

// errSpillDropped ends a spill that lists too few of its registrations.
var errSpillDropped = errors.New("report spill: most registrations superseded")

// drop ends the spill: the second pass reads the inventory again.
func (s *spill) drop() {
	if s.err == nil {
		s.err, s.buf = errSpillDropped, nil
		s.dropped.Store(true)
		s.close()
	}
}

// spillMemory is how much of the spill stays in memory before it moves to
// a temporary file (a variable for tests): the benchmark's generated
// registrations take 16 bytes each: about 500,000 of them stay in memory.
var spillMemory = 8 << 20

// spillRatio is about how many bytes of inventory a byte of spill stands
// for (the generated 10^6-row inventory: 152 MB, its spill 15.8 MB).
const spillRatio = 10

// spillSegmentBytes is about how much spill a segment of the second pass
// formats (a variable for tests): about 400 phones, whose lines (up to 6.5
// bytes per byte of inventory, spillRatio bytes of inventory per byte of
// spill) fill a buffer of under 512 KB. Formatted and written while it is
// still in the CPU's cache, such a buffer took up to a fifth less CPU time
// at 10^6 phones than the few MB of a tenth of an inventory segment did
// (BENCHMARKS.md).
var spillSegmentBytes int64 = 6 << 10

// spillFlush is how much the spill buffers before writing to its file.
const spillFlush = 1 << 20

const (
	spillMAC   = 1 << iota // a MAC address follows (6 bytes)
	spillSeen              // a registration time follows (Unix seconds)
	spillNanos             // and its nanoseconds
	spillZone              // and its zone offset in seconds (else UTC)
)

// add records a phone's registration; key names its template (see
// Builder.keyRows). It must be called in file order.
func (s *spill) add(line int, mac uint64, hasMAC bool, seen time.Time, key int32, uri []byte) {
	if s.err != nil {
		return
	}
	if s.size-s.segStart >= spillSegmentBytes {
		s.segStart, s.prevLine, s.prevSeen, s.prevURI = s.size, 0, 0, s.prevURI[:0]
		s.marks = append(s.marks, s.size)
	} else if len(s.marks) == 0 {
		s.marks = append(s.marks, 0)
		// Room for what stays in memory, allocated once: a buffer grown
		// by append would leave copies of up to spillMemory behind.
		s.buf = make([]byte, 0, spillMemory+spillFlush)
	}
	start := len(s.buf)
	var flags byte
	if hasMAC {
		flags |= spillMAC
	}
	var offset int
	if !seen.IsZero() {
		flags |= spillSeen
		if seen.Nanosecond() != 0 {
			flags |= spillNanos
		}
		if seen.Location() != time.UTC {
			flags |= spillZone
			_, offset = seen.Zone()
		}
	}
	b := append(s.buf, flags)
	b = appendVarint(b, int64(line-s.prevLine))
	s.prevLine = line
	if flags&spillMAC != 0 {
		m := mac
		b = append(b, byte(m>>40), byte(m>>32), byte(m>>24), byte(m>>16), byte(m>>8), byte(m))
	}
	if flags&spillSeen != 0 {
		unix := seen.Unix()
		b = appendVarint(b, unix-s.prevSeen)
		s.prevSeen = unix
		if flags&spillNanos != 0 {
			b = appendUvarint(b, uint64(seen.Nanosecond()))
		}
		if flags&spillZone != 0 {
			b = appendVarint(b, int64(offset))
		}
	}
	b = appendUvarint(b, uint64(key))
	pre, suf := sharedEnds(s.prevURI, uri)
	b = appendUvarint(b, uint64(pre))
	b = appendUvarint(b, uint64(suf))
	b = appendUvarint(b, uint64(len(uri)-pre-suf))
	b = append(b, uri[pre:len(uri)-suf]...)
	s.prevURI = append(s.prevURI[:0], uri...)
	s.buf = b
	s.size += int64(len(b) - start)
	if s.f != nil && len(s.buf) >= spillFlush || s.f == nil && len(s.buf) > spillMemory {
		s.flush()
	}
}

// sharedEnds returns how many bytes b shares with a at its start, and then
// at its end (not overlapping the start).
func sharedEnds(a, b []byte) (pre, suf int) {
	n := min(len(a), len(b))
	// Eight bytes at a time: the URIs of an estate share most of their
	// bytes, and a byte loop was half of add's time.
	for pre+8 <= n {
		if x := binary.LittleEndian.Uint64(a[pre:]) ^ binary.LittleEndian.Uint64(b[pre:]); x != 0 {
			pre += bits.TrailingZeros64(x) / 8
			goto suffix
		}
		pre += 8
	}
	if pre+4 <= n { // then four, then one
		if x := binary.LittleEndian.Uint32(a[pre:]) ^ binary.LittleEndian.Uint32(b[pre:]); x != 0 {
			pre += bits.TrailingZeros32(x) / 8
			goto suffix
		}
		pre += 4
	}
	for pre < n && a[pre] == b[pre] {
		pre++
	}
suffix:
	for suf+8 <= n-pre {
		if x := binary.BigEndian.Uint64(a[len(a)-suf-8:]) ^ binary.BigEndian.Uint64(b[len(b)-suf-8:]); x != 0 {
			return pre, suf + bits.TrailingZeros64(x)/8
		}
		suf += 8
	}
	if suf+4 <= n-pre {
		if x := binary.BigEndian.Uint32(a[len(a)-suf-4:]) ^ binary.BigEndian.Uint32(b[len(b)-suf-4:]); x != 0 {
			return pre, suf + bits.TrailingZeros32(x)/8
		}
		suf += 4
	}
	for suf < n-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	return pre, suf
}

// flush hands the buffered records to the goroutine writing the spill's
// file, creating both the first time (the writes, a few hundred MB on a
// year of distinct phones, then overlap the first pass).
func (s *spill) flush() {
	if s.err != nil || len(s.buf) == 0 {
		return
	}
	if s.f == nil {
		f, err := os.CreateTemp("", "lpetrust-report-*")
		if err != nil {
			s.err, s.buf = fmt.Errorf("report spill: %w", err), nil
			return
		}
		s.f = f
		// Gone from the directory at once where the system allows it
		// (not Windows, where close removes it).
		s.removed = os.Remove(f.Name()) == nil
		s.chunks, s.free, s.done = make(chan []byte, 4), make(chan []byte, 4), make(chan error, 1)
		go s.write(f)
	}
	s.chunks <- s.buf
	select {
	case b := <-s.free:
		s.buf = b[:0]
	default:
		s.buf = make([]byte, 0, spillFlush+4096)
	}
}

// write writes the chunks flush hands over, in order, and reports the
// first error once they end.
func (s *spill) write(f *os.File) {
	var err error
	for b := range s.chunks {
		if err == nil {
			_, err = f.Write(b)
		}
		if cap(b) <= 2*spillFlush { // not the memory buffer flushed first
			select {
			case s.free <- b:
			default:
			}
		}
	}
	s.done <- err
}

// finish ends the first pass: what is buffered goes to the file (when
// there is one). It reports whether the spill holds every registration.
func (s *spill) finish() bool {
	if s.f != nil {
		s.flush()
		s.stopWriting()
	}
	return s.err == nil
}

// stopWriting waits for the writing goroutine to write what it was given.
func (s *spill) stopWriting() {
	if s.chunks == nil {
		return
	}
	close(s.chunks)
	if err := <-s.done; err != nil && s.err == nil {
		s.err = fmt.Errorf("report spill: %w", err)
	}
	s.chunks = nil
}

// segment returns the records of segment i, reading them into buf when
// they are in the file.
func (s *spill) segment(i int, buf []byte) ([]byte, error) {
	from, to := s.marks[i], s.size
	if i+1 < len(s.marks) {
		to = s.marks[i+1]
	}
	if s.f == nil {
		return s.buf[from:to], nil
	}
	n := int(to - from)
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := s.f.ReadAt(buf, from); err != nil {
		return nil, fmt.Errorf("report spill: %w", err)
	}
	return buf, nil
}

// close releases the spill's file.
func (s *spill) close() {
	if s == nil || s.f == nil {
		return
	}
	s.stopWriting()
	s.f.Close()
	if !s.removed {
		os.Remove(s.f.Name())
	}
	s.f = nil
}

// errCorruptSpill is a spill record that does not decode: a bug, never bad
// input (the spill is written by the first pass of the same process).
var errCorruptSpill = errors.New("report spill: corrupt record")

// spilledPhone is a decoded spill record.
type spilledPhone struct {
	line   int
	mac    uint64
	hasMAC bool
	seen   time.Time
	key    int32
	uri    []byte // valid until the next record is decoded
}

// spillDecoder decodes the records of one segment in order.
type spillDecoder struct {
	data    []byte
	line    int
	seen    int64
	uri     []byte
	prevURI []byte
}

func (d *spillDecoder) reset(data []byte) {
	d.data, d.line, d.seen, d.prevURI = data, 0, 0, d.prevURI[:0]
}

func (d *spillDecoder) varint() (int64, bool) {
	ux, ok := d.uvarint() // encoding/binary's zig-zag encoding
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x, ok
}

func (d *spillDecoder) uvarint() (uint64, bool) {
	if len(d.data) > 0 && d.data[0] < 0x80 { // most values: inlined
		v := d.data[0]
		d.data = d.data[1:]
		return uint64(v), true
	}
	return d.longUvarint()
}

func (d *spillDecoder) longUvarint() (uint64, bool) {
	v, n := binary.Uvarint(d.data)
	if n <= 0 {
		return 0, false
	}
	d.data = d.data[n:]
	return v, true
}

// appendUvarint is binary.AppendUvarint, inlined for one-byte values.
func appendUvarint(b []byte, v uint64) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return binary.AppendUvarint(b, v)
}

// appendVarint is binary.AppendVarint, inlined for one-byte values.
func appendVarint(b []byte, v int64) []byte {
	ux := uint64(v) << 1
	if v < 0 {
		ux = ^ux
	}
	return appendUvarint(b, ux)
}

// next decodes the next record into p; false at the end of the segment.
func (d *spillDecoder) next(p *spilledPhone) (bool, error) {
	if len(d.data) == 0 {
		return false, nil
	}
	flags := d.data[0]
	d.data = d.data[1:]
	delta, ok := d.varint()
	if !ok {
		return false, errCorruptSpill
	}
	d.line += int(delta)
	p.line = d.line
	p.hasMAC, p.mac = flags&spillMAC != 0, 0
	if p.hasMAC {
		if len(d.data) < 6 {
			return false, errCorruptSpill
		}
		b := d.data
		p.mac = uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24 | uint64(b[3])<<16 | uint64(b[4])<<8 | uint64(b[5])
		d.data = d.data[6:]
	}
	p.seen = time.Time{}
	if flags&spillSeen != 0 {
		secs, ok := d.varint()
		if !ok {
			return false, errCorruptSpill
		}
		d.seen += secs
		var nanos uint64
		if flags&spillNanos != 0 {
			if nanos, ok = d.uvarint(); !ok {
				return false, errCorruptSpill
			}
		}
		p.seen = time.Unix(d.seen, int64(nanos)).UTC()
		if flags&spillZone != 0 {
			offset, ok := d.varint()
			if !ok {
				return false, errCorruptSpill
			}
			p.seen = p.seen.In(time.FixedZone("", int(offset)))
		}
	}
	key, ok := d.uvarint()
	if !ok {
		return false, errCorruptSpill
	}
	p.key = int32(key)
	pre, ok1 := d.uvarint()
	suf, ok2 := d.uvarint()
	mid, ok3 := d.uvarint()
	if !ok1 || !ok2 || !ok3 || pre+suf > uint64(len(d.prevURI)) || mid > uint64(len(d.data)) {
		return false, errCorruptSpill
	}
	prev := d.prevURI
	d.uri = append(append(append(d.uri[:0], prev[:pre]...), d.data[:mid]...), prev[uint64(len(prev))-suf:]...)
	d.data = d.data[mid:]
	d.uri, d.prevURI = d.prevURI, d.uri // the URI just decoded is the next one's previous
	p.uri = d.prevURI
	return true, nil
}

// formatSpilled appends to out the lines of the phones of one spill
// segment that the report lists (the latest registration of each MAC
// address), as formatSegment does from the inventory's records.
func formatSpilled(data []byte, mk *phoneMaker, f phoneFormatter, out []byte) ([]byte, error) {
	lm := new(lineMaker)
	var p spilledPhone
	var d spillDecoder
	d.reset(data)
	rows := mk.b.keyRows
	for {
		more, err := d.next(&p)
		if err != nil || !more {
			return out, err
		}
		if p.hasMAC && !mk.b.macs.latest(p.line) {
			continue
		}
		if int(p.key) >= len(rows) {
			return out, errCorruptSpill
		}
		out = lm.appendPhone(out, f, mk.templateOf(&rows[p.key]), p.line, p.uri, p.mac, p.hasMAC, p.seen)
	}
}
