package adpublish

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// Change is one LDAP write, as LDIF (RFC 2849) describes it.
type Change struct {
	DN   string
	Type ChangeType
	// Op is the modify operation (OpAdd or OpDelete) for ChangeModify.
	Op    string
	Attrs []Attr
}

// ChangeType is an LDIF changetype.
type ChangeType string

// Change types and modify operations.
const (
	ChangeAdd    ChangeType = "add"
	ChangeModify ChangeType = "modify"
	ChangeDelete ChangeType = "delete"
	OpAdd                   = "add"
	OpDelete                = "delete"
)

// Attr is an attribute with its values.
type Attr struct {
	Name   string
	Values [][]byte
}

func (a Attr) strings() []string {
	s := make([]string, len(a.Values))
	for i, v := range a.Values {
		s[i] = string(v)
	}
	return s
}

// WriteLDIF writes changes as LDIF that ldapmodify accepts; comment lines
// (each prefixed with "# ") come first.
func WriteLDIF(w io.Writer, changes []Change, comments ...string) error {
	var b strings.Builder
	b.WriteString("version: 1\n")
	for _, c := range comments {
		b.WriteString("# " + c + "\n")
	}
	for _, c := range changes {
		b.WriteString("\n")
		writeLine(&b, "dn", []byte(c.DN))
		b.WriteString("changetype: " + string(c.Type) + "\n")
		switch c.Type {
		case ChangeAdd:
			for _, a := range c.Attrs {
				for _, v := range a.Values {
					writeLine(&b, a.Name, v)
				}
			}
		case ChangeModify:
			for _, a := range c.Attrs {
				b.WriteString(c.Op + ": " + a.Name + "\n")
				for _, v := range a.Values {
					writeLine(&b, a.Name, v)
				}
				b.WriteString("-\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write LDIF: %w", err)
	}
	return nil
}

// writeLine writes "name: value", or "name:: base64" for a value that is not
// an RFC 2849 SAFE-STRING, folded at 76 columns.
func writeLine(b *strings.Builder, name string, v []byte) {
	line := name + ": " + string(v)
	if !safeString(v) {
		line = name + ":: " + base64.StdEncoding.EncodeToString(v)
	}
	const width = 76
	for first := true; first || line != ""; first = false {
		n := width
		if !first {
			b.WriteByte(' ') // a continuation line starts with one space
			n--
		}
		n = min(n, len(line))
		b.WriteString(line[:n] + "\n")
		line = line[n:]
	}
}

// safeString follows RFC 2849: printable ASCII without NUL, CR, LF, not
// starting with space, colon or "<", and not ending with a space.
func safeString(v []byte) bool {
	if len(v) == 0 {
		return true
	}
	if v[0] == ' ' || v[0] == ':' || v[0] == '<' || v[len(v)-1] == ' ' {
		return false
	}
	for _, c := range v {
		if c == 0 || c == '\n' || c == '\r' || c > 0x7e || c < 0x20 {
			return false
		}
	}
	return true
}
