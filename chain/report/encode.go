package report

import (
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// The per-phone lines of the JSON and CSV outputs are written by hand: on a
// year of registrations reflection was half of a report's time. Each
// writer keeps what it wrote for a verdict by the verdict's id, since a
// report has only a handful of distinct verdicts. TestPhoneEncodersMatch
// keeps the bytes identical to encoding/json's and encoding/csv's.

// text is what the encoders take: a Phone's strings, or the bytes of a
// record (see phoneLine).
type text interface{ string | []byte }

// decodeRune is utf8.DecodeRuneInString or utf8.DecodeRune.
func decodeRune[T text](s T) (rune, int) {
	switch v := any(s).(type) {
	case string:
		return utf8.DecodeRuneInString(v)
	case []byte:
		return utf8.DecodeRune(v)
	}
	panic("unreachable")
}

// phoneLine is a phone as the listing writers take it: its own fields,
// as bytes, and the fields its template fixes (fixed, memoized under id
// when id > 0). The second pass's goroutines make one per record without
// allocating (see formatSegment); lineOf makes one of a Phone.
type phoneLine struct {
	line     int
	mac, uri []byte
	seen     *time.Time
	fixed    *Phone // Line, MAC, UserURI and Seen aside
	id       int32
	dates    *dateCache // nil: none
}

// lineOf is p as a phoneLine.
func lineOf(p *Phone) phoneLine {
	l := phoneLine{line: p.Line, mac: []byte(p.MAC), uri: []byte(p.UserURI), seen: p.Seen, fixed: p}
	if p.tmpl != nil {
		l.id = p.tmpl.id
	}
	return l
}

// appendJSONString appends s as encoding/json writes it with HTML escaping
// off: quotes, backslashes and control characters escaped, invalid UTF-8
// as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString[T text](dst []byte, s T) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while none needs a look (a listing
		// escapes a user URI per phone, nearly always plain ASCII).
		if i = jsonPlainRun(s, i); i == len(s) {
			break
		}
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := decodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONTime appends t as time.Time's MarshalJSON does.
func appendJSONTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	if t.Location() == time.UTC && t.Nanosecond() == 0 {
		dst = appendRFC3339(dst, t)
	} else {
		dst = t.AppendFormat(dst, time.RFC3339Nano)
	}
	return append(dst, '"')
}

// jsonPlainRun returns where, from i on, the first run of eight bytes of
// s that jsonPlain8 does not pass starts, or where fewer than eight are
// left. Not inlined: in its own frame the loop keeps its values in
// registers (inlined, it reloaded four from the stack at every turn).
//
//go:noinline
func jsonPlainRun[T text](s T, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if !jsonPlain8(load8(s, i)) {
			break
		}
	}
	return i
}

// load8 is the eight bytes of s from i as a little-endian word (for a
// string or bytes alike: encoding/binary reads bytes only).
func load8[T text](s T, i int) uint64 {
	w := s[i : i+8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// jsonPlain8 reports whether none of the eight bytes of x needs escaping
// or decoding in a JSON string: none is a control character, a quote, a
// backslash or a byte of a multi-byte character.
func jsonPlain8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	if x&highs != 0 {
		return false
	}
	// With every high bit clear, (v - ones*n) &^ v & highs is non-zero
	// exactly when a byte of v is below n (and v^(ones*c) has a zero byte
	// where v has c).
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	return ((x-ones*0x20)&^x|(quote-ones)&^quote|(backslash-ones)&^backslash)&highs == 0
}

// appendRFC3339 appends t in UTC as t.UTC().AppendFormat(dst,
// time.RFC3339) does, digit by digit for the years 0 to 9999 (a listing
// writes one per phone).
func appendRFC3339(dst []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, time.RFC3339)
	}
	h, mi, s := t.Clock()
	two := func(dst []byte, n int) []byte { return append(dst, byte('0'+n/10), byte('0'+n%10)) }
	dst = two(dst, y/100)
	dst = two(dst, y%100)
	dst = append(dst, '-')
	dst = two(dst, int(mo))
	dst = append(dst, '-')
	dst = two(dst, d)
	dst = append(dst, 'T')
	dst = two(dst, h)
	dst = append(dst, ':')
	dst = two(dst, mi)
	dst = append(dst, ':')
	dst = two(dst, s)
	return append(dst, 'Z')
}

