package inventory

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Limits that keep one record from making memory grow.
const (
	maxLineBytes   = 64 << 10 // a physical line longer than this is a bad row
	maxRecordLines = 64       // a quoted field may span at most this many lines
)

// maxSkipBytes bounds how much of an over-long line is skipped to find the
// next line: past it the input is not a line-based file at all.
const maxSkipBytes = 1 << 20

var (
	errLongLine     = errors.New("line longer than 64 KiB")
	errNoLineEnd    = errors.New("no line end within 1 MiB: not a text inventory")
	errUnterminated = errors.New("quoted field not closed")
	errBinary       = errors.New("contains a NUL byte (binary data, or UTF-16 text)")
)

// recordReader splits a stream into delimited records. It handles quoted
// fields (with "" escapes and line breaks inside quotes), CRLF line ends and
// a UTF-8 byte-order mark. Fields returned by next alias internal buffers
// and are valid until the next call.
type recordReader struct {
	br          *bufio.Reader
	src         *offsetReader // what br reads; nil when br reads transcoded text
	delim       byte          // 0: the whole line is one field
	line        int           // number of the last physical line read
	started     bool
	rec         []byte   // the current record's bytes
	fields      [][]byte // fields of the current record
	scratch     []byte   // unescaped quoted fields
	spans       [][2]int // field bounds in scratch
	pending     []byte   // a line handed back by unread
	havePending bool
	pendingLine int
	skipping    bool // the last line was too long: its rest comes first
	// keep, when set, rejects records by their first line: a rejected line
	// without quotes (so a whole record) is passed over unsplit.
	keep func(line int) bool
	// start is the input offset where the last record returned by next
	// starts; -1 when it is not known (transcoded text, a line handed
	// back, the rest of an over-long line before it).
	start int64
}

// offsetReader counts the bytes read from r, from n on: the input offset.
type offsetReader struct {
	r io.Reader
	n int64
}

