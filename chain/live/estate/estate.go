// Package estate reads what Lync / Skype for Business Server says about
// its own servers — the pools of Get-CsPool exported to CSV (joined, or
// the raw Export-Csv shape with its #TYPE line) and the topology document
// of (Get-CsTopology -AsXml).ToString() — and turns it into what lpetrust
// audits: every registrar pool and branch appliance, the FQDN of every
// machine in it, its SIP/TLS and web services ports, its site and its
// backup pool.
//
// Files are read as Windows writes them: UTF-16 with a byte-order mark
// (PowerShell 5.1's Out-File), UTF-8 with or without one, CRLF line ends.
package estate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/lpetrust/lpetrust/chain"
)

// Format is the kind of file an Estate was read from.
type Format string

// Formats Read understands.
const (
	// FormatPoolsCSV is Get-CsPool exported to CSV with its multi-valued
	// properties (Services, Computers) joined.
	FormatPoolsCSV Format = "get-cspool-csv"
	// FormatPoolsRawCSV is Get-CsPool | Export-Csv as is: a #TYPE line,
	// and type names where Services and Computers should be.
	FormatPoolsRawCSV Format = "get-cspool-csv-raw"
	// FormatTopology is the topology document of Get-CsTopology -AsXml.
	FormatTopology Format = "topology-xml"
)

// Kind says what a pool is to a phone.
type Kind string

// Pool kinds.
const (
	// KindFrontEnd is a Front End pool (or Standard Edition server): a
	// registrar with user services, where phones register.
	KindFrontEnd Kind = "front-end"
	// KindDirector is a Director pool: a registrar without user services,
	// which authenticates phones and redirects them to their pool.
	KindDirector Kind = "director"
	// KindBranch is a Survivable Branch Appliance or Server: a registrar
	// at a branch site, where the branch's phones register.
	KindBranch Kind = "branch"
	// KindUnknown is a pool whose services could not be read (the raw
	// Export-Csv shape): it may or may not be a registrar.
	KindUnknown Kind = "unknown"
)

// Default ports, used where the file does not give them: SIP over TLS and
// internal web services. Get-CsPool carries no ports; the topology does.
const (
	DefaultSIPPort = 5061
	DefaultWebPort = 443
)

// Pool is one registrar pool or branch appliance of the estate.
type Pool struct {
	// FQDN is the pool's name, lower case.
	FQDN string `json:"fqdn"`
	Kind Kind   `json:"kind"`
	// Site is the name of the pool's site ("" when the file does not say).
	Site string `json:"site"`
	// BranchSite is true when the site is a branch site (topology only).
	BranchSite bool `json:"branch_site"`
	// Backup is the FQDN of the backup registrar pool; "" when none is given.
	Backup string `json:"backup_pool"`
	// Machines are the FQDNs of the pool's servers, lower case, in file order.
	Machines []string `json:"machines"`
	// SIPPort is the registrar's SIP/TLS port.
	SIPPort int `json:"sip_port"`
	// WebPorts are the web services' HTTPS ports: the internal one (443),
	// and the external web services' (4443) where the topology has them.
	// Empty for a pool without web services (a branch appliance).
	WebPorts []int `json:"web_ports"`
	// Services are the pool's service roles as the file names them.
	Services []string `json:"services"`
}

// Registrar reports whether phones register to the pool (a Front End pool
// or a branch appliance), or may (a pool of unknown kind).
func (p *Pool) Registrar() bool {
	return p.Kind == KindFrontEnd || p.Kind == KindBranch || p.Kind == KindUnknown
}

// Ports are every port of the pool worth auditing: SIP/TLS, then web services.
func (p *Pool) Ports() []int {
	out := []int{p.SIPPort}
	for _, w := range p.WebPorts {
		if w != p.SIPPort {
			out = append(out, w)
		}
	}
	return out
}

// Names are the pool's FQDN and its machines' FQDNs, each once.
func (p *Pool) Names() []string {
	out := []string{p.FQDN}
	for _, m := range p.Machines {
		if m != p.FQDN {
			out = append(out, m)
		}
	}
	return out
}

// Estate is what one file says about the deployment.
type Estate struct {
	// Source names the file in messages.
	Source string `json:"source"`
	Format Format `json:"format"`
	// Pools are the registrar pools, Directors and branch appliances
	// (with the raw CSV shape: every pool), ordered by site then FQDN.
	Pools []Pool `json:"pools"`
	// Skipped are the other pools (SQL stores, file stores, Edge,
	// Mediation…) by FQDN: not audited.
	Skipped []string `json:"skipped"`
	// Unread says, one sentence each, what the file held that could not
	// be read and what was assumed instead.
	Unread []string `json:"unread"`
}

// Pool returns the pool with the FQDN or a machine of that FQDN (any case), or nil.
func (e *Estate) Pool(name string) *Pool {
	n := normalize(name)
	for i := range e.Pools {
		if e.Pools[i].FQDN == n {
			return &e.Pools[i]
		}
	}
	for i := range e.Pools {
		for _, m := range e.Pools[i].Machines {
			if m == n {
				return &e.Pools[i]
			}
		}
	}
	return nil
}

// Sites are the sites of the pools, in order, each once.
func (e *Estate) Sites() []string {
	var out []string
	for _, p := range e.Pools {
		if p.Site != "" && !contains(out, p.Site) {
			out = append(out, p.Site)
		}
	}
	return out
}

// MaxFileSize caps an estate file; a topology of hundreds of pools is a few MB.
const MaxFileSize = 64 << 20

// ErrUnknownFormat is returned (wrapped) for a file that is neither a
// Get-CsPool CSV nor a topology document.
var ErrUnknownFormat = errors.New("not a Get-CsPool CSV export nor a topology XML document")

// ReadFile reads an estate file; errors name the file.
func ReadFile(path string) (*Estate, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	return Read(f, path)
}

// Read detects the file's format and reads it. source names the file in
// errors, which are one line: the file and the problem.
func Read(r io.Reader, source string) (*Estate, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB; not an estate file", source, MaxFileSize>>20)
	}
	text := chain.WindowsText(data)
	if bytes.IndexByte(text, 0) >= 0 {
		return nil, fmt.Errorf("%s: binary data (NUL bytes): %w", source, ErrUnknownFormat)
	}
	trimmed := bytes.TrimSpace(text)
	var e *Estate
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("%s: empty file: %w", source, ErrUnknownFormat)
	case trimmed[0] == '<':
		e, err = readTopology(trimmed)
	default:
		e, err = readPoolsCSV(trimmed)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	e.Source = source
	e.sort()
	if len(e.Pools) == 0 {
		return nil, fmt.Errorf("%s: no registrar pool, Director or branch appliance in it", source)
	}
	if e.Skipped == nil {
		e.Skipped = []string{}
	}
	if e.Unread == nil {
		e.Unread = []string{}
	}
	return e, nil
}

func (e *Estate) sort() {
	sort.SliceStable(e.Pools, func(i, j int) bool {
		a, b := e.Pools[i], e.Pools[j]
		if a.Site != b.Site {
			return a.Site < b.Site
		}
		return a.FQDN < b.FQDN
	})
	sort.Strings(e.Skipped)
}

func normalize(s string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
