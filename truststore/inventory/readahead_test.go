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

// rowsFrom reads the rows of ir to its end as text (Class aside: ids are
// per Reader), then the error that ended the read.
func rowsFrom(ir *Reader) (rows []string, lines []int, end string) {
	for {
		row, err := ir.Next()
		if err != nil {
			return rows, lines, err.Error()
		}
		r := *row
		r.Class = 0
		rows = append(rows, fmt.Sprintf("%+v", r))
		lines = append(lines, r.Line)
	}
}

// compareResume checks that a Reader resumed at any Mark reads what the
// marking Reader read from there: to the end, and from one Mark to the next.
func compareResume(t testing.TB, data []byte, every int64, ahead bool) {
	ir, err := NewReader(bytes.NewReader(data), truststore.Default())
	if err != nil {
		return
	}
	ir.SetMarks(every)
	if ahead {
		defer ir.ReadAhead()()
	}
	rows, lines, end := rowsFrom(ir)
	marks := ir.Marks()
	if len(marks) > 0 && len(rows) > 0 && marks[0].Line > lines[0] {
		t.Fatalf("first mark at line %d, after the first record at line %d", marks[0].Line, lines[0])
	}
	from := func(line int) int {
		for i, l := range lines {
			if l >= line {
				return i
			}
		}
		return len(lines)
	}
	for i, m := range marks {
		rest := ir.Resume(bytes.NewReader(data[m.Offset:]), m)
		got, _, gotEnd := rowsFrom(rest)
		if want := rows[from(m.Line):]; strings.Join(got, "\n") != strings.Join(want, "\n") || gotEnd != end {
			t.Fatalf("resumed at %+v:\n%s\n%s\nwant:\n%s\n%s", m, strings.Join(got, "\n"), gotEnd, strings.Join(want, "\n"), end)
		}
		if i+1 < len(marks) {
			next := marks[i+1]
			rest.MoveTo(bytes.NewReader(data[m.Offset:next.Offset]), m)
			got, _, _ := rowsFrom(rest)
			if want := rows[from(m.Line):from(next.Line)]; strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("from %+v to %+v:\n%s\nwant:\n%s", m, next, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}

func TestResumeReadsTheSame(t *testing.T) {
	cases := map[string][]byte{
		"long line":    []byte("version\n" + strings.Repeat("x", 200<<10) + "\n4.0.7577.4420\n4.0.7577.4420\n"),
		"unterminated": []byte("version,mac\n\"4.0.7577.4420,1\n" + strings.Repeat("a\n", 70) + "4.0.7577.4420,1\n"),
		"quoted break": []byte("User agent,User\n4.0.7577.4420,\"a\nb\"\n4.0.7577.4420,c\n"),
		"day first": []byte("version,last logon time\n4.0.7577.4420,1/2/2026 10:00\n4.0.7577.4420,13/2/2026 10:00\n" +
			"4.0.7577.4420,3/4/2026 10:00\n4.0.7577.4420,5/6/2026 10:00\n"),
		"text":  []byte("4.0.7577.4420\n4.0.7577.4420\n"),
		"bom":   []byte("\xef\xbb\xbfversion\n4.0.7577.4420\n4.0.7577.4420\n"),
		"utf16": {0xFF, 0xFE, 'v', 0, 'e', 0, 'r', 0, 's', 0, 'i', 0, 'o', 0, 'n', 0, '\n', 0, '4', 0, '.', 0, '0', 0, '\n', 0},
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
			for _, every := range []int64{1, 40, 1 << 20} {
				compareResume(t, data, every, false)
				compareResume(t, data, every, true)
			}
		})
	}
	// Text whose offsets are not known gets no mark.
	for _, name := range []string{"text", "utf16"} {
		ir, _ := NewReader(bytes.NewReader(cases[name]), truststore.Default())
		ir.SetMarks(1)
		rowsFrom(ir)
		if m := ir.Marks(); len(m) != 0 {
			t.Errorf("%s: marks %+v", name, m)
		}
	}
	// The marks of a file cover it: the first record and then one every
	// so many bytes.
	data := []byte("version\n" + strings.Repeat("4.0.7577.4420\n", 100))
	ir, _ := NewReader(bytes.NewReader(data), truststore.Default())
	ir.SetMarks(140)
	rowsFrom(ir)
	var got []string
	for _, m := range ir.Marks() {
		got = append(got, fmt.Sprintf("%d@%d", m.Line, m.Offset))
	}
	if want := "2@8 12@148 22@288 32@428 42@568 52@708 62@848 72@988 82@1128 92@1268"; strings.Join(got, " ") != want {
		t.Errorf("marks %s, want %s", strings.Join(got, " "), want)
	}
}
