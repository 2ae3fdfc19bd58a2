package inventory

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lpetrust/lpetrust/truststore"
)

// Column roles the reader understands.
type role int

const (
	colNone role = iota
	colManufacturer
	colModel
	colMAC
	colUser
	colUserAgent
	colVersion
	colTime
	colSignIn
	colPool
	colSite
	colRegistrar
	numRoles
)

// columnAliases maps a header name (lower case, letters and digits only) to
// its role. The Lync report and Monitoring view names come first; the rest
// are the aliases a hand-made CSV is likely to use.
var columnAliases = map[string]role{
	"manufacturer": colManufacturer, "devicemanufacturer": colManufacturer, "vendor": colManufacturer, "make": colManufacturer,
	"hardwareversion": colModel, "devicehardwareversion": colModel, "model": colModel, "devicemodel": colModel,
	"phonemodel": colModel, "hardware": colModel, "device": colModel, "devicetype": colModel,
	"macaddress": colMAC, "devicemacaddress": colMAC, "mac": colMAC,
	"useruri": colUser, "user": colUser, "sipaddress": colUser, "sipuri": colUser, "uri": colUser, "upn": colUser,
	"useragent": colUserAgent, "ua": colUserAgent, "clientversion": colUserAgent,
	"version": colVersion, "firmware": colVersion, "firmwareversion": colVersion, "fwversion": colVersion,
	"phonefirmware": colVersion, "softwareversion": colVersion, "build": colVersion,
	"lastlogontime": colTime, "registertime": colTime, "lastseen": colTime, "lastlogon": colTime,
	"registrationtime": colTime, "timestamp": colTime,
	"signin": colSignIn, "signinmode": colSignIn, "signinmethod": colSignIn, "authmode": colSignIn,
	"authentication": colSignIn, "auth": colSignIn,
	// The registrar pool a phone registers to: the Monitoring view's Pool
	// (or PoolFQDN straight from LcsCDR), the registrar column of a report;
	// else the registrar server (Servers.ServerFQDN), which the estate
	// matches to its pool.
	"pool": colPool, "registrarpool": colPool, "poolfqdn": colPool, "registrarpoolfqdn": colPool,
	"primarypool": colPool, "primarypoolfqdn": colPool, "homepool": colPool,
	"registrar": colRegistrar, "registrarfqdn": colRegistrar, "registrarserver": colRegistrar,
	"primaryregistrar": colRegistrar, "homeserver": colRegistrar,
	// The site of the phone (a Lync site name, a branch office).
	"site": colSite, "sitename": colSite, "lyncsite": colSite, "branch": colSite, "branchsite": colSite, "office": colSite,
}

