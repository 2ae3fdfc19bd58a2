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

// SplitSH splits a line as a POSIX shell does for the quoting lpetrust
// uses: bare words of safe characters and single-quoted strings ('\”
// for a quote). Anything else a shell would interpret is an error.
func SplitSH(line string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in, started := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case in:
			if c == '\'' {
				in = false
				continue
			}
			cur.WriteByte(c)
		case c == '\'':
			in, started = true, true
		case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
			cur.WriteByte('\'')
			i++
			started = true
		case c == ' ':
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		case strings.IndexByte("$`\"\\|&;<>()*?[]{}~#!", c) >= 0:
			return nil, fmt.Errorf("sh would interpret %q unquoted in %q", c, line)
		default:
			cur.WriteByte(c)
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

// SplitPowerShell splits a line of a native command call as PowerShell
// (7.3 or later, standard argument passing) gives the arguments to the
// program: bare words and single-quoted strings (” and the typographic
// single quotes, doubled, for one). This is a model of PowerShell's parser
// for what lpetrust writes; anything outside it is an error.
func SplitPowerShell(line string) ([]string, error) {
	isQuote := func(r rune) bool {
		return r == '\'' || r == '\u2018' || r == '\u2019' || r == '\u201A' || r == '\u201B'
	}
	rs := []rune(line)
	var out []string
	var cur strings.Builder
	in, started := false, false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case in:
			if isQuote(r) {
				if i+1 < len(rs) && isQuote(rs[i+1]) {
					cur.WriteRune(r)
					i++
					continue
				}
				in = false
				continue
			}
			cur.WriteRune(r)
		case isQuote(r):
			if started {
				return nil, fmt.Errorf("a quote inside a bare word in %q", line)
			}
			in, started = true, true
		case r == ' ':
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		case r == '@' && !started:
			return nil, fmt.Errorf("PowerShell would splat %q in %q", r, line)
		case r > 127 || strings.ContainsRune("$`\"|&;<>(){}#,[]'", r):
			return nil, fmt.Errorf("PowerShell would interpret %q unquoted in %q", r, line)
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
