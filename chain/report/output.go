package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore/textwrap"
)

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// TableWriter renders the report for people: the summary first, then the
// stranded phones (one line per phone and chain that strands it).
type TableWriter struct {
	shell  remedy.Shell
	w      output
	s      *Summary
	widths [6]int
	user   int         // the widest user cell that keeps a line within textwrap.Width
	num    []byte      // the lines being written
	cells  []fragments // by verdict index, then phone template; see appendPhone

	lastMan, lastModel, lastCell string // see model
}

// NewTableWriter returns a Writer of the table format, with the commands
// written for the shell.
func NewTableWriter(w io.Writer, shell remedy.Shell) *TableWriter {
	return &TableWriter{w: newOutput(w), shell: shell}
}

// Begin writes the summary.
func (t *TableWriter) Begin(s *Summary) (bool, error) {
	t.s = s
	w := t.w
	inv := s.Inventory
	var intro strings.Builder
	fmt.Fprintf(&intro, "Inventory %s (%s): %s, %s", inv.Source, inv.Format, plural(inv.Records, "record", "records"), plural(inv.Phones, "phone", "phones"))
	if inv.DuplicateRows > 0 {
		fmt.Fprintf(&intro, " (%s of the same MAC)", plural(inv.DuplicateRows, "older registration", "older registrations"))
	}
	fmt.Fprintf(&intro, ", %d %s", otherTotal(inv.Other), pick(otherTotal(inv.Other), "not an LPE phone", "not LPE phones"))
	if o := otherList(inv.Other); o != "" {
		fmt.Fprintf(&intro, " (%s)", o)
	}
	fmt.Fprintf(&intro, ", %s", plural(inv.BadRows, "unparsable row", "unparsable rows"))
	prose(w, "", "  ", intro.String())
	fmt.Fprintf(w, "Judged at %s; known expiries within %s\n\n", s.At.UTC().Format(time.RFC3339), plural(s.HorizonDays, "day", "days"))

	grid := [][]string{{"CHAIN", "KIND", "PHONES", "SAFE", "STRANDED", "STRANDED LATER", "MINIMUM RELEASE"}}
	for _, c := range s.Chains {
		minRel := "no release trusts it"
		if c.MinimumRelease != nil {
			minRel = *c.MinimumRelease
		}
		grid = append(grid, []string{textwrap.Elide(c.Name, nameWidth), c.Kind, strconv.Itoa(c.Phones), strconv.Itoa(c.Safe), strconv.Itoa(c.Stranded), strconv.Itoa(c.Expiring), minRel})
	}
	w.WriteString(textwrap.Grid(grid, textwrap.Width))
	prose(w, "", "  ", "SAFE: trusted now and through the horizon, on firmware that registers to Lync Server 2013; STRANDED LATER: trusted now, stranded by a known expiry within it")

	fmt.Fprintln(w, "\nBy firmware release (stranded now / expiring within the horizon):")
	grid = [][]string{chainHeads(s, "RELEASE", "BUILDS", "STORE", "PHONES")}
	if len(s.Chains) > 0 {
		for i, rc := range s.Chains[0].ByRelease {
			cells := []string{rc.Release, strings.Join(rc.Versions, " "), rc.Store, strconv.Itoa(s.releasePhones(rc))}
			for _, c := range s.Chains {
				r := c.ByRelease[i]
				cells = append(cells, fmt.Sprintf("%d / %d", r.Stranded, r.Expiring))
			}
			grid = append(grid, cells)
		}
	}
	w.WriteString(textwrap.Grid(grid, textwrap.Width))

	fmt.Fprintln(w, "\nBy device family and model:")
	grid = [][]string{chainHeads(s, "FAMILY", "MODEL", "FIRMWARE", "RELEASE", "PHONES")}
	if len(s.Chains) > 0 {
		for i, mc := range s.Chains[0].ByModel {
			cells := []string{mc.Family, dash(mc.Model), mc.Version, mc.Release, strconv.Itoa(s.modelPhones(mc))}
			for _, c := range s.Chains {
				m := c.ByModel[i]
				cells = append(cells, fmt.Sprintf("%d / %d", m.Stranded, m.Expiring))
			}
			grid = append(grid, cells)
		}
	}
	w.WriteString(textwrap.Grid(grid, textwrap.Width))
	writePoolTables(w.Writer, t, s)

	for _, c := range s.Chains {
		header := fmt.Sprintf("%s (%s)", c.Name, c.Kind)
		if len(c.Chain) > 0 {
			leaf := c.Chain[0]
			top := c.Chain[len(c.Chain)-1]
			header += fmt.Sprintf(": %s, expires %s; chain ends at %s (%s)", leaf.Name, day(leaf.NotAfter), top.Name, top.SHA1)
		}
		fmt.Fprintln(w)
		prose(w, "", "    ", header)
		if c.Blocker != "" {
			prose(w, "  ", "    ", "every phone stranded: "+c.Blocker)
		}
		for _, n := range c.Notes {
			prose(w, "  ", "    ", "note: "+n)
		}
		for _, r := range c.Reasons {
			prose(w, "  ", "    ", fmt.Sprintf("stranded (%s, %s): %s", strings.Join(r.Stores, ", "), plural(r.Phones, "phone", "phones"), r.Reason))
		}
		for _, e := range c.ExpiringDates {
			fmt.Fprintf(w, "  %s trusted now %s stranded on %s\n", plural(e.Phones, "phone", "phones"), pick(e.Phones, "becomes", "become"), day(e.Date))
		}
		writeHorizon(w, s.At, c)
		for _, f := range c.Findings {
			prose(w, "  ", "    ", fmt.Sprintf("finding (%s, %s): %s", f.Severity, f.Basis, f.Message))
		}
		fmt.Fprintln(w, "  Minimum firmware per family:")
		for _, fc := range c.ByFamily {
			minimum := "no build trusts this chain"
			if fc.MinimumVersion != "" {
				minimum = fc.MinimumVersion + " (" + fc.MinimumRelease + ")"
			} else if fc.Family == familyLabel("") {
				minimum = "model unknown"
			}
			fmt.Fprintf(w, "    %s: %s; %d of %s stranded\n", fc.Family, minimum, fc.Stranded, plural(fc.Phones, "phone", "phones"))
		}
		if c.CannotRegister > 0 {
			prose(w, "  ", "    ", fmt.Sprintf("%s OCS 2007 / R2 firmware: cannot register to Lync Server 2013 or later, not counted as SAFE", plural(c.CannotRegister, "phone runs", "phones run")))
		}
		if len(c.Plan.Fixes) == 0 && s.NoPhone != "" {
			prose(w, "  ", "    ", "No fix to give: "+s.NoPhone+".")
			// The plan, which says them otherwise, is not written.
			for _, in := range c.Instead {
				prose(w, "  ", "    ", "Instead: "+in.Message+".")
			}
		} else {
			if len(c.Plan.Fixes) > 0 {
				fmt.Fprintln(w, "  Fixes, least effort first, each counting only phones no earlier fix brought back:")
			}
			if err := c.Plan.WriteText(w, t.shell, "  "); err != nil {
				return false, err
			}
		}
	}
	if inv.BadRows > 0 {
		fmt.Fprintln(w, "\nUnparsable rows:")
		for _, p := range inv.Problems {
			prose(w, "  ", "    ", fmt.Sprintf("line %d: %s", p.Line, p.Reason))
		}
		if inv.BadRows > len(inv.Problems) {
			fmt.Fprintf(w, "  and %d more\n", inv.BadRows-len(inv.Problems))
		}
	}
	if len(s.Assumptions) > 0 {
		fmt.Fprintln(w, "\nAssumptions:")
		for _, a := range s.Assumptions {
			prose(w, "  ", "    ", a)
		}
	}
	if !s.StrandedNow() {
		return false, nil
	}
	fmt.Fprintln(w, "\nStranded phones (the reasons are given per chain above):")
	// Column widths are known from the first pass, so the (possibly
	// millions of) lines are written directly rather than through textwrap.Grid.
	t.widths = [6]int{len("LINE"), len("MAC"), len("MODEL"), len("FIRMWARE"), len("RELEASE"), len("CHAIN")}
	widen := func(i int, s string) {
		if n := utf8.RuneCountInString(s); n > t.widths[i] {
			t.widths[i] = n
		}
	}
	widen(0, strconv.Itoa(s.maxLine))
	widen(1, "00-04-F2-00-01-76")
	for _, c := range s.Chains {
		widen(5, chainColumn(c))
		for _, m := range c.ByModel {
			widen(2, dash(m.Model))
			widen(3, m.Version)
			widen(4, releaseMarked(&Phone{Release: m.Release, FirmwareVerified: m.FirmwareVerified, CannotRegister: m.CannotRegister}))
		}
	}
	t.fitPhoneList()
	t.w.WriteString("LINE")
	for n := len("LINE"); n < t.widths[0]+2; n++ {
		t.w.WriteByte(' ')
	}
	t.line("MAC", "MODEL", "FIRMWARE", "RELEASE", "CHAIN", "USER")
	return true, nil
}

