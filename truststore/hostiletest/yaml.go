package hostiletest

import (
	"fmt"
	"strings"
)

// OverlayAliasBomb is a --store overlay with one anchored note of noteBytes
// bytes referenced refs times: small on disk, refs × noteBytes decoded.
func OverlayAliasBomb(noteBytes, refs int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "stores:\n  - name: BOMB\n    base: CU11\n    roots:\n      - note: &n %s\n", strings.Repeat("x", noteBytes))
	for range refs {
		b.WriteString("      - note: *n\n")
	}
	return []byte(b.String())
}

// OverlayLaughs is the "billion laughs" overlay: levels of ten aliases to
// the level below, 10^levels values decoded from a few hundred bytes.
func OverlayLaughs(levels int) []byte {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	return []byte(b.String())
}
