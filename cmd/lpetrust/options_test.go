package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// runHooked runs lpetrust with args through the real command tree, the
// command made by hooked (under the parent path, "" for the top level)
// replacing its namesake: the global flags, the flag error handling and
// the exit codes are those of lpetrust; only the run function is the test's.
func runHooked(t *testing.T, parent string, hooked func(a *app) *cobra.Command, args ...string) (code int, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, termFD: -1}
	root := newRootCmd(a)
	at := root
	if parent != "" {
		c, _, err := root.Find(strings.Fields(parent))
		if err != nil {
			t.Fatal(err)
		}
		at = c
	}
	c := hooked(a)
	for _, old := range at.Commands() {
		if old.Name() == c.Name() {
			at.RemoveCommand(old)
		}
	}
	at.AddCommand(c)
	code = execute(a, root, args)
	if out.Len() > 0 {
		t.Errorf("%s: printed %q on standard output", strings.Join(args, " "), out.String())
	}
	return code, errOut.String()
}

// parseOptions runs lpetrust with args, the command of newCmd (under
// parent) stopped at its run function: it returns the options that
// function gets (nil when it is not reached), the exit code and stderr.
func parseOptions[O any](t *testing.T, parent string, newCmd func(*app, func(*O) error) *cobra.Command, args ...string) (*O, int, string) {
	t.Helper()
	var got *O
	code, stderr := runHooked(t, parent, func(a *app) *cobra.Command {
		return newCmd(a, func(o *O) error { got = o; return nil })
	}, args...)
	return got, code, stderr
}

// withADFlags adapts an ad subcommand's constructor, which also takes the
// shared connection flags.
func withADFlags[O any](newCmd func(*app, *adFlags, func(*O) error) *cobra.Command) func(*app, func(*O) error) *cobra.Command {
	return func(a *app, runF func(*O) error) *cobra.Command { return newCmd(a, &adFlags{}, runF) }
}

// wantUsage checks a bad value: exit 2 and one line naming it.
func wantUsage(t *testing.T, code int, stderr, want string) {
	t.Helper()
	if code != exitUsage || stderr != want {
		t.Errorf("exit %d, stderr %q; want exit 2, %q", code, stderr, want)
	}
}

