package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/lpetrust/lpetrust/adpublish/sambatest"
)

func TestMain(m *testing.M) {
	// The hostile-input tests run the CLI as a child process (to bound its
	// time and measure its memory): the test binary, with this variable set.
	if os.Getenv("LPETRUST_TEST_RUN_CLI") == "1" {
		code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		// The child's own peak memory: ru_maxrss of a child also counts the
		// test process it was forked from.
		if f := os.Getenv("LPETRUST_TEST_HWM_FILE"); f != "" {
			if status, err := os.ReadFile("/proc/self/status"); err == nil {
				_ = os.WriteFile(f, status, 0o600)
			}
		}
		os.Exit(code)
	}
	testscript.Main(m, map[string]func(){
		"lpetrust": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI behaviour scripts in testdata/script at the top of
// the repository. $TESTDATA names that testdata directory, for the
// certificates and inventories the scripts use.
func TestScripts(t *testing.T) {
	testdata, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("LPETRUST_TEST_LDAP_URL") != "" {
		sambatest.Lock(t, os.Getenv("LPETRUST_TEST_SAMBA_DIR"), false)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join(testdata, "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("TESTDATA", testdata)
			passSambaEnv(env)
			return nil
		},
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("LPETRUST_UPDATE_SCRIPTS") != "",
		// [samba]: the Samba AD DC's environment is loaded.
		Condition: func(cond string) (bool, error) {
			if cond == "samba" {
				return os.Getenv("LPETRUST_TEST_LDAP_STARTTLS_URL") != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode":     cmdExitCode,
			"lacks-secret": cmdLacksSecret,
		},
	})
}

// passSambaEnv gives the scripts the Samba AD DC's environment (see
// .ci/samba-start.sh), when it is loaded: the URLs, the CA, the test user
// and its password file.
func passSambaEnv(env *testscript.Env) {
	for _, k := range []string{"LPETRUST_TEST_LDAP_URL", "LPETRUST_TEST_LDAP_STARTTLS_URL", "LPETRUST_TEST_LDAP_CA",
		"LPETRUST_TEST_LDAP_CONFIG_NC", "LPETRUST_TEST_LDAP_USER", "LPETRUST_TEST_LDAP_USER_PASSWORD_FILE"} {
		if v := os.Getenv(k); v != "" {
			env.Setenv(k, v)
		}
	}
}

// cmdLacksSecret fails when stdout or stderr holds the first line of a
// file (a password the script must never see printed), without ever
// putting that secret in the script's environment or log:
//
//	lacks-secret stderr $LPETRUST_TEST_LDAP_USER_PASSWORD_FILE
func cmdLacksSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || (args[0] != "stdout" && args[0] != "stderr") {
		ts.Fatalf("usage: lacks-secret stdout|stderr FILE")
	}
	data, err := os.ReadFile(args[1])
	if err != nil {
		ts.Fatalf("lacks-secret: %v", err)
	}
	secret, _, _ := strings.Cut(string(data), "\n")
	secret = strings.TrimSpace(secret)
	if secret == "" {
		ts.Fatalf("lacks-secret: %s: empty first line", args[1])
	}
	if strings.Contains(ts.ReadFile(args[0]), secret) {
		ts.Fatalf("%s shows the secret of %s", args[0], args[1])
	}
}

// cmdExitCode runs a program and checks its exact exit code:
//
//	exitcode 2 lpetrust firmware bogus
//
// stdout and stderr are kept for the following stdout/stderr checks.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %q is not a number", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}
