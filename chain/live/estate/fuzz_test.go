package estate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead: any bytes give an estate or a one-line error naming the file,
// never a panic; a read estate has valid, lower-case pool names.
//
//	go test ./chain/live/estate -fuzz FuzzRead -fuzztime 60s
func FuzzRead(f *testing.F) {
	for _, name := range []string{"pools.csv", "pools-raw.csv", "topology.xml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("#TYPE X\r\nFqdn\r\na.b\r\n"))
	f.Add([]byte(`<Topology><Clusters><Cluster Fqdn="a.b"><ClusterId SiteId="1" Number="1"/></Cluster></Clusters></Topology>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Read(strings.NewReader(string(data)), "fuzz.in")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.in: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, p := range e.Pools {
			if p.FQDN == "" || p.FQDN != strings.ToLower(p.FQDN) || p.SIPPort <= 0 {
				t.Fatalf("bad pool %+v", p)
			}
		}
	})
}
