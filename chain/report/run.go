package report

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
	"github.com/lpetrust/lpetrust/truststore/inventory"
)

// Writer renders a report: the summary first, then (when it asks for them
// with WantsPhones) one call per phone, then End.
type Writer interface {
	// Begin receives the summary. It reports whether the writer wants the
	// per-phone lines (a second pass over the inventory).
	Begin(s *Summary) (wantsPhones bool, err error)
	// Phone receives one phone. p (its Seen, not its Verdicts, which are
	// shared and never written) is reused once Phone returns: a writer
	// that keeps a phone keeps a copy (see Phone.Clone).
	Phone(p *Phone) error
	End() error
}

// ErrEnough, returned by Writer.Phone, ends the second pass early: the
// writer has all the phones it shows.
var ErrEnough = errors.New("enough phones")

// Opener opens the inventory; Run calls it once per pass that reads it.
type Opener func() (io.ReadCloser, error)

// Run reads the inventory, judges every phone against the chains and
// renders the report. A writer that wants per-phone lines gets a second
// pass: a listing from the first pass's spill when there is one, else
// from the inventory read again (see writeListing and EachPhone). It
// returns the summary so that callers can choose an exit code.
func Run(cat *truststore.Catalogue, source string, open Opener, chains []Chain, opts Options, w Writer) (*Summary, error) {
	b, err := newBuilder(cat, chains, opts)
	if err != nil {
		return nil, err
	}
	// The chains are judged while the first pass reads: it needs no
	// verdict (a tenth of a second, a fifth of a 10^6-row pass of awk).
	b.judging = make(chan struct{})
	go func() {
		defer close(b.judging)
		b.judgeErr = b.evaluateChains()
	}()
	defer b.judged() // a run that fails early leaves no evaluation behind
	_, b.noHash = w.(hashOmitter)
	if _, ok := w.(listingWriter); ok {
		// The first pass keeps what the listing needs of every phone.
		b.spill = &spill{}
		defer func() { b.spill.close() }()
	}
	s, err := b.Scan(source, open)
	if err != nil {
		return nil, err
	}
	want, err := w.Begin(s)
	if err != nil {
		return nil, err
	}
	if want {
		if lw, ok := w.(listingWriter); ok {
			err = b.writeListing(source, open, lw)
		} else {
			err = b.EachPhone(source, open, w.Phone)
		}
		if err != nil {
			return nil, err
		}
	}
	return s, w.End()
}

// hashOmitter is a Writer that does not show the inventory's SHA-256:
// Run leaves Summary.Inventory.SHA256 empty and spares the first pass the
// hash (about 8% of its CPU time in a perf profile).
type hashOmitter interface{ omitsInventoryHash() }

// listingWriter is a Writer whose per-phone lines can be formatted in
// several goroutines at once, each with its own formatter, and written in
// file order (see writeListing).
type listingWriter interface {
	Writer
	// formatter returns a formatter for one goroutine, for the summary
	// Begin had (call it after Begin).
	formatter() phoneFormatter
	// writeListing writes what formatters appended, in file order.
	writeListing(b []byte) error
}

// phoneFormatter appends a phone's lines as its listingWriter writes them.
type phoneFormatter interface {
	appendLine(dst []byte, l *phoneLine) []byte
}

// segmentBytes is about how much of the inventory one goroutine of the
// second pass formats at a time (see inventory.Reader.SetMarks): small
// enough that the formatted segments waiting to be written stay a few MB.
var segmentBytes int64 = 512 << 10 // a variable for tests

// bytesPerRow is about the shortest registration of a Lync phone inventory
// (a row of the IP Phone Inventory Report is 130-250 bytes).
const bytesPerRow = 128