// Columns of the stranded-phone list are narrowed, their cells elided,
// to keep room for a user column of userRoom within textwrap.Width: the
// chain first (the chains are named in full above), then the model, then
// the release, none below narrowest.
const (
	userRoom    = 22
	narrowest   = 12
	userMinimum = 20
)

// fitPhoneList narrows the columns until a line with a user of userRoom
// fits textwrap.Width, and sets the room the user cell has.
func (t *TableWriter) fitPhoneList() {
	prefix := func() int {
		n := 0
		for _, w := range t.widths {
			n += w + 2
		}
		return n
	}
	for _, i := range []int{5, 2, 4} { // chain, model, release
		for prefix()+userRoom > textwrap.Width && t.widths[i] > narrowest {
			t.widths[i]--
		}
	}
	t.user = max(textwrap.Width-prefix(), userMinimum)
}

// Names in the tables are elided (ASCII "...") to these widths, so that
// the tables fit textwrap.Width; CSV and JSON carry them whole.
const (
	nameWidth      = 48 // a chain or pool naming a row
	chainHeadWidth = 24 // a chain heading a column
)

// chainHeads is a header: the columns given, then one per chain.
func chainHeads(s *Summary, cols ...string) []string {
	for _, c := range s.Chains {
		cols = append(cols, textwrap.Elide(c.Name, chainHeadWidth))
	}
	return cols
}

