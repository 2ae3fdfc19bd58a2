package live

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/lpetrust/lpetrust/truststore/inputfile"
)

// DefaultPorts are the ports a target without one is checked on: SIP over
// TLS (implicit TLS, Front End and Director) and HTTPS web services.
var DefaultPorts = []int{5061, 443}

// WebPort is the only port checked on discovered web service names
// (lyncdiscoverinternal.DOMAIN, ucupdates-r2.DOMAIN).
const WebPort = 443

// Target is one parsed target: a host name or IP address and, when given,
// a port.
type Target struct {
	// Host is a DNS name (lower case, no trailing dot) or an IP address.
	Host string
	// Port is 0 when the target did not name one.
	Port int
}

// IsIP reports whether the target is an IP address rather than a name.
func (t Target) IsIP() bool {
	_, err := netip.ParseAddr(t.Host)
	return err == nil
}

// ParseTarget parses "host", "host:port", an IPv4 or IPv6 address, or
// "[v6]:port".
func ParseTarget(s string) (Target, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Target{}, fmt.Errorf("target %q: empty", s)
	}
	if a, err := netip.ParseAddr(in); err == nil {
		if a.Zone() != "" {
			return Target{}, fmt.Errorf("target %q: zoned IPv6 addresses are not supported", s)
		}
		return Target{Host: a.Unmap().String()}, nil
	}
	host, port := in, 0
	if h, p, err := net.SplitHostPort(in); err == nil {
		n, perr := strconv.Atoi(p)
		if perr != nil || n < 1 || n > 65535 {
			return Target{}, fmt.Errorf("target %q: port %q is not a number from 1 to 65535", s, p)
		}
		host, port = h, n
	} else if strings.ContainsAny(in, ":[]") {
		return Target{}, fmt.Errorf("target %q: want host, host:port or [IPv6]:port", s)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return Target{}, fmt.Errorf("target %q: zoned IPv6 addresses are not supported", s)
		}
		return Target{Host: a.Unmap().String(), Port: port}, nil
	}
	name, err := checkHostName(host)
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w", s, err)
	}
	return Target{Host: name, Port: port}, nil
}

// checkHostName validates a DNS host name and returns it in lower case
// without a trailing dot.
func checkHostName(h string) (string, error) {
	name := strings.ToLower(strings.TrimSuffix(h, "."))
	if name == "" || len(name) > 253 {
		return "", fmt.Errorf("%q is not a host name", h)
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", fmt.Errorf("%q is not a host name", h)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return "", fmt.Errorf("%q is not a host name", h)
			}
		}
	}
	return name, nil
}

// CheckDomain validates a SIP domain given to discovery.
func CheckDomain(d string) (string, error) {
	name, err := checkHostName(d)
	if err != nil {
		return "", fmt.Errorf("domain %q: %w", d, err)
	}
	if !strings.Contains(name, ".") {
		return "", fmt.Errorf("domain %q: not a fully qualified domain", d)
	}
	return name, nil
}

// MaxTargetsFile caps a targets file (one target per line).
const MaxTargetsFile = inputfile.MaxTargets

// ReadTargets reads a targets file: one target per line, blank lines and
// text after '#' ignored, UTF-8 or UTF-16 with a byte order mark (what
// PowerShell 5's Out-File writes). source names the file in errors, which
// also give the line number.
func ReadTargets(r io.Reader, source string) ([]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxTargetsFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if len(data) > MaxTargetsFile {
		return nil, fmt.Errorf("%s: larger than %d bytes; not a targets file", source, MaxTargetsFile)
	}
	var out []string
	sc := bufio.NewScanner(strings.NewReader(string(inputfile.WindowsText(data))))
	sc.Buffer(make([]byte, 0, 4096), MaxTargetsFile)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		if _, err := ParseTarget(text); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", source, line, err)
		}
		out = append(out, text)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no targets", source)
	}
	return out, nil
}
