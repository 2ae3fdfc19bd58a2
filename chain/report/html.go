package report

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// MaxHTMLPhones bounds the stranded phones listed in the HTML report; the
// CSV and JSON outputs list every phone.
const MaxHTMLPhones = 500

// HTMLWriter writes one self-contained HTML file: no external scripts,
// fonts or styles. It shows the headline numbers, a bar chart (inline SVG)
// of phones per firmware release with the stranded part highlighted, per
// chain, the fix list and the first MaxHTMLPhones stranded phones.
type HTMLWriter struct {
	w      *bufio.Writer
	s      *Summary
	phones []*Phone
}

// NewHTMLWriter returns a Writer of the HTML format.
func NewHTMLWriter(w io.Writer) *HTMLWriter { return &HTMLWriter{w: bufio.NewWriter(w)} }

// Begin keeps the summary; the page is written at End.
func (h *HTMLWriter) Begin(s *Summary) (bool, error) {
	h.s = s
	return s.StrandedNow(), nil
}

// Phone keeps a stranded phone for the list.
func (h *HTMLWriter) Phone(p *Phone) error {
	if !p.Stranded() {
		return nil
	}
	h.phones = append(h.phones, p)
	if len(h.phones) == MaxHTMLPhones {
		return ErrEnough
	}
	return nil
}

// Chart geometry, in SVG user units.
const (
	chartBarWidth = 28
	chartGap      = 26
	chartHeight   = 180
	chartTop      = 20
	chartLeft     = 44
	chartBottom   = 46
)

type bar struct {
	X, W                       int
	TrustedY, TrustedH         int
	ExpiringY, ExpiringH       int
	StrandedY, StrandedH       int
	LabelX, LabelY             int
	Release, Versions          string
	Phones, Stranded, Expiring int
	CountY                     int
}

type chart struct {
	Name, Title   string
	Width, Height int
	AxisY         int
	Max           int
	Bars          []bar
	Ticks         []tick
}

type tick struct {
	Y     int
	Label int
}