func normalizeHeader(b []byte) string {
	var sb strings.Builder
	for _, c := range bytes.ToLower(bytes.TrimSpace(b)) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// headerLines is how many lines before the header (report titles, export
// banners) the reader looks through.
const headerLines = 20

// Reader reads one inventory, record by record.
type Reader struct {
	cat    *truststore.Catalogue
	rr     *recordReader
	format Format
	cols   [numRoles]int // field index of each role, -1 when absent
	// macDecimal: the MAC column holds a bigint (Monitoring view).
	macDecimal bool
	row        Row
	stats      Stats
	cache      map[string]*classified
	key        []byte
	lastLayout int
	dates      dateMemo // of parseTime
	classes    int32    // classifications made so far: the next Row.Class
	// light skips what only per-phone output needs (user URI, pool).
	light bool
	// uriBytes sets Row.UserURIBytes instead of Row.UserURI.
	uriBytes bool
	keep     func(line int) bool
	ahead    *readAhead // see ReadAhead
	// signIns caches the meaning of sign-in column values.
	signIns map[string]string
	// markEvery > 0: Marks are noted (see SetMarks); nextMark is the
	// offset from which the next is.
	markEvery, nextMark int64
	marks               []Mark
}

// A Mark is a place in the input where a record starts, from which
// another Reader can read the rest of it (see Resume).
type Mark struct {
	// Offset is the record's first byte in the input.
	Offset int64
	// Line is the record's line number.
	Line int
	// layout is the time layout the Reader tried first there.
	layout int
}

// SetMarks makes Next note a Mark at the first record of the input and
// then at the first record starting every bytes or more after the last
// Mark (Marks returns them), so that a second pass can be split between
// goroutines. Call it before the first Next. Input whose offsets are not
// known (UTF-16 text, a plain-text list that starts without a header)
// gets no Mark.
func (ir *Reader) SetMarks(every int64) {
	ir.markEvery = every
}

// mark notes a Mark at the record that starts at start, if one is due.
func (ir *Reader) mark(start int64, line int) {
	if start < 0 {
		if len(ir.marks) == 0 {
			ir.markEvery = 0 // the first record has no Mark: none
		}
		return
	}
	if start >= ir.nextMark {
		ir.marks = append(ir.marks, Mark{Offset: start, Line: line, layout: ir.lastLayout})
		ir.nextMark = start + ir.markEvery
	}
}

// Marks returns the Marks noted so far (see SetMarks), in input order;
// once Next returned io.EOF, every record of the input is at or after the
// first Mark. The slice belongs to the Reader.
func (ir *Reader) Marks() []Mark { return ir.marks }

// Resume returns a Reader of ir's format and columns that reads r, whose
// first byte is the input's byte at m.Offset, from m on: it returns the
// records, line numbers and classifications (not the Class ids) ir would
// have returned from m on. Its settings (SetLight, SetLineFilter, …) are
// the defaults; its Stats count only what it reads.
func (ir *Reader) Resume(r io.Reader, m Mark) *Reader {
	n := &Reader{
		cat:        ir.cat,
		format:     ir.format,
		cols:       ir.cols,
		macDecimal: ir.macDecimal,
		cache:      map[string]*classified{},
		signIns:    map[string]string{},
		stats:      Stats{Other: map[string]int{}},
		rr:         &recordReader{br: bufio.NewReaderSize(nil, 256<<10), delim: ir.rr.delim},
	}
	n.MoveTo(r, m)
	return n
}

// MoveTo makes a Reader made by Resume read r from the Mark m on, as
// Resume does, keeping its settings and its cache of classifications.
func (ir *Reader) MoveTo(r io.Reader, m Mark) {
	rr := ir.rr
	rr.src = &offsetReader{r: r, n: m.Offset}
	rr.br.Reset(rr.src)
	rr.line = m.Line - 1
	rr.started = true
	rr.havePending, rr.skipping = false, false
	ir.lastLayout = m.layout
}

// NewReader detects the inventory's format from its first lines and returns
// a Reader positioned at the first record. It fails when no line among the
// first 20 is a header with a version, firmware or user-agent column and the
// first line is not a user-agent or version either.
func NewReader(r io.Reader, cat *truststore.Catalogue) (*Reader, error) {
	ir := &Reader{
		cat:     cat,
		rr:      newRecordReader(r),
		cache:   map[string]*classified{},
		signIns: map[string]string{},
		stats:   Stats{Other: map[string]int{}},
	}
	for i := range ir.cols {
		ir.cols[i] = -1
	}
	if err := ir.detect(); err != nil {
		return nil, err
	}
	return ir, nil
}

var valueLike = regexp.MustCompile(`^\d+(\.\d+){1,3}$|[A-Za-z]/\d+\.\d+`)

func (ir *Reader) detect() error {
	firstData := true
	nonBlank := 0
	for i := 0; i < headerLines; i++ {
		line, err := ir.rr.readLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", ir.rr.line, err)
		}
		if bytes.IndexByte(line, 0) >= 0 {
			return fmt.Errorf("line %d: %w", ir.rr.line, errBinary)
		}
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 {
			ir.stats.Skipped++
			continue
		}
		nonBlank++
		if trimmed[0] == '#' {
			ir.stats.Skipped++ // a comment before plain-text values
			continue
		}
		delim := guessDelimiter(line)
		ir.rr.delim = delim
		var fields [][]byte
		if delim == 0 {
			fields = [][]byte{line}
		} else {
			fields = ir.rr.splitQuoted(line)
		}
		if ir.mapColumns(fields) {
			return nil
		}
		if firstData && valueLike.Match(trimmed) {
			ir.format = FormatText
			ir.rr.delim = 0
			ir.rr.unread(line)
			return nil
		}
		firstData = false
		ir.stats.Skipped++
	}
	if nonBlank == 0 {
		return errors.New("empty inventory: no header and no records")
	}
	return errors.New("unknown inventory format: no header with a user agent, version or firmware column in the first 20 lines, and the first line is not a user agent or version")
}

