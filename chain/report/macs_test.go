package report

import (
	"fmt"
	"math/rand/v2"
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
// reserved for them, and reserved for too few (grown from there).
func TestMACTableAgainstMap(t *testing.T) {
	for _, reserve := range []int{0, 50000, 1000} {
		t.Run(fmt.Sprint("reserve ", reserve), func(t *testing.T) { checkMACTableAgainstMap(t, reserve) })
	}
}

func checkMACTableAgainstMap(t *testing.T, reserve int) {
	type want struct {
		seen  int64
		line  int
		group int32
	}
	ref := map[uint64]want{}
	var m macTable
	m.reserve(reserve)
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
}

func TestMACTableReserve(t *testing.T) {
	for _, c := range []struct{ n, slots int }{
		{0, 0},                      // too few to reserve: slots come with the first address
		{768, minMACSlots},          // 768 at the 0.75 load: 1,024 slots
		{769, 2 * minMACSlots},      // one more doubles
		{1000000, 1 << 21},          // 10^6 rows
		{12000000, 1 << 24},         // a 1.5 GB file of distinct phones
		{1 << 40, maxReservedSlots}, // bounded
	} {
		var m macTable
		m.reserve(c.n)
		if c.n == 0 {
			c.slots = minMACSlots // reserve(0) still sizes the first table
		}
		if len(m.slots) != c.slots {
			t.Errorf("reserve(%d): %d slots, want %d", c.n, len(m.slots), c.slots)
		}
	}
	// Once addresses are in, reserve leaves the table alone.
	var m macTable
	m.add(0x0004F2000001, 1, 2, 0)
	before := len(m.slots)
	m.reserve(1 << 20)
	if len(m.slots) != before || m.len() != 1 || !m.latest(2) {
		t.Errorf("reserve after add: %d slots (want %d), len %d, latest(2) %v", len(m.slots), before, m.len(), m.latest(2))
	}
}
