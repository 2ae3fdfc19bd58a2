package report

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/adpublish"
	"github.com/lpetrust/lpetrust/adpublish/sambatest"
	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live/livetest"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
)

// TestRealDigiCertG2Root judges the phones against the real DigiCert Global
// Root G2 certificate (DF3C24F9BFD666761B268073FE06D1CC8D4F82A4, from the public trust stores) presented
// as the chain. What is asserted: no LPE firmware trusts it, every phone is
// stranded, and the fix names that exact root for AD publishing. (A leaf
// issued by it cannot be made without DigiCert's key; the end-to-end test
// below uses a generated hierarchy whose root carries its name.)
func TestRealDigiCertG2Root(t *testing.T) {
	ins, err := chain.ReadFile(filepath.Join("..", "..", "testdata", "certs", "modern", "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4.pem"), chain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := Chain{Name: "DigiCert Global Root G2", Kind: KindCandidate, Inputs: ins}
	var buf bytes.Buffer
	s := runReport(t, truststore.Default(), lyncReport, []Chain{c}, Options{}, NewCSVWriter(&buf))
	cs := s.Chains[0]
	if cs.Stranded != 11 || cs.Trusted != 0 || cs.MinimumRelease != nil {
		t.Errorf("%d stranded, %d trusted, minimum %v", cs.Stranded, cs.Trusted, cs.MinimumRelease)
	}
	if len(cs.MissingRoots) != 1 || cs.MissingRoots[0].SHA1 != "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4" {
		t.Fatalf("missing roots %+v", cs.MissingRoots)
	}
	// Item 5: fixes are cumulative, least effort first: one DigiCert cross
	// (B7402517…, via DigiCert High Assurance EV) brings back the CU10 and
	// CU11 phones together, listed once; the other (CU11 only) would bring
	// back nobody more and is not listed; publishing the root brings back
	// the RTM ones.
	var got []string
	for _, f := range cs.Fixes {
		got = append(got, f.Kind+":"+strconv.Itoa(f.Phones)+"/"+strconv.Itoa(f.Remaining))
	}
	if strings.Join(got, " ") != "cross-certificate:7/4 publish-ad:4/0" || cs.Plan.Remaining != 0 {
		t.Errorf("fixes %v", got)
	}
	if f := cs.Fixes[0]; !strings.Contains(f.Title, "(B7402517EEAAC80AB04681186E8247BD7851CD0A)") {
		t.Errorf("cross fix %+v", f)
	}
	if f := cs.Fixes[1]; !strings.Contains(f.Title, "DigiCert Global Root G2 (DF3C24F9BFD666761B268073FE06D1CC8D4F82A4)") {
		t.Errorf("publish fix %+v", f)
	}
	// Counting the real root as published in AD brings every phone back
	// (none of them has a sign-in column, so all are assumed to use AD).
	s = runReport(t, truststore.Default(), lyncReport, []Chain{c}, Options{WithAD: true, ADRoots: ins[0].Certs}, NewCSVWriter(&buf))
	if cs := s.Chains[0]; cs.Stranded != 0 || cs.Trusted != 11 {
		t.Errorf("with the real G2 root in AD: %d stranded, %d trusted", cs.Stranded, cs.Trusted)
	}
}

// e2eEnv is the Samba AD DC that .ci/samba-start.sh starts.
type e2eEnv struct {
	url, ca, admin, passwordFile string
}

func samba(t *testing.T) e2eEnv {
	e := e2eEnv{os.Getenv("LPETRUST_TEST_LDAP_URL"), os.Getenv("LPETRUST_TEST_LDAP_CA"),
		os.Getenv("LPETRUST_TEST_LDAP_ADMIN"), os.Getenv("LPETRUST_TEST_LDAP_ADMIN_PASSWORD_FILE")}
	if e.url == "" || e.ca == "" || e.admin == "" || e.passwordFile == "" {
		sambatest.Skip(t, "end-to-end remediation test skipped: no Samba AD DC (run .ci/samba-start.sh as root and source the env file it writes: LPETRUST_TEST_LDAP_URL, _CA, _ADMIN, _ADMIN_PASSWORD_FILE)")
	}
	return e
}

// wait gives the DC up to two minutes to answer: the adpublish tests stop
// and restart the same DC, and go test runs packages in parallel.
func (e e2eEnv) wait(t *testing.T) {
	t.Helper()
	u, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "636")
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c, err := net.DialTimeout("tcp", host, 2*time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Samba DC at %s does not answer: %v", e.url, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// buildLpetrust builds the command once for the end-to-end test.
func buildLpetrust(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the end-to-end test builds lpetrust: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "lpetrust")
	out, err := exec.Command(goBin, "build", "-o", bin, "github.com/lpetrust/lpetrust/cmd/lpetrust").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// lpetrust runs the binary and returns stdout and the exit code.
func lpetrust(t *testing.T, bin string, args ...string) ([]byte, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code == 2 {
		t.Fatalf("lpetrust %s: exit 2: %s", strings.Join(args, " "), stderr.String())
	}
	return stdout.Bytes(), code
}

// writeSignInInventory writes a generic CSV of phones of every family and
// many builds; every fourth signs in with a PIN, the others with USB
// tethering or NTLM (AD credentials).
func writeSignInInventory(t *testing.T, path string, n int) (ad, pin int) {
	t.Helper()
	models := []string{"CX600", "CX500", "CX3000", "CX700", "IP8540", "6725ip", "6721ip", "HP 4120", "HP 4110"}
	versions := []string{"4.0.7577.4047", "4.0.7577.4100", "4.0.7577.4363", "4.0.7577.4414", "4.0.7577.4420", "4.0.7577.4444", "4.0.7577.4451", "4.0.7577.4463"}
	var b strings.Builder
	b.WriteString("MAC address,Model,User agent,Sign-in mode\n")
	for i := 0; i < n; i++ {
		v := versions[i%len(versions)]
		mode := []string{"USB", "NTLM", "USB", "PIN"}[i%4]
		if mode == "PIN" {
			pin++
		} else {
			ad++
		}
		fmt.Fprintf(&b, "00-04-F2-00-10-%02X,%s,CPE/%s OCPhone/%s (Microsoft Lync Phone Edition),%s\n", i, models[i%len(models)], v, v, mode)
	}
	b.WriteString("00-15-65-00-00-01,PC,UCCAPI/16.0.4849.1000 OC/16.0.4849.1000 (Skype for Business),NTLM\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return ad, pin
}

type reportJSON struct {
	Summary Summary `json:"summary"`
	Phones  []Phone `json:"phones"`
}

// TestEndToEndRemediation: a pool on loopback serves a chain to a root
// named "DigiCert Global Root G2" (generated: the real root's key is
// DigiCert's) → every phone of a generated inventory is stranded;
// lpetrust remediate --apply publishes the root in a real Samba AD DC and
// verifies it; lpetrust report --with-ad then shows no phone that signs in
// through AD stranded, while the PIN-authenticated ones still are.
func TestEndToEndRemediation(t *testing.T) {
	env := samba(t)
	bin := buildLpetrust(t)
	sambatest.Lock(t, os.Getenv("LPETRUST_TEST_SAMBA_DIR"), false)
	env.wait(t)
	dir := t.TempDir()

	// A private root: named like a public one it would be a look-alike,
	// which is never published.
	root := livetest.NewCert(t, "Contoso Private Root G2", 3, nil, true, time.Date(2038, 1, 15, 12, 0, 0, 0, time.UTC))
	inter := livetest.NewCert(t, "DigiCert Global G2 TLS RSA SHA256 2020 CA1", 4, root, true, time.Date(2031, 3, 29, 0, 0, 0, 0, time.UTC))
	leaf := livetest.NewCert(t, "pool01.contoso.test", 5, inter, false, time.Date(2027, 11, 30, 0, 0, 0, 0, time.UTC), "pool01.contoso.test", "sip.contoso.test")
	h := livetest.Hierarchy{Root: root, Inter: inter, Leaf: leaf}
	ls := livetest.ListenSamePort(t, "127.0.0.1")
	livetest.ServeTLS(t, ls[0], livetest.ServerConfig(h.TLSCert(), true))
	pool := "127.0.0.1:" + strconv.Itoa(livetest.PortOf(ls[0]))
	rootSHA1 := truststore.SHA1Hex(root.Cert)

	// The server sends leaf and intermediate only, as real ones do; the
	// root reaches the chain engine through --intermediates, standing for
	// the CA's published root certificate.
	rootPEM := filepath.Join(dir, "root.pem")
	writePEM(t, rootPEM, root.Cert.Raw)
	inv := filepath.Join(dir, "phones.csv")
	adPhones, pinPhones := writeSignInInventory(t, inv, 40)

	conn := []string{"--server", env.url, "--ca-file", env.ca, "--user", env.admin, "--password-file", env.passwordFile}
	t.Cleanup(func() { env.wait(t); removeFromAD(t, env, rootSHA1) })

	// 1. Today: everything stranded.
	out, code := lpetrust(t, bin, "report", "--pool", pool, "--intermediates", rootPEM, "--inventory", inv, "-o", "json")
	var before reportJSON
	if err := json.Unmarshal(out, &before); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, out)
	}
	if code != 1 || before.Summary.Chains[0].Stranded != 40 || before.Summary.Chains[0].Phones != 40 {
		t.Fatalf("before: exit %d, %d of %d stranded", code, before.Summary.Chains[0].Stranded, before.Summary.Chains[0].Phones)
	}

	// 2. The plan changes nothing.
	env.wait(t)
	out, code = lpetrust(t, bin, append([]string{"remediate", "--pool", pool, "--intermediates", rootPEM, "--inventory", inv}, conn...)...)
	if code != 1 || !bytes.Contains(out, []byte("LDIF of the planned changes")) || !bytes.Contains(out, []byte(rootSHA1)) {
		t.Fatalf("plan: exit %d\n%s", code, out)
	}
	if published(t, env, rootSHA1) {
		t.Fatal("remediate without --apply wrote to the directory")
	}

	// 3. Apply: published, verified, re-evaluated.
	env.wait(t)
	out, code = lpetrust(t, bin, append([]string{"remediate", "--pool", pool, "--intermediates", rootPEM, "--inventory", inv, "--apply", "-o", "json"}, conn...)...)
	var r struct {
		Publish  []remedy.Root            `json:"publish"`
		Verified *bool                    `json:"verified"`
		Before   []struct{ Stranded int } `json:"before"`
		After    []struct{ Stranded int } `json:"after"`
		Outcomes []adpublish.Outcome      `json:"outcomes"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("remediate JSON: %v\n%s", err, out)
	}
	if len(r.Publish) != 1 || r.Publish[0].SHA1 != rootSHA1 || r.Verified == nil || !*r.Verified {
		t.Fatalf("apply: %s", out)
	}
	// Exactly the planned root, nothing else ("added" when an earlier run
	// left its object: ad remove keeps objects).
	newValue := func(o adpublish.Outcome) bool {
		return o.SHA1 == rootSHA1 && (o.Status == adpublish.StatusCreated || o.Status == adpublish.StatusAdded)
	}
	if len(r.Outcomes) != 2 || !newValue(r.Outcomes[0]) || !newValue(r.Outcomes[1]) {
		t.Errorf("outcomes %+v", r.Outcomes)
	}
	if r.Before[0].Stranded != 40 || r.After[0].Stranded != pinPhones || code != 1 {
		t.Errorf("apply: exit %d, stranded before %d, after %d (want %d PIN phones)", code, r.Before[0].Stranded, r.After[0].Stranded, pinPhones)
	}
	if !published(t, env, rootSHA1) {
		t.Fatal("the root is not in CN=Certification Authorities after --apply")
	}

	// 4. The report with the AD-published roots.
	env.wait(t)
	out, code = lpetrust(t, bin, append([]string{"report", "--pool", pool, "--intermediates", rootPEM, "--inventory", inv, "--with-ad", "-o", "json"}, conn...)...)
	var after reportJSON
	if err := json.Unmarshal(out, &after); err != nil {
		t.Fatalf("report --with-ad JSON: %v\n%s", err, out)
	}
	adStranded, adTrusted, pinStranded := 0, 0, 0
	for _, p := range after.Phones {
		switch {
		case p.SignIn == "ad" && p.Verdicts[0].Status == StatusStranded:
			adStranded++
		case p.SignIn == "ad":
			adTrusted++
		case p.SignIn == "pin" && p.Verdicts[0].Status == StatusStranded:
			pinStranded++
		}
	}
	if adStranded != 0 || adTrusted != adPhones || pinStranded != pinPhones || code != 1 {
		t.Errorf("report --with-ad: exit %d; AD phones %d stranded, %d trusted (of %d); PIN phones %d stranded (of %d)",
			code, adStranded, adTrusted, adPhones, pinStranded, pinPhones)
	}
}

func writePEM(t *testing.T, path string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}

func connectAdmin(t *testing.T, env e2eEnv) *adpublish.Directory {
	t.Helper()
	pw, err := os.ReadFile(env.passwordFile)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := adpublish.LoadCAFile(env.ca)
	if err != nil {
		t.Fatal(err)
	}
	d, err := adpublish.Connect(adpublish.ConnectOptions{Server: env.url, RootCAs: pool,
		Auth: adpublish.Auth{User: env.admin, Password: strings.TrimSpace(strings.SplitN(string(pw), "\n", 2)[0])}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func published(t *testing.T, env e2eEnv, sha1 string) bool {
	d := connectAdmin(t, env)
	defer d.Close()
	objs, err := d.List(adpublish.ListOptions{Containers: []adpublish.Container{adpublish.ContainerCA}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		for _, v := range o.Certificates {
			if v.SHA1 == sha1 {
				return true
			}
		}
	}
	return false
}

// removeFromAD takes the test's root out of the directory again, leaving
// it as the test found it.
func removeFromAD(t *testing.T, env e2eEnv, sha1 string) {
	d := connectAdmin(t, env)
	defer d.Close()
	if _, err := d.Remove(adpublish.RemoveOptions{SHA1: sha1, Containers: adpublish.AllContainers}); err != nil {
		t.Errorf("cleaning up %s: %v", sha1, err)
	}
}
