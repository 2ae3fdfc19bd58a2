package estate

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lpetrust/lpetrust/chain/live"
)

// Get-CsPool columns, by normalized header name.
const (
	colIdentity = "identity"
	colFQDN     = "fqdn"
	colServices = "services"
	colComputer = "computers"
	colSite     = "site"
	colBackup   = "backuppoolfqdn"
)

var headerAliases = map[string]string{
	"identity": colIdentity, "fqdn": colFQDN, "poolfqdn": colFQDN, "pool": colFQDN,
	"services": colServices, "computers": colComputer, "machines": colComputer,
	"site": colSite, "siteid": colSite, "sitename": colSite,
	"backuppoolfqdn": colBackup, "backuppool": colBackup, "backupregistrarpool": colBackup,
}

func headerKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// readPoolsCSV reads Get-CsPool exported with Export-Csv: joined (one
// value per pool per column, lists separated by ';') or raw (a #TYPE line,
// and the lists as their .NET type name).
func readPoolsCSV(text []byte) (*Estate, error) {
	e := &Estate{Format: FormatPoolsCSV}
	lineNo := 1
	if bytes.HasPrefix(text, []byte("#TYPE")) {
		e.Format = FormatPoolsRawCSV
		nl := bytes.IndexByte(text, '\n')
		if nl < 0 {
			return nil, errors.New("a #TYPE line and nothing else: no Get-CsPool rows")
		}
		text = text[nl+1:]
		lineNo = 2
	}
	first, _, _ := bytes.Cut(text, []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comma = delimiter(first)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", lineNo, csvErr(err))
	}
	cols := map[string]int{}
	for i, h := range header {
		if c, ok := headerAliases[headerKey(h)]; ok {
			if _, dup := cols[c]; !dup {
				cols[c] = i
			}
		}
	}
	_, hasFQDN := cols[colFQDN]
	_, hasID := cols[colIdentity]
	if !hasFQDN && !hasID {
		return nil, fmt.Errorf("%w: no Fqdn or Identity column in the header (line %d)", ErrUnknownFormat, lineNo)
	}
	field := func(rec []string, c string) string {
		i, ok := cols[c]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	typeNames := map[string]bool{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("line %d: %w", pe.Line+lineNo-1, pe.Err)
			}
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		line += lineNo - 1
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		name := field(rec, colFQDN)
		if name == "" {
			name = field(rec, colIdentity)
		}
		fqdn, err := hostName(name)
		if err != nil {
			return nil, fmt.Errorf("line %d: pool %w", line, err)
		}
		p := Pool{FQDN: fqdn, Site: siteName(field(rec, colSite)), SIPPort: DefaultSIPPort}
		if b := field(rec, colBackup); b != "" {
			if p.Backup, err = hostName(b); err != nil {
				return nil, fmt.Errorf("line %d: backup pool %w", line, err)
			}
		}
		services, computers := field(rec, colServices), field(rec, colComputer)
		switch {
		case isTypeName(services):
			typeNames[colServices] = true
			p.Kind = KindUnknown
		case !hasColumn(cols, colServices):
			p.Kind = KindUnknown
		default:
			p.Services = splitList(services)
			p.Kind = kindOfServices(p.Services)
		}
		if isTypeName(computers) {
			typeNames[colComputer] = true
		} else {
			for _, m := range splitList(computers) {
				mn, err := hostName(m)
				if err != nil {
					return nil, fmt.Errorf("line %d: computer %w", line, err)
				}
				if !contains(p.Machines, mn) {
					p.Machines = append(p.Machines, mn)
				}
			}
		}
		if p.Kind == "" {
			e.Skipped = append(e.Skipped, p.FQDN)
			continue
		}
		if p.Kind == KindFrontEnd || p.Kind == KindDirector || p.Kind == KindUnknown {
			p.WebPorts = []int{DefaultWebPort}
		}
		if p.Machines == nil {
			p.Machines = []string{}
		}
		if p.Services == nil {
			p.Services = []string{}
		}
		e.Pools = append(e.Pools, p)
	}
	if typeNames[colServices] {
		e.Unread = append(e.Unread, "Services holds a type name, not the pool's services (Export-Csv without joining them): which pools are registrars is unknown, so every pool is audited")
	} else if !hasColumn(cols, colServices) {
		e.Unread = append(e.Unread, "no Services column: which pools are registrars is unknown, so every pool is audited")
	}
	if typeNames[colComputer] {
		e.Unread = append(e.Unread, "Computers holds a type name, not the pool's servers (Export-Csv without joining them): each pool is audited by its FQDN only, not server by server")
	} else if !hasColumn(cols, colComputer) {
		e.Unread = append(e.Unread, "no Computers column: each pool is audited by its FQDN only, not server by server")
	}
	e.Unread = append(e.Unread, "Get-CsPool gives no ports: SIP/TLS on 5061 and web services on 443 are assumed (the topology XML has the configured ports)")
	return e, nil
}

func hasColumn(cols map[string]int, c string) bool {
	_, ok := cols[c]
	return ok
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// delimiter is Export-Csv's comma, or the list separator -UseCulture
// writes (';' in much of Europe).
func delimiter(header []byte) rune {
	best, d := 0, ','
	for _, c := range []rune{',', ';', '\t'} {
		if n := bytes.Count(header, []byte(string(c))); n > best {
			best, d = n, c
		}
	}
	return d
}

// isTypeName recognises what Export-Csv writes for a collection it did not
// flatten: "System.Collections.Generic.List`1[System.String]",
// "Microsoft.Rtc.Management.Xds….", "System.Object[]".
func isTypeName(s string) bool {
	if s == "" || strings.ContainsAny(s, ":; ") {
		return false
	}
	return strings.HasPrefix(s, "System.") || strings.HasPrefix(s, "Microsoft.") || strings.ContainsAny(s, "`[")
}

// splitList splits a joined multi-valued property: ';' (the -join the
// help prints), ',' or white space between values.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ';' || r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '{' || r == '}'
	}) {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// siteName strips the "Site:" of a site identity.
func siteName(s string) string {
	if len(s) > 5 && strings.EqualFold(s[:5], "site:") {
		return strings.TrimSpace(s[5:])
	}
	return s
}

// kindOfServices tells a pool's kind from Get-CsPool's Services
// ("Registrar:pool01.contoso.com", "UserServer:…", "WebServer:…"): a
// registrar with user services is a Front End pool, one with web services
// only a Director, one with neither a branch appliance; "" for a pool
// without a registrar.
func kindOfServices(services []string) Kind {
	has := map[string]bool{}
	for _, s := range services {
		role, _, _ := strings.Cut(s, ":")
		has[strings.ToLower(role)] = true
	}
	switch {
	case !has["registrar"]:
		return ""
	case has["userserver"] || has["userservices"]:
		return KindFrontEnd
	case has["webserver"] || has["webservices"]:
		return KindDirector
	}
	return KindBranch
}

// hostName validates and normalizes a pool or machine FQDN.
func hostName(s string) (string, error) {
	t, err := live.ParseTarget(s)
	if err != nil || t.IsIP() || t.Port != 0 {
		return "", fmt.Errorf("%q is not a fully qualified domain name", s)
	}
	return t.Host, nil
}
