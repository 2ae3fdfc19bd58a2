package inventory

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lpetrust/lpetrust/truststore"
)

// poolsAndSites reads every phone row's pool and site, in light mode or not.
func poolsAndSites(t *testing.T, path string, light bool) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ir, err := NewReader(f, truststore.Default())
	if err != nil {
		t.Fatal(err)
	}
	ir.SetLight(light)
	var out []string
	for {
		row, err := ir.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if row.Kind == KindPhone {
			out = append(out, row.Pool+"@"+row.Site)
		}
	}
}

// The registrar pool and the site are read on the counting pass too: a
// report splits its counts by them.
func TestPoolAndSiteColumns(t *testing.T) {
	want := strings.Fields("pool01.contoso.com@ pool01.contoso.com@ pool01.contoso.com@ POOL01.contoso.com@ pool02.contoso.com@ " +
		"fe01.contoso.com@ pool02.contoso.com@ pool02.contoso.com@ sba-leeds.contoso.com@ sba-leeds.contoso.com@ sba-leeds.contoso.com@ @ pool09.fabrikam.com@")
	for _, light := range []bool{false, true} {
		if got := poolsAndSites(t, filepath.Join("..", "..", "testdata", "estate", "registrations.tsv"), light); !reflect.DeepEqual(got, want) {
			t.Errorf("light %v: pools\n got %q\nwant %q", light, got, want)
		}
	}
	want = []string{"@Berlin", "@Berlin", "@Munich", "@Munich", "@Hamburg", "@Hamburg", "@Cologne; 2nd floor"}
	if got := poolsAndSites(t, filepath.Join("..", "..", "testdata", "inventory", "phones-semicolon.csv"), true); !reflect.DeepEqual(got, want) {
		t.Errorf("sites\n got %q\nwant %q", got, want)
	}
	// The IP Phone Inventory Report's registrar column, a Lync site column.
	in := "Manufacturer,Hardware version,MAC address,User agent,Registrar pool,Site name\r\n" +
		"POLYCOM,CX600,00-04-F2-00-01-76,CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition),sba-leeds.contoso.com,Leeds\r\n"
	ir, err := NewReader(strings.NewReader(in), truststore.Default())
	if err != nil {
		t.Fatal(err)
	}
	row, err := ir.Next()
	if err != nil || row.Pool != "sba-leeds.contoso.com" || row.Site != "Leeds" {
		t.Errorf("registrar pool column: %+v, %v", row, err)
	}
	// A pool column left empty (NULL) falls back to the registrar server.
	in = "ClientVersion\tDeviceMacAddress\tPool\tRegistrar\r\n" +
		"CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)\t21239955830\tNULL\tfe02.contoso.com\r\n" +
		"CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)\t21239955831\tpool02.contoso.com\tfe21.contoso.com\r\n"
	ir, err = NewReader(strings.NewReader(in), truststore.Default())
	if err != nil {
		t.Fatal(err)
	}
	var pools []string
	for {
		row, err := ir.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pools = append(pools, row.Pool)
	}
	if !reflect.DeepEqual(pools, []string{"fe02.contoso.com", "pool02.contoso.com"}) {
		t.Errorf("pool, else registrar: %q", pools)
	}
}