func TestInspectFlagsToOptions(t *testing.T) {
	got, code, stderr := parseOptions(t, "", newInspectCmd, "--at", "2026-11-22", "-o", "json", "inspect", "pool 2026.pfx", "ca.p7b",
		"--password-file", "pfx.pass", "--intermediates", "a.pem", "--intermediates", "b.pem", "--aia", "--aia-timeout", "3s",
		"--firmware", "CU10", "--pool", "pool01.contoso.com", "--sip-domain", "contoso.com", "--warn-days", "60", "--strict",
		"--export-missing", "roots", "--publish-unknown", "--honor-expired-roots")
	if code != 0 || stderr != "" || got == nil {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	j := got.judge
	if !reflect.DeepEqual(got.files, []string{"pool 2026.pfx", "ca.p7b"}) || got.passwordFile != "pfx.pass" ||
		!reflect.DeepEqual(j.intermediates, []string{"a.pem", "b.pem"}) || !j.aia || j.aiaTimeout.String() != "3s" ||
		j.firmware != "CU10" || j.pool != "pool01.contoso.com" || j.sipDomain != "contoso.com" || j.warnDays != 60 ||
		!j.strict || j.exportMissing != "roots" || !j.publishUnknown || !j.honorExpiredRoots || got.app.output != "json" {
		t.Errorf("options %+v", got)
	}
	_, code, stderr = parseOptions(t, "", newInspectCmd, "inspect", "chain.pem", "--warn-days", "many")
	wantUsage(t, code, stderr, "lpetrust: invalid argument \"many\" for \"--warn-days\" flag: strconv.ParseInt: parsing \"many\": invalid syntax\n")
	_, code, stderr = parseOptions(t, "", newInspectCmd, "inspect")
	wantUsage(t, code, stderr, "lpetrust: inspect: give at least one certificate FILE or directory\n")
}

func TestCheckFlagsToOptions(t *testing.T) {
	got, code, stderr := parseOptions(t, "", newCheckCmd, "-o", "csv", "check", "pool01.contoso.com", "[::1]:5061", "--discover", "contoso.com",
		"--discover", "fabrikam.com", "--targets", "front ends.txt", "--estate", "topology.xml", "--resolver", "10.0.0.10:53",
		"--port", "5061,+444", "--port", "+4443", "--concurrency", "4", "--timeout", "3s", "--deadline", "1m",
		"--firmware", "CU10", "--export-missing", "roots", "--publish-unknown")
	if code != 0 || stderr != "" || got == nil {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !reflect.DeepEqual(got.targets, []string{"pool01.contoso.com", "[::1]:5061"}) ||
		!reflect.DeepEqual(got.discover, []string{"contoso.com", "fabrikam.com"}) || got.targetsFile != "front ends.txt" ||
		got.estateFile != "topology.xml" || got.resolver != "10.0.0.10:53" || !reflect.DeepEqual(got.ports, []string{"5061", "+444", "+4443"}) ||
		got.concurrency != 4 || got.timeout.String() != "3s" || got.deadline.String() != "1m0s" || got.firmware != "CU10" ||
		got.exportMissing != "roots" || !got.publishUnknown || got.app.output != "csv" {
		t.Errorf("options %+v", got)
	}
	_, code, stderr = parseOptions(t, "", newCheckCmd, "check", "pool01.contoso.com", "--timeout", "3q")
	wantUsage(t, code, stderr, "lpetrust: invalid argument \"3q\" for \"--timeout\" flag: time: unknown unit \"q\" in duration \"3q\"\n")
}

func TestReportFlagsToOptions(t *testing.T) {
	got, code, stderr := parseOptions(t, "", newReportCmd, "report", "--inventory", "IP Phone Inventory Report.csv", "--chain", "pool2026.pfx", "-o", "csv-long",
		"--chain", "leeds.contoso.com=sba.pem", "--pool", "pool01.contoso.com", "--pfx-password-file", "pfx.pass", "--horizon", "90d",
		"--unknown-sign-in", "pin", "--with-ad", "--domain", "contoso.com", "--dns-server", "10.0.0.10", "--ntlm", "--user", `CONTOSO\audit`,
		"--password-file", "ldap.pass", "--deadline", "2m", "--ldap-timeout", "5s", "--out", "report.csv", "--estate", "topology.xml")
	if code != 0 || stderr != "" || got == nil {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	f := got.report
	if got.app.output != "csv-long" || f.inventory != "IP Phone Inventory Report.csv" || !reflect.DeepEqual(f.chains, []string{"pool2026.pfx", "leeds.contoso.com=sba.pem"}) ||
		!reflect.DeepEqual(f.pools, []string{"pool01.contoso.com"}) || f.pfxPasswordFile != "pfx.pass" || f.horizon != "90d" || f.unknownSignIn != "pin" ||
		!got.withAD || got.out != "report.csv" || f.estateFile != "topology.xml" {
		t.Errorf("options %+v", got)
	}
	// The one set of connection flags; --password-file is the LDAP password.
	want := adFlags{domain: "contoso.com", dnsServer: "10.0.0.10", ntlm: true, user: `CONTOSO\audit`, passwordFile: "ldap.pass",
		deadline: 2 * time.Minute, timeout: 5 * time.Second}
	if f.ad != want {
		t.Errorf("connection flags %+v, want %+v", f.ad, want)
	}
	_, code, stderr = parseOptions(t, "", newReportCmd, "report", "--inventory", "phones.csv", "--chain", "c.pem", "--pool-timeout", "soon")
	wantUsage(t, code, stderr, "lpetrust: invalid argument \"soon\" for \"--pool-timeout\" flag: time: invalid duration \"soon\"\n")
}

// remediate and report take the connection flags of lpetrust ad, with the
// same defaults and help, and keep --ldap-timeout for ad's --timeout.
func TestConnectionFlagsShared(t *testing.T) {
	got, code, stderr := parseOptions(t, "", newRemediateCmd, "remediate", "--dry-run", "--pool", "pool01.contoso.com", "--domain", "contoso.com", "--dns-server", "10.0.0.10:53")
	if code != 0 || stderr != "" || got == nil || !got.dryRun || got.report.ad.domain != "contoso.com" || got.report.ad.dnsServer != "10.0.0.10:53" ||
		got.report.ad.deadline != 10*time.Minute || got.report.ad.timeout != 30*time.Second {
		t.Fatalf("exit %d, stderr %q, options %+v", code, stderr, got)
	}
	a := &app{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, termFD: -1}
	root := newRootCmd(a)
	ad, _, _ := root.Find([]string{"ad", "list"})
	for _, name := range []string{"report", "remediate"} {
		c, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		shared := 0
		ad.InheritedFlags().VisitAll(func(want *pflag.Flag) {
			if want.Name == "timeout" || root.PersistentFlags().Lookup(want.Name) != nil {
				return
			}
			shared++
			got := c.Flags().Lookup(want.Name)
			if got == nil || got.Usage != want.Usage || got.DefValue != want.DefValue {
				t.Errorf("%s --%s: %+v, want %+v", name, want.Name, got, want)
			}
		})
		if shared != 17 {
			t.Errorf("%s: %d connection flags compared, want 17", name, shared)
		}
		lt := c.Flags().Lookup("ldap-timeout")
		if at := ad.InheritedFlags().Lookup("timeout"); lt == nil || lt.Usage != at.Usage || lt.DefValue != "30s" {
			t.Errorf("%s --ldap-timeout: %+v", name, lt)
		}
		for _, flag := range []string{"pfx-password-file", "password-file"} {
			if c.Flags().Lookup(flag) == nil {
				t.Errorf("%s has no --%s", name, flag)
			}
		}
	}
	// The help lists them.
	for _, name := range []string{"report", "remediate"} {
		code, out, _ := runLpetrust(name, "--help")
		for _, want := range []string{"--domain DOMAIN", "--dns-server HOST[:PORT]", "--ntlm", "--deadline duration", "--ldap-timeout duration", "--pfx-password-file FILE", "--password-file FILE"} {
			if code != 0 || !strings.Contains(out, want) {
				t.Errorf("%s --help (exit %d) lacks %q", name, code, want)
			}
		}
	}
}

// Every other command: its flags and arguments become its options.
func TestOtherCommandsFlagsToOptions(t *testing.T) {
	list, code, stderr := parseOptions(t, "ad", withADFlags(newADListCmd), "ad", "list", "--container", "ca", "--from-check", "pool01.contoso.com", "--intermediates", "ca.pem", "--pfx-password-file", "pfx.pass")
	if code != 0 || stderr != "" || list == nil || list.container != "ca" || list.fromCheck != "pool01.contoso.com" ||
		!reflect.DeepEqual(list.src.intermediates, []string{"ca.pem"}) || list.src.pfxPasswordFile != "pfx.pass" {
		t.Errorf("ad list: exit %d, stderr %q, options %+v", code, stderr, list)
	}
	remove, code, stderr := parseOptions(t, "ad", withADFlags(newADRemoveCmd), "ad", "remove", "--sha1", "df3c24f9bfd666761b268073fe06d1cc8d4f82a4", "--container", "aia", "--dry-run")
	if code != 0 || stderr != "" || remove == nil || remove.sha1 != "df3c24f9bfd666761b268073fe06d1cc8d4f82a4" || remove.container != "aia" || !remove.dryRun {
		t.Errorf("ad remove: exit %d, stderr %q, options %+v", code, stderr, remove)
	}
	fw, code, stderr := parseOptions(t, "", newFirmwareCmd, "firmware", "4.0.7577.4411", "CU7")
	if code != 0 || stderr != "" || fw == nil || !reflect.DeepEqual(fw.inputs, []string{"4.0.7577.4411", "CU7"}) {
		t.Errorf("firmware: exit %d, stderr %q, options %+v", code, stderr, fw)
	}
	roots, code, stderr := parseOptions(t, "", newRootsCmd, "roots", "--release", "CU10", "--valid", "-o", "pem")
	if code != 0 || stderr != "" || roots == nil || roots.release != "CU10" || !roots.valid || roots.expired || roots.known || roots.app.output != "pem" {
		t.Errorf("roots: exit %d, stderr %q, options %+v", code, stderr, roots)
	}
	diff, code, stderr := parseOptions(t, "roots", newRootsDiffCmd, "roots", "diff", "CU9", "4.0.7577.4463")
	if code != 0 || stderr != "" || diff == nil || diff.from != "CU9" || diff.to != "4.0.7577.4463" {
		t.Errorf("roots diff: exit %d, stderr %q, options %+v", code, stderr, diff)
	}
	code, stderr = runHooked(t, "roots", func(a *app) *cobra.Command {
		return newRootsDiffCmd(a, func(o *rootsDiffOptions) error { t.Error("run with one argument"); return nil })
	}, "roots", "diff", "CU9")
	wantUsage(t, code, stderr, "lpetrust: accepts 2 arg(s), received 1\n")
	cas, code, stderr := parseOptions(t, "", newCasCmd, "cas", "--store", "RTM,CU10", "--store", "CU11", "--reachable", "--overlay", "stores.yaml")
	if code != 0 || stderr != "" || cas == nil || !reflect.DeepEqual(cas.storeNames, []string{"RTM", "CU10", "CU11"}) || !cas.reachable || cas.overlay != "stores.yaml" {
		t.Errorf("cas: exit %d, stderr %q, options %+v", code, stderr, cas)
	}
	version, code, stderr := parseOptions(t, "", newVersionCmd, "-o", "json", "version")
	if code != 0 || stderr != "" || version == nil || version.app.output != "json" {
		t.Errorf("version: exit %d, stderr %q, options %+v", code, stderr, version)
	}
	code, stderr = runHooked(t, "", func(a *app) *cobra.Command {
		return newVersionCmd(a, func(o *versionOptions) error { t.Error("run with an argument"); return nil })
	}, "version", "extra")
	wantUsage(t, code, stderr, "lpetrust: unknown command \"extra\" for \"lpetrust version\"\n")
}
