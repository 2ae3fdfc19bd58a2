package report

import (
	"bytes"
	"context"
	"fmt"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/lpetrust/lpetrust/adpublish/sambatest"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// Widths the page is checked at, in CSS pixels: a laptop, a phone, and the
// printable width of an A4 page with the print stylesheet's margins
// (210 mm − 2 × 12 mm).
const (
	desktopWidth = 1366
	phoneWidth   = 400
	a4PrintWidth = 703
)

// htmlFixture is the page the browser test renders: the Lync inventory
// against today's chain, the G2 renewal and the COMODO chain through the
// AAA cross, with provenance.
func htmlFixture(t *testing.T) (*Summary, []byte) {
	t.Helper()
	chains := append(todayAndRenewal(t), readChainFile(t, filepath.Join(examplesDir, "today-comodo-via-aaa.pem"), "via-aaa"))
	var buf bytes.Buffer
	s := runReport(t, contosoCatalogue(t), lyncReport, chains,
		Options{Provenance: Provenance{Version: "v0.0.0-test (commit 0123456789ab)", DataSnapshot: "test snapshot"}}, NewHTMLWriter(&buf))
	return s, buf.Bytes()
}

// TestHTMLContent checks what the page says, without a browser: plurals,
// one reason per chain referred to from the stranded table, the horizon
// drops and the provenance footer.
func TestHTMLContent(t *testing.T) {
	s, b := htmlFixture(t)
	page := string(b)
	for _, external := range []string{"<script", "<link", "@import", "url(", "src="} {
		if strings.Contains(page, external) {
			t.Errorf("the page is not self-contained: it contains %q", external)
		}
	}
	if bad := regexp.MustCompile(`(^|[^0-9,.])1 (phones|records|older registrations|unparsable rows|days)`).FindString(page); bad != "" {
		t.Errorf("the page says %q", bad)
	}
	for _, bad := range []string{"minimum release none", "no such build"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page says %q", bad)
		}
	}
	for _, want := range []string{
		"(1 older registration of the same MAC not counted)",
		"no firmware release trusts it",
		// The drops of the horizon charts, labelled.
		`<g class="drop" data-date="2027-03-31" data-stranded="7" data-trusted-after="0">`,
		`<g class="drop" data-date="2028-12-31" data-stranded="11" data-trusted-after="0">`,
		"2028-12-31: −11 (COMODO RSA Certification Authority)",
		// The reasons, once per chain, and the references to them.
		`<li id="chain-2-reason-1"><strong>B1</strong> (RTM, CU10, CU11; 11 phones): no path to any root of this store`,
		`<td><a href="#chain-1-reason-1">A1</a></td>`,
		// Provenance.
		"<dt>lpetrust</dt><dd>v0.0.0-test (commit 0123456789ab)</dd>",
		"<dt>Data snapshot</dt><dd>test snapshot</dd>",
		"<dt>Judged at</dt><dd>2026-11-22T00:00:00Z</dd>",
		"SHA-256 <code>" + s.Inventory.SHA256 + "</code>",
		"<code>" + filepath.Join(examplesDir, "today-comodo-via-aaa.pem") + "</code>: leaf SHA-1 <code>" + s.Chains[2].Sources[0].LeafSHA1 + "</code>, anchor SHA-1 <code>D1EB23A46D17D68FD92564C2F1F1601764D8E349</code>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if len(s.Inventory.SHA256) != 64 {
		t.Errorf("inventory SHA-256 %q", s.Inventory.SHA256)
	}
	// The stranded table has one row per phone and chain, and no reason text.
	rows := regexp.MustCompile(`<td><a href="#chain-\d-reason-\d">[A-C]\d</a></td></tr>`).FindAllString(page, -1)
	if want := s.Chains[0].Stranded + s.Chains[1].Stranded + s.Chains[2].Stranded; len(rows) != want {
		t.Errorf("%d stranded rows with a reason reference, want %d", len(rows), want)
	}
}

