package remedy

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/remedy/shelltest"
	"github.com/lpetrust/lpetrust/truststore"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// hostile are arguments each shell treats specially somewhere.
var hostile = []string{
	"plain", "pool01.contoso.com", "[::1]:5061", "ldaps://DC01.EXAMPLE.COM",
	`C:\Program Files\lpetrust\root ca.cer`, `C:\dir with space\`, `C:\trailing\`,
	"O'Brien's roots.pem", "‘curly’ quotes.pem", `say "hi"`, `back\"slash`,
	"$HOME", "$(id)", "`id`", "%PATH%", "100%", "%%", "50%PATH%x", "%PATH",
	"a&b|c<d>e^f(g)h!", "a,b", "@splat", "#hash", "x;y", "{block}",
	"Zertifikate für Zoë/Stammzertifizierungsstelle é ü.pem", "根证书.pem",
	"--%", "-f", "--server", "", " ", "tab\there",
}

func cmdEnv(name string) (string, bool) {
	switch strings.ToUpper(name) {
	case "PATH", "HOME", "X":
		return "EXPANDED", true
	}
	return "", false
}

// TestQuoteRoundTrip: every hostile argument reaches the program unchanged
// in each shell (sh for real, PowerShell and cmd.exe by their models).
func TestQuoteRoundTrip(t *testing.T) {
	for _, arg := range hostile {
		c := Run("lpetrust", "ad", "publish", arg)
		want := []string{"lpetrust", "ad", "publish", arg}
		for _, sh := range Shells {
			line := c.Render(sh)
			got, err := shelltest.Split(string(sh), line, cmdEnv)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %q rendered %s splits to %q (%v)", sh, arg, line, got, err)
			}
		}
	}
}

// TestQuoteSHReal runs the sh renderings through /bin/sh.
func TestQuoteSHReal(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	var parts []string
	for _, a := range hostile {
		parts = append(parts, SH.Quote(a))
	}
	out, err := exec.Command(sh, "-c", `printf '%s\0' `+strings.Join(parts, " ")).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !reflect.DeepEqual(got, hostile) {
		t.Errorf("sh gave %q\nwant %q", got, hostile)
	}
}

func TestQuoteExact(t *testing.T) {
	for _, tc := range []struct {
		sh       Shell
		in, want string
	}{
		{SH, "[::1]:5061", `'[::1]:5061'`},
		{SH, "it's", `'it'\''s'`},
		{SH, "DC01.EXAMPLE.COM", "DC01.EXAMPLE.COM"},
		{SH, "", "''"},
		{PowerShell, "[::1]:5061", `'[::1]:5061'`},
		{PowerShell, "it's", `'it''s'`},
		{PowerShell, "a,b", `'a,b'`},
		{PowerShell, "-f", "-f"},
		{PowerShell, `C:\Program Files\x.cer`, `'C:\Program Files\x.cer'`},
		{PowerShell, "ADMIN@EXAMPLE.COM", "ADMIN@EXAMPLE.COM"},
		{PowerShell, "@splat", "'@splat'"},
		{Cmd, "[::1]:5061", "[::1]:5061"},
		{Cmd, `C:\Program Files\x.cer`, `"C:\Program Files\x.cer"`},
		{Cmd, `C:\dir with space\`, `"C:\dir with space\\"`},
		{Cmd, "%PATH%", `%"PATH"%`},
		{Cmd, "a&b", `"a&b"`},
		{Cmd, `say "hi"`, `"say \"hi\""`},
		{Cmd, `a"&b`, `"a\"^&b"`},
		{Cmd, "", `""`},
		{Cmd, "ADMIN@EXAMPLE.COM", "ADMIN@EXAMPLE.COM"},
	} {
		if got := tc.sh.Quote(tc.in); got != tc.want {
			t.Errorf("%s.Quote(%q) = %s, want %s", tc.sh, tc.in, got, tc.want)
		}
	}
}

func TestDefaultShell(t *testing.T) {
	if defaultShell("windows") != PowerShell || defaultShell("linux") != SH || defaultShell("darwin") != SH {
		t.Error("default shell")
	}
	for in, want := range map[string]Shell{"sh": SH, "PowerShell": PowerShell, "pwsh": PowerShell, "cmd": Cmd, "cmd.exe": Cmd} {
		if got, err := ParseShell(in); err != nil || got != want {
			t.Errorf("ParseShell(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseShell("fish"); err == nil || err.Error() != `"fish": want sh, powershell or cmd` {
		t.Errorf("ParseShell(fish): %v", err)
	}
}

// goldenPlans are plans whose commands carry every hard argument: paths
// with spaces, quotes, $ and non-ASCII names, an IPv6 pool with a port.
func goldenPlans(t *testing.T) []*Plan {
	cat := truststore.Default()
	at := day("2026-11-22")
	var out []*Plan
	for _, tc := range []struct{ file string }{
		{"../../testdata/certs/modern/DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.pem"},
		{"../../testdata/certs/intermediates/339CDD57CFD5B141169B615FF31428782D1DA639.pem"},
	} {
		ins, err := chain.ReadFile(tc.file, chain.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		opts := chain.Options{At: at}
		r, err := chain.Evaluate(cat, ins[0], opts)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Make(Request{Catalogue: cat, Name: filepath.Base(tc.file), Inputs: ins, Results: []*chain.Result{r}, Options: opts,
			Roots: RootOptions{Supplied: map[string]bool{}},
			Source: Source{File: `C:\Users\Zoë O'Neil\certs $new\renewal 2026.pem`, PFXPasswordFile: `C:\secrets\pfx "pw".txt`,
				Intermediates: []string{"roots [2026]/it's ü.pem"}, StoreFile: "overlay file.yaml", Pool: "[::1]:5061"},
			Connection: []string{"--server", "ldaps://dc01.contoso.com:636", "--user", `CONTOSO\zoë`, "--password-file", `C:\secrets\pw $1.txt`},
			Target:     "CU11"}))
	}
	return out
}