func buildChart(c ChainSummary) chart {
	ch := chart{Name: c.Name, Title: fmt.Sprintf("Phones per firmware release, stranded part highlighted: %s", c.Name)}
	max := 1
	for _, r := range c.ByRelease {
		if r.Phones > max {
			max = r.Phones
		}
	}
	ch.Max = max
	ch.Width = chartLeft + len(c.ByRelease)*(chartBarWidth+chartGap) + chartGap
	ch.Height = chartTop + chartHeight + chartBottom
	ch.AxisY = chartTop + chartHeight
	scale := func(n int) int { return (n*chartHeight + max/2) / max }
	for i := 0; i <= 4; i++ {
		v := max * i / 4
		ch.Ticks = append(ch.Ticks, tick{Y: ch.AxisY - scale(v), Label: v})
	}
	for i, r := range c.ByRelease {
		x := chartLeft + chartGap + i*(chartBarWidth+chartGap)
		b := bar{X: x, W: chartBarWidth, Release: r.Release, Versions: strings.Join(r.Versions, ", "),
			Phones: r.Phones, Stranded: r.Stranded, Expiring: r.Expiring}
		y := ch.AxisY
		b.StrandedH = scale(r.Stranded)
		y -= b.StrandedH
		b.StrandedY = y
		b.ExpiringH = scale(r.Expiring)
		y -= b.ExpiringH
		b.ExpiringY = y
		b.TrustedH = scale(r.Phones) - b.StrandedH - b.ExpiringH
		if b.TrustedH < 0 {
			b.TrustedH = 0
		}
		y -= b.TrustedH
		b.TrustedY = y
		b.CountY = y - 4
		b.LabelX = x + chartBarWidth/2
		b.LabelY = ch.AxisY + 14
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

type htmlPage struct {
	S       *Summary
	Charts  []chart
	Phones  []*Phone
	More    bool
	Other   string
	Created string
}

// End writes the page.
func (h *HTMLWriter) End() error {
	p := htmlPage{S: h.s, Phones: h.phones, Other: otherList(h.s.Inventory.Other)}
	if len(h.phones) == MaxHTMLPhones {
		p.More = true
	}
	for _, c := range h.s.Chains {
		p.Charts = append(p.Charts, buildChart(c))
	}
	if err := pageTemplate.Execute(h.w, p); err != nil {
		return err
	}
	return h.w.Flush()
}

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"day": func(t time.Time) string { return day(t) },
	"dayp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return day(*t)
	},
	"pct": func(n, of int) string {
		if of == 0 {
			return "0%"
		}
		return fmt.Sprintf("%.0f%%", float64(n)*100/float64(of))
	},
	"minrel": func(s *string) string {
		if s == nil {
			return "none"
		}
		return *s
	},
	"add":  func(a, b int) int { return a + b },
	"join": strings.Join,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lync Phone Edition certificate report</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#1d1d1f;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
.headline{display:flex;flex-wrap:wrap;gap:1em}
.card{border:1px solid #ddd;border-radius:6px;padding:.8em 1.2em;min-width:14em}
.card .big{font-size:2em;font-weight:bold}
.bad{color:#b00020}.warn{color:#a05a00}.ok{color:#1b7f3b}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;font-size:.9em}
th{background:#f4f4f4}
svg .trusted{fill:#5aa469}svg .expiring{fill:#f0a030}svg .stranded{fill:#d7263d}
svg text{font-size:11px;fill:#333}svg .axis{stroke:#888;stroke-width:1}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;background:#f6f6f6}
pre{padding:.5em;overflow-x:auto}
.legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:middle}
</style>
</head>
<body>
<h1>Lync Phone Edition certificate report</h1>
<p>Inventory <code>{{.S.Inventory.Source}}</code> ({{.S.Inventory.Format}}): {{.S.Inventory.Records}} records,
<strong>{{.S.Inventory.Phones}} phones</strong>{{if .S.Inventory.DuplicateRows}} ({{.S.Inventory.DuplicateRows}} older registrations of the same MAC not counted){{end}},
{{if .Other}}{{.Other}} skipped (not LPE phones), {{end}}{{.S.Inventory.BadRows}} unparsable rows.
Judged at {{day .S.At}}; known expiries looked for within {{.S.HorizonDays}} days.</p>
<div class="headline">
{{range .S.Chains}}<div class="card"><div>{{.Name}} <small>({{.Kind}})</small></div>
<div class="big {{if .Stranded}}bad{{else}}ok{{end}}">{{.Stranded}} of {{.Phones}} stranded</div>
<div>{{pct .Stranded .Phones}} of the phones; minimum release {{minrel .MinimumRelease}}</div>
{{if .Expiring}}<div class="warn">{{.Expiring}} more stranded within the horizon{{range .ExpiringDates}} ({{.Phones}} on {{day .Date}}){{end}}</div>{{end}}
</div>
{{end}}</div>
{{range $i, $c := .S.Chains}}{{$ch := index $.Charts $i}}
<h2>{{$c.Name}}</h2>
{{if $c.Chain}}<p>Leaf <code>{{(index $c.Chain 0).Name}}</code>, expires {{day (index $c.Chain 0).NotAfter}}; chain ends at <code>{{(index $c.Chain (add (len $c.Chain) -1)).Name}}</code>.</p>{{end}}
{{if $c.Blocker}}<p class="bad">Every phone is stranded: {{$c.Blocker}}</p>{{end}}
{{range $c.Notes}}<p>Note: {{.}}</p>{{end}}
{{range $c.Reasons}}<p class="bad">Stranded ({{join .Stores ", "}}, {{.Phones}} phones): {{.Reason}}</p>{{end}}
<p class="legend"><span class="trusted" style="background:#5aa469"></span>trusted<span style="background:#f0a030"></span>stranded within the horizon<span style="background:#d7263d"></span>stranded now</p>
<svg class="chart" data-chain="{{$ch.Name}}" xmlns="http://www.w3.org/2000/svg" width="{{$ch.Width}}" height="{{$ch.Height}}" viewBox="0 0 {{$ch.Width}} {{$ch.Height}}" role="img" aria-label="{{$ch.Title}}">
<title>{{$ch.Title}}</title>
<line class="axis" x1="40" y1="{{$ch.AxisY}}" x2="{{$ch.Width}}" y2="{{$ch.AxisY}}"/>
{{range $ch.Ticks}}<text x="36" y="{{.Y}}" text-anchor="end">{{.Label}}</text>
{{end}}{{range $ch.Bars}}<g class="release" data-release="{{.Release}}" data-phones="{{.Phones}}" data-stranded="{{.Stranded}}">
<title>{{.Release}} ({{.Versions}}): {{.Phones}} phones, {{.Stranded}} stranded, {{.Expiring}} expiring</title>
<rect class="trusted" x="{{.X}}" y="{{.TrustedY}}" width="{{.W}}" height="{{.TrustedH}}"/>
<rect class="expiring" x="{{.X}}" y="{{.ExpiringY}}" width="{{.W}}" height="{{.ExpiringH}}"/>
<rect class="stranded" x="{{.X}}" y="{{.StrandedY}}" width="{{.W}}" height="{{.StrandedH}}"/>
<text x="{{.LabelX}}" y="{{.CountY}}" text-anchor="middle">{{.Phones}}</text>
<text x="{{.LabelX}}" y="{{.LabelY}}" text-anchor="middle">{{.Release}}</text>
</g>
{{end}}</svg>
<h3>What to do, least effort first</h3>
{{if $c.Fixes}}<ol>{{range $c.Fixes}}<li><strong>{{.Title}}</strong>: brings back {{.Phones}} phones ({{.Effort}}).
{{if .Commands}}<pre>{{range .Commands}}{{.}}
{{end}}</pre>{{end}}{{if .Note}}<br><small>{{.Note}}</small>{{end}}</li>
{{end}}</ol>{{else if $.S.NoPhone}}<p class="warn">No fix to give: {{$.S.NoPhone}}.</p>{{else}}<p class="ok">No fix needed.</p>{{end}}
<h3>Per device family and model</h3>
<table><tr><th>Family</th><th>Model</th><th>Firmware</th><th>Release</th><th>Phones</th><th>Stranded</th><th>Expiring</th></tr>
{{range $c.ByModel}}<tr><td>{{.Family}}</td><td>{{.Model}}</td><td>{{.Version}}</td><td>{{.Release}}</td><td>{{.Phones}}</td><td{{if .Stranded}} class="bad"{{end}}>{{.Stranded}}</td><td>{{.Expiring}}</td></tr>
{{end}}</table>
<table><tr><th>Family</th><th>Minimum firmware that trusts this chain</th><th>Phones</th><th>Stranded</th></tr>
{{range $c.ByFamily}}<tr><td>{{.Family}}</td><td>{{if .MinimumVersion}}{{.MinimumVersion}} ({{.MinimumRelease}}){{else}}no such build{{end}}</td><td>{{.Phones}}</td><td>{{.Stranded}}</td></tr>
{{end}}</table>
{{range $c.Findings}}<p>Finding ({{.Severity}}, {{.Basis}}): {{.Message}}</p>{{end}}
{{end}}
{{if .Phones}}<h2>Stranded phones</h2>
<table><tr><th>Line</th><th>MAC</th><th>User</th><th>Model</th><th>Firmware</th><th>Release</th><th>Chain</th><th>Reason</th></tr>
{{range $p := .Phones}}{{range .Verdicts}}{{if eq .Status "stranded"}}<tr><td>{{$p.Line}}</td><td>{{$p.MAC}}</td><td>{{$p.UserURI}}</td><td>{{$p.Manufacturer}} {{$p.Model}}</td><td>{{$p.Firmware}}</td><td>{{$p.Release}}</td><td>{{.Chain}}</td><td>{{.Reason}}</td></tr>
{{end}}{{end}}{{end}}</table>
{{if .More}}<p>Only the first {{len .Phones}} stranded phones are listed; the CSV and JSON outputs list every phone.</p>{{end}}{{end}}
{{if .S.Inventory.Problems}}<h2>Unparsable rows</h2><ul>{{range .S.Inventory.Problems}}<li>line {{.Line}}: {{.Reason}}</li>{{end}}</ul>{{end}}
<h2>Assumptions</h2><ul>{{range .S.Assumptions}}<li>{{.}}</li>{{end}}</ul>
</body>
</html>
`))
