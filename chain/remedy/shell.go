package remedy

import (
	"fmt"
	"runtime"
	"strings"
)

// Shell is a command interpreter the printed commands are written for.
type Shell string

// The shells commands are rendered for. Skype for Business administrators
// work in PowerShell (the Lync Server Management Shell) or cmd.exe; sh is
// for the Linux or macOS machine lpetrust may also run on.
const (
	SH         Shell = "sh"
	PowerShell Shell = "powershell"
	Cmd        Shell = "cmd"
)

// Shells lists every shell, in the order JSON gives them.
var Shells = []Shell{SH, PowerShell, Cmd}

// DefaultShell is PowerShell on Windows and sh elsewhere.
func DefaultShell() Shell { return defaultShell(runtime.GOOS) }

func defaultShell(goos string) Shell {
	if goos == "windows" {
		return PowerShell
	}
	return SH
}

// ParseShell accepts sh, powershell (or pwsh) and cmd; "" is DefaultShell.
func ParseShell(s string) (Shell, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return DefaultShell(), nil
	case "sh", "bash", "zsh":
		return SH, nil
	case "powershell", "pwsh", "ps":
		return PowerShell, nil
	case "cmd", "cmd.exe":
		return Cmd, nil
	}
	return "", fmt.Errorf("%q: want sh, powershell or cmd", s)
}

// Host says where a command runs, and so which syntax it is written in.
type Host int

const (
	// Anywhere: a program with arguments (lpetrust), quoted for the
	// chosen shell.
	Anywhere Host = iota
	// Windows: a Windows program (certutil), quoted for PowerShell or
	// cmd; for sh it is written as PowerShell, since it runs on Windows.
	Windows
	// PowerShellOnly: a PowerShell statement (the Lync Server cmdlets),
	// written as it is for PowerShell and sh (where it is marked as
	// PowerShell's), and for cmd as a powershell -Command call that runs
	// as printed there.
	PowerShellOnly
)

// Command is one line an administrator runs.
type Command struct {
	// Args are the program and its arguments, unquoted (Anywhere, Windows).
	Args []string
	// Script is a PowerShell statement, already quoted (PowerShellOnly).
	Script string
	Host   Host
}

// Run returns a command that runs anywhere.
func Run(args ...string) Command { return Command{Args: args} }

// RunWindows returns a Windows command.
func RunWindows(args ...string) Command { return Command{Args: args, Host: Windows} }

// PS returns a PowerShell statement; build its arguments with
// PowerShell.Quote.
func PS(script string) Command { return Command{Script: script, Host: PowerShellOnly} }

// Render writes the command for the shell: one line, every argument quoted
// so that the program receives it exactly.
func (c Command) Render(s Shell) string {
	switch c.Host {
	case PowerShellOnly:
		if s == Cmd {
			return "powershell -NoProfile -Command " + quoteCmd(c.Script)
		}
		return c.Script
	case Windows:
		if s == SH {
			s = PowerShell
		}
	}
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = s.Quote(a)
	}
	return strings.Join(parts, " ")
}

// RunsIn reports the shell the rendered command is actually written in.
func (c Command) RunsIn(s Shell) Shell {
	switch {
	case c.Host == PowerShellOnly && s != Cmd:
		return PowerShell
	case c.Host == Windows && s == SH:
		return PowerShell
	}
	return s
}

// Quote quotes one argument for the shell, only when it needs it, so
// that a pasted command passes it to the program unchanged.
func (s Shell) Quote(arg string) string {
	switch s {
	case PowerShell:
		return quotePowerShell(arg)
	case Cmd:
		return quoteCmd(arg)
	}
	return quoteSH(arg)
}

func plain(s, extra string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune(extra, r):
		default:
			return false
		}
	}
	return true
}

// quoteSH: POSIX single quotes, in which nothing is special but the quote
// itself. Brackets are glob characters, so [::1]:5061 is quoted.
func quoteSH(s string) string {
	if plain(s, "@%+=:,./_-") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// quotePowerShell: single quotes, in which only a quote is special; it is
// doubled, and PowerShell also takes the typographic single quotes for one.
// Unquoted, a comma makes an array, a leading @ splats, # comments and
// {}()$;&|<> are operators, so only a conservative set stays bare.
func quotePowerShell(s string) string {
	if plain(s, "+=:./_-\\@") && s[0] != '@' && s != "--%" {
		return s
	}
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201A', '\u201B':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// quoteCmd: double quotes, which make cmd.exe leave & | < > ( ) alone.
// Inside them the program splits its command line by the Windows rules (Go
// and the Microsoft C runtime alike): backslashes are literal except before
// a quote, 2n+1 backslashes and a quote give n backslashes and a literal
// quote. cmd.exe toggles its own quoted state at every quote, so a special
// character it would then see unquoted gets a caret. A % is put between
// closing and opening quotes ("%"), so that no %NAME% can name an
// environment variable: the name would contain a quote.
func quoteCmd(s string) string {
	if plain(s, "@+=:,./_-\\[]#") {
		return s
	}
	if s == "" {
		return `""`
	}
	var b strings.Builder
	cmdQuoted := false // what cmd.exe thinks
	opened := -1       // position of an opening quote with nothing after it yet
	backslashes := 0
	quote := func() { // a delimiting quote: the program toggles its state
		if opened >= 0 && opened == b.Len()-1 && backslashes == 0 {
			// "" would be a literal quote to the program: drop the pair.
			str := b.String()[:opened]
			b.Reset()
			b.WriteString(str)
			cmdQuoted = !cmdQuoted
			opened = -1
			return
		}
		b.WriteString(strings.Repeat(`\`, 2*backslashes))
		backslashes = 0
		b.WriteByte('"')
		cmdQuoted = !cmdQuoted
		opened = b.Len() - 1
	}
	flush := func() {
		b.WriteString(strings.Repeat(`\`, backslashes))
		backslashes = 0
		opened = -1
	}
	quote()
	for _, r := range s {
		switch r {
		case '\\':
			backslashes++
			continue
		case '"':
			b.WriteString(strings.Repeat(`\`, 2*backslashes+1))
			backslashes = 0
			b.WriteByte('"')
			cmdQuoted = !cmdQuoted
			opened = -1
			continue
		case '%':
			quote()
			flush()
			b.WriteByte('%')
			quote()
			continue
		}
		flush()
		if !cmdQuoted && strings.ContainsRune("&|<>^()!", r) {
			b.WriteByte('^')
		}
		b.WriteRune(r)
	}
	quote()
	return b.String()
}
