package report

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lpetrust/lpetrust/chain/remedy"
)

// MaxHTMLPhones bounds the stranded phones listed in the HTML report; the
// CSV and JSON outputs list every phone.
const MaxHTMLPhones = 500

// HTMLWriter writes one self-contained HTML file: no external scripts,
// fonts or styles. It shows the headline numbers; per chain, the trust
// horizon as a step chart (phones trusting the chain over time, every drop
// labelled) and the fix list; a chart comparing the chains per firmware
// release; the first MaxHTMLPhones stranded phones, each referring to its
// chain's reason; and a provenance footer. The charts are inline SVG that
// scale to the viewport; a print stylesheet wraps commands and keeps table
// rows whole.
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
	h.phones = append(h.phones, p.Clone())
	if len(h.phones) == MaxHTMLPhones {
		return ErrEnough
	}
	return nil
}

// Comparison chart geometry, in SVG user units: one row of bars per
// firmware release, one bar per chain, so that the chart grows downwards
// with the releases and its width fits a phone.
const (
	cmpWidth    = 560
	cmpBarH     = 11
	cmpBarGap   = 2
	cmpGroupGap = 12
	cmpTop      = 8
	cmpLeft     = 96 // release labels, then the chain letters
	cmpRight    = 16
	cmpBottom   = 26
)

// compareChart is the per-release bars of every chain on one chart.
type compareChart struct {
	Title         string
	Width, Height int
	AxisY         int
	Left, Right   int
	Ticks         []xTick
	Groups        []releaseGroup
	Chains        []chainKey
}

type chainKey struct {
	Letter, Name string
}

type releaseGroup struct {
	Release, Versions string
	Phones            int
	LabelX, LabelY    int
	Bars              []bar
}

type bar struct {
	Chain, Letter              string
	Y, H                       int
	TrustedX, TrustedW         int
	ExpiringX, ExpiringW       int
	StrandedX, StrandedW       int
	LetterX, LetterY           int
	Phones, Stranded, Expiring int
}

type xTick struct {
	X     int
	Label int
}

type tick struct {
	Y     int
	Label int
}

// chainLetter names the i-th chain on the comparison chart: A, B, …
func chainLetter(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return fmt.Sprintf("%d", i+1)
}

func buildCompare(s *Summary) compareChart {
	ch := compareChart{Width: cmpWidth, Left: cmpLeft, Right: cmpWidth - cmpRight}
	var names []string
	for i, c := range s.Chains {
		ch.Chains = append(ch.Chains, chainKey{Letter: chainLetter(i), Name: c.Name})
		names = append(names, c.Name)
	}
	ch.Title = "Phones per firmware release, trusted, stranded later and stranded now, for " + storeList(names)
	if len(s.Chains) == 0 {
		return ch
	}
	releases := s.Chains[0].ByRelease
	max := 1
	for _, r := range releases {
		if r.Phones > max {
			max = r.Phones
		}
	}
	k := len(s.Chains)
	groupH := k*cmpBarH + (k-1)*cmpBarGap
	ch.AxisY = cmpTop + len(releases)*(groupH+cmpGroupGap)
	ch.Height = ch.AxisY + cmpBottom
	plot := ch.Right - ch.Left
	scale := func(n int) int { return (n*plot + max/2) / max }
	for _, t := range niceTicks(max) {
		ch.Ticks = append(ch.Ticks, xTick{X: ch.Left + scale(t), Label: t})
	}
	for i, r := range releases {
		y0 := cmpTop + i*(groupH+cmpGroupGap) + cmpGroupGap/2
		g := releaseGroup{Release: r.Release, Versions: strings.Join(r.Versions, ", "), Phones: r.Phones,
			LabelX: ch.Left - 18, LabelY: y0 + groupH/2 + 4}
		for ci, c := range s.Chains {
			rc := c.ByRelease[i]
			y := y0 + ci*(cmpBarH+cmpBarGap)
			b := bar{Chain: c.Name, Letter: chainLetter(ci), Y: y, H: cmpBarH,
				Phones: rc.Phones, Stranded: rc.Stranded, Expiring: rc.Expiring,
				LetterX: ch.Left - 4, LetterY: y + cmpBarH - 1}
			x := ch.Left
			b.StrandedX, b.StrandedW = x, scale(rc.Stranded)
			x += b.StrandedW
			b.ExpiringX, b.ExpiringW = x, scale(rc.Expiring)
			x += b.ExpiringW
			b.TrustedX, b.TrustedW = x, scale(rc.Phones)-b.StrandedW-b.ExpiringW
			if b.TrustedW < 0 {
				b.TrustedW = 0
			}
			g.Bars = append(g.Bars, b)
		}
		ch.Groups = append(ch.Groups, g)
	}
	return ch
}

