package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// LongCSVHeader is the fixed header of the long CSV form: the same columns
// whatever the chains are called, so that Import-Csv and Excel pipelines
// keep working from run to run.
var LongCSVHeader = []string{"line", "mac", "user_uri", "manufacturer", "model", "family", "firmware", "release", "store",
	"sign_in", "last_seen", "pool", "site", "chain", "chain_kind", "status", "stranded_from", "reason"}

// LongCSVWriter writes one row per phone and chain (-o csv-long), the
// chain named in a column; CSVWriter keeps the wide form, one row per
// phone with three columns per chain.
type LongCSVWriter struct {
	w     *csv.Writer
	kinds []string // of the chains, in the verdicts' order
	rec   []string
}

// NewLongCSVWriter returns a Writer of the long CSV form.
func NewLongCSVWriter(w io.Writer) *LongCSVWriter { return &LongCSVWriter{w: csv.NewWriter(w)} }

// Begin writes the header.
func (c *LongCSVWriter) Begin(s *Summary) (bool, error) {
	for _, ch := range s.Chains {
		c.kinds = append(c.kinds, ch.Kind)
	}
	return true, c.w.Write(LongCSVHeader)
}

// Phone writes the phone's rows, one per chain.
func (c *LongCSVWriter) Phone(p *Phone) error {
	seen := ""
	if p.Seen != nil {
		seen = p.Seen.UTC().Format(time.RFC3339)
	}
	for i, v := range p.Verdicts {
		from, kind := "", ""
		if v.StrandedFrom != nil {
			from = day(*v.StrandedFrom)
		}
		if i < len(c.kinds) {
			kind = c.kinds[i]
		}
		c.rec = append(c.rec[:0], strconv.Itoa(p.Line), p.MAC, p.UserURI, p.Manufacturer, p.Model, p.Family,
			p.Firmware, p.Release, p.Store, p.SignIn, seen, p.Pool, p.Site, v.Chain, kind, v.Status, from, v.Reason)
		if err := c.w.Write(c.rec); err != nil {
			return err
		}
	}
	return nil
}

// End flushes the output.
func (c *LongCSVWriter) End() error {
	c.w.Flush()
	return c.w.Error()
}