// mapColumns maps a candidate header; it reports whether the header has a
// user-agent or version column, and if so sets the format.
func (ir *Reader) mapColumns(fields [][]byte) bool {
	var cols [numRoles]int
	for i := range cols {
		cols[i] = -1
	}
	names := map[string]bool{}
	for i, f := range fields {
		n := normalizeHeader(f)
		names[n] = true
		if r, ok := columnAliases[n]; ok && cols[r] < 0 {
			cols[r] = i
		}
	}
	if cols[colUserAgent] < 0 && cols[colVersion] < 0 {
		return false
	}
	switch {
	case names["useragent"] && names["macaddress"] && names["hardwareversion"]:
		ir.format = FormatLyncReport
	case names["clientversion"] && names["devicemacaddress"]:
		ir.format = FormatMonitoring
		ir.macDecimal = true
	default:
		ir.format = FormatCSV
	}
	ir.cols = cols
	return true
}

// SetLight makes the Reader skip the fields that only a per-phone listing
// needs (Row.UserURI stays empty), which saves an allocation per row on a
// counting pass. Row.Pool and Row.Site are read either way: a report
// counts phones per pool and site.
func (ir *Reader) SetLight(light bool) { ir.light = light }

// SetUserURIBytes makes the Reader give the user URI as Row.UserURIBytes
// (borrowed, valid until the next call to Next) instead of Row.UserURI: a
// caller that keeps the URIs of many rows copies them into one buffer
// rather than allocating a string per row.
func (ir *Reader) SetUserURIBytes(on bool) { ir.uriBytes = on }

// SetLineFilter makes Next skip, without classifying them, the records
// whose first line keep rejects: a second pass that lists only some phones
// reads the others at the cost of finding their end. Skipped records are
// not counted in Stats. nil keeps every record.
func (ir *Reader) SetLineFilter(keep func(line int) bool) {
	ir.keep = keep
	ir.rr.keep = keep
}

// Format is the detected inventory format.
func (ir *Reader) Format() Format { return ir.format }

// Delimiter is the detected field delimiter (',', ';' or '\t'); 0 for plain text.
func (ir *Reader) Delimiter() byte { return ir.rr.delim }

// Stats returns the counts so far; after Next returned io.EOF, the totals.
// The returned maps and slices belong to the Reader.
func (ir *Reader) Stats() Stats { return ir.stats }