// Scan is the first pass: it reads the whole inventory into the Builder
// and returns the summary.
func (b *Builder) Scan(source string, open Opener) (*Summary, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if st, ok := rc.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			// At most a registration per bytesPerRow.
			b.macs.expect(int(fi.Size() / bytesPerRow))
		}
	}
	// The inventory's SHA-256 (the provenance of the report) is taken on
	// the way, by the Reader's read-ahead goroutine (see hashingReader).
	var in io.Reader = rc
	var hr *hashingReader
	if !b.noHash {
		hr = newHashingReader(rc)
		in = hr
	}
	ir, err := inventory.NewReader(in, b.cat)
	if err != nil {
		return nil, fmt.Errorf("inventory %s: %w", source, err)
	}
	if b.spill == nil {
		ir.SetLight(true) // no user URIs: nothing is listed from this pass
	} else {
		ir.SetUserURIBytes(true) // copied into the spill
	}
	ir.SetMarks(segmentBytes)
	defer ir.ReadAhead()()
	// Two stages: one goroutine reads and classifies rows, this one counts
	// them (the MAC map is the costly part) and spills them, batch by batch.
	const batchSize = 1024
	counted := 0
	readErr := pipeline(func() *scanBatch { return newScanBatch(batchSize, b.spill != nil) },
		func(batch *scanBatch, send func(*scanBatch) (*scanBatch, bool)) error {
			for {
				row, err := ir.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					return fmt.Errorf("inventory %s: %w", source, err)
				}
				if row.Kind != inventory.KindPhone {
					continue // the Reader counts the others
				}
				r, key := b.registrationOf(row)
				batch.regs = append(batch.regs, r)
				if b.spill != nil && !b.spill.dropped.Load() {
					batch.addListed(row, key)
				}
				if len(batch.regs) == batchSize {
					batch, _ = send(batch) // counting never stops early
					batch.reset()
				}
			}
			if len(batch.regs) > 0 {
				send(batch)
			}
			return nil
		},
		func(batch *scanBatch) error {
			b.macs.touch(batch.regs)
			for i := range batch.regs {
				b.count(&batch.regs[i])
			}
			counted += len(batch.regs)
			if b.spill != nil && len(batch.listed) > 0 {
				batch.spillTo(b.spill)
				// Most registrations superseded (a year of one estate):
				// reading the inventory again passes over them unsplit,
				// cheaper than spilling them all.
				if counted >= spillCheck && 2*b.duplicates > counted {
					b.spill.drop()
				}
			}
			return nil
		})
	b.settle()
	b.macs.release()
	if readErr != nil {
		return nil, readErr
	}
	if err := b.judged(); err != nil {
		return nil, err
	}
	if b.spill != nil && !b.spill.finish() {
		b.spill.close()
		b.spill = nil // the second pass parses the inventory again
	}
	b.resume, b.marks = ir, ir.Marks()
	stats := ir.Stats()
	if stats.Records > 0 && stats.BadRows == stats.Records {
		return nil, &UnreadableError{Source: source, Rows: stats.BadRows, First: stats.Problems[0]}
	}
	s := b.Summary(source, ir.Format(), stats)
	if hr != nil {
		s.Inventory.SHA256 = hr.sum()
	}
	return s, nil
}

// scanBatch is a batch of the first pass: the registrations to count and,
// when the listing is spilled, what it lists of them.
type scanBatch struct {
	regs   []registration
	listed []listedFields
	uris   []byte // the user URIs of listed, one after the other
}

// listedFields are the fields of a registration the spill keeps beside
// its registration (see spill.add).
type listedFields struct {
	seen   time.Time
	key    int32
	uriEnd int32 // where its user URI ends in scanBatch.uris
}

func newScanBatch(n int, spilled bool) *scanBatch {
	b := &scanBatch{regs: make([]registration, 0, n)}
	if spilled {
		b.listed = make([]listedFields, 0, n)
	}
	return b
}

func (sb *scanBatch) reset() {
	sb.regs, sb.listed, sb.uris = sb.regs[:0], sb.listed[:0], sb.uris[:0]
}

// addListed keeps what the spill needs of row beside its registration
// (the Reader's buffers are reused: the user URI is copied).
func (sb *scanBatch) addListed(row *inventory.Row, key int32) {
	sb.uris = append(sb.uris, row.UserURIBytes...) // the Reader gives bytes (SetUserURIBytes)
	sb.listed = append(sb.listed, listedFields{seen: row.Seen, key: key, uriEnd: int32(len(sb.uris))})
}

