package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore/textwrap"
)

var estateInventory = filepath.Join("..", "..", "testdata", "estate", "registrations.tsv")

// estateChains are what three registrar pools serve: pool01 the Contoso
// chain (CU10 and CU11 only, until 2027-03-31), pool02 the COMODO chain
// every firmware trusts, sba-leeds a renewal no firmware trusts.
func estateChains(t *testing.T) []Chain {
	ins, err := chain.ReadFile(filepath.Join("..", "..", "testdata", "examples", "today-comodo-via-aaa.pem"), chain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return []Chain{
		readChain(t, "today.pem", "today", KindCandidate),
		{Name: "comodo", Kind: KindCandidate, Inputs: ins},
		readChain(t, "renewal-g2.pem", "renewal", KindCandidate),
	}
}

// testRegistrars is the estate of testdata/estate (pools.csv).
var testRegistrars = []Registrar{
	{Pool: "pool01.contoso.com", Site: "London", Backup: "pool02.contoso.com", Machines: []string{"fe01.contoso.com", "fe02.contoso.com"}},
	{Pool: "pool02.contoso.com", Site: "Manchester", Backup: "pool01.contoso.com", Machines: []string{"fe21.contoso.com"}},
	{Pool: "sba-leeds.contoso.com", Site: "Leeds", Backup: "pool01.contoso.com", Machines: []string{"sba-leeds.contoso.com"}},
}

func poolLine(p PoolSummary) string {
	return fmt.Sprintf("%s@%s in=%v backup=%s by=%s %d/%d/%d/%d failover=%d", p.Pool, p.Site, p.InEstate, p.BackupPool,
		strings.Join(p.JudgedBy, "+"), p.Phones, p.Trusted, p.Stranded, p.Expiring, p.BackupStranded)
}

func siteLine(s SiteSummary) string {
	return fmt.Sprintf("%s[%s] %d/%d/%d/%d failover=%d", s.Site, strings.Join(s.Pools, "+"), s.Phones, s.Trusted, s.Stranded, s.Expiring, s.BackupStranded)
}

func lines[T any](xs []T, f func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

// Without an estate every chain judges every phone; the inventory's pool
// column still splits the counts (the pool as written, in lower case).
func TestPoolCountsWithoutEstate(t *testing.T) {
	s := runReport(t, contosoCatalogue(t), estateInventory, estateChains(t), Options{}, NewJSONWriter(&bytes.Buffer{}))
	if s.Inventory.Phones != 12 || s.UnknownPoolPhones != 0 {
		t.Fatalf("%d phones, %d of unknown pool", s.Inventory.Phones, s.UnknownPoolPhones)
	}
	want := []string{
		"fe01.contoso.com@ in=false backup= by=today+comodo+renewal 1/0/1/0 failover=0",
		"pool01.contoso.com@ in=false backup= by=today+comodo+renewal 4/0/4/0 failover=0",
		"pool02.contoso.com@ in=false backup= by=today+comodo+renewal 2/0/2/0 failover=0",
		"pool09.fabrikam.com@ in=false backup= by=today+comodo+renewal 1/0/1/0 failover=0",
		"sba-leeds.contoso.com@ in=false backup= by=today+comodo+renewal 3/0/3/0 failover=0",
		"@ in=false backup= by=today+comodo+renewal 1/0/1/0 failover=0",
	}
	if got := lines(s.Pools, poolLine); !reflect.DeepEqual(got, want) {
		t.Errorf("pools\n got %q\nwant %q", got, want)
	}
	var today []string
	for _, p := range s.Chains[0].ByPool {
		today = append(today, fmt.Sprintf("%s %d/%d", p.Pool, p.Stranded, p.Expiring))
	}
	if got := strings.Join(today, ", "); got != "fe01.contoso.com 0/1, pool01.contoso.com 1/3, pool02.contoso.com 1/1, pool09.fabrikam.com 0/1, sba-leeds.contoso.com 1/2,  1/0" {
		t.Errorf("today by pool: %s", got)
	}
}

// With the estate, each phone meets its own pool's chain, and its backup
// pool's on failover; phones of an unknown pool meet every pool's.
func TestPoolCountsWithEstate(t *testing.T) {
	chains := estateChains(t)
	chains[0].Pool, chains[1].Pool, chains[2].Pool = "pool01.contoso.com", "POOL02.contoso.com.", "sba-leeds.contoso.com"
	var buf bytes.Buffer
	s := runReport(t, contosoCatalogue(t), estateInventory, chains, Options{Registrars: testRegistrars}, NewJSONWriter(&buf))
	want := []string{
		// alice, carol, dave and erin (registered at fe01) trust pool01's
		// chain until 2027-03-31; bob (CU6) is stranded; grace (CU4), whose
		// backup pool01 is, would be stranded on failover.
		"pool01.contoso.com@London in=true backup=pool02.contoso.com by=today 5/0/1/4 failover=0",
		"pool02.contoso.com@Manchester in=true backup=pool01.contoso.com by=comodo 2/2/0/0 failover=1",
		"pool09.fabrikam.com@ in=false backup= by=today+comodo+renewal 1/0/1/0 failover=0",
		"sba-leeds.contoso.com@Leeds in=true backup=pool01.contoso.com by=renewal 3/0/3/0 failover=1",
		"@ in=false backup= by=today+comodo+renewal 1/0/1/0 failover=0",
	}
	if got := lines(s.Pools, poolLine); !reflect.DeepEqual(got, want) {
		t.Errorf("pools\n got %q\nwant %q", got, want)
	}
	wantSites := []string{
		"Leeds[sba-leeds.contoso.com] 3/0/3/0 failover=1",
		"London[pool01.contoso.com] 5/0/1/4 failover=0",
		"Manchester[pool02.contoso.com] 2/2/0/0 failover=1",
		"[pool09.fabrikam.com+] 2/0/2/0 failover=0",
	}
	if got := lines(s.Sites, siteLine); !reflect.DeepEqual(got, wantSites) {
		t.Errorf("sites\n got %q\nwant %q", got, wantSites)
	}
	if s.UnknownPoolPhones != 2 {
		t.Errorf("%d phones of unknown pool, want 2", s.UnknownPoolPhones)
	}
	// Each chain counts its own pool's phones and those of unknown pools
	// (pool02's: frank and grace, then temp and visitor).
	var counts []string
	for _, c := range s.Chains {
		counts = append(counts, fmt.Sprintf("%s(%s) %d/%d/%d/%d backup %d/%d", c.Name, c.Pool, c.Phones, c.Trusted, c.Stranded, c.Expiring, c.Backup.Phones, c.Backup.Stranded))
	}
	if got := strings.Join(counts, "; "); got != "today(pool01.contoso.com) 7/0/2/5 backup 5/2; comodo(pool02.contoso.com) 4/4/0/0 backup 5/0; renewal(sba-leeds.contoso.com) 5/0/5/0 backup 0/0" {
		t.Errorf("chains: %s", got)
	}

	// The JSON carries the same counts, and each phone its pool, site and roles.
	var doc struct {
		Summary struct {
			Pools             []PoolSummary `json:"pools"`
			Sites             []SiteSummary `json:"sites"`
			UnknownPoolPhones int           `json:"unknown_pool_phones"`
		} `json:"summary"`
		Phones []Phone `json:"phones"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if got := lines(doc.Summary.Pools, poolLine); !reflect.DeepEqual(got, want) {
		t.Errorf("JSON pools\n got %q\nwant %q", got, want)
	}
	if got := lines(doc.Summary.Sites, siteLine); !reflect.DeepEqual(got, wantSites) || doc.Summary.UnknownPoolPhones != 2 {
		t.Errorf("JSON sites %q, unknown %d", got, doc.Summary.UnknownPoolPhones)
	}
	var erin, grace *Phone
	for i := range doc.Phones {
		switch doc.Phones[i].UserURI {
		case "sip:erin@contoso.com":
			erin = &doc.Phones[i]
		case "sip:grace@contoso.com":
			grace = &doc.Phones[i]
		}
	}
	if erin == nil || erin.Pool != "pool01.contoso.com" || erin.Site != "London" ||
		erin.Verdicts[0].Role != RolePrimary || erin.Verdicts[1].Role != RoleBackup || erin.Verdicts[2].Status != StatusNotJudged {
		t.Errorf("erin (registered at fe01): %+v", erin)
	}
	if grace == nil || grace.Verdicts[0].Status != StatusStranded || grace.Verdicts[0].Role != RoleBackup || grace.Verdicts[1].Status != StatusTrusted {
		t.Errorf("grace: %+v", grace)
	}

	buf.Reset()
	runReport(t, contosoCatalogue(t), estateInventory, chains, Options{Registrars: testRegistrars}, NewTableWriter(&buf, remedy.SH))
	for _, line := range []string{
		// Wider than 120 columns as one table: split in two, each with
		// the pool (site) column.
		"pool01.contoso.com                       London      5       0     1         4               pool02.contoso.com\n",
		"sba-leeds.contoso.com                    Leeds       3       0     3         0               pool01.contoso.com\n",
		"pool09.fabrikam.com (not in the estate)  -           1       0     1         0               -\n",
		"\nPOOL                                     STRANDED ON FAILOVER  today  comodo  renewal\n",
		"pool01.contoso.com                       0                     1 / 4  -       -\n",
		"sba-leeds.contoso.com                    1                     -      -       3 / 0\n",
		"pool09.fabrikam.com (not in the estate)  -                     0 / 1  0 / 0   1 / 0\n",
		"2 phones whose pool the estate does not know are judged against every pool's chain",
		"Leeds       sba-leeds.contoso.com           3       0     3         0               1                     -      -\n",
		"\nSITE        renewal\nLeeds       3 / 0\n",
		"CU10      4.0.7577.4411 4.0.7577.4414  CU10   3       0 / 2  0 / 0   2 / 0",
		"sip:grace@contoso.com",
	} {
		if !strings.Contains(buf.String(), line) {
			t.Errorf("table lacks %q:\n%s", line, buf.String())
		}
	}
	if !regexp.MustCompile(`CU4 +today \(backup\) +sip:grace@contoso\.com`).MatchString(buf.String()) {
		t.Errorf("grace's failover strand is not marked as the backup's:\n%s", buf.String())
	}
}

// The inventory's site column places phones without a pool.
func TestSiteColumn(t *testing.T) {
	g2 := readChain(t, "renewal-g2.pem", "renewal", KindCandidate)
	s := runReport(t, contosoCatalogue(t), filepath.Join(invDir, "phones-semicolon.csv"), []Chain{g2}, Options{}, NewJSONWriter(&bytes.Buffer{}))
	want := []string{"Berlin[] 2/0/2/0 failover=0", "Cologne; 2nd floor[] 1/0/1/0 failover=0", "Hamburg[] 2/0/2/0 failover=0", "Munich[] 2/0/2/0 failover=0"}
	if got := lines(s.Sites, siteLine); !reflect.DeepEqual(got, want) {
		t.Errorf("sites %q, want %q", got, want)
	}
}

func TestRegistrarErrors(t *testing.T) {
	chains := estateChains(t)
	chains[0].Pool = "pool07.contoso.com"
	if _, err := NewBuilder(contosoCatalogue(t), chains, Options{Registrars: testRegistrars}); err == nil || err.Error() != "today: pool07.contoso.com is not a registrar pool of the estate" {
		t.Errorf("unknown pool: %v", err)
	}
	chains[0].Pool, chains[1].Pool = "pool01.contoso.com", "fe01.contoso.com"
	if _, err := NewBuilder(contosoCatalogue(t), chains, Options{Registrars: testRegistrars}); err == nil || err.Error() != "today and comodo: two chains for pool pool01.contoso.com" {
		t.Errorf("two chains: %v", err)
	}
}

// With long chain names the table still fits 120 columns: the matrix
// tables split, the stranded-phone list elides the chain column first and
// keeps the backup mark.
func TestTableFitsWithLongNames(t *testing.T) {
	chains := estateChains(t)
	chains[0].Pool, chains[1].Pool, chains[2].Pool = "pool01.contoso.com", "POOL02.contoso.com.", "sba-leeds.contoso.com"
	for i := range chains {
		chains[i].Name = chains[i].Pool + "=a-rather-long-renewal-file-name-" + strconv.Itoa(i) + ".pem"
	}
	var buf bytes.Buffer
	runReport(t, contosoCatalogue(t), estateInventory, chains, Options{Registrars: testRegistrars}, NewTableWriter(&buf, remedy.SH))
	cmd := regexp.MustCompile(`^\s*(lpetrust|certutil|powershell) `)
	for _, l := range strings.Split(buf.String(), "\n") {
		if textwrap.Len(l) > textwrap.Width && !cmd.MatchString(l) {
			t.Errorf("%d columns: %s", textwrap.Len(l), l)
		}
	}
	if !regexp.MustCompile(`(?m)^10 +00-08-5D-10-00-07 +Aastra 6721ip +4\.0\.7577\.4047 +CU4 +poo\.\.\.em \(backup\) +sip:grace@contoso\.com$`).MatchString(buf.String()) {
		t.Errorf("grace's line:\n%s", buf.String())
	}
}
