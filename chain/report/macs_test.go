package report

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

func TestMACTableLatestWins(t *testing.T) {
	var m macTable
	t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	steps := []struct {
		mac      uint64
		seen     time.Time
		line     int
		group    int32
		old      int32
		replaced bool
	}{
		{0x0004F2000001, t0, 2, 0, -1, true},
		{0x0004F2000001, t0.Add(-time.Hour), 3, 1, 0, false},     // older registration, later line
		{0x0004F2000001, t0.Add(time.Hour), 4, 2, 0, true},       // newer
		{0x0004F2000001, t0.Add(time.Hour + 5e8), 5, 3, 2, true}, // same second: the later line wins
		{0x0004F2000002, time.Time{}, 6, 70000, -1, true},        // unknown time, a group wider than 16 bits
		{0x0004F2000002, time.Time{}, 7, 70001, 70000, true},
	}
	for _, s := range steps {
		old, replaced := m.add(s.mac, seenSeconds(s.seen), s.line, s.group)
		if old != s.old || replaced != s.replaced {
			t.Errorf("add(%X, line %d) = %d, %v; want %d, %v", s.mac, s.line, old, replaced, s.old, s.replaced)
		}
	}
	for line, want := range map[int]bool{1: false, 2: false, 3: false, 4: false, 5: true, 6: false, 7: true, 8: false, 1000: false} {
		if got := m.latest(line); got != want {
			t.Errorf("latest(%d) = %v, want %v", line, got, want)
		}
	}
	if m.len() != 2 {
		t.Errorf("len = %d, want 2", m.len())
	}
}

// TestMACTableAgainstMap checks growth and probing against a Go map over
// 200,000 registrations of 50,000 sequential addresses: grown from empty,
// expecting them, and expecting too few (grown from there); with 8 index
// bits at first (the tags shortened on the way to 16 index bits), and
// with no tag at all (32 index bits).
func TestMACTableAgainstMap(t *testing.T) {
	for _, c := range []struct{ expect, idxBits, wantBits int }{
		{0, 0, initialIdxBits}, {50000, 0, initialIdxBits}, {1000, 0, initialIdxBits}, {0, 8, 16}, {50000, 32, 32},
	} {
		t.Run(fmt.Sprintf("expect %d, index bits %d", c.expect, c.idxBits), func(t *testing.T) {
			m := checkMACTableAgainstMap(t, c.expect, uint8(c.idxBits))
			if int(m.idxBits) != c.wantBits {
				t.Errorf("index bits %d, want %d", m.idxBits, c.wantBits)
			}
		})
	}
}

// TestMACTableMapped is TestMACTableAgainstMap with every table's slots
// mapped apart from the heap (huge pages on Linux), grown and released.
func TestMACTableMapped(t *testing.T) {
	defer func(n int) { hugeSlotsBytes = n }(hugeSlotsBytes)
	hugeSlotsBytes = 0
	for _, expect := range []int{0, 50000} {
		m := checkMACTableAgainstMap(t, expect, 0)
		if runtime.GOOS == "linux" && m.slotsMap == nil {
			t.Errorf("expect %d: slots not mapped", expect)
		}
		m.release()
		if m.slots != nil || m.slotsMap != nil {
			t.Errorf("expect %d: slots kept after release", expect)
		}
	}
}

func checkMACTableAgainstMap(t *testing.T, expect int, idxBits uint8) *macTable {
	type want struct {
		seen  int64
		line  int
		group int32
	}
	ref := map[uint64]want{}
	m := &macTable{idxBits: idxBits}
	m.expect(expect)
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for line := 1; line <= 200000; line++ {
		mac := 0x0004F2000000 + uint64(r.IntN(50000))
		seen := base.Add(time.Duration(r.IntN(1000)) * time.Second)
		g := int32(r.IntN(8))
		m.add(mac, seenSeconds(seen), line, g)
		if w, ok := ref[mac]; !ok || seen.Unix() > w.seen || seen.Unix() == w.seen && line > w.line {
			ref[mac] = want{seen.Unix(), line, g}
		}
	}
	if m.len() != len(ref) {
		t.Fatalf("len = %d, want %d", m.len(), len(ref))
	}
	winners := map[int]bool{}
	for _, w := range ref {
		winners[w.line] = true
	}
	for line := 1; line <= 200000; line++ {
		if m.latest(line) != winners[line] {
			t.Fatalf("latest(%d) = %v, want %v", line, m.latest(line), winners[line])
		}
	}
	return m
}

func TestMACTableExpect(t *testing.T) {
	for _, c := range []struct{ n, slots int }{
		{768, minMACSlots},          // 768 at the 0.75 load: 1,024 slots
		{769, 2 * minMACSlots},      // one more doubles
		{1000000, 1 << 21},          // 10^6 rows
		{12000000, 1 << 24},         // a 1.5 GB file of distinct phones
		{1 << 40, maxReservedSlots}, // bounded
	} {
		if got := slotsFor(c.n); got != c.slots {
			t.Errorf("slotsFor(%d) = %d, want %d", c.n, got, c.slots)
		}
	}
	// A table expecting 10^6 addresses grows as usual while it holds fewer
	// than 62,500 of them; its next growth (at 98,305 in 2^17 slots) is to
	// the size of 10^6 at once.
	var m macTable
	m.expect(1000000)
	mac := uint64(0x0004F2000000)
	for m.len() < 1000000/16-1 {
		m.add(mac, 1, m.len()+2, 0)
		mac++
	}
	if len(m.slots) != 1<<17 {
		t.Fatalf("%d addresses: %d slots, want %d", m.len(), len(m.slots), 1<<17)
	}
	for len(m.slots) == 1<<17 {
		m.add(mac, 1, m.len()+2, 0)
		mac++
	}
	if m.len() != 98305 || len(m.slots) != 1<<21 {
		t.Errorf("grown at %d addresses to %d slots, want at 98305 to %d", m.len(), len(m.slots), 1<<21)
	}
	if !m.latest(2) || !m.latest(m.len()+1) || m.latest(m.len()+2) {
		t.Error("the grown table lost its winners")
	}
}

// BenchmarkMACTableDistinct adds 4 million distinct addresses to a table
// told to expect them (a file of distinct phones: the probes meet
// occupied slots of other addresses).
func BenchmarkMACTableDistinct(b *testing.B) {
	const n = 4 << 20
	for b.Loop() {
		var m macTable
		m.expect(n + n/4)
		for i := range n {
			m.add(0x0004F2000000+uint64(i), 1, i+1, 0)
		}
	}
}
