package inputfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"unicode/utf16"
)

// WindowsText returns text the way Windows tools may have written it
// (UTF-16 with a byte order mark, as PowerShell 5's Out-File and ">" do, or
// UTF-8 with a byte order mark, as Notepad does) as plain UTF-8. Other data
// is returned unchanged.
func WindowsText(b []byte) []byte {
	var order binary.ByteOrder
	switch {
	case len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf:
		return b[3:]
	case len(b) >= 2 && b[0] == 0xff && b[1] == 0xfe:
		order = binary.LittleEndian
	case len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff:
		order = binary.BigEndian
	default:
		return b
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 2; i+1 < len(b); i += 2 {
		u = append(u, order.Uint16(b[i:]))
	}
	return []byte(string(utf16.Decode(u)))
}

// PasswordLine decodes a password file: its first line, without the line
// end, of text as Windows tools write it (see WindowsText). The password
// files of PKCS#12 inputs and of LDAP binds are read the same way.
func PasswordLine(data []byte) []byte {
	line, _, _ := bytes.Cut(WindowsText(data), []byte("\n"))
	return bytes.TrimRight(line, "\r")
}

// ErrEmptyPassword: a password file whose first line is empty.
var ErrEmptyPassword = errors.New("the first line is empty")

// ReadPassword reads a password file (at most MaxPassword bytes) and
// returns its first line (see PasswordLine), which must not be empty.
func ReadPassword(path string) ([]byte, error) {
	data, err := Read(path, MaxPassword)
	if err != nil {
		return nil, err
	}
	pw := PasswordLine(data)
	if len(pw) == 0 {
		return nil, ErrEmptyPassword
	}
	return pw, nil
}
