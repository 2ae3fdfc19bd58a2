package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/truststore/trace"
)

// consoleState is what the standard streams can show, found once the
// flags are parsed (prepareConsole is per platform).
type consoleState struct {
	// utf8Out and utf8Err are false where text would not render as UTF-8:
	// a Windows console whose output code page cannot be set to UTF-8, or
	// Windows output to a pipe or file, which Windows PowerShell 5.1 and
	// cmd decode in the OEM code page.
	utf8Out, utf8Err bool
	// vt is true when standard error understands escape codes.
	vt bool
	// restore puts the console modes and code page back as they were.
	restore func()
}

// setupConsole applies --ascii and the console's abilities to the app's
// streams: text output and standard error are transliterated to ASCII
// where UTF-8 cannot be shown or --ascii asks for it. JSON, CSV and HTML
// stay UTF-8 (they are read by programs that decode it).
func (a *app) setupConsole() {
	st := prepareConsole(a.stdout, a.stderr)
	a.restoreConsole = st.restore
	a.vt = st.vt
	a.termFD = -1
	if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		a.termFD = int(f.Fd())
	}
	if a.ascii || !st.utf8Out {
		if a.output == "table" {
			a.stdout = &asciiWriter{w: a.stdout}
		}
	}
	if a.ascii || !st.utf8Err {
		a.stderr = &asciiWriter{w: a.stderr}
	}
}

// note prints an informational line on standard error, unless --quiet.
func (a *app) note(format string, args ...any) {
	if a.quiet {
		return
	}
	fmt.Fprintf(a.stderr, "lpetrust: "+format+"\n", args...)
}

