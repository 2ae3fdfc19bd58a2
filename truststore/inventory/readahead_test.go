package inventory

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lpetrust/lpetrust/truststore"
)

// readRows reads every row of r, with or without ReadAhead, as text (the
// whole Row), then the error that ended the read and the stats.
func readRows(t testing.TB, r io.Reader, ahead bool, keep func(int) bool) (rows []string, end string, stats Stats) {
	ir, err := NewReader(r, truststore.Default())
	if err != nil {
		return nil, err.Error(), Stats{}
	}
	if keep != nil {
		ir.SetLineFilter(keep)
	}
	if ahead {
		defer ir.ReadAhead()()
	}
	for {
		row, err := ir.Next()
		if err != nil {
			return rows, err.Error(), ir.Stats()
		}
		rows = append(rows, fmt.Sprintf("%+v", *row))
	}
}

// compareReadAhead checks that ReadAhead changes nothing Next returns.
func compareReadAhead(t testing.TB, data []byte, keep func(int) bool) {
	rows, end, st := readRows(t, bytes.NewReader(data), false, keep)
	rowsA, endA, stA := readRows(t, bytes.NewReader(data), true, keep)
	if !reflect.DeepEqual(rows, rowsA) || end != endA || !reflect.DeepEqual(st, stA) {
		t.Fatalf("with ReadAhead:\n%s\n%s\n%+v\nwithout:\n%s\n%s\n%+v",
			strings.Join(rowsA, "\n"), endA, stA, strings.Join(rows, "\n"), end, st)
	}
}

func TestReadAheadReadsTheSame(t *testing.T) {
	cases := map[string][]byte{
		"long line":     []byte("version\n" + strings.Repeat("x", 200<<10) + "\n4.0.7577.4420\n"),
		"endless line":  []byte("version\n4.0.7577.4420\n" + strings.Repeat("x", 2<<20)),
		"unterminated":  []byte("version,mac\n\"4.0.7577.4420,1\n" + strings.Repeat("a\n", 70)),
		"quoted break":  []byte("User agent,User\n4.0.7577.4420,\"a\nb\"\n4.0.7577.4420,c\n"),
		"NUL":           []byte("version\n4.0.7577.4420\n4.0\x007577\n4.0.7577.4420\n"),
		"many records":  bytes.Repeat([]byte("4.0.7577.4420\n"), 3*readAheadRecords+7),
		"bytes cap":     []byte("version\n" + strings.Repeat(strings.Repeat("y", 60<<10)+"\n", 10)),
		"empty at last": []byte("version\n"),
	}
	for _, name := range []string{"lync-ip-phone-inventory.csv", "monitoring-registrations.tsv", "phones-semicolon.csv", "user-agents.txt"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "inventory", name))
		if err != nil {
			t.Fatal(err)
		}
		cases[name] = data
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			compareReadAhead(t, data, nil)
			compareReadAhead(t, data, func(line int) bool { return line%3 != 0 })
		})
	}
}

// A read error in the middle of the stream ends the read as without ReadAhead.
func TestReadAheadReadError(t *testing.T) {
	_, end, _ := readRows(t, &failingReader{strings.NewReader("version\n4.0.7577.4420\n")}, true, nil)
	if end != "line 3: device not ready" {
		t.Errorf("got %v", end)
	}
}

// Stopping before the end ends the read-ahead goroutine (the race detector
// and the goroutine count would show a leak).
func TestReadAheadStop(t *testing.T) {
	data := bytes.Repeat([]byte("4.0.7577.4420\n"), 50*readAheadRecords)
	ir, err := NewReader(bytes.NewReader(data), truststore.Default())
	if err != nil {
		t.Fatal(err)
	}
	stop := ir.ReadAhead()
	if _, err := ir.Next(); err != nil {
		t.Fatal(err)
	}
	stop()
	stop() // twice is harmless
	for i := 0; ; i++ {
		if _, err := ir.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if i > len(data) {
			t.Fatal("no end after stop")
		}
	}
}
