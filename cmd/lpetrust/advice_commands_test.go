package main

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/lpetrust/lpetrust/chain/live/livetest"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/chain/remedy/shelltest"
	"github.com/lpetrust/lpetrust/truststore/textwrap"
)

// TestPrintedCommandsParse (and the 120-column rule) takes every lpetrust command any output prints
// (inspect of every certificate in testdata, report of every inventory in
// every format, check of a live pool, remediate --dry-run; each for sh,
// PowerShell and cmd), splits it the way its shell would, and runs it
// through the CLI's own parser: no unknown command, flag or argument count.
// The parser is the real command tree, so a command added, renamed or
// losing a flag is caught without touching this test.
func TestPrintedCommandsParse(t *testing.T) {
	td := filepath.Join("..", "..", "testdata")
	overlay := filepath.Join(td, "inventory", "chains", "overlay-contoso.yaml")
	var runs [][]string
	certs, _ := filepath.Glob(filepath.Join(td, "certs", "*", "*.pem"))
	examples, _ := filepath.Glob(filepath.Join(td, "examples", "*.pem"))
	chains, _ := filepath.Glob(filepath.Join(td, "inventory", "chains", "*.pem"))
	pfx, _ := filepath.Glob(filepath.Join(td, "pfx", "*.p7b"))
	var files []string
	files = append(append(append(append(files, certs...), examples...), chains...), pfx...)
	exportDir := t.TempDir()
	for _, sh := range remedy.Shells {
		for _, f := range files {
			for _, o := range []string{"table", "json"} {
				runs = append(runs, []string{"--shell", string(sh), "--store", overlay, "--at", "2026-11-22", "-o", o, "inspect", f})
			}
		}
		runs = append(runs, []string{"--shell", string(sh), "--at", "2026-11-22", "inspect", files[0], files[1], "--export-missing", exportDir})
		invs, _ := filepath.Glob(filepath.Join(td, "inventory", "*.*"))
		for _, inv := range invs {
			if strings.HasSuffix(inv, ".md") {
				continue
			}
			for _, o := range []string{"table", "json", "html", "csv", "csv-long"} {
				args := []string{"--shell", string(sh), "--store", overlay, "--at", "2026-11-22", "-o", o, "report", "--inventory", inv}
				for _, c := range append(append([]string{}, chains...), examples...) {
					if !strings.HasSuffix(c, "root.pem") {
						args = append(args, "--chain", c)
					}
				}
				runs = append(runs, args)
			}
		}
		// An estate: per-pool chains, and the pool and site tables.
		for _, o := range []string{"table", "json"} {
			runs = append(runs, []string{"--shell", string(sh), "--store", overlay, "--at", "2026-11-22", "-o", o, "report",
				"--inventory", filepath.Join(td, "estate", "registrations.tsv"), "--estate", filepath.Join(td, "estate", "pools.csv"),
				"--chain", "pool01.contoso.com=" + filepath.Join(td, "inventory", "chains", "today.pem"),
				"--chain", "fe21.contoso.com=" + filepath.Join(td, "examples", "today-comodo-via-aaa.pem"),
				"--chain", "sba-leeds.contoso.com=" + filepath.Join(td, "inventory", "chains", "renewal-g2.pem")})
		}
		for _, o := range []string{"table", "json"} {
			runs = append(runs, []string{"--shell", string(sh), "--at", "2026-11-22", "-o", o, "remediate", "--dry-run", "--config-nc", "CN=Configuration,DC=example,DC=com",
				"--chain", filepath.Join(td, "examples", "renewal-digicert-g2.pem"), "--chain", filepath.Join(td, "certs", "modern", "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.pem"),
				"--inventory", filepath.Join(td, "inventory", "phones-semicolon.csv")})
		}
	}
	p := livetest.StartPool(t)
	poolOverlay := checkOverlay(t, p)
	for _, sh := range remedy.Shells {
		for _, o := range []string{"table", "json"} {
			runs = append(runs,
				[]string{"--shell", string(sh), "--store", poolOverlay, "--at", "2026-06-01", "-o", o, "check", "--discover", "lpe.test", "--resolver", p.DNS, "--port", fmt.Sprint(p.Port), "--timeout", "3s"},
				[]string{"--shell", string(sh), "--store", poolOverlay, "--at", "2026-06-01", "-o", o, "check", fmt.Sprintf("127.0.0.2:%d", p.Port), "--firmware", "CU10"},
				[]string{"--shell", string(sh), "--at", "2026-06-01", "-o", o, "check", fmt.Sprintf("127.0.0.2:%d", p.Port), "--publish-unknown"},
			)
		}
	}

	seen := map[string]bool{}
	kinds := map[string]int{}
	for _, args := range runs {
		code, out, errOut := runLpetrust(args...)
		if code == 2 {
			t.Errorf("%q: exit 2: %s", args, errOut)
			continue
		}
		sh := remedy.Shell(args[1])
		if isText(args) {
			for _, l := range tooWide(out) {
				t.Errorf("%d columns (over %d) in the output of %q:\n%s", textwrap.Len(l), textwrap.Width, args, l)
			}
		}
		for _, c := range printedCommands(sh, args, out) {
			key := string(c.shell) + "\x00" + c.line
			if seen[key] {
				continue
			}
			seen[key] = true
			words, err := split(c.shell, c.line)
			if err != nil {
				t.Errorf("%s: %s: %v (from %q)", c.shell, c.line, err, args)
				continue
			}
			if err := parseCommand(words); err != nil {
				t.Errorf("%s: %s: %v (from %q)", c.shell, c.line, err, args)
				continue
			}
			kinds[strings.Join(words[:min(3, len(words))], " ")]++
		}
	}
	// The test cannot pass by finding nothing.
	for _, want := range []string{"lpetrust ad publish", "lpetrust ad list", "lpetrust roots export", "lpetrust check POOL01.EXAMPLE.COM", "lpetrust report --inventory"} {
		found := false
		for k := range kinds {
			found = found || strings.HasPrefix(k, want) || strings.HasPrefix(want, k)
		}
		if !found {
			var ks []string
			for k := range kinds {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			t.Errorf("no printed %q among %q", want, ks)
		}
	}
	t.Logf("%d distinct printed commands from %d runs: %v", len(seen), len(runs), kinds)
	if len(seen) < 100 {
		t.Errorf("only %d distinct printed commands", len(seen))
	}
}

// isText reports whether a run writes text for people (-o table, the
// default), which must fit textwrap.Width columns; CSV, JSON and HTML are
// never wrapped.
func isText(args []string) bool {
	for i, a := range args {
		if a == "-o" && i+1 < len(args) {
			return args[i+1] == "table"
		}
	}
	return true
}

// printedCommand matches a line that is a command to run (as the plan
// prints it, on a line of its own): it may pass the width, so that it
// pastes whole.
var printedCommand = regexp.MustCompile(`^\s*(lpetrust|certutil|powershell) |^\s*(Set|New)-Cs[A-Za-z]+ `)

// tooWide lists the lines of out wider than textwrap.Width that are not
// a printed command.
func tooWide(out string) []string {
	var bad []string
	for _, l := range strings.Split(out, "\n") {
		if l == "LDIF of the planned changes:" {
			break // the LDIF is a document for ldifde, not text for people
		}
		if textwrap.Len(l) > textwrap.Width && !printedCommand.MatchString(l) {
			bad = append(bad, l)
		}
	}
	return bad
}

type printed struct {
	shell remedy.Shell
	line  string
}

// printedCommands finds the lpetrust command lines of an output: lines of
// text or HTML, and every "commands" entry of JSON (per shell, or for the
// --shell given).
func printedCommands(sh remedy.Shell, args []string, out string) []printed {
	var res []printed
	isJSON := false
	for i, a := range args {
		if a == "-o" && i+1 < len(args) && args[i+1] == "json" {
			isJSON = true
		}
	}
	if isJSON {
		var v any
		if err := json.Unmarshal([]byte(out), &v); err == nil {
			walkCommands(v, sh, &res)
			return res
		}
	}
	for _, l := range strings.Split(html.UnescapeString(out), "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimPrefix(l, "<pre>")
		if i := strings.Index(l, "    # "); i >= 0 {
			l = l[:i]
		}
		if strings.HasPrefix(l, "lpetrust ") {
			res = append(res, printed{sh, l})
		}
	}
	return res
}

func walkCommands(v any, sh remedy.Shell, res *[]printed) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "commands" || k == "pin_channel" {
				switch c := e.(type) {
				case []any:
					addLines(c, sh, res)
				case map[string]any:
					for s, lines := range c {
						if l, ok := lines.([]any); ok {
							addLines(l, remedy.Shell(s), res)
						}
					}
				}
				continue
			}
			walkCommands(e, sh, res)
		}
	case []any:
		for _, e := range x {
			walkCommands(e, sh, res)
		}
	}
}