// Next returns the next record, classified. Rows that are not phones and
// unparsable rows are returned too (and counted in Stats) so that a caller
// can list them; blank lines are skipped. At the end of the input it
// returns io.EOF; any other error is a read error of the underlying reader.
// The Row is reused by the next call.
func (ir *Reader) Next() (*Row, error) {
	for {
		var fields [][]byte
		var line int
		var err error
		var start int64
		if ir.ahead != nil {
			fields, line, start, err = ir.ahead.next()
		} else {
			fields, line, err = ir.rr.next()
			start = ir.rr.start
		}
		if err == io.EOF {
			return nil, io.EOF
		}
		if ir.markEvery > 0 && (err == nil || recordError(err)) {
			ir.mark(start, line)
		}
		if err == nil && ir.keep != nil && !ir.keep(line) {
			continue
		}
		row := &ir.row
		*row = Row{Line: line}
		if err != nil {
			if errors.Is(err, errLongLine) || errors.Is(err, errUnterminated) || errors.Is(err, errBinary) {
				ir.bad(row, err.Error())
				return row, nil
			}
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if blank(fields) {
			ir.stats.Skipped++
			continue
		}
		if ir.format == FormatText {
			v := bytes.TrimSpace(fields[0])
			if v[0] == '#' {
				ir.stats.Skipped++
				continue
			}
			ir.classify(row, nil, nil, v, nil)
		} else {
			ir.csvRow(row, fields)
		}
		ir.stats.Records++
		switch row.Kind {
		case KindPhone:
			ir.stats.PhoneRows++
		case KindOther:
			ir.stats.Other[row.Reason]++
		case KindBad:
			ir.stats.BadRows++
			if len(ir.stats.Problems) < MaxProblems {
				ir.stats.Problems = append(ir.stats.Problems, Problem{Line: row.Line, Reason: row.Reason})
			}
		}
		return row, nil
	}
}

func (ir *Reader) bad(row *Row, reason string) {
	row.Kind = KindBad
	row.Reason = reason
	ir.stats.Records++
	ir.stats.BadRows++
	if len(ir.stats.Problems) < MaxProblems {
		ir.stats.Problems = append(ir.stats.Problems, Problem{Line: row.Line, Reason: reason})
	}
}

func blank(fields [][]byte) bool {
	for _, f := range fields {
		if len(bytes.TrimSpace(f)) > 0 {
			return false
		}
	}
	return true
}

// field returns the trimmed value of a role's column; "NULL" (SQL exports)
// counts as empty.
func (ir *Reader) field(fields [][]byte, r role) []byte {
	i := ir.cols[r]
	if i < 0 || i >= len(fields) {
		return nil
	}
	v := fields[i]
	if n := len(v); n > 0 && (v[0] <= ' ' || v[0] >= utf8.RuneSelf || v[n-1] <= ' ' || v[n-1] >= utf8.RuneSelf) {
		v = bytes.TrimSpace(v) // else there is no space to trim
	}
	if len(v) == 4 && string(v) == "NULL" {
		return nil
	}
	return v
}

func (ir *Reader) csvRow(row *Row, fields [][]byte) {
	man := ir.field(fields, colManufacturer)
	model := ir.field(fields, colModel)
	ua := ir.field(fields, colUserAgent)
	ver := ir.field(fields, colVersion)
	ir.classify(row, man, model, ua, ver)
	if row.Kind == KindBad {
		return
	}
	if mac := ir.field(fields, colMAC); len(mac) > 0 {
		m, ok := parseMAC(mac, ir.macDecimal)
		if !ok {
			row.Kind, row.Reason = KindBad, fmt.Sprintf("malformed MAC address %q", clip(mac))
			return
		}
		row.MAC, row.HasMAC = m, true
	}
	if t := ir.field(fields, colTime); len(t) > 0 {
		seen, ok := ir.parseTime(t)
		if !ok {
			row.Kind, row.Reason = KindBad, fmt.Sprintf("unreadable time %q", clip(t))
			return
		}
		row.Seen = seen
	}
	if row.Kind != KindPhone {
		return
	}
	if s := ir.field(fields, colSignIn); len(s) > 0 {
		m, ok := ir.signIns[string(s)]
		if !ok {
			m = signInOf(s)
			if len(ir.signIns) < maxCache {
				ir.signIns[string(s)] = m
			}
		}
		row.SignIn = m
	}
	// Pool and site decide which chain judges the phone: read on every pass.
	p := ir.field(fields, colPool)
	if len(p) == 0 {
		p = ir.field(fields, colRegistrar)
	}
	if len(p) > 0 {
		row.Pool = ir.intern(p)
	}
	if st := ir.field(fields, colSite); len(st) > 0 {
		row.Site = ir.intern(st)
	}
	if ir.light {
		return
	}
	if u := ir.field(fields, colUser); len(u) > 0 {
		if ir.uriBytes {
			row.UserURIBytes = u
		} else {
			row.UserURI = string(u)
		}
	}
}

func clip(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

// classified is the cached classification of one combination of device
// columns and firmware text.
type classified struct {
	id           int32
	kind         Kind
	reason       string
	manufacturer string
	model        string
	userAgent    string
	family       string
	inferred     bool
	version      string
	build        truststore.Build
}

// maxCache bounds the classification cache; inventories repeat a few
// hundred combinations, and a file of unique garbage must not grow memory.
const maxCache = 20000

var desktopTokens = regexp.MustCompile(`(?i)\b(UCCAPI|OC|Communicator|Lync|Skype|UCWA|Office|MSRTC|LWA|ACOMO|AndroidLync|iPhoneLync|iPadLync|WPLync|MacLync)\b`)

func (ir *Reader) classify(row *Row, man, model, ua, ver []byte) {
	ir.key = append(append(append(append(append(append(append(ir.key[:0], man...), 0x1f), model...), 0x1f), ua...), 0x1f), ver...)
	c, ok := ir.cache[string(ir.key)]
	if !ok {
		c = ir.classifyNew(man, model, ua, ver)
		if len(ir.cache) >= maxCache {
			clear(ir.cache)
		}
		ir.cache[string(ir.key)] = c
	}
	row.Kind, row.Reason = c.kind, c.reason
	row.Manufacturer, row.Model, row.UserAgent = c.manufacturer, c.model, c.userAgent
	row.Family, row.FamilyInferred = c.family, c.inferred
	row.Version, row.Build = c.version, c.build
	row.Class = c.id
}

func (ir *Reader) classifyNew(man, model, ua, ver []byte) *classified {
	ir.classes++
	c := &classified{id: ir.classes, manufacturer: string(man), model: string(model), userAgent: string(ua)}
	device := len(man) > 0 || len(model) > 0
	c.family = truststore.FamilyOfDevice(c.manufacturer, c.model)
	text := ua
	if len(text) == 0 {
		text = ver
	}
	s := string(text)
	switch {
	case len(text) == 0 && c.family != "":
		c.kind, c.reason = KindBad, "LPE device without a user agent or firmware version"
		return c
	case len(text) == 0 && device:
		c.kind, c.reason = KindOther, OtherDevice
		return c
	case len(text) == 0:
		c.kind, c.reason = KindBad, "no user agent, version or device"
		return c
	}
	if _, err := truststore.ParseVersion(s); err == nil {
		// A bare number: a firmware column, or a version-only line. A
		// device column naming something else wins over the number.
		if device && c.family == "" && !microsoftCPE(c.manufacturer, c.model) {
			c.kind, c.reason = KindOther, OtherDevice
			return c
		}
		c.version = s
	} else {
		v, err := truststore.VersionFromUserAgent(s)
		switch {
		case err == nil:
			c.version = v
		case desktopTokens.MatchString(s):
			c.kind, c.reason = KindOther, OtherDesktopClient
			return c
		case c.family != "":
			c.kind, c.reason = KindBad, fmt.Sprintf("LPE device with %q: not a firmware version or a phone user agent", clip(text))
			return c
		case valueLike.MatchString(s) || device:
			c.kind, c.reason = KindOther, OtherDevice
			return c
		default:
			c.kind, c.reason = KindBad, fmt.Sprintf("%q is neither a user agent nor a firmware version", clip(text))
			return c
		}
	}
	b, err := ir.cat.ResolveVersion(c.version)
	if err != nil {
		c.kind, c.reason = KindBad, err.Error()
		return c
	}
	c.build = b
	if c.family == "" && len(b.Families) == 1 {
		c.family, c.inferred = b.Families[0], true
	}
	c.kind = KindPhone
	return c
}

// microsoftCPE is the generic device name some inventories show for LPE phones.
func microsoftCPE(man, model string) bool {
	return strings.EqualFold(model, "CPE") || strings.EqualFold(man, "Microsoft") && model == ""
}

// intern returns a string for b, shared with earlier equal values while the cache is small.
func (ir *Reader) intern(b []byte) string {
	ir.key = append(append(ir.key[:0], 0x1e), b...)
	if c, ok := ir.cache[string(ir.key)]; ok {
		return c.reason
	}
	s := string(b)
	if len(ir.cache) < maxCache {
		ir.cache[string(ir.key)] = &classified{reason: s}
	}
	return s
}

func signInOf(b []byte) string {
	switch n := normalizeHeader(b); {
	case strings.Contains(n, "pin"):
		return SignInPIN
	case n == "ad" || strings.Contains(n, "usb") || strings.Contains(n, "ntlm") || strings.Contains(n, "tether") ||
		strings.Contains(n, "activedirectory") || strings.Contains(n, "credential") || strings.Contains(n, "kerberos"):
		return SignInAD
	}
	return SignInUnknown
}

// parseMAC reads 00-04-F2-00-01-76, 00:04:f2:00:01:76, 0004.f200.0176,
// 0004F2000176, or — when decimal is set (the Monitoring view's bigint) — a
// decimal number.
func parseMAC(b []byte, decimal bool) (uint64, bool) {
	if decimal {
		n, err := strconv.ParseUint(string(b), 10, 64)
		return n, err == nil && n < 1<<48
	}
	// Nearly every export writes 00-04-F2-12-34-56 (or with colons).
	if len(b) == MACLen && macDigit[b[2]] == macSeparator && macDigit[b[5]] == macSeparator && macDigit[b[8]] == macSeparator &&
		macDigit[b[11]] == macSeparator && macDigit[b[14]] == macSeparator {
		o0, ok0 := macOctet(b[0], b[1])
		o1, ok1 := macOctet(b[3], b[4])
		o2, ok2 := macOctet(b[6], b[7])
		o3, ok3 := macOctet(b[9], b[10])
		o4, ok4 := macOctet(b[12], b[13])
		o5, ok5 := macOctet(b[15], b[16])
		if ok0 && ok1 && ok2 && ok3 && ok4 && ok5 {
			return o0<<40 | o1<<32 | o2<<24 | o3<<16 | o4<<8 | o5, true
		}
	}
	return parseMACDigits(b)
}

// macOctet is the value of the two hex digits hi and lo.
func macOctet(hi, lo byte) (uint64, bool) {
	h, l := macDigit[hi], macDigit[lo]
	return uint64(h)<<4 | uint64(l), h|l < 16
}

// parseMACDigits reads any layout of a MAC address: its 12 hex digits, in
// order, among separators.
func parseMACDigits(b []byte) (uint64, bool) {
	var n uint64
	digits := 0
	for _, c := range b {
		d := macDigit[c]
		switch {
		case d < 16:
			n = n<<4 | uint64(d)
			digits++
		case d == macSeparator:
		default:
			return 0, false
		}
	}
	return n, digits == 12
}

// macDigit maps a byte of a MAC address to its hex value, macSeparator
// for the separators parseMAC skips, and macBad for the rest.
var macDigit = func() (t [256]byte) {
	for i := range t {
		t[i] = macBad
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c], t[c-'a'+'A'] = byte(c-'a'+10), byte(c-'a'+10)
	}
	for _, c := range "-:. " {
		t[c] = macSeparator
	}
	return t
}()

const (
	macSeparator = 16
	macBad       = 17
)

// FormatMAC writes a MAC address the way the Lync report does: 00-04-F2-00-01-76.
func FormatMAC(m uint64) string {
	var b [MACLen]byte
	return string(AppendMAC(b[:0], m))
}

// MACLen is the length of a MAC address as FormatMAC writes it.
const MACLen = 17

// AppendMAC appends m as FormatMAC writes it.
func AppendMAC(dst []byte, m uint64) []byte {
	const hexd = "0123456789ABCDEF"
	return append(dst,
		hexd[m>>44&15], hexd[m>>40&15], '-', hexd[m>>36&15], hexd[m>>32&15], '-', hexd[m>>28&15], hexd[m>>24&15], '-',
		hexd[m>>20&15], hexd[m>>16&15], '-', hexd[m>>12&15], hexd[m>>8&15], '-', hexd[m>>4&15], hexd[m&15])
}

// timeLayouts are the layouts seen in exports: SQL Server datetime, ISO 8601,
// the US format of Reporting Services exports, then the formats of other
// locales (Reporting Services and Excel export in the reader's locale):
// day-first with dots (German and others) or slashes (British, French…),
// and SQL Server's CONVERT default. Month-first is tried before day-first,
// and the Reader keeps trying the last layout that worked first, so a
// day-first file is read day-first from its first unambiguous date on.
// Times without a zone are UTC.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 15:04:05",
	"1/2/2006 3:04 PM",
	"1/2/2006 15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	"1/2/2006",
	"2.1.2006 15:04:05",
	"2.1.2006 15:04",
	"2.1.2006",
	"2/1/2006 15:04:05",
	"2/1/2006 15:04",
	"2/1/2006",
	"2006/1/2 15:04:05",
	"2006/1/2 15:04",
	"2006/1/2",
	"Jan _2 2006 3:04PM",
	"2-Jan-2006 15:04:05",
	"2-Jan-2006 15:04",
}