// spillTo adds the batch's registrations to s, in order.
func (sb *scanBatch) spillTo(s *spill) {
	start := int32(0)
	for i := range sb.listed {
		r, l := &sb.regs[i], &sb.listed[i]
		s.add(r.line, r.mac, r.hasMAC, l.seen, l.key, sb.uris[start:l.uriEnd])
		start = l.uriEnd
	}
}

// UnreadableError is an inventory none of whose records could be read: bad
// input, not an inventory without a problem.
type UnreadableError struct {
	Source string
	Rows   int
	First  inventory.Problem
}

func (e *UnreadableError) Error() string {
	return fmt.Sprintf("no phone could be read from %s: every one of its %d records is unparsable (line %d: %s)", e.Source, e.Rows, e.First.Line, e.First.Reason)
}

// hashingReader passes reads through and hashes what was read. Its reader
// is the Reader's read-ahead goroutine (inventory.Reader.ReadAhead), the
// lightest stage of the first pass: the hash runs there, beside the
// parsing, without a copy of every byte for another goroutine.
type hashingReader struct {
	r    io.Reader
	hash hash.Hash
}

func newHashingReader(r io.Reader) *hashingReader {
	return &hashingReader{r: r, hash: sha256.New()}
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.hash.Write(p[:n])
	return n, err
}

// sum returns the upper-case hex SHA-256 of everything read. Call it once
// the reading is over.
func (h *hashingReader) sum() string {
	return strings.ToUpper(hex.EncodeToString(h.hash.Sum(nil)))
}

// EachPhone is the second pass: it calls fn for every phone that counts
// (the latest registration of each MAC address), in file order. Reading
// and judging run in another goroutine than fn, batch by batch, so that
// parsing and writing use two cores.
func (b *Builder) EachPhone(source string, open Opener, fn func(*Phone) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	ir, err := inventory.NewReader(rc, b.cat)
	if err != nil {
		return fmt.Errorf("inventory %s: %w", source, err)
	}
	// Only the latest registration of each phone is listed: the others
	// are skipped before they are classified.
	ir.SetLineFilter(b.macs.latest)
	ir.SetUserURIBytes(true) // copied into each batch's buffer
	defer ir.ReadAhead()()

	mk := b.newPhoneMaker() // for the classification ids of this pass's Reader

	// Phones are built in recycled batches: no allocation per phone. One
	// goroutine reads and judges, this one calls fn.
	const batchSize = 512
	err = pipeline(func() *phoneBatch { return newPhoneBatch(batchSize) },
		func(batch *phoneBatch, send func(*phoneBatch) (*phoneBatch, bool)) error {
			for {
				row, err := ir.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					return fmt.Errorf("inventory %s: %w", source, err)
				}
				if !batch.add(mk, row) || len(batch.phones) < batchSize {
					continue
				}
				batch.finish()
				var ok bool
				if batch, ok = send(batch); !ok {
					return nil
				}
				batch.reset()
			}
			if len(batch.phones) > 0 {
				batch.finish()
				send(batch)
			}
			return nil
		},
		func(batch *phoneBatch) error {
			for i := range batch.phones {
				if err := fn(&batch.phones[i]); err != nil {
					return err
				}
			}
			return nil
		})
	if err == ErrEnough {
		return nil
	}
	return err
}

// pipeline runs produce in a new goroutine and consume in this one on
// every batch produce sends, so that the two use two cores. send hands a
// batch over and returns one to fill next (recycled: the producer resets
// it), or false when consume failed: produce then returns. pipeline
// returns once produce has, with consume's error, else produce's.
func pipeline[B any](fresh func() B, produce func(batch B, send func(B) (B, bool)) error, consume func(B) error) error {
	full := make(chan B, 4)
	free := make(chan B, 6)
	stop := make(chan struct{})
	var produceErr error
	go func() {
		defer close(full)
		send := func(batch B) (B, bool) {
			select {
			case full <- batch:
			case <-stop:
				return batch, false
			}
			select {
			case batch = <-free:
			default:
				batch = fresh()
			}
			return batch, true
		}
		produceErr = produce(fresh(), send)
	}()
	var err error
	for batch := range full {
		if err == nil {
			if err = consume(batch); err != nil {
				close(stop) // and let the producer finish
			}
		}
		select {
		case free <- batch:
		default: // enough spare batches
		}
	}
	if err != nil {
		return err
	}
	return produceErr // set before full was closed
}

