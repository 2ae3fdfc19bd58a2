package inventory

import (
	"errors"
	"io"
	"sync"
)

// readAhead splits records in its own goroutine, batch by batch, for
// Reader.Next (see Reader.ReadAhead).
type readAhead struct {
	batches chan *recordBatch
	free    chan *recordBatch
	stop    chan struct{}
	once    sync.Once
	cur     *recordBatch
	pos     int
	err     error // the terminal error, once reached
}

// recordBatch is a run of records copied out of the recordReader's buffers.
type recordBatch struct {
	buf []byte
	// fields are the records' fields, slices of buf (of an earlier buf
	// when it grew): made here, so that Next, the slower stage, only
	// slices them.
	fields [][]byte
	recs   []batchRecord
}

type batchRecord struct {
	line          int
	start         int64 // see recordReader.start
	err           error
	first, fields int32 // recordBatch.fields[first : first+fields]
}

// A batch is sent at readAheadRecords records or readAheadBytes bytes,
// whichever comes first: over-long records must not make memory grow.
const (
	readAheadRecords = 256
	readAheadBytes   = 256 << 10
)

// ReadAhead makes Next split the input into records in another goroutine,
// so that splitting and classifying use two cores. Call it before the
// first Next, after SetLineFilter; call the returned stop (deferred) when
// done with the Reader, whether or not Next reached the end. The line
// filter then runs in that goroutine too.
func (ir *Reader) ReadAhead() (stop func()) {
	ra := &readAhead{
		batches: make(chan *recordBatch, 4),
		free:    make(chan *recordBatch, 6),
		stop:    make(chan struct{}),
	}
	ir.ahead = ra
	go ra.run(ir.rr)
	return func() { ra.once.Do(func() { close(ra.stop) }) }
}

// recordError reports whether err is about one record only: the reader
// goes on after it.
func recordError(err error) bool {
	return errors.Is(err, errLongLine) || errors.Is(err, errUnterminated) || errors.Is(err, errBinary)
}

func (ra *readAhead) run(rr *recordReader) {
	defer close(ra.batches)
	b := newRecordBatch()
	for {
		l, line, err := rr.nextLine()
		rec, plain := batchRecord{line: line, start: rr.start, first: int32(len(b.fields))}, false
		if err == nil && rr.delim != 0 {
			// One copy of the line; the fields are its delimited parts.
			at := len(b.buf)
			b.buf = append(b.buf, l...)
			var fields [][]byte
			if fields, plain = splitFields(b.fields, b.buf[at:], rr.delim); plain {
				rec.fields = int32(len(fields) - len(b.fields))
				b.fields = fields
			} else {
				b.buf = b.buf[:at]
			}
		}
		if !plain {
			var fields [][]byte
			fields, rec.line, rec.err = rr.split(l, line, err)
			err = rec.err
			rec.fields = int32(len(fields))
			for _, f := range fields {
				at := len(b.buf)
				b.buf = append(b.buf, f...)
				b.fields = append(b.fields, b.buf[at:len(b.buf):len(b.buf)])
			}
		}
		b.recs = append(b.recs, rec)
		terminal := err != nil && !recordError(err)
		if len(b.recs) == readAheadRecords || len(b.buf) >= readAheadBytes || terminal {
			select {
			case ra.batches <- b:
			case <-ra.stop:
				return
			}
			if terminal {
				return
			}
			select {
			case b = <-ra.free:
				b.buf, b.fields, b.recs = b.buf[:0], b.fields[:0], b.recs[:0]
			default:
				b = newRecordBatch()
			}
		}
	}
}

func newRecordBatch() *recordBatch {
	return &recordBatch{
		buf:    make([]byte, 0, readAheadBytes+4<<10),
		fields: make([][]byte, 0, readAheadRecords*16),
		recs:   make([]batchRecord, 0, readAheadRecords),
	}
}

// next is recordReader.next on the read-ahead records, with the record's
// recordReader.start.
func (ra *readAhead) next() ([][]byte, int, int64, error) {
	if ra.err != nil {
		return nil, 0, -1, ra.err
	}
	if ra.cur == nil || ra.pos == len(ra.cur.recs) {
		if ra.cur != nil {
			select {
			case ra.free <- ra.cur:
			default:
			}
		}
		b, ok := <-ra.batches
		if !ok { // stopped
			ra.err = io.EOF
			return nil, 0, -1, ra.err
		}
		ra.cur, ra.pos = b, 0
	}
	rec := &ra.cur.recs[ra.pos]
	ra.pos++
	var fields [][]byte
	if rec.err == nil {
		fields = ra.cur.fields[rec.first : rec.first+rec.fields : rec.first+rec.fields]
	} else if !recordError(rec.err) {
		ra.err = rec.err
	}
	return fields, rec.line, rec.start, rec.err
}
