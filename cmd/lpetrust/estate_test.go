package main

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/lpetrust/lpetrust/chain/live/livetest"
)

// estateLab is a Lync estate on loopback: Front End pool pool01.lab.test
// (fe01, and fe02 already serving next year's certificate) in London, pool02.lab.test (fe21) in Manchester, and the
// branch appliance sba-leeds.lab.test at the branch site Leeds, which was
// renewed to a chain whose root only CU11 firmware has. Every server
// listens on one port; a DNS server on loopback publishes the names.
type estateLab struct {
	dns, overlay, topology string
	port                   int
}

func startEstateLab(t *testing.T) *estateLab {
	t.Helper()
	lab := &estateLab{}
	notAfter := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	pool01 := livetest.NewHierarchy(t, "Lab", 0, notAfter, "pool01.lab.test", "fe01.lab.test", "fe02.lab.test")
	pool02 := livetest.NewCert(t, "pool02.lab.test", 3, pool01.Inter, false, notAfter, "pool02.lab.test", "fe21.lab.test")
	renewed := livetest.NewHierarchy(t, "Renewed", 3, notAfter, "sba-leeds.lab.test")
	addrs := []string{"127.0.0.61", "127.0.0.62", "127.0.0.63", "127.0.0.64"}
	ls := livetest.ListenSamePort(t, addrs...)
	lab.port = livetest.PortOf(ls[0])
	livetest.ServeTLS(t, ls[0], livetest.ServerConfig(pool01.TLSCert(), true))
	// fe02 already has next year's certificate, from the same CA.
	fe02 := livetest.Hierarchy{Root: pool01.Root, Inter: pool01.Inter,
		Leaf: livetest.NewCert(t, "pool01.lab.test", 4, pool01.Inter, false, notAfter.AddDate(1, 0, 0), "pool01.lab.test", "fe01.lab.test", "fe02.lab.test")}
	livetest.ServeTLS(t, ls[1], livetest.ServerConfig(fe02.TLSCert(), true))
	p2 := livetest.Hierarchy{Root: pool01.Root, Inter: pool01.Inter, Leaf: pool02}
	livetest.ServeTLS(t, ls[2], livetest.ServerConfig(p2.TLSCert(), true))
	livetest.ServeTLS(t, ls[3], livetest.ServerConfig(renewed.TLSCert(), true))

	z := livetest.NewZone()
	for _, rr := range []string{
		"pool01.lab.test. 300 IN A 127.0.0.61", "pool01.lab.test. 300 IN A 127.0.0.62",
		"fe01.lab.test. 300 IN A 127.0.0.61", "fe02.lab.test. 300 IN A 127.0.0.62",
		"pool02.lab.test. 300 IN A 127.0.0.63", "fe21.lab.test. 300 IN A 127.0.0.63",
		"sba-leeds.lab.test. 300 IN A 127.0.0.64",
	} {
		z.Add(rr)
	}
	lab.dns = livetest.StartDNS(t, z)

	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// The lab root is in every store; the renewal's root only in CU11.
	write("lab-root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pool01.Root.Cert.Raw}))
	write("renewed-root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: renewed.Root.Cert.Raw}))
	lab.overlay = write("overlay.yaml", []byte("stores:\n"+
		"  - name: RTM\n    roots:\n      - file: lab-root.pem\n"+
		"  - name: CU10\n    roots:\n      - file: lab-root.pem\n"+
		"  - name: CU11\n    roots:\n      - file: lab-root.pem\n      - file: renewed-root.pem\n"))
	lab.topology = write("topology.xml", outFileText(labTopology(lab.port)))
	return lab
}

// outFileText is text as Out-File in Windows PowerShell 5.1 writes it:
// UTF-16LE with a byte-order mark, CRLF line ends.
func outFileText(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(strings.ReplaceAll(s, "\n", "\r\n"))) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// labTopology is the lab's topology document, shaped like
// testdata/estate/topology.xml, with every registrar on port and no web
// services (one port is all the lab serves).
func labTopology(port int) string {
	registrar := func(site, cluster, backup string) string {
		dep := ""
		if backup != "" {
			dep = `<DependsOn><Dependency Usage="Backup"><ServiceId SiteId="` + backup + `" RoleName="Registrar" Instance="1" /></Dependency></DependsOn>`
		}
		return fmt.Sprintf(`    <Service><ServiceId SiteId="%s" RoleName="Registrar" Instance="1" />%s<InstalledOn><ClusterId SiteId="%s" Number="%s" /></InstalledOn>
      <Ports xmlns="urn:schema:Microsoft.Rtc.Management.Deploy.ServiceRoles.2008"><Port Owner="urn:component:Registrar" Usage="SipServer" InterfaceSide="Primary" Port="%d" Protocol="Mtls" /></Ports>
      <RegistrarService xmlns="urn:schema:Microsoft.Rtc.Management.Deploy.ServiceRoles.2008" IsDirector="false" /></Service>
`, site, dep, site, cluster, port)
	}
	users := func(site string) string {
		return `    <Service><ServiceId SiteId="` + site + `" RoleName="UserServices" Instance="1" /><InstalledOn><ClusterId SiteId="` + site + `" Number="1" /></InstalledOn></Service>
`
	}
	return `<Topology xmlns="urn:schema:Microsoft.Rtc.Management.Deploy.Topology.2008">
  <Sites>
    <CentralSite SiteId="1"><Name>London</Name></CentralSite>
    <CentralSite SiteId="2"><Name>Manchester</Name></CentralSite>
    <BranchSite SiteId="3"><Name>Leeds</Name></BranchSite>
  </Sites>
  <Clusters>
    <Cluster Fqdn="pool01.lab.test"><ClusterId SiteId="1" Number="1" /><Machine Fqdn="fe01.lab.test" /><Machine Fqdn="fe02.lab.test" /></Cluster>
    <Cluster Fqdn="pool02.lab.test"><ClusterId SiteId="2" Number="1" /><Machine Fqdn="fe21.lab.test" /></Cluster>
    <Cluster Fqdn="sba-leeds.lab.test"><ClusterId SiteId="3" Number="1" /><Machine Fqdn="sba-leeds.lab.test" /></Cluster>
  </Clusters>
  <Services>
` + users("1") + registrar("1", "1", "2") + users("2") + registrar("2", "1", "1") + registrar("3", "1", "1") + `  </Services>
</Topology>
`
}

func TestCheckEstate(t *testing.T) {
	lab := startEstateLab(t)
	code, out, errs := runLpetrust("--store", lab.overlay, "--at", "2026-06-01", "check", "--estate", lab.topology,
		"--resolver", lab.dns, "--firmware", "CU10", "--timeout", "3s")
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	for _, l := range tooWide(out) {
		t.Errorf("%d columns (over %d): %s", len([]rune(l)), 120, l)
	}
	ep := func(n int) string { return fmt.Sprintf(`127\.0\.0\.%d:%d`, n, lab.port) }
	for _, re := range []string{
		`^Estate .*topology\.xml \(topology-xml\): 3 pools at 3 sites$`,
		`^Site Leeds — sba-leeds\.lab\.test \(branch appliance, backup pool01\.lab\.test; 1 endpoint\)$`,
		`^sba-leeds\.lab\.test +` + ep(64) + ` +sba-leeds\.lab\.test +2027-06-01 +✗ +✗ +✓ +CU11 +✓ TLS 1\.0`,
		`^  - sba-leeds\.lab\.test \(` + ep(64) + `\): not trusted by CU10: `,
		`^Site London — pool01\.lab\.test \(Front End pool, backup pool02\.lab\.test; 4 endpoints\)$`,
		`^fe02\.lab\.test +` + ep(62) + ` +fe02\.lab\.test +2028-06-01 +✓ +✓ +✓ +RTM +✓ TLS 1\.0`,
		// One note for the pool, whichever of its names reached the members.
		`^Pool consistency:\n  - pool\s+pool01\.lab\.test\s+port\s+\d+:\s+1\s+of\s+2\s+members\s+differ\s+from\s+the\s+others:\s+` + ep(62) + `\s+serves\s+leaf\s+[0-9A-F]{8}\s+\(pool01\.lab\.test,\s+expires\s+2028-06-01\)\s+instead\s+of\s+[0-9A-F]{8}\s+\(pool01\.lab\.test,\s+expires\s+2027-06-01\)\n\n`,
		`^Site Manchester — pool02\.lab\.test \(Front End pool, backup pool01\.lab\.test; 2 endpoints\)$`,
		`^By pool \(phones with CU10 firmware sign in at every endpoint\?\):$`,
		`^Leeds +sba-leeds\.lab\.test +branch +pool01\.lab\.test +1 +no: 1 not trusted by CU10$`,
		`^London +pool01\.lab\.test +front-end +pool02\.lab\.test +4 +yes$`,
		`^Manchester +pool02\.lab\.test +front-end +pool01\.lab\.test +2 +yes$`,
	} {
		if !regexp.MustCompile("(?m)" + re).MatchString(out) {
			t.Errorf("no line matching %s in:\n%s", re, out)
		}
	}

	// JSON: the pools with their site, ports and endpoints.
	code, out, errs = runLpetrust("--store", lab.overlay, "--at", "2026-06-01", "-o", "json", "check", "--estate", lab.topology,
		"--resolver", lab.dns, "--firmware", "CU10", "--timeout", "3s")
	if code != 1 || errs != "" {
		t.Fatalf("json: exit %d, stderr %q", code, errs)
	}
	var doc struct {
		Format string `json:"format"`
		Pools  []struct {
			FQDN       string           `json:"fqdn"`
			Kind       string           `json:"kind"`
			Site       string           `json:"site"`
			SIPPort    int              `json:"sip_port"`
			PhoneReady bool             `json:"phone_ready"`
			Endpoints  []map[string]any `json:"endpoints"`
			Plan       *struct {
				Chain   string `json:"chain"`
				Summary string `json:"summary"`
				Fixes   []struct {
					Kind     string              `json:"kind"`
					Title    string              `json:"title"`
					Stores   []string            `json:"stores"`
					Commands map[string][]string `json:"commands"`
				} `json:"fixes"`
			} `json:"plan"`
		} `json:"pools"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	var got []string
	for _, p := range doc.Pools {
		got = append(got, fmt.Sprintf("%s %s %s %v %d", p.Site, p.FQDN, p.Kind, p.PhoneReady, len(p.Endpoints)))
		if p.SIPPort != lab.port {
			t.Errorf("%s: sip_port %d, want %d (from the topology)", p.FQDN, p.SIPPort, lab.port)
		}
	}
	if want := "Leeds sba-leeds.lab.test branch false 1,London pool01.lab.test front-end true 4,Manchester pool02.lab.test front-end true 2"; strings.Join(got, ",") != want {
		t.Errorf("pools %q, want %q", got, want)
	}
	// Each pool has its plan, the one the table prints for it: the Leeds
	// appliance's renewed root is only in CU11's store, so it is published
	// (AD) and handed to PIN phones for RTM and CU10; pool01's members serve
	// two chains (a server fix); pool02 needs nothing.
	var plans []string
	for _, p := range doc.Pools {
		if p.Plan == nil {
			t.Fatalf("%s: no plan", p.FQDN)
		}
		var fixes []string
		for _, f := range p.Plan.Fixes {
			fixes = append(fixes, f.Kind+" "+strings.Join(f.Stores, "+"))
		}
		plans = append(plans, p.Plan.Chain+": "+p.Plan.Summary+" ["+strings.Join(fixes, ", ")+"]")
	}
	if want := "sba-leeds.lab.test: Phones with CU10 firmware would NOT sign in at every endpoint checked. [publish-ad RTM+CU10, certprov RTM+CU10]|" +
		"pool01.lab.test: Phones with CU10 firmware sign in at every endpoint checked. [server ]|" +
		"pool02.lab.test: Phones with CU10 firmware sign in at every endpoint checked. []"; strings.Join(plans, "|") != want {
		t.Errorf("plans\n%s\nwant\n%s", strings.Join(plans, "\n"), want)
	}

	// CSV: check's columns, with the pool, its kind and site first.
	code, out, _ = runLpetrust("--store", lab.overlay, "--at", "2026-06-01", "-o", "csv", "check", "--estate", lab.topology,
		"--resolver", lab.dns, "--firmware", "CU10", "--timeout", "3s")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 8 || !strings.HasPrefix(lines[0], "pool,pool_kind,site,target,via,name,address,port,") ||
		!strings.HasPrefix(lines[1], fmt.Sprintf("sba-leeds.lab.test,branch,Leeds,sba-leeds.lab.test:%d,target,sba-leeds.lab.test,127.0.0.64,", lab.port)) {
		t.Errorf("exit %d, csv:\n%s", code, out)
	}
}

// report --estate against the live lab: each pool's chain is fetched, and
// each phone judged against its own pool's (and its backup's).
func TestReportEstateLive(t *testing.T) {
	lab := startEstateLab(t)
	inv := filepath.Join(t.TempDir(), "registrations.csv")
	ua := func(b string) string {
		return "CPE/4.0.7577." + b + " OCPhone/4.0.7577." + b + " (Microsoft Lync Phone Edition)"
	}
	rows := "UserUri,ClientVersion,DeviceManufacturer,DeviceHardwareVersion,DeviceMacAddress,RegisterTime,Pool\r\n" +
		"sip:ann@lab.test," + ua("4414") + ",POLYCOM,CX600,21241004033,2026-05-20 08:00:00,pool01.lab.test\r\n" +
		"sip:ben@lab.test," + ua("4420") + ",POLYCOM,CX600,21241004034,2026-05-20 08:00:00,fe02.lab.test\r\n" +
		"sip:cat@lab.test," + ua("4414") + ",POLYCOM,CX600,21241004035,2026-05-20 08:00:00,fe21.lab.test\r\n" +
		"sip:leeds1@lab.test," + ua("4414") + ",POLYCOM,CX600,21241004036,2026-05-20 08:00:00,sba-leeds.lab.test\r\n" +
		"sip:leeds2@lab.test," + ua("4420") + ",POLYCOM,CX600,21241004037,2026-05-20 08:00:00,sba-leeds.lab.test\r\n" +
		"sip:guest@lab.test," + ua("4414") + ",POLYCOM,CX600,21241004038,2026-05-20 08:00:00,\r\n"
	if err := os.WriteFile(inv, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runLpetrust("--store", lab.overlay, "--at", "2026-06-01", "-o", "json", "report", "--inventory", inv,
		"--estate", lab.topology, "--resolver", lab.dns, "--pool-timeout", "3s", "--horizon", "30d")
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	var doc struct {
		Summary struct {
			Chains []struct {
				Name     string `json:"name"`
				Kind     string `json:"kind"`
				Pool     string `json:"pool"`
				Phones   int    `json:"phones"`
				Stranded int    `json:"stranded"`
				Backup   struct {
					Phones   int `json:"phones"`
					Stranded int `json:"stranded"`
				} `json:"backup"`
			} `json:"chains"`
			Pools []struct {
				Pool           string `json:"pool"`
				Site           string `json:"site"`
				Phones         int    `json:"phones"`
				Stranded       int    `json:"stranded"`
				BackupStranded int    `json:"backup_stranded"`
			} `json:"pools"`
			Sites []struct {
				Site     string `json:"site"`
				Phones   int    `json:"phones"`
				Stranded int    `json:"stranded"`
			} `json:"sites"`
			UnknownPoolPhones int `json:"unknown_pool_phones"`
		} `json:"summary"`
		Phones []struct {
			UserURI string `json:"user_uri"`
			Pool    string `json:"pool"`
			Site    string `json:"site"`
		} `json:"phones"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	var got []string
	for _, c := range doc.Summary.Chains {
		got = append(got, fmt.Sprintf("%s %s %s %d/%d backup %d/%d", c.Name, c.Kind, c.Pool, c.Phones, c.Stranded, c.Backup.Phones, c.Backup.Stranded))
	}
	// CU10 phones (ann, cat, leeds1, guest) lack the renewed root of sba-leeds.
	want := "sba-leeds.lab.test pool sba-leeds.lab.test 3/2 backup 0/0,pool01.lab.test pool pool01.lab.test 3/0 backup 3/0,pool02.lab.test pool pool02.lab.test 2/0 backup 2/0"
	if strings.Join(got, ",") != want {
		t.Errorf("chains\n got %s\nwant %s", strings.Join(got, ","), want)
	}
	got = nil
	for _, p := range doc.Summary.Pools {
		got = append(got, fmt.Sprintf("%s@%s %d/%d failover %d", p.Pool, p.Site, p.Phones, p.Stranded, p.BackupStranded))
	}
	if want := "pool01.lab.test@London 2/0 failover 0,pool02.lab.test@Manchester 1/0 failover 0,sba-leeds.lab.test@Leeds 2/1 failover 0,@ 1/1 failover 0"; strings.Join(got, ",") != want {
		t.Errorf("pools\n got %s\nwant %s", strings.Join(got, ","), want)
	}
	got = nil
	for _, s := range doc.Summary.Sites {
		got = append(got, fmt.Sprintf("%s %d/%d", s.Site, s.Phones, s.Stranded))
	}
	if want := "Leeds 2/1,London 2/0,Manchester 1/0, 1/1"; strings.Join(got, ",") != want || doc.Summary.UnknownPoolPhones != 1 {
		t.Errorf("sites %s (want %s), unknown %d", strings.Join(got, ","), want, doc.Summary.UnknownPoolPhones)
	}
	if len(doc.Phones) != 6 || doc.Phones[1].Pool != "pool01.lab.test" || doc.Phones[1].Site != "London" {
		t.Errorf("phones %+v", doc.Phones)
	}
}

// report --estate -o json on the testdata inventory: the per-pool and
// per-site counts of the table (testdata/script/report_estate.txtar), in
// the summary's added fields.
func TestReportEstateJSON(t *testing.T) {
	td := filepath.Join("..", "..", "testdata")
	code, out, errs := runLpetrust("--store", filepath.Join(td, "inventory", "chains", "overlay-contoso.yaml"), "--at", "2026-11-22", "-o", "json",
		"report", "--inventory", filepath.Join(td, "estate", "registrations.tsv"), "--estate", filepath.Join(td, "estate", "topology.xml"),
		"--chain", "pool01.contoso.com="+filepath.Join(td, "inventory", "chains", "today.pem"),
		"--chain", "pool02.contoso.com="+filepath.Join(td, "examples", "today-comodo-via-aaa.pem"),
		"--chain", "sba-leeds.contoso.com="+filepath.Join(td, "inventory", "chains", "renewal-g2.pem"))
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var doc struct {
		Summary struct {
			Pools []struct {
				Pool           string   `json:"pool"`
				Site           string   `json:"site"`
				InEstate       bool     `json:"in_estate"`
				BackupPool     string   `json:"backup_pool"`
				JudgedBy       []string `json:"judged_by"`
				Phones         int      `json:"phones"`
				Trusted        int      `json:"trusted"`
				Stranded       int      `json:"stranded"`
				Expiring       int      `json:"expiring"`
				BackupStranded int      `json:"backup_stranded"`
			} `json:"pools"`
			Sites []struct {
				Site           string   `json:"site"`
				Pools          []string `json:"pools"`
				Phones         int      `json:"phones"`
				Trusted        int      `json:"trusted"`
				Stranded       int      `json:"stranded"`
				Expiring       int      `json:"expiring"`
				BackupStranded int      `json:"backup_stranded"`
			} `json:"sites"`
			UnknownPoolPhones int `json:"unknown_pool_phones"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range doc.Summary.Pools {
		got = append(got, fmt.Sprintf("%s|%s|%v|%s|%d judges|%d/%d/%d/%d|%d", p.Pool, p.Site, p.InEstate, p.BackupPool, len(p.JudgedBy),
			p.Phones, p.Trusted, p.Stranded, p.Expiring, p.BackupStranded))
	}
	want := []string{
		"pool01.contoso.com|London|true|pool02.contoso.com|1 judges|5/0/1/4|0",
		"pool02.contoso.com|Manchester|true|pool01.contoso.com|1 judges|2/2/0/0|1",
		"pool09.fabrikam.com||false||3 judges|1/0/1/0|0",
		"sba-leeds.contoso.com|Leeds|true|pool01.contoso.com|1 judges|3/0/3/0|1",
		"||false||3 judges|1/0/1/0|0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pools\n got %q\nwant %q", got, want)
	}
	got = nil
	for _, s := range doc.Summary.Sites {
		got = append(got, fmt.Sprintf("%s|%s|%d/%d/%d/%d|%d", s.Site, strings.Join(s.Pools, "+"), s.Phones, s.Trusted, s.Stranded, s.Expiring, s.BackupStranded))
	}
	want = []string{
		"Leeds|sba-leeds.contoso.com|3/0/3/0|1",
		"London|pool01.contoso.com|5/0/1/4|0",
		"Manchester|pool02.contoso.com|2/2/0/0|1",
		"|pool09.fabrikam.com+|2/0/2/0|0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || doc.Summary.UnknownPoolPhones != 2 {
		t.Errorf("sites\n got %q\nwant %q\nunknown pool phones %d", got, want, doc.Summary.UnknownPoolPhones)
	}
}
