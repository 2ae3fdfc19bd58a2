package report

import (
	"io"
)

// LongCSVHeader is the fixed header of the long CSV form: the same columns
// whatever the chains are called, so that Import-Csv and Excel pipelines
// keep working from run to run.
var LongCSVHeader = []string{"line", "mac", "user_uri", "manufacturer", "model", "family", "firmware", "release", "store",
	"sign_in", "last_seen", "pool", "site", "chain", "chain_kind", "status", "stranded_from", "reason", "firmware_verified", "cannot_register"}

// LongCSVWriter writes one row per phone and chain (-o csv-long), the
// chain named in a column; CSVWriter keeps the wide form, one row per
// phone with three columns per chain.
type LongCSVWriter struct {
	w        output
	kinds    []string // of the chains, in the verdicts' order
	rec      []byte
	verdicts fragments
	device   fragments // by phone template
	verdict  func([]byte, *PhoneVerdict) []byte
	kind     string // of the verdict being written
	// tails are what follows the last_seen column in each of a phone's
	// rows, by phone template (see rowTails); scratch holds them for a
	// phone without a template.
	tails   []*rowTails
	scratch rowTails
}

// rowTails are what follows a phone's last_seen column in each of its rows,
// one per verdict: the pool and site columns, the chain's and the
// verdict's, the firmware columns and the line end. A phone template fixes
// them all, so a phone's rows are its own columns and these.
type rowTails struct {
	b    []byte
	ends []int // where each row's tail ends in b
}

// NewLongCSVWriter returns a Writer of the long CSV form.
func NewLongCSVWriter(w io.Writer) *LongCSVWriter {
	return &LongCSVWriter{w: newOutput(w)}
}

// Begin writes the header.
func (c *LongCSVWriter) Begin(s *Summary) (bool, error) {
	var kinds []string
	for _, ch := range s.Chains {
		kinds = append(kinds, ch.Kind)
	}
	c.setKinds(kinds)
	_, err := c.w.Write(appendCSVRecord(nil, LongCSVHeader...))
	return true, err
}

// setKinds sets the kinds of the chains, in the verdicts' order.
func (c *LongCSVWriter) setKinds(kinds []string) {
	c.kinds = kinds
	// A verdict's id names its chain, so its columns (chain to reason) are
	// written once.
	c.verdict = func(dst []byte, v *PhoneVerdict) []byte {
		dst = appendCSVField(dst, v.Chain)
		dst = append(dst, ',')
		dst = appendCSVField(dst, c.kind)
		dst = append(dst, ',')
		return appendCSVVerdict(dst, v)
	}
}

func (c *LongCSVWriter) formatter() phoneFormatter {
	f := &LongCSVWriter{}
	f.setKinds(c.kinds)
	return f
}

func (c *LongCSVWriter) writeListing(b []byte) error { return c.w.writeSegment(b) }

// Phone writes the phone's rows, one per chain.
func (c *LongCSVWriter) Phone(p *Phone) error {
	l := lineOf(p)
	c.rec = c.appendLine(c.rec[:0], &l)
	return c.writeListing(c.rec)
}

// appendLine appends the phone's rows: its own columns (line to
// last_seen) are written for the first row and copied for the others.
func (c *LongCSVWriter) appendLine(dst []byte, l *phoneLine) []byte {
	if len(l.fixed.Verdicts) == 0 {
		return dst
	}
	start := len(dst)
	dst = appendCSVHead(dst, l)
	dst = c.device.appendTemplate(dst, l, appendCSVDevice)
	dst = appendCSVSeen(dst, l)
	end := len(dst)
	t := c.tailsOf(l)
	from := 0
	for i, to := range t.ends {
		if i > 0 {
			dst = append(dst, dst[start:end]...)
		}
		dst = append(dst, t.b[from:to]...)
		from = to
	}
	return dst
}

// tailsOf returns the rows' tails of l's phone, memoized per template.
func (c *LongCSVWriter) tailsOf(l *phoneLine) *rowTails {
	if l.id <= 0 {
		c.appendTails(&c.scratch, l.fixed)
		return &c.scratch
	}
	for int(l.id) >= len(c.tails) {
		c.tails = append(c.tails, nil)
	}
	if c.tails[l.id] == nil {
		t := new(rowTails)
		c.appendTails(t, l.fixed)
		c.tails[l.id] = t
	}
	return c.tails[l.id]
}

// appendTails sets t to the rows' tails of p.
func (c *LongCSVWriter) appendTails(t *rowTails, p *Phone) {
	t.b, t.ends = t.b[:0], t.ends[:0]
	for i := range p.Verdicts {
		c.kind = ""
		if i < len(c.kinds) {
			c.kind = c.kinds[i]
		}
		t.b = appendLongCSVPlace(t.b, p)
		t.b = append(t.b, c.verdicts.get(&p.Verdicts[i], c.verdict)...)
		t.b = appendLongCSVFirmware(t.b, p)
		t.ends = append(t.ends, len(t.b))
	}
}

// appendLongCSVPlace appends the pool and site columns, each with its
// leading comma, and the comma before the chain.
func appendLongCSVPlace(dst []byte, p *Phone) []byte {
	dst = append(dst, ',')
	dst = appendCSVField(dst, p.Pool)
	dst = append(dst, ',')
	dst = appendCSVField(dst, p.Site)
	return append(dst, ',')
}

// appendLongCSVFirmware appends the firmware columns and the line end.
func appendLongCSVFirmware(dst []byte, p *Phone) []byte {
	return append(appendCSVFirmware(dst, p), '\n')
}

// omitsInventoryHash: the long CSV shows no SHA-256 of the inventory.
func (c *LongCSVWriter) omitsInventoryHash() {}

// End flushes the output.
func (c *LongCSVWriter) End() error {
	return c.w.Flush()
}
