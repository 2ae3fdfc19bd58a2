package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/lpetrust/lpetrust/chain/remedy"
)

// writeInventory writes a Lync "IP Phone Inventory Report" CSV of rows
// records for phones distinct MAC addresses (later rows of a MAC are newer
// registrations), every 50th row a desktop client. The .ci/gen-inventory.sh
// script writes the same layout with awk.
func writeInventory(w io.Writer, rows, phones int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	models := [][2]string{{"POLYCOM", "CX600"}, {"POLYCOM", "CX500"}, {"POLYCOM", "CX3000"}, {"POLYCOM", "CX700"},
		{"LG-Nortel", "IP8540"}, {"Aastra", "6725ip"}, {"Aastra", "6721ip"}, {"HP", "4120"}, {"HP", "4110"}}
	versions := []string{"4.0.7577.4047", "4.0.7577.4100", "4.0.7577.4363", "4.0.7577.4397", "4.0.7577.4414",
		"4.0.7577.4420", "4.0.7577.4444", "4.0.7577.4451", "4.0.7577.4455", "4.0.7577.4463"}
	fmt.Fprintln(bw, "Manufacturer,Hardware version,MAC address,User URI,User agent,Last logon time,Last logoff time,Last activity")
	for i := 0; i < rows; i++ {
		p := i % phones
		if i%50 == 49 {
			fmt.Fprintf(bw, "Microsoft,PC,,sip:desk%d@contoso.com,UCCAPI/15.0.4481.1000 OC/15.0.4481.1000 (Microsoft Lync),11/%d/2026 8:00:00 AM,,\n", p, i%28+1)
			continue
		}
		m := models[p%len(models)]
		v := versions[(p/len(models))%len(versions)]
		fmt.Fprintf(bw, "%s,%s,00-04-F2-%02X-%02X-%02X,sip:user%d@contoso.com,CPE/%s OCPhone/%s (Microsoft Lync Phone Edition),11/%d/2026 %d:%02d:00 AM,,\n",
			m[0], m[1], (p>>16)&255, (p>>8)&255, p&255, p, v, v, i%28+1, i%11+1, i%60)
	}
	return bw.Flush()
}

// TestGenInventorySameAsGo: the scripts' generator (.ci/gen-inventory.sh)
// and the Go benchmarks' write the same bytes, so that the benchmarks
// measure the same inventory.
func TestGenInventorySameAsGo(t *testing.T) {
	for _, tool := range []string{"bash", "awk"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: %v", tool, err)
		}
	}
	for _, size := range [][2]int{{1000, 1000}, {1000, 300}, {70000, 70000}} {
		out, err := exec.Command("bash", filepath.Join("..", "..", ".ci", "gen-inventory.sh"), fmt.Sprint(size[0]), fmt.Sprint(size[1])).Output()
		if err != nil {
			t.Fatalf("gen-inventory.sh %d %d: %v", size[0], size[1], err)
		}
		var want bytes.Buffer
		if err := writeInventory(&want, size[0], size[1]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, want.Bytes()) {
			t.Errorf("gen-inventory.sh %d %d: %d bytes that differ from writeInventory's %d", size[0], size[1], len(out), want.Len())
		}
	}
}

// BenchmarkReport judges a 100,000-row inventory against three chains in
// every output format (html: summary plus the first stranded phones; the
// others list every phone). The 10^6- and 10^7-row comparisons with awk
// are .ci/bench-report.sh.
func BenchmarkReport(b *testing.B) { benchmarkReport(b, 100000, 100000) }

// BenchmarkReportEstate is a year of an estate in small: 300,000 rows for
// 1,000 phones (later rows are newer registrations of the same phones).
func BenchmarkReportEstate(b *testing.B) { benchmarkReport(b, 300000, 1000) }

// inventoryFile writes writeInventory's inventory to a temporary file and
// returns its path.
func inventoryFile(t testing.TB, rows, phones int) string {
	path := filepath.Join(t.TempDir(), "inventory.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeInventory(f, rows, phones); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func benchmarkReport(b *testing.B, rows, phones int) {
	path := inventoryFile(b, rows, phones)
	cat := contosoCatalogue(b)
	chains := append(todayAndRenewal(b), readChain(b, "g2-root.pem", "root only", KindCandidate))
	fi, _ := os.Stat(path)
	for _, format := range []struct {
		name string
		w    func(io.Writer) Writer
	}{
		{"html", func(w io.Writer) Writer { return NewHTMLWriter(w) }},
		{"table", func(w io.Writer) Writer { return NewTableWriter(w, remedy.SH) }},
		{"csv", func(w io.Writer) Writer { return NewCSVWriter(w) }},
		{"csv-long", func(w io.Writer) Writer { return NewLongCSVWriter(w) }},
		{"json", func(w io.Writer) Writer { return NewJSONWriter(w) }},
	} {
		b.Run(format.name, func(b *testing.B) {
			b.SetBytes(fi.Size())
			for i := 0; i < b.N; i++ {
				if _, err := Run(cat, "inventory.csv", fileOpener(path), chains, Options{At: at2026}, format.w(io.Discard)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
