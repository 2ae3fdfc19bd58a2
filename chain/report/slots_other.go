//go:build !linux

package report

// mapSlots returns n zeroed slots: on Linux the large tables are mapped
// for huge pages (slots_linux.go); elsewhere they are an ordinary slice.
func mapSlots(n int) ([]uint32, []byte) { return make([]uint32, n), nil }

// unmapSlots releases a mapping of mapSlots.
func unmapSlots(m []byte) {}