// prose writes text wrapped to textwrap.Width columns: after first, then
// after hanging.
func prose(w io.Writer, first, hanging, text string) {
	io.WriteString(w, textwrap.Wrap(first, hanging, text, textwrap.Width))
}

// writeHorizon writes a chain's trust horizon, one line per event.
func writeHorizon(w io.Writer, at time.Time, c ChainSummary) {
	if c.HorizonTrusted == 0 {
		fmt.Fprintf(w, "  Trust horizon: no phone trusts it on %s\n", day(at))
		return
	}
	fmt.Fprintf(w, "  Trust horizon: %s %s it on %s\n", plural(c.HorizonTrusted, "phone", "phones"), pick(c.HorizonTrusted, "trusts", "trust"), day(at))
	for _, e := range c.Horizon {
		prose(w, "    "+day(e.Date)+"  ", "                ", fmt.Sprintf("%s (%s): %s stranded, %s", e.Cause, strings.Join(e.Stores, ", "),
			plural(e.Stranded, "phone", "phones"), trustedAfter(e.TrustedAfter)))
	}
	if n := len(c.Horizon); n == 0 || c.Horizon[n-1].TrustedAfter > 0 {
		fmt.Fprintf(w, "    nothing else on its trusted paths expires before %s\n", day(c.HorizonEnd))
	}
}

// trustedAfter says how many phones still trust a chain after an event.
func trustedAfter(n int) string {
	switch n {
	case 0:
		return "none trusts it after"
	case 1:
		return "1 still trusts it"
	}
	return fmt.Sprintf("%d still trust it", n)
}

// pick chooses the singular or plural form for n.
func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// line writes the rest of one padded line of the stranded-phone list,
// from the MAC column on (the caller writes the line number).
func (t *TableWriter) line(cells ...string) {
	for i, c := range cells {
		t.w.WriteString(c)
		if i == len(cells)-1 {
			break
		}
		for n := utf8.RuneCountInString(c); n < t.widths[i+1]+2; n++ {
			t.w.WriteByte(' ')
		}
	}
	t.w.WriteByte('\n')
}