func (ir *Reader) parseTime(b []byte) (time.Time, bool) {
	if t, ok := ir.dates.fastTime(b); ok {
		return t, true
	}
	s := string(b)
	if t, err := time.Parse(timeLayouts[ir.lastLayout], s); err == nil {
		return t, true
	}
	for i, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			ir.lastLayout = i
			return t, true
		}
	}
	return time.Time{}, false
}

// dateMemo remembers the days since the epoch of the dates (the text
// before the space) fastTime parsed last, so that a row's time mostly
// parses its clock only: an inventory's registrations fall on a few
// hundred days, a month's on about 30. A date has two slots to be in, so
// that dates sharing one do not keep evicting each other. A nil *dateMemo
// remembers nothing.
type dateMemo [128]dateSlot

type dateSlot struct {
	lo   uint64 // the date's first 8 bytes
	hi   uint32 // its 9th and 10th bytes and, above them, its length (never 0)
	days int32
}

// fastTime parses the two layouts of big exports without allocating:
// "M/D/YYYY h:mm:ss AM" (Reporting Services) and "YYYY-MM-DD hh:mm:ss[.fff]"
// (SQL Server). Anything else is left to time.Parse.
func (m *dateMemo) fastTime(b []byte) (time.Time, bool) {
	iso := len(b) > 4 && b[4] == '-'
	// The date is 8 to 10 bytes: M/D/YYYY to MM/DD/YYYY, or YYYY-MM-DD.
	n := 8
	for n < len(b) && n < 10 && b[n] != ' ' {
		n++
	}
	if n >= len(b) || b[n] != ' ' {
		return time.Time{}, false
	}
	days, ok := m.days(b[:n], iso)
	if !ok {
		return time.Time{}, false
	}
	secs, nsec, ok := parseClock(b[n+1:], iso)
	if !ok {
		return time.Time{}, false
	}
	// time.Date(y, mo, d, h, mi, sec, nsec, time.UTC), without its
	// normalization (every field is in range).
	return time.Unix(days*86400+secs, int64(nsec)).UTC(), true
}

