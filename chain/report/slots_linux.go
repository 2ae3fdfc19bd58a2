package report

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on amd64 and arm64.
const hugePage = 2 << 20

// mapSlots returns n zeroed slots mapped apart from the Go heap and marked
// for transparent huge pages, and the mapping to unmap them with (nil when
// the slots are an ordinary slice). A MAC table's probes land anywhere in
// tens of MB: with 4 KiB pages nearly every one misses the TLB as well as
// the cache (the first pass over 10^7 distinct phones took 4.4-4.5 s with
// these slots, 4.75-4.77 s without). Small tables, and any mapping error,
// take the heap.
func mapSlots(n int) ([]uint32, []byte) {
	size := n * 4
	if size < hugeSlotsBytes {
		return make([]uint32, n), nil
	}
	// One huge page more, so that the slots can start on a boundary.
	m, err := unix.Mmap(-1, 0, size+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return make([]uint32, n), nil
	}
	skip := int(-uintptr(unsafe.Pointer(&m[0])) & (hugePage - 1))
	b := m[skip : skip+size]
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // a hint: refused, the pages stay small
	return unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), n), m
}

// unmapSlots releases a mapping of mapSlots.
func unmapSlots(m []byte) {
	if m != nil {
		_ = unix.Munmap(m)
	}
}
