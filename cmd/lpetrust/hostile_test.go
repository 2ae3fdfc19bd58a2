//go:build unix

package main

// The hostile-input suite: files crafted to hang, crash or exhaust lpetrust,
// each run as a child process bounded in time, whose exit code, message and
// peak memory are checked. A regression fails here instead of hanging CI.

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/truststore/hostiletest"
)

// childBound is the generous bound of one hostile run (--timeout 1s where a
// network is involved): a run past it is a hang.
const childBound = 30 * time.Second

// maxChildRSS is the peak memory a run may reach.
const maxChildRSS = 256 << 20

type childResult struct {
	code           int
	stdout, stderr string
	rss            int64 // peak resident set, bytes
	took           time.Duration
}

// runChild runs the CLI in a child process (the test binary, see TestMain)
// with stdin from the named file ("" for none), in dir. shell, when set, is
// a shell prefix such as "umask 077;".
func runChild(t *testing.T, dir, stdin, shell string, args ...string) childResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), childBound)
	defer cancel()
	var cmd *exec.Cmd
	if shell != "" {
		cmd = exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", shell + ` exec "$0" "$@"`, os.Args[0]}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, os.Args[0], args...)
	}
	cmd.Dir = dir
	hwm := filepath.Join(t.TempDir(), "status")
	cmd.Env = append(os.Environ(), "LPETRUST_TEST_RUN_CLI=1", "LPETRUST_LDAP_PASSWORD=", "LPETRUST_PFX_PASSWORD=", "LPETRUST_TEST_HWM_FILE="+hwm)
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := childResult{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("lpetrust %s: still running after %s (killed)", strings.Join(args, " "), childBound)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("lpetrust %s: %v", strings.Join(args, " "), err)
	}
	if kb, ok := vmHWM(hwm); ok {
		r.rss = kb * 1024
	} else if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.rss = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	return r
}

// wantOneLine checks exit code 2, nothing on stdout, one line on stderr
// naming the input, and the memory bound.
func (r childResult) wantOneLine(t *testing.T, name string, wantCode int, mustName string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	switch {
	case r.code != wantCode:
		t.Errorf("%s: exit %d, want %d; stderr %q", name, r.code, wantCode, r.stderr)
	case len(lines) != 1 || !strings.HasPrefix(lines[0], "lpetrust: "):
		t.Errorf("%s: stderr is not one line: %q", name, r.stderr)
	case !strings.Contains(lines[0], mustName):
		t.Errorf("%s: the message does not name %s: %q", name, mustName, lines[0])
	}
	if r.rss > maxChildRSS {
		t.Errorf("%s: peak memory %d MiB, over %d MiB", name, r.rss>>20, maxChildRSS>>20)
	}
}

func writeTestFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	testdataDir, _ = filepath.Abs(filepath.Join("..", "..", "testdata"))
	chainPEM       = filepath.Join(testdataDir, "examples", "today-comodo-via-aaa.pem")
	encryptedPFX   = filepath.Join(testdataDir, "pfx", "aes256.pfx")
	inventoryCSV   = filepath.Join(testdataDir, "inventory", "lync-ip-phone-inventory.csv")
)

