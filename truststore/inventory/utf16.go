package inventory

import (
	"bufio"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Reader turns UTF-16 text (what Excel writes as "Unicode Text") into
// UTF-8 as it streams, so that such an export reads like any other.
type utf16Reader struct {
	r         *bufio.Reader
	bigEndian bool
	out       []byte
	err       error
}

// maybeUTF16 returns a reader of UTF-8 text: r itself, or a transcoder when
// r starts with a UTF-16 byte-order mark (which it consumes).
func maybeUTF16(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 256<<10) // the size newRecordReader uses: no second buffer
	bom, _ := br.Peek(2)
	switch {
	case len(bom) == 2 && bom[0] == 0xFF && bom[1] == 0xFE:
		br.Discard(2)
		return &utf16Reader{r: br}
	case len(bom) == 2 && bom[0] == 0xFE && bom[1] == 0xFF:
		br.Discard(2)
		return &utf16Reader{r: br, bigEndian: true}
	}
	return br
}

func (u *utf16Reader) unit() (uint16, error) {
	var b [2]byte
	if _, err := io.ReadFull(u.r, b[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return utf8.RuneError, nil // a dangling byte: one replacement character
		}
		return 0, err
	}
	if u.bigEndian {
		return uint16(b[0])<<8 | uint16(b[1]), nil
	}
	return uint16(b[1])<<8 | uint16(b[0]), nil
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) < len(p) && u.err == nil {
		c, err := u.unit()
		if err != nil {
			u.err = err
			break
		}
		r := rune(c)
		if utf16.IsSurrogate(r) {
			c2, err := u.unit()
			if err != nil {
				u.err = err
				r = utf8.RuneError
			} else {
				r = utf16.DecodeRune(r, rune(c2))
			}
		}
		u.out = utf8.AppendRune(u.out, r)
	}
	n := copy(p, u.out)
	u.out = u.out[:copy(u.out, u.out[n:])]
	if n == 0 && u.err != nil {
		return 0, u.err
	}
	return n, nil
}