// TestHTMLInChromium renders the HTML report in a real headless Chromium
// at 1366 px and 400 px and prints it to an A4 PDF. It asserts through the
// page's DOM that nothing is wider than a 400 px viewport (tables and
// command blocks scroll inside their own box), that the charts keep every
// release group inside their box, and that in print emulation no pre or
// code block overflows its box and no table or chart is wider than the
// page. The screenshots, the PDF and its page images (pdftoppm) are kept in
// $LPETRUST_SCREENSHOT_DIR when set, so that CI archives them.
func TestHTMLInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		sambatest.Skip(t, "headless browser test skipped: %s not found (Debian: apt-get install chromium)", chromiumPath)
	}
	s, page := htmlFixture(t)
	dir := t.TempDir()
	htmlPath := filepath.Join(dir, "report.html")
	if err := os.WriteFile(htmlPath, page, 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := os.Getenv("LPETRUST_SCREENSHOT_DIR")
	if outDir == "" {
		outDir = t.TempDir()
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := func(name string, b []byte) {
		t.Helper()
		p := filepath.Join(outDir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("kept %s (%d bytes)", p, len(b))
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(desktopWidth, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	// Collect what the page writes to the console (calls of the console
	// API, uncaught exceptions, browser log entries such as a failed load)
	// while it renders.
	cctx, stopConsole := context.WithCancel(bctx)
	messages := chromedp.Console(cctx)
	var problems []string
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				problems = append(problems, m.String())
			}
		}
	}()

	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(desktopWidth, 900),
		chromedp.Navigate("file://"+htmlPath),
		chromedp.WaitVisible(chromedp.CSS("svg.compare")),
	); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	eval := func(what string, expr string, v any) {
		t.Helper()
		var err error
		switch p := v.(type) {
		case *[]string:
			*p, err = chromedp.Run(bctx, chromedp.Evaluate[[]string](expr))
		case *[][]string:
			*p, err = chromedp.Run(bctx, chromedp.Evaluate[[][]string](expr))
		case *int:
			*p, err = chromedp.Run(bctx, chromedp.Evaluate[int](expr))
		default:
			t.Fatalf("eval %T", v)
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
		if err != nil {
			t.Fatal(err)
		}
		keep(name, b)
	}

	// 1366 px: one release group per firmware release, one bar per chain
	// in each; one step chart per chain that phones trust, one drop each.
	var groups [][]string
	eval("bar groups", `Array.from(document.querySelectorAll("svg.compare g.release")).map(g =>
		[g.dataset.release].concat(Array.from(g.querySelectorAll("g.bar")).map(b => b.dataset.chain)))`, &groups)
	var want [][]string
	for _, r := range s.Chains[0].ByRelease {
		want = append(want, []string{r.Release, "today", "renewal", "via-aaa"})
	}
	if len(want) != 10 || !reflect.DeepEqual(groups, want) {
		t.Errorf("comparison chart groups %v, want %v", groups, want)
	}
	var drops []string
	eval("drops", `Array.from(document.querySelectorAll("svg.horizon g.drop")).map(g =>
		g.closest("svg").dataset.chain + " " + g.dataset.date + " -" + g.dataset.stranded + " =" + g.dataset.trustedAfter)`, &drops)
	if want := []string{"today 2027-03-31 -7 =0", "via-aaa 2028-12-31 -11 =0"}; !reflect.DeepEqual(drops, want) {
		t.Errorf("horizon drops %v, want %v", drops, want)
	}
	var resources int
	eval("resources", `performance.getEntriesByType("resource").length`, &resources)
	if resources != 0 {
		t.Errorf("the page loaded %d resources; want none", resources)
	}
	var clipped []string
	eval("clipped at 1366", clippedJS, &clipped)
	if len(clipped) > 0 {
		t.Errorf("at %d px, drawn outside their chart: %v", desktopWidth, clipped)
	}
	shot("report-1366.png")

	// 400 px: nothing wider than the viewport; boxes that scroll (tables,
	// command blocks) are themselves inside it.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(phoneWidth, 800, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	var wide []string
	eval("overflow at 400", overflowJS, &wide)
	if len(wide) > 0 {
		t.Errorf("at %d px, wider than the viewport: %v", phoneWidth, wide)
	}
	eval("clipped at 400", clippedJS, &clipped)
	if len(clipped) > 0 {
		t.Errorf("at %d px, drawn outside their chart: %v", phoneWidth, clipped)
	}
	shot("report-400.png")

	// The estate's page, with its per-pool and per-site tables, at 400 px too.
	_, estate := estatePage(t)
	estatePath := filepath.Join(dir, "report-pools.html")
	if err := os.WriteFile(estatePath, estate, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+estatePath), chromedp.WaitVisible(chromedp.CSS("table.pools"))); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	eval("overflow at 400 (pools)", overflowJS, &wide)
	if len(wide) > 0 {
		t.Errorf("at %d px, the pools page has elements wider than the viewport: %v", phoneWidth, wide)
	}
	shot("report-pools-400.png")
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(desktopWidth, 900)); err != nil {
		t.Fatal(err)
	}
	shot("report-pools-1366.png")
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(phoneWidth, 800, chromedp.EmulateMobile),
		chromedp.Navigate("file://"+htmlPath), chromedp.WaitVisible(chromedp.CSS("svg.compare"))); err != nil {
		t.Fatalf("chromium: %v", err)
	}

	// Print emulation at the printable width of A4: commands wrap inside
	// their box, tables and charts fit the page.
	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(a4PrintWidth, 1000),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}),
	); err != nil {
		t.Fatal(err)
	}
	var overflowing []string
	eval("print overflow", printOverflowJS, &overflowing)
	if len(overflowing) > 0 {
		t.Errorf("in print emulation at %d px, overflowing their box: %v", a4PrintWidth, overflowing)
	}
	var pres int
	eval("pre blocks", `document.querySelectorAll("pre").length`, &pres)
	if pres == 0 {
		t.Errorf("the page has no command block to check")
	}
	shot("report-print.png")

	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("print to PDF returned %q…", pdf[:min(16, len(pdf))])
	}
	keep("report.pdf", pdf)
	stopConsole()
	<-collected
	if len(problems) > 0 {
		t.Errorf("the page logged problems: %v", problems)
	}

	t.Run("pdf-pages", func(t *testing.T) {
		pdftoppm, err := exec.LookPath("pdftoppm")
		if err != nil {
			sambatest.Skip(t, "PDF page images skipped: pdftoppm not found (Debian: apt-get install poppler-utils)")
		}
		pagesDir := t.TempDir()
		pdfPath := filepath.Join(pagesDir, "report.pdf")
		if err := os.WriteFile(pdfPath, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(pdftoppm, "-png", "-r", "60", pdfPath, filepath.Join(pagesDir, "report-page")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v: %s", err, out)
		}
		pages, _ := filepath.Glob(filepath.Join(pagesDir, "report-page-*.png"))
		sort.Strings(pages)
		if len(pages) < 2 {
			t.Fatalf("the PDF has %d pages; the report needs more than one", len(pages))
		}
		for _, p := range pages {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			keep(filepath.Base(p), b)
		}
	})
}