// niceTicks are round values from 0 to max (1, 2 or 5 times a power of
// ten apart, at most six of them) and max itself.
func niceTicks(max int) []int {
	step := 1
	for p := 1; max/step > 5; p *= 10 {
		for _, m := range []int{1, 2, 5, 10} {
			if step = m * p; max/step <= 5 {
				break
			}
		}
	}
	var out []int
	for v := 0; v < max; v += step {
		out = append(out, v)
	}
	if n := len(out); n > 1 && 2*(max-out[n-1]) <= step {
		out = out[:n-1]
	}
	return append(out, max)
}

// Horizon chart geometry, in SVG user units.
const (
	hzWidth  = 560
	hzHeight = 150
	hzTop    = 54
	hzLeft   = 44
	hzRight  = 16
	hzBottom = 30
)

// horizonChart is one chain's trust horizon as a step chart.
type horizonChart struct {
	Title, Summary string
	Width, Height  int
	AxisY, Left    int
	Right          int
	Line, Area     string
	Ticks          []tick
	Years          []yearTick
	Drops          []drop
	Start          drop
}

type yearTick struct {
	X     int
	Label string
}

// drop is one labelled event of the step chart.
type drop struct {
	X, Y                   int
	LabelX, LabelY         int
	Anchor                 string
	Date, Name, Cause      string
	Label                  string
	Stranded, TrustedAfter int
	Stores                 string
}

// label is the drop's text on the chart.
func (d drop) label() string {
	if d.Stranded > 0 {
		return fmt.Sprintf("%s: −%d (%s)", d.Date, d.Stranded, d.Name)
	}
	return fmt.Sprintf("%s: %s, path changes", d.Date, d.Name)
}

// labelWidth estimates the width of a chart label in user units (bold
// 11-unit text: about 7 units per character).
func labelWidth(s string) int { return utf8.RuneCountInString(s) * 7 }

func buildHorizon(s *Summary, c ChainSummary) horizonChart {
	ch := horizonChart{Width: hzWidth, Height: hzTop + hzHeight + hzBottom, AxisY: hzTop + hzHeight, Left: hzLeft, Right: hzWidth - hzRight,
		Title: fmt.Sprintf("Phones trusting %s from %s: %s", c.Name, day(s.At), horizonSummary(c)), Summary: horizonSummary(c)}
	total := c.Phones
	if total < 1 {
		total = 1
	}
	from := s.At
	to := c.HorizonEnd
	if span := to.Sub(from); span < 365*24*time.Hour {
		to = from.AddDate(1, 0, 0)
	} else {
		to = to.Add(span / 12) // room after the last drop
	}
	if lim := from.AddDate(HorizonYears, 0, 0); to.After(lim) {
		to = lim
	}
	xOf := func(t time.Time) int {
		return hzLeft + int(float64(ch.Right-hzLeft)*float64(t.Sub(from))/float64(to.Sub(from))+0.5)
	}
	yOf := func(n int) int { return ch.AxisY - (n*hzHeight+total/2)/total }
	for _, v := range niceTicks(total) {
		ch.Ticks = append(ch.Ticks, tick{Y: yOf(v), Label: v})
	}
	step := 1
	if to.Year()-from.Year() > 6 {
		step = 2
	}
	for y := from.Year() + 1; y <= to.Year(); y += step {
		t := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		if t.After(to) {
			break
		}
		ch.Years = append(ch.Years, yearTick{X: xOf(t), Label: fmt.Sprint(y)})
	}
	n := c.HorizonTrusted
	ch.Start = drop{X: hzLeft, Y: yOf(n), TrustedAfter: n, Date: day(s.At)}
	var line strings.Builder
	fmt.Fprintf(&line, "M%d %d", hzLeft, yOf(n))
	for i, e := range c.Horizon {
		x := xOf(e.Date)
		fmt.Fprintf(&line, " H%d V%d", x, yOf(e.TrustedAfter))
		d := drop{X: x, Y: yOf(e.TrustedAfter), Date: day(e.Date), Name: e.Name, Cause: e.Cause,
			Stranded: e.Stranded, TrustedAfter: e.TrustedAfter, Stores: strings.Join(e.Stores, ", ")}
		// Labels sit in the band above the plot, staggered so that
		// neighbouring drops do not overlap; near the right edge they end
		// at the drop instead of starting there.
		d.LabelY = 14 + (i%3)*14
		d.Anchor, d.LabelX = "start", x+4
		if x+4+labelWidth(d.label()) > hzWidth {
			d.Anchor, d.LabelX = "end", x-4
			if x-4-labelWidth(d.label()) < 0 {
				d.Anchor, d.LabelX = "middle", hzWidth/2
			}
		}
		d.Label = d.label()
		ch.Drops = append(ch.Drops, d)
		n = e.TrustedAfter
	}
	fmt.Fprintf(&line, " H%d", ch.Right)
	ch.Line = line.String()
	ch.Area = ch.Line + fmt.Sprintf(" V%d H%d Z", ch.AxisY, hzLeft)
	return ch
}

