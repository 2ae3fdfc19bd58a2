package report

import "time"

// macTable deduplicates phones by MAC address in the first pass: per
// distinct address it keeps the latest registration's time, line and group
// in 16 bytes, plus 4 bytes of index per slot (a Go map of the same content
// takes about 30 bytes and doubles while it grows). The lines of the
// winning registrations are kept as a bitset for the second pass.
//
// Registration times are kept to the second: two registrations of one
// address within the same second are ordered by line, the later winning.
type macTable struct {
	slots []uint32 // open addressing, linear probing; 0 empty, else entry index + 1
	// entries are stored in chunks so that growing never copies them.
	chunks [][]macEntry
	n      int
	// wide holds the groups that do not fit an entry's 16 bits, by entry index.
	wide    map[uint32]int32
	winners []uint64 // bit per line: the line is the latest registration of its MAC
	sink    uint32   // see touch
	// expected is how many addresses the table may hold (see expect).
	expected int
}

// touch loads the slots the registrations will probe first, all in one
// loop: independent loads overlap their cache misses, where add's probes
// would wait for each in turn (on a year of distinct phones the slots are
// tens of MB, and the MAC table most of the first pass's time).
func (t *macTable) touch(batch []registration) {
	if len(t.slots) == 0 {
		return
	}
	mask := uint64(len(t.slots) - 1)
	var sum uint32
	for i := range batch {
		sum += t.slots[macHash(batch[i].mac&macMask)&mask]
	}
	t.sink = sum
}

// macEntry is one distinct MAC address: the address in the low 48 bits and
// the group in the high 16 (wideGroup: see macTable.wide), the latest
// registration's time (seconds since secondsEpoch, 0 unknown) and line.
type macEntry struct {
	macGroup uint64
	seen     uint32
	line     uint32
}

const (
	macChunk    = 1 << 16
	macMask     = 1<<48 - 1
	wideGroup   = 0xFFFF
	maxMACLoad  = 0.75
	minMACSlots = 1 << 10
	// maxReservedSlots bounds what expect makes grow allocate ahead (128 MiB).
	maxReservedSlots = 1 << 25
	secondsEpoch     = 631152000 // 1990-01-01T00:00:00Z in Unix seconds
)

// seenSeconds maps a registration time to the table's 32-bit seconds: 0
// for unknown, times before 1990 to 1, after 2126 to the maximum.
func seenSeconds(t time.Time) uint32 {
	if t.IsZero() {
		return 0
	}
	s := t.Unix() - secondsEpoch
	switch {
	case s < 1:
		return 1
	case s > 1<<32-1:
		return 1<<32 - 1
	}
	return uint32(s)
}

func macHash(mac uint64) uint64 {
	// MAC addresses of one estate are nearly sequential: mix them.
	mac ^= mac >> 33
	mac *= 0xff51afd7ed558ccd
	mac ^= mac >> 33
	return mac
}

func (t *macTable) entry(i uint32) *macEntry {
	return &t.chunks[i/macChunk][i%macChunk]
}

func (t *macTable) group(i uint32) int32 {
	e := t.entry(i)
	if g := int32(e.macGroup >> 48); g != wideGroup {
		return g
	}
	return t.wide[i]
}

func (t *macTable) setGroup(i uint32, g int32) {
	e := t.entry(i)
	if g < wideGroup {
		e.macGroup = e.macGroup&macMask | uint64(g)<<48
		delete(t.wide, i)
		return
	}
	e.macGroup = e.macGroup&macMask | uint64(wideGroup)<<48
	if t.wide == nil {
		t.wide = map[uint32]int32{}
	}
	t.wide[i] = g
}

// add records a registration (s: its time as seenSeconds). It returns the group the address counted
// in before (-1 for a new address) and whether this registration is now
// the latest: the caller moves the phone from the old group to g when
// replaced is true.
func (t *macTable) add(mac uint64, s uint32, line int, g int32) (old int32, replaced bool) {
	if float64(t.n+1) > maxMACLoad*float64(len(t.slots)) {
		t.grow()
	}
	mac &= macMask
	mask := uint64(len(t.slots) - 1)
	for h := macHash(mac) & mask; ; h = (h + 1) & mask {
		idx := t.slots[h]
		if idx == 0 {
			i := uint32(t.n)
			if i%macChunk == 0 {
				t.chunks = append(t.chunks, make([]macEntry, macChunk))
			}
			*t.entry(i) = macEntry{macGroup: mac, seen: s, line: uint32(line)}
			t.setGroup(i, g)
			t.n++
			t.slots[h] = i + 1
			t.setWinner(line, true)
			return -1, true
		}
		e := t.entry(idx - 1)
		if e.macGroup&macMask != mac {
			continue
		}
		if s > e.seen || s == e.seen && uint32(line) > e.line {
			old = t.group(idx - 1)
			t.setWinner(int(e.line), false)
			e.seen, e.line = s, uint32(line)
			t.setGroup(idx-1, g)
			t.setWinner(line, true)
			return old, true
		}
		return t.group(idx - 1), false
	}
}

// expect tells the table it may hold up to n addresses: once it holds a
// sixteenth of them (a file of mostly distinct phones, not a year of one
// estate's registrations), its next growth is to their size at once, so
// that a table of millions is not rehashed a dozen times on the way (each
// growth writes every entry's slot again, at random).
func (t *macTable) expect(n int) { t.expected = n }

// slotsFor is the number of slots for n addresses at most maxMACLoad full,
// at most maxReservedSlots.
func slotsFor(n int) int {
	size := minMACSlots
	for float64(n) > maxMACLoad*float64(size) && size < maxReservedSlots {
		size *= 2
	}
	return size
}

func (t *macTable) grow() {
	size := max(minMACSlots, 2*len(t.slots))
	if t.expected > 0 && t.n >= t.expected/16 {
		size = max(size, slotsFor(t.expected))
	}
	slots := make([]uint32, size)
	mask := uint64(size - 1)
	for i := range t.n {
		h := macHash(t.entry(uint32(i)).macGroup&macMask) & mask
		for slots[h] != 0 {
			h = (h + 1) & mask
		}
		slots[h] = uint32(i) + 1
	}
	t.slots = slots
}

func (t *macTable) setWinner(line int, on bool) {
	w := line / 64
	if on {
		for w >= len(t.winners) {
			t.winners = append(t.winners, 0)
		}
		t.winners[w] |= 1 << (line % 64)
		return
	}
	if w < len(t.winners) {
		t.winners[w] &^= 1 << (line % 64)
	}
}

// latest reports whether line holds the latest registration of its MAC address.
func (t *macTable) latest(line int) bool {
	w := line / 64
	return w < len(t.winners) && t.winners[w]&(1<<(line%64)) != 0
}

// release frees the entries once counting is over: the second pass needs
// only the winners, and on a year of distinct phones the entries are most
// of the heap (which would make the collector run without pause under the
// report's memory limit while the second pass allocates). add must not be
// called after it.
func (t *macTable) release() {
	t.slots, t.chunks, t.wide = nil, nil, nil
}

// len is the number of distinct MAC addresses.
func (t *macTable) len() int { return t.n }
