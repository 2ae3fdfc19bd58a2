// Package textwrap lays out lpetrust's text for people so that it fits a
// console of Width columns: prose wrapped at word boundaries with a hanging
// indent, long names elided with an ASCII "..." (it survives every code
// page). A word is never cut, so a thumbprint or a path stays whole; a
// printed command is not prose and is written on its own line, unwrapped,
// so that it still pastes. Machine output (CSV, JSON) never comes here.
package textwrap

import (
	"strings"
	"unicode/utf8"
)

// Width is the widest line lpetrust's text output writes (commands and
// single words longer than a line apart).
const Width = 120

// Len is the width of s in columns: one per rune (lpetrust writes no wide
// or combining characters in its own text).
func Len(s string) int { return utf8.RuneCountInString(s) }

// Wrap writes text after first, and each further line after hanging,
// breaking at spaces so that no line passes width columns unless one
// word alone does. Newlines in text start a new line (after hanging). The
// result ends with a newline.
func Wrap(first, hanging, text string, width int) string {
	var b strings.Builder
	for i, para := range strings.Split(text, "\n") {
		prefix := first
		if i > 0 {
			prefix = hanging
		}
		wrapLine(&b, prefix, hanging, para, width)
	}
	return b.String()
}

func wrapLine(b *strings.Builder, prefix, hanging, text string, width int) {
	line := prefix
	n := Len(prefix)
	empty := true // nothing but the prefix on the line yet
	for _, word := range words(text) {
		w := Len(word)
		if !empty && n+1+w > width {
			b.WriteString(line)
			b.WriteByte('\n')
			line, n, empty = hanging, Len(hanging), true
		}
		if !empty {
			line += " "
			n++
		}
		line += word
		n += w
		empty = false
	}
	b.WriteString(line)
	b.WriteByte('\n')
}

// words splits text at spaces, keeping a command quoted in prose
// ("(lpetrust cas --store RTM --reachable)") as one word, so that it is
// never cut.
func words(text string) []string {
	var out []string
	inCmd := false
	for _, w := range strings.Split(text, " ") {
		switch {
		case w == "":
		case inCmd:
			out[len(out)-1] += " " + w
			inCmd = !strings.HasSuffix(w, ")")
		default:
			out = append(out, w)
			inCmd = w == "(lpetrust"
		}
	}
	return out
}

// Elide shortens s to n columns by replacing its middle with "...",
// keeping the end that tells names apart ("... - G2", ".pem"). Never
// give it a thumbprint or a command.
func Elide(s string, n int) string {
	if n < 5 || utf8.RuneCountInString(s) <= n {
		return s
	}
	return string(AppendElide(nil, s, n))
}

// AppendElide appends Elide(s, n) to dst, without allocating (a report
// elides a cell per phone).
func AppendElide[T ~string | ~[]byte](dst []byte, s T, n int) []byte {
	if ascii(s) { // a rune a byte: cut by index
		if len(s) <= n || n < 5 {
			return append(dst, s...)
		}
		head := (n - 3) * 2 / 3
		dst = append(append(dst, s[:head]...), "..."...)
		return append(dst, s[len(s)-(n-3-head):]...)
	}
	count := utf8.RuneCountInString(string(s))
	if count <= n || n < 5 {
		return append(dst, s...)
	}
	head := (n - 3) * 2 / 3
	tail := n - 3 - head
	k := 0
	for _, r := range string(s) { // invalid bytes become U+FFFD, as in []rune(s)
		if k == head {
			dst = append(dst, "..."...)
		}
		if k < head || k >= count-tail {
			dst = utf8.AppendRune(dst, r)
		}
		k++
	}
	return dst
}

func ascii[T ~string | ~[]byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Table writes aligned columns (two spaces apart) whose last column is
// prose: it is wrapped to fit width, its further lines indented to the
// column (or, when a word would not fit there, by four spaces). Cells
// before the last are written whole.
type Table struct {
	rows  [][]string
	width int
}

// NewTable returns a table fitting width columns.
func NewTable(width int) *Table { return &Table{width: width} }

// Row adds a row.
func (t *Table) Row(cells ...string) { t.rows = append(t.rows, cells) }

// String lays the table out.
func (t *Table) String() string {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r[:max(len(r)-1, 0)] {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], Len(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		if len(r) == 0 {
			b.WriteByte('\n')
			continue
		}
		var lead strings.Builder
		for i, c := range r[:len(r)-1] {
			lead.WriteString(c)
			lead.WriteString(strings.Repeat(" ", widths[i]-Len(c)+2))
		}
		last := r[len(r)-1]
		if last == "" {
			b.WriteString(strings.TrimRight(lead.String(), " "))
			b.WriteByte('\n')
			continue
		}
		hanging := strings.Repeat(" ", Len(lead.String()))
		for _, w := range words(last) {
			if Len(hanging)+Len(w) > t.width {
				// Under the column a word would pass the width: the
				// continuation starts near the margin instead.
				hanging = "    "
				break
			}
		}
		b.WriteString(Wrap(lead.String(), hanging, last, t.width))
	}
	return b.String()
}

// Grid lays out a table (rows[0] is the header) whose first column names
// the row: cells padded to their column, two spaces apart, the last cell
// of a line unpadded. When the columns do not fit width, the table is
// written as several, one after another with a blank line between, each
// repeating the first column with as many of the next columns as fit
// (at least one), so that no line passes width unless a single column
// does.
func Grid(rows [][]string, width int) string {
	if len(rows) == 0 {
		return ""
	}
	n := 0
	for _, r := range rows {
		n = max(n, len(r))
	}
	widths := make([]int, n)
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], Len(c))
		}
	}
	var b strings.Builder
	for from := 1; from < n || from == 1; {
		to, used := from, widths[0]
		for to < n && (to == from || used+2+widths[to] <= width) {
			used += 2 + widths[to]
			to++
		}
		if from > 1 {
			b.WriteByte('\n')
		}
		for _, r := range rows {
			cells := []string{cell(r, 0)}
			for i := from; i < to; i++ {
				cells = append(cells, cell(r, i))
			}
			cols := append([]int{widths[0]}, widths[from:to]...)
			for i, c := range cells {
				b.WriteString(c)
				if i < len(cells)-1 {
					b.WriteString(strings.Repeat(" ", cols[i]-Len(c)+2))
				}
			}
			b.WriteByte('\n')
		}
		if to >= n {
			break
		}
		from = to
	}
	return b.String()
}

func cell(r []string, i int) string {
	if i < len(r) {
		return r[i]
	}
	return ""
}