// horizonSummary says in a few words how the chain's trust ends.
func horizonSummary(c ChainSummary) string {
	if c.HorizonTrusted == 0 {
		return "no phone trusts it"
	}
	n := len(c.Horizon)
	if n == 0 || c.Horizon[n-1].TrustedAfter > 0 {
		left := c.HorizonTrusted
		if n > 0 {
			left = c.Horizon[n-1].TrustedAfter
		}
		return fmt.Sprintf("%s still %s it on %s", plural(left, "phone", "phones"), pick(left, "trusts", "trust"), day(c.HorizonEnd))
	}
	return fmt.Sprintf("%s %s it, none after %s", plural(c.HorizonTrusted, "phone", "phones"), pick(c.HorizonTrusted, "trusts", "trust"), day(c.HorizonEnd))
}

// strandedRow is one line of the stranded-phones table: a phone and a
// chain that strands it, with the reference to that chain's reason.
type strandedRow struct {
	P        *Phone
	Chain    string
	ReasonID string
	Ref      string
	Reason   string // shown when the chain's reasons do not list it (a backup pool's verdict)
}

// chainSection is what the page shows for one chain.
type chainSection struct {
	C       ChainSummary
	ID      string
	Letter  string
	Horizon horizonChart
	Reasons []reasonRef
}

type reasonRef struct {
	ID, Ref string
	ReasonCount
}

type htmlPage struct {
	S *Summary
	// Pools says whether the inventory or the estate placed phones in
	// pools or sites: only then are the per-pool and per-site tables shown.
	Pools   bool
	Chains  []chainSection
	Compare compareChart
	Rows    []strandedRow
	Listed  int
	More    bool
	Other   string
}

