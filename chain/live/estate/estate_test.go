package estate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

var dir = filepath.Join("..", "..", "..", "testdata", "estate")

// describe is one line per pool: FQDN kind site backup machines ports services.
func describe(e *Estate) []string {
	var out []string
	for _, p := range e.Pools {
		out = append(out, fmt.Sprintf("%s %s site=%s branch=%v backup=%s machines=%s sip=%d web=%v services=%s",
			p.FQDN, p.Kind, p.Site, p.BranchSite, p.Backup, strings.Join(p.Machines, ","), p.SIPPort, p.WebPorts, strings.Join(p.Services, ",")))
	}
	return out
}

func read(t *testing.T, name string) *Estate {
	t.Helper()
	e, err := ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestJoinedPoolsCSV(t *testing.T) {
	e := read(t, "pools.csv")
	want := []string{
		"sba-leeds.contoso.com branch site=Leeds branch=false backup=pool01.contoso.com machines=sba-leeds.contoso.com sip=5061 web=[] services=Registrar:sba-leeds.contoso.com,MediationServer:sba-leeds.contoso.com",
		"dir01.contoso.com director site=London branch=false backup= machines=dir01.contoso.com sip=5061 web=[443] services=Registrar:dir01.contoso.com,WebServer:dir01.contoso.com",
		"pool01.contoso.com front-end site=London branch=false backup=pool02.contoso.com machines=fe01.contoso.com,fe02.contoso.com sip=5061 web=[443] services=UserServer:pool01.contoso.com,Registrar:pool01.contoso.com,UserDatabase:sql01.contoso.com,FileStore:fs01.contoso.com,WebServer:pool01.contoso.com,ConferencingServer:pool01.contoso.com,ApplicationServer:pool01.contoso.com,MediationServer:pool01.contoso.com",
		"pool02.contoso.com front-end site=Manchester branch=false backup=pool01.contoso.com machines=fe21.contoso.com sip=5061 web=[443] services=UserServer:pool02.contoso.com,Registrar:pool02.contoso.com,UserDatabase:sql02.contoso.com,WebServer:pool02.contoso.com,ConferencingServer:pool02.contoso.com,ApplicationServer:pool02.contoso.com",
	}
	if got := describe(e); !reflect.DeepEqual(got, want) {
		t.Errorf("pools\n got %q\nwant %q", got, want)
	}
	if e.Format != FormatPoolsCSV || !reflect.DeepEqual(e.Skipped, []string{"edge01.contoso.com", "fs01.contoso.com", "sql01.contoso.com"}) {
		t.Errorf("format %s, skipped %q", e.Format, e.Skipped)
	}
	if !reflect.DeepEqual(e.Unread, []string{"Get-CsPool gives no ports: SIP/TLS on 5061 and web services on 443 are assumed (the topology XML has the configured ports)"}) {
		t.Errorf("unread %q", e.Unread)
	}
	if got := e.Sites(); !reflect.DeepEqual(got, []string{"Leeds", "London", "Manchester"}) {
		t.Errorf("sites %q", got)
	}
	if p := e.Pool("FE02.contoso.com."); p == nil || p.FQDN != "pool01.contoso.com" {
		t.Errorf("machine lookup: %+v", p)
	}
}

func TestRawExportCSV(t *testing.T) {
	e := read(t, "pools-raw.csv")
	want := []string{
		"sba-leeds.contoso.com unknown site=Leeds branch=false backup=pool01.contoso.com machines= sip=5061 web=[443] services=",
		"dir01.contoso.com unknown site=London branch=false backup= machines= sip=5061 web=[443] services=",
		"edge01.contoso.com unknown site=London branch=false backup= machines= sip=5061 web=[443] services=",
		"fs01.contoso.com unknown site=London branch=false backup= machines= sip=5061 web=[443] services=",
		"pool01.contoso.com unknown site=London branch=false backup=pool02.contoso.com machines= sip=5061 web=[443] services=",
		"sql01.contoso.com unknown site=London branch=false backup= machines= sip=5061 web=[443] services=",
		"pool02.contoso.com unknown site=Manchester branch=false backup=pool01.contoso.com machines= sip=5061 web=[443] services=",
	}
	if got := describe(e); !reflect.DeepEqual(got, want) {
		t.Errorf("pools\n got %q\nwant %q", got, want)
	}
	wantUnread := []string{
		"Services holds a type name, not the pool's services (Export-Csv without joining them): which pools are registrars is unknown, so every pool is audited",
		"Computers holds a type name, not the pool's servers (Export-Csv without joining them): each pool is audited by its FQDN only, not server by server",
		"Get-CsPool gives no ports: SIP/TLS on 5061 and web services on 443 are assumed (the topology XML has the configured ports)",
	}
	if e.Format != FormatPoolsRawCSV || !reflect.DeepEqual(e.Unread, wantUnread) {
		t.Errorf("format %s, unread %q", e.Format, e.Unread)
	}
}

func TestTopologyUTF16(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(dir, "topology.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if data[0] != 0xff || data[1] != 0xfe {
		t.Fatalf("the sample is not UTF-16LE with a BOM, as Out-File in PowerShell 5.1 writes it")
	}
	e := read(t, "topology.xml")
	want := []string{
		"sba-leeds.contoso.com branch site=Leeds branch=true backup=pool01.contoso.com machines=sba-leeds.contoso.com sip=5061 web=[] services=Registrar,MediationServer",
		"dir01.contoso.com director site=London branch=false backup= machines=dir01.contoso.com sip=5061 web=[443 4443] services=Registrar,WebServices",
		"pool01.contoso.com front-end site=London branch=false backup=pool02.contoso.com machines=fe01.contoso.com,fe02.contoso.com sip=5061 web=[443 4443] services=UserServices,Registrar,WebServices",
		"pool02.contoso.com front-end site=Manchester branch=false backup=pool01.contoso.com machines=fe21.contoso.com sip=5061 web=[443] services=UserServices,Registrar,WebServices",
	}
	if got := describe(e); !reflect.DeepEqual(got, want) {
		t.Errorf("pools\n got %q\nwant %q", got, want)
	}
	if e.Format != FormatTopology || !reflect.DeepEqual(e.Skipped, []string{"edge01.contoso.com", "sql01.contoso.com"}) || len(e.Unread) != 0 {
		t.Errorf("format %s, skipped %q, unread %q", e.Format, e.Skipped, e.Unread)
	}
	if got := e.Pools[2].Ports(); !reflect.DeepEqual(got, []int{5061, 443, 4443}) {
		t.Errorf("pool01 ports %v", got)
	}
	if got := e.Pools[2].Names(); !reflect.DeepEqual(got, []string{"pool01.contoso.com", "fe01.contoso.com", "fe02.contoso.com"}) {
		t.Errorf("pool01 names %v", got)
	}
}

func utf16LE(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// Ports come from the topology: a registrar moved to another SIP port is
// audited there.
func TestTopologyPorts(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-16"?>
<Topology xmlns="urn:schema:Microsoft.Rtc.Management.Deploy.Topology.2008">
  <Sites><CentralSite SiteId="1"><Name>Lab</Name></CentralSite></Sites>
  <Clusters><Cluster Fqdn="Pool.Lab.Test"><ClusterId SiteId="1" Number="1" /><Machine Fqdn="fe1.lab.test" /></Cluster></Clusters>
  <Services>
    <Service><ServiceId SiteId="1" RoleName="UserServices" Instance="1" /><InstalledOn><ClusterId SiteId="1" Number="1" /></InstalledOn></Service>
    <Service><ServiceId SiteId="1" RoleName="Registrar" Instance="1" /><InstalledOn><ClusterId SiteId="1" Number="1" /></InstalledOn>
      <Ports xmlns="urn:schema:Microsoft.Rtc.Management.Deploy.ServiceRoles.2008"><Port Owner="urn:component:Registrar" Usage="SipServer" Port="15061" Protocol="Mtls" /></Ports></Service>
  </Services>
</Topology>`
	e, err := Read(strings.NewReader(string(utf16LE(doc))), "lab.xml")
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(e); !reflect.DeepEqual(got, []string{"pool.lab.test front-end site=Lab branch=false backup= machines=fe1.lab.test sip=15061 web=[] services=UserServices,Registrar"}) {
		t.Errorf("pools %q", got)
	}
}

func TestBadAndForeignFiles(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty.csv", "", "empty.csv: empty file: not a Get-CsPool CSV export nor a topology XML document"},
		{"phones.csv", "Manufacturer,Hardware version,MAC address\r\nPOLYCOM,CX600,00-04-F2-00-01-76\r\n", "phones.csv: not a Get-CsPool CSV export nor a topology XML document: no Fqdn or Identity column in the header (line 1)"},
		{"type-only.csv", "#TYPE Microsoft.Rtc.Management.Xds.DisplayPool", "type-only.csv: a #TYPE line and nothing else: no Get-CsPool rows"},
		{"bad-name.csv", "Fqdn,Services\r\npool01.contoso.com,Registrar:pool01.contoso.com\r\npool..contoso.com,Registrar:x\r\n", `bad-name.csv: line 3: pool "pool..contoso.com" is not a fully qualified domain name`},
		{"quote.csv", "Fqdn,Services\r\n\"pool01.contoso.com,Registrar:x\r\n", `quote.csv: line 2: pool "pool01.contoso.com,Registrar:x" is not a fully qualified domain name`},
		{"no-registrar.csv", "Fqdn,Services\r\nsql01.contoso.com,UserDatabase:sql01.contoso.com\r\n", "no-registrar.csv: no registrar pool, Director or branch appliance in it"},
		{"config.xml", "<configuration><appSettings /></configuration>", "config.xml: not a Get-CsPool CSV export nor a topology XML document: the XML root element is <configuration>, not <Topology>"},
		{"broken.xml", "<Topology><Clusters><Cluster Fqdn=\"a\">", "broken.xml: not well-formed XML: XML syntax error on line 1: unexpected EOF"},
		{"undefined.xml", `<Topology><Services><Service><ServiceId SiteId="1" RoleName="Registrar" Instance="1" /><InstalledOn><ClusterId SiteId="1" Number="9" /></InstalledOn></Service></Services></Topology>`, "undefined.xml: service Registrar 1 is installed on cluster 1/9, which the topology does not define"},
		{"binary.bin", "\x00\x01\x02PK", "binary.bin: binary data (NUL bytes): not a Get-CsPool CSV export nor a topology XML document"},
	} {
		_, err := Read(strings.NewReader(tc.in), tc.name)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v\nwant %s", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", tc.name, err)
		}
	}
	_, err := Read(strings.NewReader("<configuration/>"), "x.xml")
	if !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("foreign XML is not ErrUnknownFormat: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.csv")); err == nil || err.Error() != filepath.Join(dir, "missing.csv")+": no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
}

// Targets: every name of every pool on its ports; --port replaces or adds.
func TestTargets(t *testing.T) {
	e := read(t, "topology.xml")
	got := e.Targets(PortChoice{})
	want := []string{
		"sba-leeds.contoso.com:5061",
		"dir01.contoso.com:5061", "dir01.contoso.com:443", "dir01.contoso.com:4443",
		"pool01.contoso.com:5061", "pool01.contoso.com:443", "pool01.contoso.com:4443",
		"fe01.contoso.com:5061", "fe01.contoso.com:443", "fe01.contoso.com:4443",
		"fe02.contoso.com:5061", "fe02.contoso.com:443", "fe02.contoso.com:4443",
		"pool02.contoso.com:5061", "pool02.contoso.com:443", "fe21.contoso.com:5061", "fe21.contoso.com:443",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("targets\n got %q\nwant %q", got, want)
	}
	got = e.Targets(PortChoice{Replace: []int{5061}, Add: []int{444}})
	if len(got) != 14 || got[0] != "sba-leeds.contoso.com:5061" || got[1] != "sba-leeds.contoso.com:444" || got[13] != "fe21.contoso.com:444" {
		t.Errorf("replaced and added ports: %q", got)
	}
	if got := e.Targets(PortChoice{Add: []int{5061}}); len(got) != len(want) {
		t.Errorf("adding a port already there: %d targets", len(got))
	}
}