// days returns parseDate(d, iso), from the memo when d was seen; d is 8 to
// 10 bytes.
func (m *dateMemo) days(d []byte, iso bool) (int64, bool) {
	if m == nil {
		return parseDate(d, iso)
	}
	lo := binary.LittleEndian.Uint64(d)
	hi := uint32(len(d)) << 16
	if len(d) > 8 {
		hi |= uint32(d[8])
	}
	if len(d) > 9 {
		hi |= uint32(d[9]) << 8
	}
	h := lo ^ uint64(hi)*0x9E3779B97F4A7C15
	h ^= h >> 32
	h *= 0xD6E8FEB86659FD93
	i := h >> 58 << 1
	a, b := &m[i], &m[i+1]
	if a.lo == lo && a.hi == hi {
		return int64(a.days), true
	}
	if b.lo == lo && b.hi == hi {
		return int64(b.days), true
	}
	days, ok := parseDate(d, iso)
	if ok {
		if a.hi != 0 {
			*b = *a // the older of the two goes
		}
		*a = dateSlot{lo: lo, hi: hi, days: int32(days)}
	}
	return days, ok
}

// parseDate parses all of d, "YYYY-MM-DD" when iso, else "M/D/YYYY", as
// the days since 1970-01-01.
func parseDate(d []byte, iso bool) (int64, bool) {
	var y, mo, day int
	if iso {
		if len(d) != 10 || d[4] != '-' || d[7] != '-' {
			return 0, false
		}
		y1, ok1 := twoDigits(d, 0)
		y2, ok2 := twoDigits(d, 2)
		m, ok3 := twoDigits(d, 5)
		dd, ok4 := twoDigits(d, 8)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return 0, false
		}
		y, mo, day = y1*100+y2, m, dd
	} else {
		// M/D/YYYY, MM/D/YYYY, M/DD/YYYY or MM/DD/YYYY: the month is as
		// long as the first slash says, the day what the year leaves.
		if len(d) < 8 || len(d) > 10 {
			return 0, false
		}
		ml := 1
		if d[1] != '/' {
			ml = 2
		}
		dl := len(d) - ml - 6
		if dl < 1 || dl > 2 || d[ml] != '/' || d[ml+1+dl] != '/' {
			return 0, false
		}
		var ok1, ok2 bool
		if mo, ok1 = oneOrTwoDigits(d, 0, ml); !ok1 {
			return 0, false
		}
		if day, ok2 = oneOrTwoDigits(d, ml+1, dl); !ok2 {
			return 0, false
		}
		y1, ok3 := twoDigits(d, len(d)-4)
		y2, ok4 := twoDigits(d, len(d)-2)
		if !ok3 || !ok4 {
			return 0, false
		}
		y = y1*100 + y2
	}
	if mo < 1 || mo > 12 || day < 1 || day > daysIn(mo, y) {
		return 0, false
	}
	return daysSinceEpoch(y, mo, day), true
}