// dateCache keeps the RFC 3339 dates of the days met last, by day number:
// a listing's phones signed in on a few hundred days at most, and a time
// is then its cached date and its time of day, without time's Date and
// Clock working out the calendar for every phone.
type dateCache struct {
	keys  [dateSlots]int64 // day<<1 | 1 for the day whose date is cached; 0: none
	dates [dateSlots][10]byte
}

const dateSlots = 64

// appendRFC3339 appends t as the function appendRFC3339 does.
func (c *dateCache) appendRFC3339(dst []byte, t time.Time) []byte {
	secs := t.Unix()
	day, rest := secs/86400, int(secs%86400)
	if rest < 0 {
		day, rest = day-1, rest+86400
	}
	i, key := int(uint64(day)%dateSlots), day<<1|1 // never 0
	if c.keys[i] != key {
		var full [32]byte
		b := appendRFC3339(full[:0], t)
		if len(b) != len("2006-01-02T15:04:05Z") { // a year past 9999 or before 0
			return append(dst, b...)
		}
		copy(c.dates[i][:], b)
		c.keys[i] = key
	}
	dst = append(dst, c.dates[i][:]...)
	two := func(dst []byte, n int) []byte { return append(dst, byte('0'+n/10), byte('0'+n%10)) }
	dst = append(dst, 'T')
	dst = two(dst, rest/3600)
	dst = append(dst, ':')
	dst = two(dst, rest/60%60)
	dst = append(dst, ':')
	dst = two(dst, rest%60)
	return append(dst, 'Z')
}

// appendPhoneJSON appends p as one line of JSON, the fields in Phone's
// order; verdict encodes each verdict.
func appendPhoneJSON(dst []byte, p *Phone, verdict func([]byte, *PhoneVerdict) []byte) []byte {
	l := lineOf(p)
	dst = appendPhoneJSONHead(dst, &l)
	dst = appendPhoneJSONDevice(dst, p)
	dst = appendPhoneJSONSeen(dst, &l)
	return appendPhoneJSONTail(dst, p, verdict)
}

// appendPhoneJSONHead appends the phone's own first fields: from the
// opening brace to user_uri.
func appendPhoneJSONHead(dst []byte, l *phoneLine) []byte {
	dst = append(dst, `{"line":`...)
	dst = strconv.AppendInt(dst, int64(l.line), 10)
	dst = append(dst, `,"mac":"`...)
	dst = append(dst, l.mac...) // inventory.AppendMAC's: nothing to escape
	dst = append(dst, `","user_uri":`...)
	return appendJSONString(dst, l.uri)
}

// appendPhoneJSONDevice appends the fields a phone template fixes from
// manufacturer to sign_in, and the name of last_seen.
func appendPhoneJSONDevice(dst []byte, p *Phone) []byte {
	dst = append(dst, `,"manufacturer":`...)
	dst = appendJSONString(dst, p.Manufacturer)
	dst = append(dst, `,"model":`...)
	dst = appendJSONString(dst, p.Model)
	dst = append(dst, `,"family":`...)
	dst = appendJSONString(dst, p.Family)
	dst = append(dst, `,"firmware":`...)
	dst = appendJSONString(dst, p.Firmware)
	dst = append(dst, `,"release":`...)
	dst = appendJSONString(dst, p.Release)
	dst = append(dst, `,"store":`...)
	dst = appendJSONString(dst, p.Store)
	dst = append(dst, `,"firmware_verified":`...)
	dst = strconv.AppendBool(dst, p.FirmwareVerified)
	dst = append(dst, `,"cannot_register":`...)
	dst = strconv.AppendBool(dst, p.CannotRegister)
	dst = append(dst, `,"sign_in":`...)
	dst = appendJSONString(dst, p.SignIn)
	return append(dst, `,"last_seen":`...)
}

// appendPhoneJSONSeen appends the value of last_seen.
func appendPhoneJSONSeen(dst []byte, l *phoneLine) []byte {
	if l.seen == nil {
		return append(dst, "null"...)
	}
	if t := *l.seen; l.dates != nil && t.Location() == time.UTC && t.Nanosecond() == 0 {
		return append(l.dates.appendRFC3339(append(dst, '"'), t), '"')
	}
	return appendJSONTime(dst, *l.seen)
}