// TestHostileInputs: one case per kind of attack; each must end within the
// bound with its exit code and a one-line message naming the input.
func TestHostileInputs(t *testing.T) {
	dir := t.TempDir()
	pfxBomb := writeTestFile(t, dir, "bomb.pfx", hostiletest.PFXMACBehindPadding(25000))
	// Shrouded key bags asking for 2^62 iterations inside sanely encrypted
	// content: the empty password, and a password with a nested bag.
	hiddenBomb := writeTestFile(t, dir, "hidden.pfx", hostiletest.PFXHiddenKeyBagBomb())
	nestedBomb := writeTestFile(t, dir, "nested.pfx", hostiletest.PFXNestedHiddenKeyBagBomb("pässwörd"))
	nestedPassword := writeTestFile(t, dir, "nested.pass", []byte("pässwörd\n"))
	hiddenMsg := hiddenBomb + ": PKCS#12 key bag 1 in encrypted content 1 iteration count 4611686018427387904 is above the limit of 1000000"
	nestedMsg := nestedBomb + ": PKCS#12 key bag 2 in encrypted content 1 iteration count 4611686018427387904 is above the limit of 1000000"
	dryRun := []string{"--dry-run", "--config-nc", "CN=Configuration,DC=x"}
	yamlBomb := writeTestFile(t, dir, "bomb.yaml", hostiletest.OverlayAliasBomb(1<<20, 3000))
	header := "User Agent,MAC Address\n"
	unreadable := writeTestFile(t, dir, "unreadable.csv", []byte(header+strings.Repeat("x", 70<<10)+"\n\x00,00-04-F2-00-01-76\n\xff\xfe\xfd,00-04-F2-00-01-77\n"))
	endless := writeTestFile(t, dir, "endless.csv", []byte(header+strings.Repeat("y", 3<<20)))
	noPhone := writeTestFile(t, dir, "desktops.csv", []byte(header+"UCCAPI/4.0.7577.314 OC/4.0.7577.314 (Microsoft Lync 2010),00-04-F2-00-01-76\n"))
	sparse := filepath.Join(dir, "sparse.json")
	if f, err := os.Create(sparse); err != nil {
		t.Fatal(err)
	} else {
		f.Truncate(2 << 30) // 2 GiB costing no disk
		f.Close()
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	badKeytab := writeTestFile(t, dir, "bad.keytab", []byte("\x05\x02garbage"))
	// A server that accepts connections and never says a word: AIA (HTTP)
	// and DNS (UDP) alike.
	silentTCP, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silentTCP.Close()
	go func() {
		for {
			c, err := silentTCP.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	silentUDP, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silentUDP.Close()
	aiaLeaf := writeTestFile(t, dir, "aia.pem", hostiletest.LeafWithAIA("http://"+silentTCP.Addr().String()+"/ca.crt"))

	for _, tc := range []struct {
		item, name string
		stdin      string
		args       []string
		code       int
		message    string // the whole stderr line
	}{
		{"1", "PFX MAC count hidden behind 25,000 NULLs", "", []string{"inspect", pfxBomb},
			2, pfxBomb + ": PKCS#12 MAC iteration count 4611686018427387904 is above the limit of 1000000"},
		{"1", "PFX key bag count inside encrypted content, inspect", "", []string{"inspect", hiddenBomb}, 2, hiddenMsg},
		{"1", "PFX nested key bag count inside encrypted content, inspect", "", []string{"inspect", nestedBomb, "--password-file", nestedPassword}, 2, nestedMsg},
		{"1", "PFX key bag count inside encrypted content, report --chain", "", []string{"report", "--inventory", inventoryCSV, "--chain", hiddenBomb}, 2, hiddenMsg},
		{"1", "PFX nested key bag count inside encrypted content, report --chain", "", []string{"report", "--inventory", inventoryCSV, "--chain", nestedBomb, "--pfx-password-file", nestedPassword}, 2, nestedMsg},
		{"1", "PFX key bag count inside encrypted content, ad publish", "", append([]string{"ad", "publish", hiddenBomb}, dryRun...), 2, hiddenMsg},
		{"1", "PFX nested key bag count inside encrypted content, ad publish --chain", "", append([]string{"ad", "publish", "--chain", nestedBomb, "--pfx-password-file", nestedPassword}, dryRun...), 2, nestedMsg},
		{"1", "PFX key bag count inside encrypted content, remediate --chain", "", []string{"remediate", "--inventory", inventoryCSV, "--chain", hiddenBomb, "--server", "ldaps://127.0.0.1:1"}, 2, hiddenMsg},
		{"1", "PFX nested key bag count inside encrypted content, remediate --chain", "", []string{"remediate", "--inventory", inventoryCSV, "--chain", nestedBomb, "--pfx-password-file", nestedPassword, "--server", "ldaps://127.0.0.1:1"}, 2, nestedMsg},
		{"3", "signed firmware version", "", []string{"inspect", chainPEM, "--firmware", "4.-0"},
			2, `--firmware "4.-0": malformed version "4.-0": "-0" is not a number`},
		{"3", "signed firmware version, firmware command", "", []string{"firmware", "0.-0"},
			2, `firmware "0.-0": malformed version "0.-0": "-0" is not a number`},
		{"4", "2 GiB sparse --from-inspect", "", []string{"ad", "publish", "--dry-run", "--config-nc", "CN=Configuration,DC=x", "--from-inspect", sparse},
			2, sparse + ": too large (2147483648 bytes, the limit is 32 MiB)"},
		{"4", "/dev/zero as --ca-file", "", []string{"ad", "list", "--server", "ldaps://127.0.0.1:1", "--ca-file", "/dev/zero"},
			2, "--ca-file: CA file /dev/zero: is a device, not a regular file"},
		{"5", "FIFO as --store", "", []string{"roots", "--store", fifo},
			2, "overlay " + fifo + ": is a named pipe (FIFO), not a regular file"},
		{"5", "directory as --krb5-conf", "", []string{"ad", "list", "--server", "ldaps://127.0.0.1:1", "--kerberos", "--krb5-conf", dir, "--ccache", badKeytab},
			2, "--krb5-conf " + dir + ": is a directory, not a file"},
		{"6", "YAML alias bomb", "", []string{"roots", "--store", yamlBomb},
			2, "overlay " + yamlBomb + ":5: the document is larger than 16 MiB with its aliases expanded"},
		{"7", "endless line in an inventory", "", []string{"report", "--inventory", endless, "--chain", chainPEM},
			2, "inventory " + endless + ": line 2: no line end within 1 MiB: not a text inventory"},
		{"7", "/dev/zero on standard input", "/dev/zero", []string{"report", "--inventory", "-", "--chain", chainPEM},
			2, "--inventory -: standard input has no line end in its first 1 MiB: not an inventory"},
		{"8", "no readable row", "", []string{"report", "--inventory", unreadable, "--chain", chainPEM},
			2, "no phone could be read from " + unreadable + ": every one of its 3 records is unparsable (line 2: line longer than 64 KiB)"},
		{"11", "bad keytab data", "", []string{"ad", "list", "--server", "ldaps://127.0.0.1:1", "--keytab", badKeytab, "--user", "a@EXAMPLE.COM"},
			2, "--keytab " + badKeytab + ": not a valid keytab"},
	} {
		t.Run("item "+tc.item+": "+tc.name, func(t *testing.T) {
			r := runChild(t, dir, tc.stdin, "", tc.args...)
			r.wantOneLine(t, tc.name, tc.code, tc.message)
			if r.took > childBound/3 { // a refusal comes before any expensive work
				t.Errorf("%s: took %s", tc.name, r.took)
			}
			if got := strings.TrimSuffix(r.stderr, "\n"); !strings.HasPrefix(got, "lpetrust: "+tc.message) {
				t.Errorf("stderr %q\nwant    %q", got, "lpetrust: "+tc.message)
			}
		})
	}

	// Items 2 and 10: silent servers cost one --timeout per step, and the
	// command ends well within the bound.
	t.Run("item 2: silent AIA server", func(t *testing.T) {
		r := runChild(t, dir, "", "", "inspect", aiaLeaf, "--aia", "--aia-timeout", "1s")
		if r.code != 1 || !containsFlat(r.stdout, "AIA caIssuers of") || !containsFlat(r.stdout, "/ca.crt\": context deadline exceeded") || r.took > 15*time.Second {
			t.Errorf("exit %d after %s\nstdout %s\nstderr %s", r.code, r.took, r.stdout, r.stderr)
		}
	})
	t.Run("item 10: silent DNS server", func(t *testing.T) {
		r := runChild(t, dir, "", "", "check", "one.hostiletest.test", "two.hostiletest.test", "--resolver", silentUDP.LocalAddr().String(), "--timeout", "1s")
		if r.code != 1 || strings.Count(r.stdout, "no address: A ") != 4 || r.took > 15*time.Second {
			t.Errorf("exit %d after %s\nstdout %s\nstderr %s", r.code, r.took, r.stdout, r.stderr)
		}
	})

	// Item 8: an inventory without an LPE phone says so instead of "No fix needed".
	t.Run("item 8: no LPE phone", func(t *testing.T) {
		r := runChild(t, dir, "", "", "report", "--inventory", noPhone, "--chain", chainPEM)
		want := noPhone + " holds no Lync Phone Edition phone (1 record: 1 other device or client, 0 unparsable): nothing was judged"
		if r.code != 0 || r.stderr != "lpetrust: warning: "+want+"\n" || !containsFlat(r.stdout, "No fix to give: "+want+".") || strings.Contains(r.stdout, "No fix needed") {
			t.Errorf("exit %d\nstderr %q\nstdout %s", r.code, r.stderr, r.stdout)
		}
	})

	// Item 11: a new --out or --export-missing file honours the umask, as a
	// shell redirection does; a replaced file keeps its mode.
	t.Run("item 11: umask", func(t *testing.T) {
		out := filepath.Join(dir, "report.txt")
		exp := filepath.Join(dir, "missing")
		r := runChild(t, dir, "", "umask 077;", "report", "--inventory", inventoryCSV, "--chain", chainPEM, "--out", out)
		if r.code > 1 {
			t.Fatalf("report: exit %d: %s", r.code, r.stderr)
		}
		// The real DigiCert Global Root G2 (the examples' look-alike is never exported).
		r = runChild(t, dir, "", "umask 027;", "inspect", filepath.Join(testdataDir, "certs", "modern", "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.pem"), "--export-missing", exp)
		if r.code > 1 {
			t.Fatalf("inspect: exit %d: %s", r.code, r.stderr)
		}
		pems, _ := filepath.Glob(filepath.Join(exp, "*.pem"))
		if len(pems) == 0 {
			t.Fatal("nothing exported")
		}
		for p, want := range map[string]os.FileMode{out: 0o600, pems[0]: 0o640} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: mode %v, want %v (%v)", filepath.Base(p), fi.Mode().Perm(), want, err)
			}
		}
		if err := os.Chmod(out, 0o604); err != nil {
			t.Fatal(err)
		}
		runChild(t, dir, "", "umask 077;", "report", "--inventory", inventoryCSV, "--chain", chainPEM, "--out", out)
		if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o604 {
			t.Errorf("replaced --out: mode %v, want 0604 (%v)", fi.Mode().Perm(), err)
		}
	})
}

// fileFlag is one file-taking flag of one command: args with "@" where the
// file goes.
type fileFlag struct {
	name string
	args []string
}

// fileFlags lists every file-taking flag of every command (the global
// --store with the commands that load the catalogue).
func fileFlags(empty string) []fileFlag {
	ldaps := []string{"--server", "ldaps://127.0.0.1:1"}
	with := func(base []string, more ...string) []string { return append(append([]string(nil), base...), more...) }
	report := []string{"report", "--inventory", inventoryCSV, "--chain", chainPEM}
	remediate := []string{"remediate", "--inventory", inventoryCSV, "--chain", chainPEM, "--server", "ldaps://127.0.0.1:1"}
	var out []fileFlag
	for _, c := range []struct {
		name string
		base []string
	}{
		{"report", with(report, append([]string{"--with-ad"}, ldaps...)...)},
		{"remediate", remediate},
		{"ad list", with([]string{"ad", "list"}, ldaps...)},
		{"ad publish", with([]string{"ad", "publish", chainPEM}, ldaps...)},
		{"ad remove", with([]string{"ad", "remove", "--sha1", strings.Repeat("AB", 20)}, ldaps...)},
	} {
		out = append(out,
			fileFlag{c.name + " --ca-file", with(c.base, "--ca-file", "@")},
			fileFlag{c.name + " --password-file", with(c.base, "--user", "a@example.com", "--password-file", "@")},
			fileFlag{c.name + " --keytab", with(c.base, "--user", "a@EXAMPLE.COM", "--keytab", "@")},
			fileFlag{c.name + " --krb5-conf", with(c.base, "--kerberos", "--krb5-conf", "@", "--ccache", empty)},
			fileFlag{c.name + " --ccache", with(c.base, "--kerberos", "--ccache", "@")},
		)
	}
	dry := []string{"--dry-run", "--config-nc", "CN=Configuration,DC=x"}
	out = append(out,
		fileFlag{"inspect FILE", []string{"inspect", "@"}},
		fileFlag{"inspect --password-file", []string{"inspect", encryptedPFX, "--password-file", "@"}},
		fileFlag{"inspect --intermediates", []string{"inspect", chainPEM, "--intermediates", "@"}},
		fileFlag{"inspect --store", []string{"inspect", chainPEM, "--store", "@"}},
		fileFlag{"check --targets", []string{"check", "--targets", "@"}},
		fileFlag{"check --intermediates", []string{"check", "127.0.0.1:1", "--intermediates", "@"}},
		fileFlag{"check --store", []string{"check", "127.0.0.1:1", "--store", "@"}},
		fileFlag{"report --inventory", []string{"report", "--inventory", "@", "--chain", chainPEM}},
		fileFlag{"report --chain", []string{"report", "--inventory", inventoryCSV, "--chain", "@"}},
		fileFlag{"report --intermediates", with(report, "--intermediates", "@")},
		fileFlag{"report --pfx-password-file", []string{"report", "--inventory", inventoryCSV, "--chain", encryptedPFX, "--pfx-password-file", "@"}},
		fileFlag{"report --store", with(report, "--store", "@")},
		fileFlag{"remediate --inventory", []string{"remediate", "--inventory", "@", "--chain", chainPEM, "--server", "ldaps://127.0.0.1:1"}},
		fileFlag{"remediate --chain", []string{"remediate", "--inventory", inventoryCSV, "--chain", "@", "--server", "ldaps://127.0.0.1:1"}},
		fileFlag{"ad list --chain", with([]string{"ad", "list", "--chain", "@"}, ldaps...)},
		fileFlag{"ad list --from-inspect", with([]string{"ad", "list", "--from-inspect", "@"}, ldaps...)},
		fileFlag{"ad publish FILE", with([]string{"ad", "publish", "@"}, dry...)},
		fileFlag{"ad publish --chain", with([]string{"ad", "publish", "--chain", "@"}, dry...)},
		fileFlag{"ad publish --from-inspect", with([]string{"ad", "publish", "--from-inspect", "@"}, dry...)},
		fileFlag{"ad publish --intermediates", with([]string{"ad", "publish", "--chain", chainPEM, "--intermediates", "@"}, dry...)},
		fileFlag{"ad publish --pfx-password-file", with([]string{"ad", "publish", "--chain", encryptedPFX, "--pfx-password-file", "@"}, dry...)},
		fileFlag{"firmware --store", []string{"firmware", "CU10", "--store", "@"}},
		fileFlag{"roots --store", []string{"roots", "--store", "@"}},
	)
	return out
}

// TestFileFlagMatrix: every file-taking flag of every command, given a
// missing file, a directory, a FIFO without a writer, /dev/zero, an empty
// file or 1 MiB of random bytes, exits 2 with one line naming the file,
// within the bound and under the memory cap.
func TestFileFlagMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the CLI a few hundred times")
	}
	dir := t.TempDir()
	empty := writeTestFile(t, dir, "empty", nil)
	random := make([]byte, 1<<20)
	rng := rand.NewChaCha8([32]byte{9})
	rng.Read(random)
	random[0] = 0x7e // not a DER, keytab or credential cache start: the same error every run
	kinds := map[string]string{
		"missing":   filepath.Join(dir, "missing"),
		"directory": filepath.Join(dir, "emptydir"),
		"FIFO":      filepath.Join(dir, "fifo"),
		"/dev/zero": "/dev/zero",
		"empty":     empty,
		"random":    writeTestFile(t, dir, "random", random),
	}
	if err := os.Mkdir(kinds["directory"], 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(kinds["FIFO"], 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ff := range fileFlags(empty) {
		for kind, path := range kinds {
			t.Run(ff.name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				args := append([]string(nil), ff.args...)
				for i, a := range args {
					if a == "@" {
						args[i] = path
					}
				}
				runChild(t, dir, "", "", args...).wantOneLine(t, strings.Join(args, " "), 2, path)
			})
		}
	}
}

// vmHWM reads the peak resident set (kB) from a copy of /proc/self/status
// the child wrote at exit.
func vmHWM(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false
}