// TestGoldenPlans: the plans rendered for sh, PowerShell and cmd.
func TestGoldenPlans(t *testing.T) {
	plans := goldenPlans(t)
	for _, sh := range Shells {
		var buf bytes.Buffer
		for _, p := range plans {
			buf.WriteString("== " + p.Chain + "\n")
			if err := p.WriteText(&buf, sh, ""); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join("testdata", "plan_"+string(sh)+".golden")
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s differs from the golden file (rerun with -update after checking):\n%s", path, buf.String())
		}
		// Every command splits back into its arguments in the shell it
		// is written in; a PowerShell statement parses as one, and in cmd
		// reaches powershell -Command unchanged.
		for _, p := range plans {
			for _, f := range p.Fixes {
				for _, c := range f.Commands() {
					if err := checkRuns(c, sh); err != nil {
						t.Error(err)
					}
				}
			}
		}
	}
}

// checkRuns proves that c, rendered for sh, runs as printed there: the
// program receives exactly its arguments.
func checkRuns(c Command, sh Shell) error {
	line := c.Render(sh)
	want := c.Args
	if c.Host == PowerShellOnly {
		if err := shelltest.CheckPowerShellStatement(c.Script); err != nil {
			return fmt.Errorf("%s: %w", sh, err)
		}
		if c.RunsIn(sh) == PowerShell {
			if line != c.Script {
				return fmt.Errorf("%s: %s is not the statement %s", sh, line, c.Script)
			}
			return nil
		}
		want = []string{"powershell", "-NoProfile", "-Command", c.Script}
	}
	got, err := shelltest.Split(string(c.RunsIn(sh)), line, cmdEnv)
	if err != nil || !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s: %s splits to %q (%v), want %q", sh, line, got, err, want)
	}
	return nil
}

// Item 5 of the planner's leftovers: cmd reads a trailing "# powershell"
// as arguments, so a PowerShell statement is written for cmd as a
// powershell -Command call, and no cmd line carries a "#" marker.
func TestPowerShellStatementInCmd(t *testing.T) {
	roots := []Root{{SHA1: "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4"}}
	cmds := CertProvCommands(roots)
	if len(cmds) != 1 {
		t.Fatalf("%d commands, want one statement per root", len(cmds))
	}
	want := map[Shell]string{
		PowerShell: "Set-CsWebServiceConfiguration -Identity Global -TrustedCACerts @{Add=(New-CsWebTrustedCACertificate -Thumbprint DF3C24F9BFD666761B268073FE06D1CC8D4F82A4 -CAStore TrustedRootCA)}",
		Cmd:        `powershell -NoProfile -Command "Set-CsWebServiceConfiguration -Identity Global -TrustedCACerts @{Add=(New-CsWebTrustedCACertificate -Thumbprint DF3C24F9BFD666761B268073FE06D1CC8D4F82A4 -CAStore TrustedRootCA)}"`,
	}
	for sh, w := range want {
		if got := cmds[0].Render(sh); got != w {
			t.Errorf("%s: %s\nwant %s", sh, got, w)
		}
		if err := checkRuns(cmds[0], sh); err != nil {
			t.Error(err)
		}
	}
	if cmds[0].RunsIn(Cmd) != Cmd || cmds[0].RunsIn(SH) != PowerShell {
		t.Errorf("runs in %s for cmd, %s for sh", cmds[0].RunsIn(Cmd), cmds[0].RunsIn(SH))
	}
	// A statement cmd would otherwise break: %, quotes, & are carried.
	hard := PS(`Write-Output '100% a&b "q" (x)'`)
	if err := checkRuns(hard, Cmd); err != nil {
		t.Error(err)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "plan_cmd.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(golden), "# ") {
		t.Errorf("plan_cmd.golden has a # marker, which cmd passes on as arguments")
	}
}

// Item 10: the placeholders are the same text in every shell and need no
// quoting: nothing to redirect, expand or splat.
func TestPlaceholdersPasteSafe(t *testing.T) {
	c := Run(append([]string{"lpetrust", "ad", "publish", "--from-check", PoolPlaceholder}, ConnectionPlaceholder...)...)
	want := "lpetrust ad publish --from-check POOL01.EXAMPLE.COM --server ldaps://DC01.EXAMPLE.COM --user ADMIN@EXAMPLE.COM --password-file ADMIN.PW"
	for _, sh := range Shells {
		if got := c.Render(sh); got != want {
			t.Errorf("%s: %s", sh, got)
		}
	}
}