func addLines(lines []any, sh remedy.Shell, res *[]printed) {
	for _, l := range lines {
		if s, ok := l.(string); ok && strings.HasPrefix(s, "lpetrust ") {
			*res = append(*res, printed{sh, s})
		}
	}
}

func split(sh remedy.Shell, line string) ([]string, error) {
	switch sh {
	case remedy.PowerShell:
		return shelltest.SplitPowerShell(line)
	case remedy.Cmd:
		return shelltest.SplitCmd(line, func(string) (string, bool) { return "", false })
	}
	return shelltest.SplitSH(line)
}

// parseCommand runs words (lpetrust and its arguments) through the
// command tree: the command must exist and take the flags and arguments.
func parseCommand(words []string) error {
	if len(words) < 2 || words[0] != "lpetrust" {
		return fmt.Errorf("not an lpetrust command")
	}
	a := &app{stdin: strings.NewReader(""), stdout: os.Stdout, stderr: os.Stderr}
	root := newRootCmd(a)
	cmd, rest, err := root.Find(words[1:])
	if err != nil {
		return fmt.Errorf("unknown command: %w", err)
	}
	if cmd == root {
		return fmt.Errorf("unknown command %q", words[1])
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return fmt.Errorf("%s: %w", cmd.CommandPath(), err)
	}
	if cmd.Args != nil {
		if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
			return fmt.Errorf("%s: %w", cmd.CommandPath(), err)
		}
	}
	if !cmd.Runnable() {
		return fmt.Errorf("%s is not a command that runs", cmd.CommandPath())
	}
	return nil
}