// writeListing is the second pass for a listingWriter: from the first
// pass's spill when it kept one (see writeSpilled); else the inventory is
// cut at the first pass's Marks into segments, formatted by one goroutine
// per CPU, each with its own Reader, and written in file order. An input
// that cannot be read at an offset, or without Marks, is read by EachPhone.
func (b *Builder) writeListing(source string, open Opener, lw listingWriter) error {
	if b.spill != nil {
		return b.writeSpilled(lw)
	}
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	ra, ok := rc.(io.ReaderAt)
	if !ok || len(b.marks) == 0 {
		rc.Close()
		return b.EachPhone(source, open, lw.Phone)
	}
	// Room for a segment of the widest listing (JSON and the long CSV
	// write about 6.5 bytes per byte read).
	return inOrder(len(b.marks), 8*int(segmentBytes), func() func(i int, out []byte) ([]byte, error) {
		f := lw.formatter()
		mk := b.newPhoneMaker()
		var ir *inventory.Reader
		return func(i int, out []byte) ([]byte, error) {
			from, end := b.marks[i], int64(math.MaxInt64)
			if i+1 < len(b.marks) {
				end = b.marks[i+1].Offset
			}
			r := io.NewSectionReader(ra, from.Offset, end-from.Offset)
			if ir == nil {
				ir = b.resume.Resume(r, from)
				ir.SetLineFilter(b.macs.latest)
				ir.SetUserURIBytes(true)
			} else {
				ir.MoveTo(r, from)
			}
			out, err := formatSegment(ir, mk, f, out)
			if err != nil {
				err = fmt.Errorf("inventory %s: %w", source, err)
			}
			return out, err
		}
	}, lw.writeListing)
}

// writeSpilled is the second pass for a listingWriter when the first pass
// kept a spill: its segments are formatted by one goroutine per CPU and
// written in file order, without reading the inventory again.
func (b *Builder) writeSpilled(lw listingWriter) error {
	n := len(b.spill.marks)
	return inOrder(n, 8*spillRatio*int(spillSegmentBytes), func() func(i int, out []byte) ([]byte, error) {
		f := lw.formatter()
		mk := b.newPhoneMaker()
		var buf []byte
		return func(i int, out []byte) ([]byte, error) {
			data, err := b.spill.segment(i, buf)
			if err != nil {
				return out, err
			}
			buf = data[:0]
			return formatSpilled(data, mk, f, out)
		}
	}, lw.writeListing)
}