// appendPhoneJSONTail appends the fields a phone template fixes from
// verdicts on, and the closing brace.
func appendPhoneJSONTail(dst []byte, p *Phone, verdict func([]byte, *PhoneVerdict) []byte) []byte {
	dst = append(dst, `,"verdicts":`...)
	if p.Verdicts == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range p.Verdicts {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = verdict(dst, &p.Verdicts[i])
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"pool":`...)
	dst = appendJSONString(dst, p.Pool)
	dst = append(dst, `,"site":`...)
	dst = appendJSONString(dst, p.Site)
	return append(dst, '}')
}

// appendVerdictJSON appends v as encoding/json does.
func appendVerdictJSON(dst []byte, v *PhoneVerdict) []byte {
	dst = append(dst, `{"chain":`...)
	dst = appendJSONString(dst, v.Chain)
	dst = append(dst, `,"status":`...)
	dst = appendJSONString(dst, v.Status)
	dst = append(dst, `,"reason":`...)
	dst = appendJSONString(dst, v.Reason)
	if v.StrandedFrom != nil {
		dst = append(dst, `,"stranded_from":`...)
		dst = appendJSONTime(dst, *v.StrandedFrom)
	}
	if v.Role != "" {
		dst = append(dst, `,"role":`...)
		dst = appendJSONString(dst, v.Role)
	}
	return append(dst, '}')
}

// fragments memoizes what a writer wrote for each verdict id, or for each
// phone template (see phoneTemplate).
type fragments [][]byte

// get returns the memoized bytes of v, computing them with enc the first
// time; a verdict without an id is encoded every time.
func (f *fragments) get(v *PhoneVerdict, enc func([]byte, *PhoneVerdict) []byte) []byte {
	if v.id <= 0 {
		return enc(nil, v)
	}
	return f.of(v.id, func() []byte { return enc(nil, v) })
}

// of returns the bytes memoized under id (> 0), computing them with enc
// the first time.
func (f *fragments) of(id int32, enc func() []byte) []byte {
	for int(id) >= len(*f) {
		*f = append(*f, nil)
	}
	if (*f)[id] == nil {
		b := enc()
		if b == nil {
			b = []byte{}
		}
		(*f)[id] = b
	}
	return (*f)[id]
}

// appendTemplate appends what enc writes for the fields l's template
// fixes, memoized per template (l.id).
func (f *fragments) appendTemplate(dst []byte, l *phoneLine, enc func([]byte, *Phone) []byte) []byte {
	if l.id <= 0 {
		return enc(dst, l.fixed)
	}
	return append(dst, f.of(l.id, func() []byte { return enc(nil, l.fixed) })...)
}

// appendCSVField appends one field as encoding/csv writes it with a comma
// separator and \n line ends: quoted when it holds a comma, a quote or a
// line break, starts with white space, or is `\.`; quotes doubled.
func appendCSVField[T text](dst []byte, s T) []byte {
	if !csvNeedsQuotes(s) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		dst = append(dst, s[i])
		if s[i] == '"' {
			dst = append(dst, '"')
		}
	}
	return append(dst, '"')
}

// csvSpecial are the bytes that make a CSV field quoted wherever they are.
var csvSpecial = [256]bool{',': true, '"': true, '\r': true, '\n': true}

// csvSpecial8 reports whether one of the eight bytes of x is one of
// csvSpecial's: v has a zero byte exactly when (v - ones) &^ v & highs is
// non-zero, and x^(ones*c) has one where x has c.
func csvSpecial8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	c, q, r, n := x^(ones*','), x^(ones*'"'), x^(ones*'\r'), x^(ones*'\n')
	return ((c-ones)&^c|(q-ones)&^q|(r-ones)&^r|(n-ones)&^n)&highs != 0
}

// csvNeedsQuotes is encoding/csv's fieldNeedsQuotes for a comma separator.
func csvNeedsQuotes[T text](s T) bool {
	if len(s) == 0 {
		return false
	}
	if len(s) == 2 && s[0] == '\\' && s[1] == '.' {
		return true
	}
	i := 0
	for ; i+8 <= len(s); i += 8 { // a listing checks a user URI per phone
		if csvSpecial8(load8(s, i)) {
			return true
		}
	}
	for ; i < len(s); i++ {
		if csvSpecial[s[i]] {
			return true
		}
	}
	if s[0] < utf8.RuneSelf {
		return unicode.IsSpace(rune(s[0]))
	}
	r, _ := decodeRune(s)
	return unicode.IsSpace(r)
}