// releaseMarked is the release, marked when its store is assumed or the
// firmware cannot register to Lync Server 2013.
func releaseMarked(p *Phone) string {
	r := p.Release
	if !p.FirmwareVerified {
		r += " (unverified)"
	}
	if p.CannotRegister {
		r += " (cannot register to Lync 2013)"
	}
	return r
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func otherTotal(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func otherList(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

// Phone writes a stranded phone; trusted ones are left out of the table.
func (t *TableWriter) Phone(p *Phone) error {
	l := lineOf(p)
	t.num = t.appendLine(t.num[:0], &l)
	return t.writeListing(t.num)
}

func (t *TableWriter) formatter() phoneFormatter { return &TableWriter{widths: t.widths, user: t.user} }

func (t *TableWriter) writeListing(b []byte) error { return t.w.writeSegment(b) }

// appendLine appends the phone's lines: one per chain that strands it.
func (t *TableWriter) appendLine(dst []byte, l *phoneLine) []byte {
	p := l.fixed
	// The phone's lines share the line number and MAC cells and the user
	// cell: written for the first, copied for the others (offsets in dst).
	headFrom, headTo, userFrom, userTo := -1, -1, -1, -1
	for i := range p.Verdicts {
		if p.Verdicts[i].Status != StatusStranded {
			continue
		}
		if headFrom < 0 {
			headFrom = len(dst)
			dst = strconv.AppendInt(dst, int64(l.line), 10)
			dst = pad(dst, len(dst)-headFrom, t.widths[0])
			dst = appendCell(dst, dashed(l.mac), t.widths[1])
			headTo = len(dst)
		} else {
			dst = append(dst, dst[headFrom:headTo]...)
		}
		for i >= len(t.cells) {
			t.cells = append(t.cells, nil)
		}
		if l.id > 0 {
			dst = append(dst, t.cells[i].of(l.id, func() []byte { return t.appendCells(nil, p, i) })...)
		} else {
			dst = t.appendCells(dst, p, i)
		}
		if userFrom < 0 {
			userFrom = len(dst)
			dst = appendFit(dst, dashed(l.uri), t.user)
			dst = append(dst, '\n')
			userTo = len(dst)
		} else {
			dst = append(dst, dst[userFrom:userTo]...)
		}
	}
	return dst
}

// dashed is b, or "-" when b is empty.
func dashed(b []byte) []byte {
	if len(b) == 0 {
		return dashBytes
	}
	return b
}

var dashBytes = []byte("-")

// appendCells appends the padded cells a phone template fixes for the
// verdict i: model, firmware, release and chain.
func (t *TableWriter) appendCells(dst []byte, p *Phone, i int) []byte {
	dst = appendCell(dst, t.model(p), t.widths[2])
	dst = appendCell(dst, p.Firmware, t.widths[3])
	dst = appendCell(dst, releaseMarked(p), t.widths[4])
	return appendCell(dst, fitChainCell(p.Verdicts[i], t.widths[5]), t.widths[5])
}

// model is the phone's model column; consecutive phones mostly share one,
// so the last is kept.
func (t *TableWriter) model(p *Phone) string {
	if p.Manufacturer != t.lastMan || p.Model != t.lastModel || t.lastCell == "" {
		t.lastMan, t.lastModel = p.Manufacturer, p.Model
		t.lastCell = dash(DisplayModel(p.Manufacturer, p.Model))
	}
	return t.lastCell
}

// appendCell appends a cell of the stranded-phone list padded to width
// and the two spaces between columns.
func appendCell[T text](dst []byte, s T, width int) []byte {
	n := len(dst)
	dst = appendFit(dst, s, width)
	return pad(dst, utf8.RuneCount(dst[n:]), width)
}

// fitChainCell is the chain cell within width: the name elided, the
// backup mark kept.
func fitChainCell(v PhoneVerdict, width int) string {
	c := chainCell(v)
	if width <= 0 || utf8.RuneCountInString(c) <= width || v.Role != RoleBackup {
		return c
	}
	return textwrap.Elide(v.Chain, max(width-len(backupMark), 5)) + backupMark
}

// appendFit appends s, elided to width columns when it is wider
// (fitPhoneList narrowed its column).
func appendFit[T text](dst []byte, s T, width int) []byte {
	if width > 0 && len(s) > width {
		return textwrap.AppendElide(dst, s, width)
	}
	return append(dst, s...)
}

// pad appends the spaces after a cell of n runes in a column of width.
func pad(dst []byte, n, width int) []byte {
	for ; n < width+2; n++ {
		dst = append(dst, ' ')
	}
	return dst
}

// omitsInventoryHash: the table shows no SHA-256 of the inventory.
func (t *TableWriter) omitsInventoryHash() {}

// End flushes the output.
func (t *TableWriter) End() error {
	return t.w.Flush()
}

// CSVWriter writes one row per phone with the verdict columns of every chain.
type CSVWriter struct {
	w              output
	rec            []byte
	verdicts       fragments
	device, tail   fragments // by phone template
	appendTailFunc func([]byte, *Phone) []byte
}

// NewCSVWriter returns a Writer of the CSV format.
func NewCSVWriter(w io.Writer) *CSVWriter {
	c := &CSVWriter{}
	if w != nil { // nil: a formatter only
		c.w = newOutput(w)
	}
	c.appendTailFunc = c.appendTail
	return c
}

// writeBuffer is the output buffer of the listing writers: a listing of a
// year of phones is gigabytes, written in few system calls.
const writeBuffer = 1 << 20

// output is a listing writer's output: buffered for what the writer writes
// itself, and straight through for the segments the second pass formats,
// which are large writes already (copying them into the buffer was one
// more pass over every byte of the listing).
type output struct {
	*bufio.Writer
	to io.Writer
}

func newOutput(w io.Writer) output {
	return output{Writer: bufio.NewWriterSize(w, writeBuffer), to: w}
}

// throughBytes is the smallest segment written straight through.
const throughBytes = 64 << 10

// writeSegment writes a formatted segment after what is buffered.
func (o output) writeSegment(b []byte) error {
	if len(b) < throughBytes {
		_, err := o.Write(b)
		return err
	}
	if err := o.Flush(); err != nil {
		return err
	}
	_, err := o.to.Write(b)
	return err
}

// Begin writes the header.
func (c *CSVWriter) Begin(s *Summary) (bool, error) {
	head := []string{"line", "mac", "user_uri", "manufacturer", "model", "family", "firmware", "release", "store", "sign_in", "last_seen"}
	for _, ch := range s.Chains {
		head = append(head, ch.Name+" status", ch.Name+" stranded_from", ch.Name+" reason")
	}
	head = append(head, "pool", "site", "firmware_verified", "cannot_register")
	_, err := c.w.Write(appendCSVRecord(nil, head...))
	return true, err
}

// Phone writes one row.
func (c *CSVWriter) Phone(p *Phone) error {
	l := lineOf(p)
	c.rec = c.appendLine(c.rec[:0], &l)
	return c.writeListing(c.rec)
}

func (c *CSVWriter) formatter() phoneFormatter { return NewCSVWriter(nil) }

func (c *CSVWriter) writeListing(b []byte) error { return c.w.writeSegment(b) }

// appendLine appends the phone's row.
func (c *CSVWriter) appendLine(dst []byte, l *phoneLine) []byte {
	dst = appendCSVHead(dst, l)
	dst = c.device.appendTemplate(dst, l, appendCSVDevice)
	dst = appendCSVSeen(dst, l)
	return c.tail.appendTemplate(dst, l, c.appendTailFunc)
}

// appendTail appends the columns after last_seen and the line end.
func (c *CSVWriter) appendTail(dst []byte, p *Phone) []byte {
	for i := range p.Verdicts {
		dst = append(dst, ',')
		dst = append(dst, c.verdicts.get(&p.Verdicts[i], appendCSVVerdict)...)
	}
	dst = append(dst, ',')
	dst = appendCSVField(dst, p.Pool)
	dst = append(dst, ',')
	dst = appendCSVField(dst, p.Site)
	dst = appendCSVFirmware(dst, p)
	return append(dst, '\n')
}

// appendCSVHead appends the line, mac and user_uri columns.
func appendCSVHead(dst []byte, l *phoneLine) []byte {
	dst = strconv.AppendInt(dst, int64(l.line), 10)
	dst = append(dst, ',')
	dst = append(dst, l.mac...) // inventory.AppendMAC's: never quoted
	dst = append(dst, ',')
	return appendCSVField(dst, l.uri)
}

// appendCSVDevice appends the columns a phone template fixes from
// manufacturer to sign_in, each with its leading comma.
func appendCSVDevice(dst []byte, p *Phone) []byte {
	for _, f := range [...]string{p.Manufacturer, p.Model, p.Family, p.Firmware, p.Release, p.Store, p.SignIn} {
		dst = append(dst, ',')
		dst = appendCSVField(dst, f)
	}
	return dst
}

// appendCSVSeen appends the last_seen column with its leading comma.
func appendCSVSeen(dst []byte, l *phoneLine) []byte {
	dst = append(dst, ',')
	switch {
	case l.seen == nil:
	case l.dates != nil:
		dst = l.dates.appendRFC3339(dst, *l.seen)
	default:
		dst = appendRFC3339(dst, *l.seen)
	}
	return dst
}

// appendCSVFirmware appends the firmware_verified and cannot_register
// columns, with their leading comma.
func appendCSVFirmware(dst []byte, p *Phone) []byte {
	dst = append(dst, ',')
	dst = strconv.AppendBool(dst, p.FirmwareVerified)
	dst = append(dst, ',')
	return strconv.AppendBool(dst, p.CannotRegister)
}

// appendCSVVerdict appends a verdict's status, stranded_from and reason columns.
func appendCSVVerdict(dst []byte, v *PhoneVerdict) []byte {
	dst = appendCSVField(dst, v.Status)
	dst = append(dst, ',')
	if v.StrandedFrom != nil {
		dst = v.StrandedFrom.UTC().AppendFormat(dst, time.DateOnly)
	}
	dst = append(dst, ',')
	return appendCSVField(dst, v.Reason)
}

// appendCSVRecord appends fields as one CSV line.
func appendCSVRecord(dst []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendCSVField(dst, f)
	}
	return append(dst, '\n')
}

// omitsInventoryHash: the CSV shows no SHA-256 of the inventory.
func (c *CSVWriter) omitsInventoryHash() {}

// End flushes the output.
func (c *CSVWriter) End() error {
	return c.w.Flush()
}

// JSONWriter writes {"summary": …, "phones": […]}, streaming the phones.
type JSONWriter struct {
	w            output
	first        bool
	line         []byte
	verdicts     fragments
	device, tail fragments // by phone template
	verdict      func([]byte, *PhoneVerdict) []byte
	tailFunc     func([]byte, *Phone) []byte
}

// NewJSONWriter returns a Writer of the JSON format.
func NewJSONWriter(w io.Writer) *JSONWriter {
	j := &JSONWriter{first: true}
	if w != nil { // nil: a formatter only
		j.w = newOutput(w)
	}
	j.verdict = func(dst []byte, v *PhoneVerdict) []byte {
		return append(dst, j.verdicts.get(v, appendVerdictJSON)...)
	}
	j.tailFunc = func(dst []byte, p *Phone) []byte { return appendPhoneJSONTail(dst, p, j.verdict) }
	return j
}

func marshal(v any, prefix string) ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(sb.String(), "\n")), nil
}

