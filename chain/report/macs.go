package report

import "time"

// macTable deduplicates phones by MAC address in the first pass: per
// distinct address it keeps the latest registration's time, line and group
// in 16 bytes, plus 4 bytes of index per slot (a Go map of the same content
// takes about 30 bytes and doubles while it grows). The lines of the
// winning registrations are kept as a bitset for the second pass.
//
// A slot's bits above the index hold a tag, the top bits of the address's
// hash: a probe passes over a slot of another tag without loading its
// entry. On a file of distinct phones a new address's probe meets two or
// three occupied slots on average, and each entry loaded is a cache miss:
// half of the table's time before the tags.
//
// Registration times are kept to the second: two registrations of one
// address within the same second are ordered by line, the later winning.
type macTable struct {
	slots []uint32 // open addressing, linear probing; 0 empty, else tag | entry index + 1
	// slotsMap is the mapping that holds slots, nil when they are on the
	// heap (see mapSlots).
	slotsMap []byte
	// idxBits is how many low bits of a slot hold the index (see tag).
	idxBits uint8
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
	switch {
	case float64(t.n+1) > maxMACLoad*float64(len(t.slots)):
		t.grow()
	case t.idxBits < 32 && uint64(t.n)+1 >= 1<<t.idxBits:
		t.rehash(len(t.slots)) // shorter tags, for more index bits
	}
	mac &= macMask
	mask := uint64(len(t.slots) - 1)
	hash := macHash(mac)
	tag, idxMask := t.tag(hash), t.idxMask()
	for h := hash & mask; ; h = (h + 1) & mask {
		slot := t.slots[h]
		if slot == 0 {
			i := uint32(t.n)
			if i%macChunk == 0 {
				t.chunks = append(t.chunks, make([]macEntry, macChunk))
			}
			*t.entry(i) = macEntry{macGroup: mac, seen: s, line: uint32(line)}
			t.setGroup(i, g)
			t.n++
			t.slots[h] = tag | (i + 1)
			t.setWinner(line, true)
			return -1, true
		}
		if slot&^idxMask != tag {
			continue // another address's
		}
		idx := slot & idxMask
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
	t.rehash(size)
}

// rehash makes the slots anew, size of them, with as many index bits as
// the addresses need.
func (t *macTable) rehash(size int) {
	if t.idxBits == 0 {
		t.idxBits = initialIdxBits
	}
	for t.idxBits < 32 && uint64(t.n)+1 >= 1<<t.idxBits {
		t.idxBits++
	}
	slots, m := mapSlots(size)
	mask := uint64(size - 1)
	for i := range t.n {
		hash := macHash(t.entry(uint32(i)).macGroup & macMask)
		h := hash & mask
		for slots[h] != 0 {
			h = (h + 1) & mask
		}
		slots[h] = t.tag(hash) | (uint32(i) + 1)
	}
	unmapSlots(t.slotsMap)
	t.slots, t.slotsMap = slots, m
}

// hugeSlotsBytes is the size from which a table's slots are mapped for
// huge pages where the system has them (a variable for tests).
var hugeSlotsBytes = 8 << 20

// initialIdxBits leaves 8 bits of tag while the table holds fewer than
// 2^24-1 addresses (an inventory of distinct phones of about 2 GB).
const initialIdxBits = 24

// idxMask selects the index bits of a slot.
func (t *macTable) idxMask() uint32 { return uint32(1<<t.idxBits - 1) }

// tag is the tag bits of a slot for an address of this hash: its top
// bits (its slot's position comes from the low ones); none with 32 index
// bits.
func (t *macTable) tag(hash uint64) uint32 {
	if t.idxBits >= 32 {
		return 0
	}
	return uint32(hash>>(32+t.idxBits)) << t.idxBits
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
	unmapSlots(t.slotsMap)
	t.slots, t.slotsMap, t.chunks, t.wide = nil, nil, nil, nil
}

// len is the number of distinct MAC addresses.
func (t *macTable) len() int { return t.n }