// parseClock parses all of c, "hh:mm:ss[.fff]" when iso, else
// "h:mm:ss AM", as the seconds and nanoseconds since midnight.
func parseClock(c []byte, iso bool) (secs int64, nsec int, ok bool) {
	var h, mi, sec int
	if iso {
		if len(c) < 8 || c[2] != ':' || c[5] != ':' {
			return 0, 0, false
		}
		var ok1, ok2, ok3 bool
		h, ok1 = twoDigits(c, 0)
		mi, ok2 = twoDigits(c, 3)
		sec, ok3 = twoDigits(c, 6)
		if !ok1 || !ok2 || !ok3 {
			return 0, 0, false
		}
		if len(c) > 8 { // a fraction of 1 to 9 digits
			if c[8] != '.' || len(c) == 9 || len(c) > 18 {
				return 0, 0, false
			}
			for _, ch := range c[9:] {
				d := ch - '0'
				if d > 9 {
					return 0, 0, false
				}
				nsec = nsec*10 + int(d)
			}
			for n := len(c) - 9; n < 9; n++ {
				nsec *= 10
			}
		}
	} else {
		// h:mm:ss AM or hh:mm:ss AM.
		hl := len(c) - 9
		if hl < 1 || hl > 2 || c[hl] != ':' || c[hl+3] != ':' || c[hl+6] != ' ' {
			return 0, 0, false
		}
		var ok1, ok2, ok3 bool
		h, ok1 = oneOrTwoDigits(c, 0, hl)
		mi, ok2 = twoDigits(c, hl+1)
		sec, ok3 = twoDigits(c, hl+4)
		if !ok1 || !ok2 || !ok3 || h < 1 || h > 12 {
			return 0, 0, false
		}
		switch string(c[hl+7:]) {
		case "AM":
			if h == 12 {
				h = 0
			}
		case "PM":
			if h != 12 {
				h += 12
			}
		default:
			return 0, 0, false
		}
	}
	if h > 23 || mi > 59 || sec > 59 {
		return 0, 0, false
	}
	return int64(h*3600 + mi*60 + sec), nsec, true
}

// twoDigits reads the two decimal digits of b at i.
func twoDigits(b []byte, i int) (int, bool) {
	d1, d2 := b[i]-'0', b[i+1]-'0'
	return int(d1)*10 + int(d2), d1 <= 9 && d2 <= 9
}

// oneOrTwoDigits reads the n (1 or 2) decimal digits of b at i.
func oneOrTwoDigits(b []byte, i, n int) (int, bool) {
	if n == 2 {
		return twoDigits(b, i)
	}
	d := b[i] - '0'
	return int(d), d <= 9
}

// daysSinceEpoch is the number of days from 1970-01-01 to the date
// (proleptic Gregorian calendar; Howard Hinnant's days_from_civil).
func daysSinceEpoch(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 { // January and February of year 0
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097+doe) - 719468
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