// overflowJS lists the elements reaching outside the viewport, except the
// content of boxes that scroll horizontally (tables, command blocks): those
// boxes are checked themselves.
const overflowJS = `(() => {
	const vw = document.documentElement.clientWidth, out = [];
	if (document.documentElement.scrollWidth > vw) out.push("the document scrolls sideways: " + document.documentElement.scrollWidth + " > " + vw);
	for (const el of document.body.querySelectorAll("*")) {
		const box = el.parentElement && el.parentElement.closest(".scroll, pre");
		if (box) continue;
		const r = el.getBoundingClientRect();
		if (r.width === 0 && r.height === 0) continue;
		if (r.right > vw + 0.5 || r.left < -0.5) out.push(describe(el) + " " + Math.round(r.left) + ".." + Math.round(r.right));
	}
	return out;
	function describe(el) { return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && el.className.baseVal === undefined && el.className ? "." + el.className : "") + " " + JSON.stringify((el.textContent || "").trim().slice(0, 40)); }
})()`

// clippedJS lists the chart elements drawn outside their SVG's box: a
// chart cut at its right edge loses releases or labels.
const clippedJS = `(() => {
	const out = [];
	for (const svg of document.querySelectorAll("svg.chart")) {
		if (!svg.getAttribute("viewBox") || svg.hasAttribute("width")) out.push("chart without viewBox scaling");
		const box = svg.getBoundingClientRect();
		for (const el of svg.querySelectorAll("rect, text, circle, path, line")) {
			const r = el.getBoundingClientRect();
			if (r.width === 0 && r.height === 0) continue;
			if (r.right > box.right + 0.5 || r.left < box.left - 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
				out.push(el.tagName + " " + JSON.stringify((el.textContent || "").trim().slice(0, 40)) + " in " + (svg.dataset.chain || "comparison"));
		}
	}
	return out;
})()`

// printOverflowJS lists, under the print stylesheet, the pre and code
// blocks whose content overflows their box and the tables, charts and
// blocks wider than the page.
const printOverflowJS = `(() => {
	const out = [], page = document.body.getBoundingClientRect();
	for (const el of document.querySelectorAll("pre, code")) {
		if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) out.push(el.tagName + " scrolls: " + JSON.stringify(el.textContent.slice(0, 50)));
		const r = el.getBoundingClientRect();
		if (r.right > page.right + 0.5 || r.left < page.left - 0.5) out.push(el.tagName + " cut: " + JSON.stringify(el.textContent.slice(0, 50)));
	}
	for (const el of document.querySelectorAll("table, svg.chart, .scroll, p, li, dd, .card")) {
		const r = el.getBoundingClientRect();
		if (r.right > page.right + 0.5) out.push(el.tagName + "." + (el.className.baseVal === undefined ? el.className : el.className.baseVal) + " wider than the page: " + Math.round(r.right) + " > " + Math.round(page.right));
	}
	return out;
})()`

