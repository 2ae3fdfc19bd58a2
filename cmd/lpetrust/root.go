package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
)

// Exit codes shared by every command.
const (
	exitOK       = 0 // success; for judging commands: trusted by the target firmware
	exitNegative = 1 // the judgement is negative (not trusted, stranded, unreachable)
	exitUsage    = 2 // bad input or usage
)

// exitError carries an exit code through cobra. A nil err exits silently.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError marks bad input or usage: exit code 2.
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// badInput wraps an error about an input as a usage error (exit 2).
func badInput(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: exitUsage, err: err}
}

// negative ends a command with exit code 1 after its output was printed.
func negative() error { return &exitError{code: exitNegative} }

// app is the state every command shares: global flags, standard streams and
// the catalogue (loaded once, with the overlay when --store is given).
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	output         string
	atFlag         string
	storeFile      string
	ascii          bool // --ascii
	quiet          bool // --quiet: only results and errors
	verbose        bool // --verbose: trace network steps on stderr

	// Console abilities (setupConsole).
	vt             bool // stderr processes escape codes
	termFD         int  // stderr's terminal, -1 if it is none
	restoreConsole func()
	// secrets are passwords read by the command; the trace never shows them.
	secrets   []string
	shellFlag string
	// shell is the shell printed commands are written for (--shell).
	shell remedy.Shell

	catalogue *truststore.Catalogue
	at        time.Time
}

// Catalogue returns the embedded catalogue with the --store overlay applied.
func (a *app) Catalogue() (*truststore.Catalogue, error) {
	if a.catalogue != nil {
		return a.catalogue, nil
	}
	c, err := truststore.Load(a.storeFile)
	if err != nil {
		return nil, badInput(err)
	}
	a.catalogue = c
	return c, nil
}

// catalogueFor refuses an --output format the command does not support,
// then returns the catalogue: the start of every command that prints it.
func (a *app) catalogueFor(formats ...string) (*truststore.Catalogue, error) {
	if err := a.checkOutput(formats...); err != nil {
		return nil, err
	}
	return a.Catalogue()
}

// At is the moment every validity judgement is made: --at, or now.
func (a *app) At() time.Time { return a.at }

// parseAt accepts YYYY-MM-DD (midnight UTC) or RFC 3339.
func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--at %q: want YYYY-MM-DD or RFC 3339 (2026-11-22T10:00:00Z)", s)
}

// checkOutput refuses an --output format the command does not support.
func (a *app) checkOutput(allowed ...string) error {
	for _, f := range allowed {
		if a.output == f {
			return nil
		}
	}
	return usageError("--output %q is not supported here (use %s)", a.output, strings.Join(allowed, ", "))
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "lpetrust",
		Short: "Audit and repair certificate trust for Lync Phone Edition phones",
		Long: `lpetrust audits and repairs certificate trust for Lync Phone Edition (LPE) desk
phones (Polycom CX500/CX600/CX700/CX3000, Aastra 6721ip/6725ip, HP 4110/4120,
LG-Nortel 8540) registered to Lync / Skype for Business Server.

LPE firmware carries a frozen root store. lpetrust knows every firmware build
and the roots each one trusts, judges any certificate chain per firmware,
audits live pools, and publishes missing roots to Active Directory.

Exit codes: 0 success (for judging commands: trusted by the target firmware),
1 negative result (not trusted, stranded, unreachable), 2 bad input or usage.`,
		Example: `  lpetrust firmware "CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)"
  lpetrust roots --release CU10 --valid
  lpetrust roots diff CU9 CU11 -o json`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			t, err := parseAt(a.atFlag)
			if err != nil {
				return usageError("%s", err)
			}
			a.at = t
			if a.quiet && a.verbose {
				return usageError("--quiet and --verbose: give one")
			}
			a.setupConsole()
			if a.shell, err = remedy.ParseShell(a.shellFlag); err != nil {
				return usageError("--shell %s", err)
			}
			return nil
		},
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	pf := root.PersistentFlags()
	pf.StringVarP(&a.output, "output", "o", "table", "output format: table, json, csv (where rows fit); some commands add more")
	pf.StringVar(&a.atFlag, "at", "", "judge validity at this moment (YYYY-MM-DD or RFC 3339; default now)")
	pf.StringVar(&a.storeFile, "store", "", "overlay `FILE` (YAML or JSON) adding firmware builds, roots or stores")
	pf.BoolVar(&a.ascii, "ascii", false, "print ASCII only (+ and x for ✓ and ✗); automatic where the console cannot show UTF-8")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "print only results and errors: no progress bar, notes or warnings")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "trace DNS, TCP, TLS and LDAP steps on standard error (never a password)")
	pf.StringVar(&a.shellFlag, "shell", "", "write printed commands for `SHELL`: sh, powershell or cmd (default "+string(remedy.DefaultShell())+")")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError("%s", err) })
	root.AddCommand(
		newInspectCmd(a, nil),
		newCheckCmd(a, nil),
		newReportCmd(a, nil),
		newRemediateCmd(a, nil),
		newADCmd(a),
		newFirmwareCmd(a, nil),
		newRootsCmd(a, nil),
		newCasCmd(a, nil),
		newVersionCmd(a, nil),
		newInventoryHelp(),
		newJSONHelp(),
	)
	addCompletionExamples(root)
	registerCompletions(a, root)
	return root
}

// addCompletionExamples gives cobra's generated completion commands the
// examples every other command has.
func addCompletionExamples(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Example = "  lpetrust completion bash > /etc/bash_completion.d/lpetrust\n  lpetrust completion zsh > \"${fpath[1]}/_lpetrust\""
		for _, sh := range c.Commands() {
			switch sh.Name() {
			case "fish":
				sh.Example = "  lpetrust completion fish | source"
			case "powershell":
				sh.Example = "  lpetrust completion powershell | Out-String | Invoke-Expression"
			default:
				sh.Example = fmt.Sprintf("  source <(lpetrust completion %s)", sh.Name())
			}
		}
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, termFD: -1}
	return execute(a, newRootCmd(a), args)
}

// execute runs the command tree root with args and returns the exit code,
// printing an error as one line on standard error.
func execute(a *app, root *cobra.Command, args []string) int {
	root.SetArgs(args)
	err := root.Execute()
	if a.restoreConsole != nil {
		defer a.restoreConsole()
	}
	if err == nil {
		return exitOK
	}
	code := exitUsage // cobra's own errors (unknown command, bad args) are usage errors
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	fmt.Fprintf(a.stderr, "lpetrust: %s\n", oneLine(err.Error()))
	return code
}

// oneLine keeps an error message on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