func (c *offsetReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func newRecordReader(r io.Reader) *recordReader {
	src := &offsetReader{r: r}
	text := maybeUTF16(src)
	rr := &recordReader{br: bufio.NewReaderSize(text, 256<<10)}
	if _, transcoded := text.(*utf16Reader); !transcoded {
		rr.src = src
	}
	return rr
}

// offset is the input offset of the next line readLine returns, -1 when
// not known.
func (r *recordReader) offset() int64 {
	if r.src == nil || r.havePending || r.skipping {
		return -1
	}
	return r.src.n - int64(r.br.Buffered())
}

// readLine returns the next physical line without its line end. A line is
// rejected with errLongLine the moment it passes maxLineBytes; its rest is
// skipped by the next call, up to maxSkipBytes (errNoLineEnd past it).
func (r *recordReader) readLine() ([]byte, error) {
	if r.havePending {
		r.havePending = false
		r.line = r.pendingLine
		return r.pending, nil
	}
	if r.skipping {
		if err := r.skipRest(); err != nil {
			return nil, err
		}
	}
	r.rec = r.rec[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(chunk) > 0 {
			if len(r.rec)+len(chunk) > maxLineBytes+2 {
				r.line++
				r.rec = r.rec[:0]
				r.skipping = err == bufio.ErrBufferFull
				return nil, errLongLine
			}
			if err == nil && len(r.rec) == 0 {
				// Fast path: the whole line is in the bufio buffer.
				r.line++
				return r.first(trimEOL(chunk))
			}
			r.rec = append(r.rec, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if err == io.EOF && len(r.rec) == 0 {
			return nil, io.EOF
		}
		r.line++
		return r.first(trimEOL(r.rec))
	}
}

// skipRest consumes the rest of an over-long line.
func (r *recordReader) skipRest() error {
	skipped := 0
	for {
		chunk, err := r.br.ReadSlice('\n')
		skipped += len(chunk)
		switch {
		case err == bufio.ErrBufferFull && skipped <= maxSkipBytes:
			continue
		case err == bufio.ErrBufferFull:
			return errNoLineEnd
		case err == io.EOF:
			err = nil
		}
		r.skipping = false
		return err
	}
}

// first strips a byte-order mark from the first line and rejects UTF-16.
func (r *recordReader) first(line []byte) ([]byte, error) {
	if r.started {
		return line, nil
	}
	r.started = true
	if bytes.HasPrefix(line, []byte{0xEF, 0xBB, 0xBF}) {
		return line[3:], nil
	}
	return line, nil
}

// unread hands a line back so that the next readLine returns it again.
func (r *recordReader) unread(line []byte) {
	r.pending = append(r.pending[:0], line...)
	r.havePending = true
	r.pendingLine = r.line
	r.line--
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// next returns the fields of the next record and the line it starts on. A
// record that cannot be split is returned as an error together with its
// line; the reader stays usable. At the end it returns io.EOF.
func (r *recordReader) next() (fields [][]byte, line int, err error) {
	l, line, err := r.nextLine()
	if err != nil || r.delim == 0 {
		return r.split(l, line, err)
	}
	if fields, ok := splitFields(r.fields[:0], l, r.delim); ok {
		r.fields = fields
		return fields, line, nil
	}
	return r.split(l, line, nil)
}

// nextLine returns the first line of the next record (see next), passing
// over the lines the keep filter rejects.
func (r *recordReader) nextLine() (l []byte, line int, err error) {
	r.start = r.offset()
	l, err = r.readLine()
	line = r.line
	for err == nil && r.keep != nil && !r.keep(line) && bytes.IndexByte(l, '"') < 0 {
		r.start = r.offset()
		l, err = r.readLine()
		line = r.line
	}
	return l, line, err
}

// split is next for the record starting with l, nextLine's line, when it
// is not a plain delimited record (splitFields).
func (r *recordReader) split(l []byte, line int, err error) ([][]byte, int, error) {
	if err == errLongLine || err == errNoLineEnd {
		return nil, line, err
	}
	if err != nil {
		return nil, line + 1, err // the line that could not be read
	}
	if bytes.IndexByte(l, 0) >= 0 {
		return nil, line, errBinary
	}
	if r.delim == 0 {
		r.fields = append(r.fields[:0], l)
		return r.fields, line, nil
	}
	// Quoted fields may hold line breaks: gather lines until quotes balance.
	if !quotesBalanced(l) {
		rec := append([]byte(nil), l...)
		for n := 1; !quotesBalanced(rec); n++ {
			if n >= maxRecordLines {
				return nil, line, errUnterminated
			}
			more, err := r.readLine()
			if err == io.EOF {
				return nil, line, errUnterminated
			}
			if err != nil {
				return nil, line, err
			}
			rec = append(append(rec, '\n'), more...)
		}
		l = rec
	}
	return r.splitQuoted(l), line, nil
}

func quotesBalanced(b []byte) bool {
	return bytes.Count(b, []byte{'"'})%2 == 0
}

// splitFields appends to fields the fields of the line l, split at delim,
// each a slice of l capped at its end; ok is false, and fields returned as
// they were, when l holds a quote or a NUL byte (left to next's other
// paths).
func splitFields(fields [][]byte, l []byte, delim byte) (_ [][]byte, ok bool) {
	if bytes.IndexByte(l, '"') >= 0 || bytes.IndexByte(l, 0) >= 0 {
		return fields, false
	}
	for {
		i := bytes.IndexByte(l, delim)
		if i < 0 {
			return append(fields, l[:len(l):len(l)]), true
		}
		fields = append(fields, l[:i:i])
		l = l[i+1:]
	}
}

// splitQuoted splits a record holding quotes, leniently: a quote inside an
// unquoted field is kept, text after a closing quote is appended.
func (r *recordReader) splitQuoted(l []byte) [][]byte {
	r.fields = r.fields[:0]
	r.scratch = r.scratch[:0]
	spans := r.spans[:0]
	i := 0
	for {
		start := len(r.scratch)
		if i < len(l) && l[i] == '"' {
			i++
			for i < len(l) {
				c := l[i]
				if c == '"' {
					if i+1 < len(l) && l[i+1] == '"' {
						r.scratch = append(r.scratch, '"')
						i += 2
						continue
					}
					i++
					break
				}
				r.scratch = append(r.scratch, c)
				i++
			}
		}
		for i < len(l) && l[i] != r.delim {
			r.scratch = append(r.scratch, l[i])
			i++
		}
		spans = append(spans, [2]int{start, len(r.scratch)})
		if i >= len(l) {
			break
		}
		i++ // the delimiter
	}
	r.spans = spans
	for _, s := range spans {
		r.fields = append(r.fields, r.scratch[s[0]:s[1]])
	}
	return r.fields
}

// guessDelimiter picks the most frequent of comma, semicolon and tab outside
// quotes; 0 when the line has none.
func guessDelimiter(l []byte) byte {
	var counts [3]int
	in := false
	for _, c := range l {
		switch c {
		case '"':
			in = !in
		case ',':
			if !in {
				counts[0]++
			}
		case ';':
			if !in {
				counts[1]++
			}
		case '\t':
			if !in {
				counts[2]++
			}
		}
	}
	best, delim := 0, byte(0)
	for i, d := range []byte{',', ';', '\t'} {
		if counts[i] > best {
			best, delim = counts[i], d
		}
	}
	return delim
}