// tracer is the --verbose trace on standard error, or nil. The secrets the
// command read (passwords) are blanked out should a line ever carry one.
func (a *app) tracer() trace.Func {
	if !a.verbose {
		return nil
	}
	var mu sync.Mutex
	return func(step trace.Step, msg string) {
		for _, s := range a.secrets {
			if s != "" {
				msg = strings.ReplaceAll(msg, s, "(secret)")
			}
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(a.stderr, "lpetrust: [%s] %s\n", step, oneLine(msg))
	}
}

// audit runs a live audit with the progress bar and the trace.
func (a *app) audit(req live.Request, label string, run func(live.Request) ([]live.Endpoint, error)) ([]live.Endpoint, error) {
	bar := a.newProgressBar(label)
	bar.status(label + ": resolving names")
	req.Progress = bar.update
	req.Trace = a.tracer()
	eps, err := run(req)
	bar.finish()
	return eps, err
}

// asciiWords replace the symbols lpetrust prints with ASCII of the same
// width where they sit in aligned columns (✓, ✗).
var asciiWords = map[rune]string{
	'✓': "+", '✗': "x", '—': "-", '–': "-", '…': "...", '→': "->", '←': "<-",
	'≥': ">=", '≤': "<=", '×': "x", '•': "*", '‘': "'", '’': "'", '“': `"`, '”': `"`, '\u00a0': " ",
}

// asciiFold maps accented Latin letters (in certificate and user names) to
// their base letter.
var asciiFold = func() map[rune]byte {
	m := map[rune]byte{}
	for base, accented := range map[byte]string{
		'A': "ÀÁÂÃÄÅĀĂĄ", 'a': "àáâãäåāăą", 'C': "ÇĆČ", 'c': "çćč", 'D': "ĎĐ", 'd': "ďđ",
		'E': "ÈÉÊËĒĖĘĚ", 'e': "èéêëēėęě", 'G': "Ğ", 'g': "ğ", 'I': "ÌÍÎÏİ", 'i': "ìíîïı",
		'L': "ŁĽ", 'l': "łľ", 'N': "ÑŃŇ", 'n': "ñńň", 'O': "ÒÓÔÕÖØŐ", 'o': "òóôõöøő",
		'R': "Ř", 'r': "ř", 'S': "ŚŠŞ", 's': "śšş", 'T': "ŤŢ", 't': "ťţ",
		'U': "ÙÚÛÜŮŰ", 'u': "ùúûüůű", 'Y': "Ý", 'y': "ýÿ", 'Z': "ŹŻŽ", 'z': "źżž",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// asciiWriter transliterates UTF-8 text to ASCII: lpetrust's symbols to
// their ASCII forms, accented letters to their base letter, anything else
// to "?".
type asciiWriter struct {
	w    io.Writer
	rest []byte // an incomplete UTF-8 sequence from the previous Write
	buf  []byte
}

func (t *asciiWriter) Write(p []byte) (int, error) {
	in := p
	if len(t.rest) > 0 {
		in = append(t.rest, p...)
		t.rest = nil
	}
	out := t.buf[:0]
	for len(in) > 0 {
		if in[0] < utf8.RuneSelf {
			out = append(out, in[0])
			in = in[1:]
			continue
		}
		if !utf8.FullRune(in) {
			t.rest = append([]byte(nil), in...)
			break
		}
		r, n := utf8.DecodeRune(in)
		in = in[n:]
		switch {
		case asciiWords[r] != "":
			out = append(out, asciiWords[r]...)
		case asciiFold[r] != 0:
			out = append(out, asciiFold[r])
		case r == '\ufeff': // a byte-order mark shows nothing
		default:
			out = append(out, '?')
		}
	}
	t.buf = out
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// progressBar draws "checking 12/500 endpoints [####      ]" on standard
// error when it is a terminal, on one line that fits the terminal's width,
// redrawn in place. It draws nothing when standard error is not a
// terminal, with --quiet, and with --verbose (the trace shows the steps).
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	fd    int // the terminal; -1: draw nothing
	vt    bool
	label string
	drawn int // runes on the line now
}

func (a *app) newProgressBar(label string) *progressBar {
	p := &progressBar{w: a.stderr, fd: a.termFD, vt: a.vt, label: label}
	if a.quiet || a.verbose {
		p.fd = -1
	}
	return p
}

// maxBar is the widest bar drawn.
const maxBar = 30

// progressLine is the bar's text for a terminal width columns wide: it
// stays within width-1 columns, so that the terminal never wraps it.
func progressLine(label string, done, total, width int) string {
	text := fmt.Sprintf("%s %d/%d endpoints", label, done, total)
	room := width - 1 - len(text) - 3 // " [" and "]"
	if room >= 5 {
		n := min(room, maxBar)
		fill := 0
		if total > 0 {
			fill = done * n / total
		}
		return text + " [" + strings.Repeat("#", fill) + strings.Repeat(" ", n-fill) + "]"
	}
	return fitWidth(text, width)
}

// fitWidth cuts s to width-1 columns.
func fitWidth(s string, width int) string {
	if width < 2 {
		return ""
	}
	if r := []rune(s); len(r) > width-1 {
		return string(r[:width-1])
	}
	return s
}

func (p *progressBar) width() int {
	if w, _, err := term.GetSize(p.fd); err == nil && w > 0 {
		return w
	}
	return 80
}

// draw replaces the line with s.
func (p *progressBar) draw(s string) {
	n := utf8.RuneCountInString(s)
	if p.vt {
		fmt.Fprintf(p.w, "\r%s\033[K", s)
	} else {
		// No escape codes where the console does not process them: blank
		// what the last line had beyond this one.
		fmt.Fprintf(p.w, "\r%s%s", s, strings.Repeat(" ", max(p.drawn-n, 0)))
		if p.drawn > n {
			fmt.Fprintf(p.w, "\r%s", s)
		}
	}
	p.drawn = n
}

// status shows a line of text (what is being waited for) until the next
// update.
func (p *progressBar) status(msg string) {
	if p.fd < 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(fitWidth(msg, p.width()))
}

// update shows done of total endpoints.
func (p *progressBar) update(done, total int) {
	if p.fd < 0 || total == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(progressLine(p.label, done, total, p.width()))
}

// finish clears the line.
func (p *progressBar) finish() {
	if p.fd < 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw("")
	fmt.Fprint(p.w, "\r")
}