// inOrder formats n segments on one goroutine per CPU, each goroutine with
// the formatter newWorker makes for it, and calls write with each
// segment's output in segment order. It stops at the first error. A
// segment's output buffer starts with room for bufBytes: one that grows is
// copied and collected again.
func inOrder(n, bufBytes int, newWorker func() func(i int, out []byte) ([]byte, error), write func([]byte) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	type segment struct {
		i    int
		done chan segmentResult // buffered: a worker never waits for the writer
	}
	segments := make(chan *segment)
	ordered := make(chan *segment, workers)
	free := make(chan []byte, 2*workers+2)
	stop := make(chan struct{})
	go func() {
		defer close(ordered)
		defer close(segments)
		for i := range n {
			s := &segment{i: i, done: make(chan segmentResult, 1)}
			select {
			case segments <- s:
			case <-stop:
				return
			}
			select {
			case ordered <- s:
			case <-stop:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			format := newWorker()
			for s := range segments {
				var out []byte
				select {
				case out = <-free:
				default:
					out = make([]byte, 0, bufBytes)
				}
				out, err := format(s.i, out[:0])
				s.done <- segmentResult{out, err}
			}
		}()
	}
	var werr error
	for s := range ordered {
		r := <-s.done
		if werr == nil {
			if werr = r.err; werr == nil {
				werr = write(r.out)
			}
			if werr != nil {
				close(stop)
			}
		}
		select {
		case free <- r.out:
		default:
		}
	}
	wg.Wait()
	return werr
}

// Mark is where a segment of the second pass starts.
type Mark = inventory.Mark

// segmentResult is a formatted segment of the second pass.
type segmentResult struct {
	out []byte
	err error
}

// formatSegment appends to out the lines of the phones ir reads to its
// end, each formatted from its record's bytes and its template: nothing is
// allocated per phone.
func formatSegment(ir *inventory.Reader, mk *phoneMaker, f phoneFormatter, out []byte) ([]byte, error) {
	lm := new(lineMaker)
	for {
		row, err := ir.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if !mk.lists(row) {
			continue
		}
		out = lm.appendPhone(out, f, mk.templateOf(row), row.Line, row.UserURIBytes, row.MAC, row.HasMAC, row.Seen)
	}
}

// lineMaker makes the phoneLines of one segment of the second pass: the
// formatter's interface call makes a phoneLine and the storage it points
// to escape, so one of each serves the whole segment.
type lineMaker struct {
	mac   [inventory.MACLen]byte
	seen  time.Time
	l     phoneLine
	dates dateCache
}

// appendPhone appends the lines f writes for a phone of template t.
func (lm *lineMaker) appendPhone(out []byte, f phoneFormatter, t *phoneTemplate, line int, uri []byte, mac uint64, hasMAC bool, seen time.Time) []byte {
	lm.l = phoneLine{line: line, fixed: &t.proto, id: t.id, dates: &lm.dates}
	if len(uri) > 0 {
		lm.l.uri = uri
	}
	if hasMAC {
		lm.l.mac = inventory.AppendMAC(lm.mac[:0], mac)
	}
	if !seen.IsZero() {
		lm.seen = seen
		lm.l.seen = &lm.seen
	}
	return f.appendLine(out, &lm.l)
}

// phoneBatch is a batch of phones of the second pass with the storage of
// their registration times, MAC addresses and user URIs.
type phoneBatch struct {
	phones []Phone
	seen   []time.Time
	macs   []uint64 // the MAC address of each phone; noMAC for none
	uris   []byte   // the user URIs, one after the other
	uriEnd []int32  // where each phone's user URI ends in uris
}

const noMAC = ^uint64(0)

func newPhoneBatch(n int) *phoneBatch {
	return &phoneBatch{phones: make([]Phone, 0, n), seen: make([]time.Time, n), macs: make([]uint64, 0, n), uriEnd: make([]int32, 0, n)}
}

func (pb *phoneBatch) reset() {
	pb.phones, pb.macs, pb.uris, pb.uriEnd = pb.phones[:0], pb.macs[:0], pb.uris[:0], pb.uriEnd[:0]
}

// add appends the phone of row, if it is one the report lists.
func (pb *phoneBatch) add(mk *phoneMaker, row *inventory.Row) bool {
	n := len(pb.phones)
	pb.phones = pb.phones[:n+1]
	if !mk.fill(&pb.phones[n], row, &pb.seen[n]) {
		pb.phones = pb.phones[:n]
		return false
	}
	mac := noMAC
	if row.HasMAC {
		mac = row.MAC
	}
	pb.macs = append(pb.macs, mac)
	pb.uris = append(pb.uris, row.UserURIBytes...)
	pb.uriEnd = append(pb.uriEnd, int32(len(pb.uris)))
	return true
}

// finish sets the phones' MAC and user URI strings: slices of one string
// per batch, not one allocation per phone.
func (pb *phoneBatch) finish() {
	var sb strings.Builder
	sb.Grow(len(pb.macs)*inventory.MACLen + len(pb.uris))
	sb.Write(pb.uris)
	var buf [inventory.MACLen]byte
	for _, m := range pb.macs {
		if m != noMAC {
			sb.Write(inventory.AppendMAC(buf[:0], m))
		}
	}
	all := sb.String()
	uris, at, start := all[:len(pb.uris)], len(pb.uris), int32(0)
	for i, m := range pb.macs {
		if m != noMAC {
			pb.phones[i].MAC = all[at : at+inventory.MACLen]
			at += inventory.MACLen
		}
		if end := pb.uriEnd[i]; end > start {
			pb.phones[i].UserURI = uris[start:end]
			start = end
		}
	}
}

// StrandedNow reports whether any chain strands any phone at the report's moment.
func (s *Summary) StrandedNow() bool {
	for _, c := range s.Chains {
		if c.Stranded > 0 {
			return true
		}
	}
	return false
}
