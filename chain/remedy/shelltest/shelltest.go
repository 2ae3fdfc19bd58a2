// Package shelltest splits command lines the way the shells lpetrust writes
// commands for would, so that tests can prove a printed command passes each
// argument unchanged. cmd.exe and PowerShell are not available where the
// tests run: their rules are modelled here (named as models), sh is run for
// real by the tests that can.
package shelltest

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Split splits line as the shell named (sh, powershell or cmd) gives the
// arguments to the program; env is cmd.exe's environment (nil: the
// process's).
func Split(shell, line string, env func(string) (string, bool)) ([]string, error) {
	switch shell {
	case "powershell":
		return SplitPowerShell(line)
	case "cmd":
		return SplitCmd(line, env)
	case "sh":
		return SplitSH(line)
	}
	return nil, fmt.Errorf("no model of shell %q", shell)
}

// quoting is the one rule of quoting sh and PowerShell share: bare words,
// and single-quoted strings in which nothing is special but the quote.
type quoting struct {
	shell   string
	isQuote func(r rune) bool
	// doubled: a doubled quote inside quotes is one quote (PowerShell);
	// escaped: a backslash before a quote outside quotes is one (sh).
	doubled, escaped bool
	// special: characters the shell interprets unquoted.
	special func(r rune, started bool) bool
}

func (q quoting) split(line string) ([]string, error) {
	rs := []rune(line)
	var out []string
	var cur strings.Builder
	in, started := false, false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case in:
			if q.isQuote(r) {
				if q.doubled && i+1 < len(rs) && q.isQuote(rs[i+1]) {
					cur.WriteRune(r)
					i++
					continue
				}
				in = false
				continue
			}
			cur.WriteRune(r)
		case q.isQuote(r):
			if started && q.doubled {
				return nil, fmt.Errorf("a quote inside a bare word in %q", line)
			}
			in, started = true, true
		case q.escaped && r == '\\' && i+1 < len(rs) && q.isQuote(rs[i+1]):
			cur.WriteRune(rs[i+1])
			i++
			started = true
		case r == ' ':
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		case q.special(r, started):
			return nil, fmt.Errorf("%s would interpret %q unquoted in %q", q.shell, r, line)
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if in {
		return nil, errors.New("unterminated single quote")
	}
	if started {
		out = append(out, cur.String())
	}
	return out, nil
}

// SplitSH splits a line as a POSIX shell does for the quoting lpetrust
// uses: bare words of safe characters and single-quoted strings (a quote
// outside them written as backslash and quote). Anything else a shell would interpret is an error.
func SplitSH(line string) ([]string, error) {
	return quoting{shell: "sh", isQuote: func(r rune) bool { return r == '\'' }, escaped: true,
		special: func(r rune, _ bool) bool { return strings.ContainsRune("$`\"\\|&;<>()*?[]{}~#!", r) }}.split(line)
}

// SplitPowerShell splits a line of a native command call as PowerShell
// (7.3 or later, standard argument passing) gives the arguments to the
// program: bare words and single-quoted strings (a quote, or a typographic
// single quote, doubled inside them for one). This is a model of PowerShell's parser
// for what lpetrust writes; anything outside it is an error.
func SplitPowerShell(line string) ([]string, error) {
	return quoting{shell: "PowerShell", isQuote: isPowerShellQuote, doubled: true,
		special: func(r rune, started bool) bool {
			return r == '@' && !started || r > 127 || strings.ContainsRune("$`\"|&;<>(){}#,[]'", r)
		}}.split(line)
}

func isPowerShellQuote(r rune) bool {
	return r == '\'' || r == '\u2018' || r == '\u2019' || r == '\u201A' || r == '\u201B'
}

// CheckPowerShellStatement models what PowerShell's parser needs of one
// statement lpetrust writes (a cmdlet call, its arguments bare words,
// single-quoted strings, hashtables @{K=V} and subexpressions (...)):
// every single quote closed, every bracket closed in order, and nothing
// that would end the statement early or be expanded (";", "|", "&",
// "\"", "$", "`", "#"), so that it runs as one statement, alike in
// PowerShell and through powershell -Command.
func CheckPowerShellStatement(s string) error {
	rs := []rune(s)
	var stack []rune
	closing := map[rune]rune{'(': ')', '{': '}', '[': ']'}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case isPowerShellQuote(r):
			j := i + 1
			for ; j < len(rs); j++ {
				if isPowerShellQuote(rs[j]) {
					if j+1 < len(rs) && isPowerShellQuote(rs[j+1]) {
						j++
						continue
					}
					break
				}
			}
			if j >= len(rs) {
				return fmt.Errorf("unterminated single quote in %q", s)
			}
			i = j
		case closing[r] != 0:
			stack = append(stack, closing[r])
		case r == ')' || r == '}' || r == ']':
			if len(stack) == 0 || stack[len(stack)-1] != r {
				return fmt.Errorf("unbalanced %q in %q", r, s)
			}
			stack = stack[:len(stack)-1]
		case strings.ContainsRune(";|&\"$`#", r):
			return fmt.Errorf("PowerShell would interpret %q in %q", r, s)
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed %q in %q", stack[len(stack)-1], s)
	}
	return nil
}

// SplitCmd models cmd.exe and then the program's command-line parsing (the
// rules Go and the Microsoft C runtime share): cmd.exe first expands
// %NAME% of the environment (env), then removes carets outside quotes
// (toggling its quoted state at every quote) and refuses an unescaped
// & | < > ( ) outside quotes; the program then splits on spaces outside
// quotes, 2n backslashes and a quote giving n backslashes and a delimiter,
// 2n+1 giving n and a literal quote, "" inside quotes a literal quote.
func SplitCmd(line string, env func(string) (string, bool)) ([]string, error) {
	if env == nil {
		env = os.LookupEnv
	}
	// Percent expansion, whatever the quotes.
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if line[i] == '%' {
			if j := strings.IndexByte(line[i+1:], '%'); j > 0 {
				if v, ok := env(line[i+1 : i+1+j]); ok {
					b.WriteString(v)
					i += j + 1
					continue
				}
			}
		}
		b.WriteByte(line[i])
	}
	line = b.String()
	// Carets and operators.
	b.Reset()
	quoted := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && c == '^':
			i++
			if i < len(line) {
				b.WriteByte(line[i])
			}
			continue
		case !quoted && strings.IndexByte("&|<>()", c) >= 0:
			return nil, fmt.Errorf("cmd.exe would interpret %q in %q", c, line)
		}
		b.WriteByte(c)
	}
	return splitWindows(b.String()), nil
}

func splitWindows(s string) []string {
	var out []string
	var cur strings.Builder
	in, started := false, false
	slashes := 0
	flush := func() { cur.WriteString(strings.Repeat(`\`, slashes)); slashes = 0 }
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			slashes++
			started = true
		case '"':
			cur.WriteString(strings.Repeat(`\`, slashes/2))
			switch {
			case slashes%2 == 1:
				cur.WriteByte('"')
			case in && i+1 < len(s) && s[i+1] == '"':
				// Go's (and the pre-2008 C runtime's) rule: "" inside
				// quotes is a literal quote, and ends the quoted part.
				cur.WriteByte('"')
				i++
				in = false
			default:
				in = !in
			}
			slashes = 0
			started = true
		case ' ', '\t':
			flush()
			if in {
				cur.WriteByte(c)
				continue
			}
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			flush()
			cur.WriteByte(c)
			started = true
		}
	}
	flush()
	if started {
		out = append(out, cur.String())
	}
	return out
}