// Begin writes the summary.
func (j *JSONWriter) Begin(s *Summary) (bool, error) {
	b, err := marshal(s, "  ")
	if err != nil {
		return false, err
	}
	fmt.Fprintf(j.w, "{\n  \"summary\": %s,\n  \"phones\": [", b)
	return true, nil
}

// Phone writes one phone, on one line: a million phones stay readable
// with line tools and cost a fraction of indented output.
func (j *JSONWriter) Phone(p *Phone) error {
	l := lineOf(p)
	j.line = j.appendLine(j.line[:0], &l)
	return j.writeListing(j.line)
}

// appendLine appends the phone as appendPhoneJSON does, after the
// separator of an array element that is not the first, with the
// template's fields memoized.
func (j *JSONWriter) appendLine(dst []byte, l *phoneLine) []byte {
	dst = append(dst, ",\n    "...)
	dst = appendPhoneJSONHead(dst, l)
	dst = j.device.appendTemplate(dst, l, appendPhoneJSONDevice)
	dst = appendPhoneJSONSeen(dst, l)
	return j.tail.appendTemplate(dst, l, j.tailFunc)
}

func (j *JSONWriter) formatter() phoneFormatter { return NewJSONWriter(nil) }

// writeListing writes phones appendPhone appended; the first phone of the
// array loses its comma.
func (j *JSONWriter) writeListing(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if j.first {
		j.first = false
		b = b[1:]
	}
	return j.w.writeSegment(b)
}

// End closes the document.
func (j *JSONWriter) End() error {
	if j.first {
		j.w.WriteString("]\n}\n")
	} else {
		j.w.WriteString("\n  ]\n}\n")
	}
	return j.w.Flush()
}