// End writes the page.
func (h *HTMLWriter) End() error {
	s := h.s
	p := htmlPage{S: s, Other: otherList(s.Inventory.Other), Listed: len(h.phones),
		More: len(h.phones) == MaxHTMLPhones, Compare: buildCompare(s), Pools: s.hasPools()}
	refs := map[[2]string]reasonRef{}
	for i, c := range s.Chains {
		sec := chainSection{C: c, ID: fmt.Sprintf("chain-%d", i+1), Letter: chainLetter(i), Horizon: buildHorizon(s, c)}
		for j, r := range c.Reasons {
			ref := reasonRef{ID: fmt.Sprintf("%s-reason-%d", sec.ID, j+1), Ref: fmt.Sprintf("%s%d", sec.Letter, j+1), ReasonCount: r}
			sec.Reasons = append(sec.Reasons, ref)
			refs[[2]string{c.Name, r.Reason}] = ref
		}
		p.Chains = append(p.Chains, sec)
	}
	for _, ph := range h.phones {
		for _, v := range ph.Verdicts {
			if v.Status != StatusStranded {
				continue
			}
			ref := refs[[2]string{v.Chain, v.Reason}]
			p.Rows = append(p.Rows, strandedRow{P: ph, Chain: chainCell(v), ReasonID: ref.ID, Ref: ref.Ref, Reason: v.Reason})
		}
	}
	if err := pageTemplate.Execute(h.w, p); err != nil {
		return err
	}
	return h.w.Flush()
}

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"day":    func(t time.Time) string { return day(t) },
	"moment": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"pct": func(n, of int) string {
		if of == 0 {
			return "0%"
		}
		return fmt.Sprintf("%.0f%%", float64(n)*100/float64(of))
	},
	"n": plural,
	"reach": func(kind string, phones, remaining int) string {
		return remedy.InventoryReach(remedy.Kind(kind), phones, remaining)
	},
	"horizonYears": func() int { return HorizonYears },
	"pick":         pick,
	"add":          func(a, b int) int { return a + b },
	"join":         strings.Join,
	"last": func(cs ChainSummary) string {
		if len(cs.Chain) == 0 {
			return ""
		}
		return cs.Chain[len(cs.Chain)-1].Name
	},
	"after":     trustedAfter,
	"poolCell":  poolCell,
	"siteCell":  siteCell,
	"backup":    backupCell,
	"orUnknown": orUnknown,
	"notInEstate": func(s *Summary, p PoolSummary) bool {
		return p.Pool != "" && !p.InEstate && anyPoolChain(s)
	},
	"minimum": func(fc FamilyCount) string {
		switch {
		case fc.MinimumVersion != "":
			return fc.MinimumVersion + " (" + fc.MinimumRelease + ")"
		case fc.Family == familyLabel(""):
			return "model unknown"
		case fc.Stranded == 0:
			return "none needed: no phone of the family is stranded"
		}
		return "no firmware build of the family trusts this chain"
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lync Phone Edition certificate report</title>
<style>
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;padding:0 2em;color:#1d1d1f;max-width:1100px;line-height:1.4;overflow-wrap:break-word}
p,li,dd,h2,h3,figcaption,.card{overflow-wrap:anywhere}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1em;margin-top:1.5em}
.headline{display:flex;flex-wrap:wrap;gap:1em}
.card{border:1px solid #ddd;border-radius:6px;padding:.8em 1.2em;flex:1 1 16em;min-width:0}
.card .big{font-size:2em;font-weight:bold}
.bad{color:#b00020}.warn{color:#a05a00}.ok{color:#1b7f3b}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;font-size:.9em;vertical-align:top}
th{background:#f4f4f4}td.num,th.num{text-align:right}
.nowrap{white-space:nowrap}
figure{margin:1em 0}figcaption{font-size:.9em;color:#444}
svg.chart{display:block;width:100%;height:auto}
svg .trusted{fill:#5aa469}svg .expiring{fill:#f0a030}svg .stranded{fill:#d7263d}
svg text{font-size:11px;fill:#333}svg .axis{stroke:#888;stroke-width:1}svg .grid{stroke:#e4e4e4;stroke-width:1}
svg .step{fill:none;stroke:#1b7f3b;stroke-width:2}svg .area{fill:#5aa469;fill-opacity:.18}
svg .marker{fill:#d7263d}svg .marker.switch{fill:#fff;stroke:#a05a00;stroke-width:1.5}svg .lead{stroke:#bbb;stroke-dasharray:2 2}
svg .label{font-weight:600}svg .letter{font-size:9px;fill:#555}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;background:#f6f6f6}
code{overflow-wrap:anywhere}
pre{padding:.5em;overflow-x:auto;max-width:100%}
.legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:middle}
footer{margin-top:3em;border-top:1px solid #ccc;font-size:.85em;color:#333}
footer dt{font-weight:600;margin-top:.4em}footer dd{margin:0 0 0 1em;overflow-wrap:anywhere}
@media (max-width:600px){body{padding:0 .6em;margin:.6em auto}.card .big{font-size:1.5em}}
@media print{
@page{margin:14mm 12mm}
body{margin:0;padding:0;max-width:none;font-size:10pt}
.scroll{overflow:visible}
table{width:100%;table-layout:auto}td,th{font-size:8pt;padding:.15em .35em}td{overflow-wrap:anywhere}
thead{display:table-header-group}tr,li,.card,figure,svg{break-inside:avoid;page-break-inside:avoid}
h2,h3{break-after:avoid;page-break-after:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
pre{white-space:pre-wrap;overflow-wrap:anywhere;overflow:visible;max-width:100%}
svg.chart{max-width:100%;max-height:80vh}
a{color:inherit;text-decoration:none}
}
</style>
</head>
<body>
<h1>Lync Phone Edition certificate report</h1>
<p>Inventory <code>{{.S.Inventory.Source}}</code> ({{.S.Inventory.Format}}): {{n .S.Inventory.Records "record" "records"}},
<strong>{{n .S.Inventory.Phones "phone" "phones"}}</strong>{{with .S.Inventory.DuplicateRows}} ({{n . "older registration" "older registrations"}} of the same MAC not counted){{end}},
{{if .Other}}{{.Other}} skipped (not LPE phones), {{end}}{{n .S.Inventory.BadRows "unparsable row" "unparsable rows"}}.
Judged at {{day .S.At}}; known expiries looked for within {{n .S.HorizonDays "day" "days"}}, the trust horizon over {{horizonYears}} years.</p>
<div class="headline">
{{range .Chains}}{{$c := .C}}<div class="card"><div><a href="#{{.ID}}">{{$c.Name}}</a> <small>({{$c.Kind}})</small></div>
<div class="big {{if $c.Stranded}}bad{{else}}ok{{end}}">{{$c.Stranded}} of {{n $c.Phones "phone" "phones"}} stranded</div>
<div>{{pct $c.Stranded $c.Phones}} of the phones; {{if $c.MinimumRelease}}minimum release {{$c.MinimumRelease}}{{else}}no firmware release trusts it{{end}}</div>
{{if $c.Expiring}}<div class="warn">{{$c.Expiring}} more stranded within {{n $.S.HorizonDays "day" "days"}}{{range $c.ExpiringDates}} ({{.Phones}} on {{day .Date}}){{end}}</div>{{end}}
<div>Trust horizon: {{.Horizon.Summary}}</div>
</div>
{{end}}</div>
{{if .Compare.Groups}}<h2>The chains per firmware release</h2>
<figure>
<p class="legend">{{range .Compare.Chains}}<strong>{{.Letter}}</strong> {{.Name}} &nbsp; {{end}}<span style="background:#5aa469"></span>trusted<span style="background:#f0a030"></span>stranded within the horizon<span style="background:#d7263d"></span>stranded now</p>
<svg class="chart compare" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{.Compare.Width}} {{.Compare.Height}}" style="max-width:{{.Compare.Width}}px" role="img" aria-label="{{.Compare.Title}}">
<title>{{.Compare.Title}}</title>
{{range .Compare.Ticks}}<line class="grid" x1="{{.X}}" y1="0" x2="{{.X}}" y2="{{$.Compare.AxisY}}"/><text x="{{.X}}" y="{{add $.Compare.AxisY 16}}" text-anchor="middle">{{.Label}}</text>
{{end}}<line class="axis" x1="{{.Compare.Left}}" y1="{{.Compare.AxisY}}" x2="{{.Compare.Right}}" y2="{{.Compare.AxisY}}"/>
{{range .Compare.Groups}}<g class="release" data-release="{{.Release}}" data-phones="{{.Phones}}">
<title>{{.Release}} ({{.Versions}}): {{n .Phones "phone" "phones"}}</title>
<text x="{{.LabelX}}" y="{{.LabelY}}" text-anchor="end">{{.Release}} ({{.Phones}})</text>
{{range .Bars}}<g class="bar" data-chain="{{.Chain}}" data-stranded="{{.Stranded}}" data-expiring="{{.Expiring}}">
<title>{{.Chain}}: {{n .Phones "phone" "phones"}}, {{.Stranded}} stranded now, {{.Expiring}} stranded later</title>
<rect class="stranded" x="{{.StrandedX}}" y="{{.Y}}" width="{{.StrandedW}}" height="{{.H}}"/>
<rect class="expiring" x="{{.ExpiringX}}" y="{{.Y}}" width="{{.ExpiringW}}" height="{{.H}}"/>
<rect class="trusted" x="{{.TrustedX}}" y="{{.Y}}" width="{{.TrustedW}}" height="{{.H}}"/>
<text class="letter" x="{{.LetterX}}" y="{{.LetterY}}" text-anchor="end">{{.Letter}}</text>
</g>
{{end}}</g>
{{end}}</svg>
<figcaption>One group per firmware release present in the inventory (its phones in brackets), one bar per chain (the letters above): the phones it strands now, those stranded within the horizon and those it does not strand.</figcaption>
</figure>{{end}}
{{if .Pools}}<h2 id="pools">Per registrar pool and site</h2>
<p>Each phone is counted over the chains it meets: its pool's{{if .S.UnknownPoolPhones}}, or every chain when its pool is unknown{{end}}. Per chain: stranded now / stranded later; “-” where the chain does not judge the pool's phones.</p>
<div class="scroll"><table class="pools"><thead><tr><th>Pool</th><th>Site</th><th class="num">Phones</th><th class="num">Safe</th><th class="num">Stranded</th><th class="num">Stranded later</th><th>Backup pool</th><th class="num">Stranded on failover</th>{{range .Chains}}<th class="num">{{.Letter}}. {{.C.Name}}</th>{{end}}</tr></thead><tbody>
{{range $p := .S.Pools}}<tr><td>{{orUnknown .Pool "pool"}}{{if notInEstate $.S .}} (not in the estate){{end}}</td><td>{{orUnknown .Site "site"}}</td><td class="num">{{.Phones}}</td><td class="num">{{.Trusted}}</td><td class="num{{if .Stranded}} bad{{end}}">{{.Stranded}}</td><td class="num">{{.Expiring}}</td><td>{{with .BackupPool}}{{.}}{{else}}-{{end}}</td><td class="num">{{backup .}}</td>{{range $.Chains}}<td class="num nowrap">{{poolCell .C.ByPool $p.Pool}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
{{if .S.UnknownPoolPhones}}<p>{{n .S.UnknownPoolPhones "phone" "phones"}} whose pool the estate does not know {{pick .S.UnknownPoolPhones "is" "are"}} judged against every pool's chain.</p>{{end}}
<div class="scroll"><table class="sites"><thead><tr><th>Site</th><th>Pools</th><th class="num">Phones</th><th class="num">Safe</th><th class="num">Stranded</th><th class="num">Stranded later</th><th class="num">Stranded on failover</th>{{range .Chains}}<th class="num">{{.Letter}}. {{.C.Name}}</th>{{end}}</tr></thead><tbody>
{{range $st := .S.Sites}}<tr><td>{{orUnknown .Site "site"}}</td><td>{{range $i, $p := .Pools}}{{if $i}}, {{end}}{{orUnknown $p "pool"}}{{end}}</td><td class="num">{{.Phones}}</td><td class="num">{{.Trusted}}</td><td class="num{{if .Stranded}} bad{{end}}">{{.Stranded}}</td><td class="num">{{.Expiring}}</td><td class="num">{{.BackupStranded}}</td>{{range $.Chains}}<td class="num nowrap">{{siteCell .C.BySite $st.Site}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{end}}
{{range $sec := .Chains}}{{$c := $sec.C}}{{$h := $sec.Horizon}}
<h2 id="{{$sec.ID}}">{{$sec.Letter}}. {{$c.Name}}</h2>
{{if $c.Chain}}<p>Leaf <code>{{(index $c.Chain 0).Name}}</code>, expires {{day (index $c.Chain 0).NotAfter}}; chain ends at <code>{{last $c}}</code>.</p>{{end}}
{{if $c.Blocker}}<p class="bad">Every phone is stranded: {{$c.Blocker}}</p>{{end}}
{{range $c.Notes}}<p>Note: {{.}}</p>{{end}}
{{if $sec.Reasons}}<h3>Why phones are stranded</h3>
<ul class="reasons">{{range $sec.Reasons}}<li id="{{.ID}}"><strong>{{.Ref}}</strong> ({{join .Stores ", "}}; {{n .Phones "phone" "phones"}}): {{.Reason}}</li>
{{end}}</ul>{{end}}
<h3>Trust horizon</h3>
{{if $c.HorizonTrusted}}<figure>
<svg class="chart horizon" data-chain="{{$c.Name}}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{$h.Width}} {{$h.Height}}" style="max-width:{{$h.Width}}px" role="img" aria-label="{{$h.Title}}">
<title>{{$h.Title}}</title>
{{range $h.Ticks}}<line class="grid" x1="{{$h.Left}}" y1="{{.Y}}" x2="{{$h.Right}}" y2="{{.Y}}"/><text x="{{add $h.Left -4}}" y="{{add .Y 4}}" text-anchor="end">{{.Label}}</text>
{{end}}{{range $h.Years}}<line class="grid" x1="{{.X}}" y1="{{$h.AxisY}}" x2="{{.X}}" y2="{{add $h.AxisY 4}}"/><text x="{{.X}}" y="{{add $h.AxisY 16}}" text-anchor="middle">{{.Label}}</text>
{{end}}<path class="area" d="{{$h.Area}}"/>
<path class="step" d="{{$h.Line}}"/>
<line class="axis" x1="{{$h.Left}}" y1="{{$h.AxisY}}" x2="{{$h.Right}}" y2="{{$h.AxisY}}"/>
<text x="{{add $h.Left 4}}" y="{{add $h.Start.Y -6}}">{{$h.Start.TrustedAfter}} on {{$h.Start.Date}}</text>
{{range $h.Drops}}<g class="drop" data-date="{{.Date}}" data-stranded="{{.Stranded}}" data-trusted-after="{{.TrustedAfter}}">
<title>{{.Date}}: {{.Cause}} ({{.Stores}}); {{n .Stranded "phone" "phones"}} stranded, {{after .TrustedAfter}}</title>
<line class="lead" x1="{{.X}}" y1="{{add .LabelY 4}}" x2="{{.X}}" y2="{{.Y}}"/>
<circle class="marker{{if not .Stranded}} switch{{end}}" cx="{{.X}}" cy="{{.Y}}" r="4"/>
<text class="label" x="{{.LabelX}}" y="{{.LabelY}}" text-anchor="{{.Anchor}}">{{.Label}}</text>
</g>
{{end}}</svg>
<figcaption>Phones of the inventory trusting {{$c.Name}} from {{day $.S.At}}{{if $c.Horizon}}; every drop is the expiry of a certificate on the trusted paths{{else}}; nothing on its trusted paths expires before {{day $c.HorizonEnd}}{{end}}.</figcaption>
</figure>
{{if $c.Horizon}}<div class="scroll"><table class="horizon"><thead><tr><th>Date</th><th>What expires</th><th>Stores</th><th class="num">Stranded</th><th class="num">Still trusting</th></tr></thead><tbody>
{{range $c.Horizon}}<tr><td class="nowrap">{{day .Date}}</td><td>{{.Cause}}<br><small><code>{{.SHA1}}</code></small></td><td>{{join .Stores ", "}}</td><td class="num">{{.Stranded}}</td><td class="num">{{.TrustedAfter}}</td></tr>
{{end}}</tbody></table></div>{{end}}
{{else}}<p class="bad">No phone of the inventory trusts {{$c.Name}} on {{day $.S.At}}.</p>{{end}}
<h3>What to do, least effort first</h3>
{{if $c.Fixes}}<ol>{{range $c.Fixes}}<li><strong>{{.Title}}</strong>: {{reach .Kind .Phones .Remaining}} ({{.Effort}}).
{{if .Commands}}<pre>{{range .Commands}}{{.}}
{{end}}</pre>{{end}}{{if .Note}}<div><small>{{.Note}}</small></div>{{end}}</li>
{{end}}</ol>{{else if $.S.NoPhone}}<p class="warn">No fix to give: {{$.S.NoPhone}}.</p>{{else}}<p class="ok">No fix needed.</p>{{end}}
<h3>Per device family and model</h3>
<div class="scroll"><table><thead><tr><th>Family</th><th>Model</th><th>Firmware</th><th>Release</th><th class="num">Phones</th><th class="num">Stranded</th><th class="num">Stranded later</th></tr></thead><tbody>
{{range $c.ByModel}}<tr><td>{{.Family}}</td><td>{{.Model}}</td><td class="nowrap">{{.Version}}</td><td>{{.Release}}</td><td class="num">{{.Phones}}</td><td class="num{{if .Stranded}} bad{{end}}">{{.Stranded}}</td><td class="num">{{.Expiring}}</td></tr>
{{end}}</tbody></table></div>
<div class="scroll"><table><thead><tr><th>Family</th><th>Minimum firmware that trusts this chain</th><th class="num">Phones</th><th class="num">Stranded</th></tr></thead><tbody>
{{range $c.ByFamily}}<tr><td>{{.Family}}</td><td>{{minimum .}}</td><td class="num">{{.Phones}}</td><td class="num">{{.Stranded}}</td></tr>
{{end}}</tbody></table></div>
{{range $c.Findings}}<p>Finding ({{.Severity}}, {{.Basis}}): {{.Message}}</p>{{end}}
{{end}}
{{if .Rows}}<h2>Stranded phones</h2>
<p>One row per phone and chain that strands it; the reason column refers to the chain's reasons above.</p>
<div class="scroll"><table class="phones"><thead><tr><th class="num">Line</th><th>MAC</th><th>User</th><th>Model</th><th>Firmware</th><th>Release</th>{{if .Pools}}<th>Pool</th><th>Site</th>{{end}}<th>Chain</th><th>Reason</th></tr></thead><tbody>
{{range .Rows}}<tr><td class="num">{{.P.Line}}</td><td class="nowrap">{{.P.MAC}}</td><td>{{.P.UserURI}}</td><td>{{.P.Manufacturer}} {{.P.Model}}</td><td class="nowrap">{{.P.Firmware}}</td><td>{{.P.Release}}{{if not .P.FirmwareVerified}} (unverified){{end}}{{if .P.CannotRegister}} (cannot register to Lync 2013){{end}}</td>{{if $.Pools}}<td>{{.P.Pool}}</td><td>{{.P.Site}}</td>{{end}}<td>{{.Chain}}</td><td>{{if .ReasonID}}<a href="#{{.ReasonID}}">{{.Ref}}</a>{{else}}<small>{{.Reason}}</small>{{end}}</td></tr>
{{end}}</tbody></table></div>
{{if .More}}<p>Only the first {{.Listed}} stranded phones are listed; the CSV and JSON outputs list every phone.</p>{{end}}{{end}}
{{if .S.Inventory.Problems}}<h2>Unparsable rows</h2><ul>{{range .S.Inventory.Problems}}<li>line {{.Line}}: {{.Reason}}</li>{{end}}</ul>{{end}}
<h2>Assumptions</h2><ul>{{range .S.Assumptions}}<li>{{.}}</li>{{end}}</ul>
<footer id="provenance"><h2>Provenance</h2><dl>
<dt>lpetrust</dt><dd>{{with .S.Provenance.Version}}{{.}}{{else}}version not recorded{{end}}</dd>
<dt>Data snapshot</dt><dd>{{with .S.Provenance.DataSnapshot}}{{.}}{{else}}not recorded{{end}}</dd>
<dt>Judged at</dt><dd>{{moment .S.At}}</dd>
<dt>Inventory</dt><dd><code>{{.S.Inventory.Source}}</code>, SHA-256 <code>{{with .S.Inventory.SHA256}}{{.}}{{else}}not computed{{end}}</code></dd>
{{range .S.Chains}}{{$name := .Name}}{{range .Sources}}<dt>Chain {{$name}}</dt><dd><code>{{.Source}}</code>: leaf SHA-1 <code>{{.LeafSHA1}}</code>{{with .AnchorSHA1}}, anchor SHA-1 <code>{{.}}</code>{{end}}</dd>
{{end}}{{end}}</dl></footer>
</body>
</html>
`))