// estatePage is the HTML report of the estate inventory, its three pools
// each judged against its own chain.
func estatePage(t *testing.T) (*Summary, []byte) {
	t.Helper()
	chains := estateChains(t)
	chains[0].Pool, chains[1].Pool, chains[2].Pool = "pool01.contoso.com", "pool02.contoso.com", "sba-leeds.contoso.com"
	var buf bytes.Buffer
	s := runReport(t, contosoCatalogue(t), estateInventory, chains, Options{Registrars: testRegistrars}, NewHTMLWriter(&buf))
	return s, buf.Bytes()
}

// TestHTMLPools: with pool and site columns the page breaks the counts
// down per registrar pool and per site, per chain, and each chain's
// horizon counts the phones it judges.
func TestHTMLPools(t *testing.T) {
	s, b := estatePage(t)
	page := string(b)
	for _, want := range []string{
		`<h2 id="pools">Per registrar pool and site</h2>`,
		`<tr><td>pool01.contoso.com</td><td>London</td><td class="num">5</td><td class="num">0</td><td class="num bad">1</td><td class="num">4</td><td>pool02.contoso.com</td><td class="num">0</td><td class="num nowrap">1 / 4</td><td class="num nowrap">-</td><td class="num nowrap">-</td></tr>`,
		`<tr><td>pool02.contoso.com</td><td>Manchester</td><td class="num">2</td><td class="num">2</td><td class="num">0</td><td class="num">0</td><td>pool01.contoso.com</td><td class="num">1</td>`,
		`<tr><td>Leeds</td><td>sba-leeds.contoso.com</td><td class="num">3</td><td class="num">0</td><td class="num bad">3</td><td class="num">0</td><td class="num">1</td>`,
		`<tr><td>(no pool)</td><td>(no site)</td>`,
		`<th>Pool</th><th>Site</th><th>Chain</th><th>Reason</th>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// today judges pool01's 5 phones and the 2 whose pool is unknown, of
	// which 5 trust it until its issuing CA expires; comodo pool02's 2 and
	// the same 2.
	var got []string
	for _, c := range s.Chains {
		if c.HorizonTrusted != c.Trusted+c.Expiring {
			t.Errorf("%s: %d trust it now, but %d trusted + %d expiring", c.Name, c.HorizonTrusted, c.Trusted, c.Expiring)
		}
		got = append(got, fmt.Sprintf("%s %d/%d", c.Name, c.HorizonTrusted, c.Phones))
		for _, e := range c.Horizon {
			got = append(got, fmt.Sprintf("  %s -%d =%d", day(e.Date), e.Stranded, e.TrustedAfter))
		}
	}
	want := []string{"today 5/7", "  2027-03-31 -5 =0", "comodo 4/4", "  2028-12-31 -4 =0", "renewal 0/5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("horizons %q, want %q", got, want)
	}
}

// singularSlips are plural nouns after a count of one.
var singularSlips = regexp.MustCompile(`(^|[^0-9,.])1 (phones|records|older registrations|unparsable rows|days|not LPE phones|phones? (are|have|run))\b|minimum release none|no such build`)

// TestWordingPlurals renders the table and the page for every test
// inventory, one day of --horizon included, and looks for a count of one
// followed by a plural.
func TestWordingPlurals(t *testing.T) {
	cat := contosoCatalogue(t)
	chains := append(todayAndRenewal(t), readChainFile(t, filepath.Join(examplesDir, "today-comodo-via-aaa.pem"), "via-aaa"))
	var invs []string
	for _, name := range []string{"lync-ip-phone-inventory.csv", "monitoring-registrations.tsv", "phones-semicolon.csv", "user-agents.txt"} {
		invs = append(invs, filepath.Join(invDir, name))
	}
	invs = append(invs, estateInventory)
	for _, inv := range invs {
		for _, horizon := range []time.Duration{0, 24 * time.Hour} {
			for name, w := range map[string]func(*bytes.Buffer) Writer{
				"table": func(b *bytes.Buffer) Writer { return NewTableWriter(b, remedy.SH) },
				"html":  func(b *bytes.Buffer) Writer { return NewHTMLWriter(b) },
			} {
				var buf bytes.Buffer
				runReport(t, cat, inv, chains, Options{Horizon: horizon}, w(&buf))
				for _, line := range strings.Split(buf.String(), "\n") {
					if m := singularSlips.FindString(line); m != "" {
						t.Errorf("%s, %s: %q in %q", filepath.Base(inv), name, m, line)
					}
				}
			}
		}
	}
}
