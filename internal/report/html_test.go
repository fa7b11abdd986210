package report_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"restvsgrpc/internal/report"
)

// chromium returns the headless browser, installing Debian's chromium
// package when REPORT_INSTALL_CHROMIUM=1 and the test runs as root (as
// .ci/run does), or skips saying what is missing.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("REPORT_INSTALL_CHROMIUM") != "1" || os.Getuid() != 0 {
		t.Skip("chromium is not installed: apt-get install chromium (or set REPORT_INSTALL_CHROMIUM=1 as root) to render REPORT.html in a test")
	}
	cmd := exec.Command("apt-get", "install", "-y", "-q", "chromium")
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("apt-get install chromium: %v\n%s", err, out)
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not on PATH after apt-get install")
	}
	return p
}

// REPORT.html renders in headless Chromium with the article's six rows, every
// figure inline, and no console error (a fetch that fails would be one).
func TestHTMLRendersInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	bin := chromium(t)
	r := buildFixture(t)
	dir := t.TempDir()
	if err := r.Write(dir); err != nil {
		t.Fatal(err)
	}
	// The console check catches a page that logs an error.
	bad := filepath.Join(dir, "bad.html")
	if err := os.WriteFile(bad, []byte(`<html><body><script>console.error("boom")</script></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, console := render(t, bin, bad); len(console) == 0 {
		t.Fatal("a page that logs a console error shows none: the check cannot fail")
	}
	dom, console := render(t, bin, filepath.Join(dir, "REPORT.html"))
	for _, l := range console {
		t.Errorf("console: %s", l)
	}
	headline := regexp.MustCompile(`(?s)<table id="headline">(.*?)</table>`).FindSubmatch(dom)
	if headline == nil {
		t.Fatalf("rendered page has no headline table:\n%.2000s", dom)
	}
	if n := strings.Count(string(headline[1]), "<tr>") - 1; n != len(report.Rows) {
		t.Errorf("headline has %d rows, want %d", n, len(report.Rows))
	}
	for _, row := range report.Rows {
		if !strings.Contains(string(headline[1]), "<td>"+row+"</td>") {
			t.Errorf("headline lacks the %s row", row)
		}
	}
	if got, want := strings.Count(string(dom), "<svg"), len(r.Plots); got != want || want == 0 {
		t.Errorf("rendered page has %d inline figures, want %d", got, want)
	}
}

// render loads page in headless Chromium and returns the DOM after load and
// the console messages it logged.
func render(t *testing.T, bin, page string) (dom []byte, console []string) {
	t.Helper()
	// A bound only a hung browser reaches; it asserts no timing.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir="+t.TempDir(),
		"--enable-logging=stderr", "--v=1", "--dump-dom", "file://"+page)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	return dom, console
}
