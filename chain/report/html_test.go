package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lpetrust/lpetrust/adpublish/sambatest"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// TestHTMLInChromium renders the HTML report in a real headless Chromium:
// no console errors, no resource loaded from anywhere (the page is
// self-contained), one bar group per firmware release present in each
// chain's chart, and a screenshot kept for people to look at (in
// $LPETRUST_SCREENSHOT_DIR when set, so that CI can archive it).
func TestHTMLInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		sambatest.Skip(t, "headless browser test skipped: %s not found (Debian: apt-get install chromium)", chromiumPath)
	}
	var buf bytes.Buffer
	s := runReport(t, contosoCatalogue(t), lyncReport, todayAndRenewal(t), Options{}, NewHTMLWriter(&buf))
	page := buf.String()
	for _, external := range []string{"<script", "<link", "@import", "url(", "src="} {
		if strings.Contains(page, external) {
			t.Errorf("the page is not self-contained: it contains %q", external)
		}
	}
	dir := t.TempDir()
	htmlPath := filepath.Join(dir, "report.html")
	if err := os.WriteFile(htmlPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
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
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1200, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
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
		chromedp.Navigate("file://"+htmlPath),
		chromedp.WaitVisible(chromedp.CSS("svg.chart")),
	); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	groups, err := chromedp.Run(bctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll("svg.chart")).map(s =>
		Array.from(s.querySelectorAll("g.release")).map(g => g.dataset.release))`))
	if err != nil {
		t.Fatal(err)
	}
	resources, err := chromedp.Run(bctx, chromedp.Evaluate[int](`performance.getEntriesByType("resource").length`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
	if err != nil {
		t.Fatal(err)
	}
	stopConsole()
	<-collected
	if len(problems) > 0 {
		t.Errorf("the page logged problems: %v", problems)
	}
	if resources != 0 {
		t.Errorf("the page loaded %d resources; want none", resources)
	}
	var want [][]string
	for _, c := range s.Chains {
		var rel []string
		for _, r := range c.ByRelease {
			rel = append(rel, r.Release)
		}
		want = append(want, rel)
	}
	if len(want[0]) != 10 {
		t.Fatalf("the inventory has %d releases, want 10", len(want[0]))
	}
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("bar groups per chart %v, want %v", groups, want)
	}

	shotDir := os.Getenv("LPETRUST_SCREENSHOT_DIR")
	if shotDir == "" {
		shotDir = t.TempDir()
	} else if err := os.MkdirAll(shotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	shotPath := filepath.Join(shotDir, "report.png")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", shotPath, len(shot))
}
