package inputfile

import (
	"bytes"
	"testing"
	"unicode/utf16"
)

// FuzzPasswordLine: the password-file decoder (PKCS#12 and LDAP password
// files alike) returns the first line, without its line end, of the text as
// Windows tools write it: plain UTF-8 as it is, UTF-8 without its byte order
// mark, UTF-16 (either byte order, with its mark) decoded.
func FuzzPasswordLine(f *testing.F) {
	for _, s := range []string{"Sup3r-secret\n", "pw\r\nrest", "\xef\xbb\xbfpw\r\n", "\xff\xfep\x00w\x00\r\x00\n\x00", "\xfe\xff\x00p\x00w", "", "\n", "\xff\xfe\x00"} {
		f.Add([]byte(s))
	}
	firstLine := func(b []byte) []byte {
		line, _, _ := bytes.Cut(b, []byte("\n"))
		return bytes.TrimRight(line, "\r")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := PasswordLine(data)
		if bytes.Contains(got, []byte("\n")) || bytes.HasSuffix(got, []byte("\r")) {
			t.Fatalf("PasswordLine(%q) = %q: holds a line end", data, got)
		}
		var want []byte
		switch {
		case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
			want = firstLine(data[3:])
		case len(data) >= 2 && (data[0] == 0xff && data[1] == 0xfe || data[0] == 0xfe && data[1] == 0xff):
			u := make([]uint16, 0, len(data)/2)
			for i := 2; i+1 < len(data); i += 2 {
				if data[0] == 0xff {
					u = append(u, uint16(data[i])|uint16(data[i+1])<<8)
				} else {
					u = append(u, uint16(data[i])<<8|uint16(data[i+1]))
				}
			}
			want = firstLine([]byte(string(utf16.Decode(u))))
		default:
			want = firstLine(data)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("PasswordLine(%q) = %q, want %q", data, got, want)
		}
	})
}
