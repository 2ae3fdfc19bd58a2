package live

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in   string
		want Target
		err  string
	}{
		{"pool.contoso.com", Target{Host: "pool.contoso.com"}, ""},
		{"Pool.Contoso.COM.:5061", Target{Host: "pool.contoso.com", Port: 5061}, ""},
		{"10.0.0.5", Target{Host: "10.0.0.5"}, ""},
		{"10.0.0.5:443", Target{Host: "10.0.0.5", Port: 443}, ""},
		{"::1", Target{Host: "::1"}, ""},
		{"[2001:db8::5]:444", Target{Host: "2001:db8::5", Port: 444}, ""},
		{"[::ffff:10.0.0.5]:443", Target{Host: "10.0.0.5", Port: 443}, ""},
		{"", Target{}, `target "": empty`},
		{"pool.contoso.com:0", Target{}, `target "pool.contoso.com:0": port "0" is not a number from 1 to 65535`},
		{"pool.contoso.com:sip", Target{}, `target "pool.contoso.com:sip": port "sip" is not a number from 1 to 65535`},
		{"a:b:c", Target{}, `target "a:b:c": want host, host:port or [IPv6]:port`},
		{"-pool.contoso.com", Target{}, `target "-pool.contoso.com": "-pool.contoso.com" is not a host name`},
		{"pool contoso", Target{}, `target "pool contoso": "pool contoso" is not a host name`},
		{"fe80::1%eth0", Target{}, `target "fe80::1%eth0": zoned IPv6 addresses are not supported`},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if got != tt.want || msg != tt.err {
			t.Errorf("ParseTarget(%q) = %+v, %q; want %+v, %q", tt.in, got, msg, tt.want, tt.err)
		}
	}
}

func TestReadTargets(t *testing.T) {
	got, err := ReadTargets(strings.NewReader("# pool\nfe1.contoso.com\n\n  fe2.contoso.com:5061  # renewed\n[::1]:443\n"), "fe.txt")
	if err != nil || strings.Join(got, ",") != "fe1.contoso.com,fe2.contoso.com:5061,[::1]:443" {
		t.Errorf("got %q, %v", got, err)
	}
	_, err = ReadTargets(strings.NewReader("ok.contoso.com\nbad host\n"), "fe.txt")
	if err == nil || err.Error() != `fe.txt:2: target "bad host": "bad host" is not a host name` {
		t.Errorf("err = %v", err)
	}
	// PowerShell 5 (Out-File, ">") writes UTF-16 LE with a byte order mark
	// and CRLF; Notepad may add a UTF-8 byte order mark.
	utf16le := []byte{0xff, 0xfe}
	for _, r := range "fe1.contoso.com\r\nfe2.contoso.com:5061\r\n" {
		utf16le = append(utf16le, byte(r), 0)
	}
	for name, data := range map[string][]byte{"utf16le": utf16le, "utf8bom": []byte("\xef\xbb\xbffe1.contoso.com\r\nfe2.contoso.com:5061\r\n")} {
		got, err = ReadTargets(bytes.NewReader(data), name)
		if err != nil || strings.Join(got, ",") != "fe1.contoso.com,fe2.contoso.com:5061" {
			t.Errorf("%s: got %q, %v", name, got, err)
		}
	}
	_, err = ReadTargets(strings.NewReader(strings.Repeat("a", MaxTargetsFile+1)), "big.txt")
	if err == nil || err.Error() != "big.txt: larger than 1048576 bytes; not a targets file" {
		t.Errorf("err = %v", err)
	}
}

// FuzzParseTarget: no input panics, and a parsed target written back as
// host:port parses to itself.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"pool.contoso.com", "pool.contoso.com:5061", "[::1]:443", "10.0.0.1", "a:b", "", "%", "[fe80::1%lo]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		port := tg.Port
		if port == 0 {
			port = 5061
		}
		again, err := ParseTarget(net.JoinHostPort(tg.Host, strconv.Itoa(port)))
		if err != nil || again.Host != tg.Host || again.Port != port {
			t.Fatalf("%q parsed to %+v, which reparses to %+v, %v", s, tg, again, err)
		}
	})
}
