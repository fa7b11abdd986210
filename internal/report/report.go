package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Option configures Build.
type Option func(*config)

type config struct {
	rules    Rules
	p99Bound time.Duration
	title    string
	extra    []string
	notes    []string
	hists    Histograms
	// interop is the cross-language result; interopErr why there is none.
	interop    *Interop
	interopErr error
}

// WithRules sets the verdict thresholds (default DefaultRules).
func WithRules(r Rules) Option { return func(c *config) { c.rules = r } }

// WithP99Bound sets the p99 latency bound of the open-loop "maximum rate"
// figure (default 10ms).
func WithP99Bound(d time.Duration) Option { return func(c *config) { c.p99Bound = d } }

// WithTitle sets the report's title.
func WithTitle(s string) Option { return func(c *config) { c.title = s } }

// WithFiles lists further files of the results directory (benchstat tables,
// loadgen JSON) for the report's file list.
func WithFiles(names ...string) Option {
	return func(c *config) { c.extra = append(c.extra, names...) }
}

// WithNotes adds lines about the run itself (duration, failed windows) to
// the method section.
func WithNotes(lines ...string) Option {
	return func(c *config) { c.notes = append(c.notes, lines...) }
}

// WithHistograms gives the load driver's histograms, for the latency
// distribution plot.
func WithHistograms(h Histograms) Option { return func(c *config) { c.hists = h } }

// A Report is REPORT.md and its plots.
type Report struct {
	Markdown []byte
	Plots    []Plot
	// Verdicts maps each row of the article's table to its verdict.
	Verdicts map[string]Verdict
	// Table is the article's table with measured figures and verdicts, as
	// in REPORT.md, for the README's headline.
	Table string
}

// Unsettled returns the comparisons that leave a row's verdict uncertain:
// the uncertain ones of every verdict marked so, in the order of Rows.
func (r *Report) Unsettled() []Comparison {
	var out []Comparison
	for _, row := range Rows {
		if v := r.Verdicts[row]; v.Uncertain {
			out = append(out, v.Uncertains...)
		}
	}
	return out
}

// Write writes REPORT.md, REPORT.html and the plots into dir.
func (r *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range r.Plots {
		if err := os.WriteFile(filepath.Join(dir, p.File), p.SVG, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "REPORT.html"), r.HTML(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "REPORT.md"), r.Markdown, 0o644)
}

// builder holds the state of one Build.
type builder struct {
	d *Data // without the fleet's series
	// fleet are the series of cmd/fleet's raw files, by section; they
	// feed their own sections, not the single-server ones.
	fleet map[string][]*Series
	// codecs are the Codecs section's windows.
	codecs []*Series
	// middle are the Middle ways section's windows.
	middle []*Series
	cfg    config
	md     strings.Builder
	rep    *Report
}

// fleetSections are the sections of cmd/fleet's raw files, named by
// their "section:" provenance line.
var fleetSections = []string{"balance", "failover", "scale", "netpath"}

// codecsSection names cmd/report's raw file of the Codecs windows.
const codecsSection = "codecs"

// splitFleet returns d without the series of the raw files that feed
// sections of their own (cmd/fleet's, the Codecs and Middle ways windows), and those by
// section.
func splitFleet(d *Data) (*Data, map[string][]*Series) {
	rest, fleet := *d, map[string][]*Series{}
	rest.Series = nil
	for _, s := range d.Series {
		if sec := s.Config["section"]; slices.Contains(fleetSections, sec) || sec == codecsSection || sec == middleSection {
			fleet[sec] = append(fleet[sec], s)
			continue
		}
		rest.Series = append(rest.Series, s)
	}
	return &rest, fleet
}

// A row is one row of the article's table.
type row struct {
	name, claim, measured string
	verdict               Verdict
}

// Rows are the article's rows, in its order.
var Rows = []string{"Protocol", "Data format", "Speed", "Streaming", "Ideal for", "Language support"}

// Build computes the report from d. It fails only when d holds no results.
func Build(d *Data, opts ...Option) (*Report, error) {
	cfg := config{rules: DefaultRules, p99Bound: 10 * time.Millisecond, title: "REST vs gRPC in Go: the comparison table, measured"}
	for _, o := range opts {
		o(&cfg)
	}
	if d == nil || d.Lines == 0 {
		return nil, errors.New("no benchmark results in the input")
	}
	single, fleet := splitFleet(d)
	b := &builder{d: single, fleet: fleet, codecs: fleet[codecsSection], middle: fleet[middleSection], cfg: cfg, rep: &Report{Verdicts: map[string]Verdict{}}}
	delete(fleet, codecsSection)
	delete(fleet, middleSection)

	// Each analysis writes its section into its own buffer; the table goes first.
	var sections []string
	var rows []row
	for _, a := range []func() (row, string){b.protocol, b.dataFormat, b.speed, b.streaming, b.idealFor, b.language} {
		r, sec := a()
		rows = append(rows, r)
		sections = append(sections, sec)
		b.rep.Verdicts[r.name] = r.verdict
	}
	sections = slices.Insert(sections, 3, b.decomposition(), b.openLoop(), b.codecsSection(), b.middleWays(), b.qpsDriver())
	sections = slices.Insert(sections, len(sections)-2, b.balanced(), b.atScale())

	w := &b.md
	fmt.Fprintf(w, "# %s\n\n", cfg.title)
	fmt.Fprintf(w, "Generated by `internal/report` from %s in %s. Every figure and verdict below is computed from those raw files; nothing is typed by hand. Figures are medians with their %.0f%% confidence interval (±); comparisons are gRPC ÷ REST, the median of the ratios of windows measured back to back.\n\n",
		plural(d.Lines, "result line"), strings.Join(d.Files, ", "), Confidence*100)
	w.WriteString("## The article's table\n\n")
	var table strings.Builder
	table.WriteString("| Row | Article's claim (REST → gRPC) | Measured | Verdict |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&table, "| %s | %s | %s | **%s** |\n", r.name, r.claim, cell(r.measured), cell(r.verdict.String()))
	}
	b.rep.Table = table.String()
	w.WriteString(b.rep.Table)
	w.WriteString("\n")
	b.rules()
	for _, s := range sections {
		w.WriteString(s)
	}
	b.method()
	b.rep.Markdown = []byte(w.String())
	return b.rep, nil
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func (b *builder) rules() {
	ru := b.cfg.rules
	fmt.Fprintf(&b.md, `## How verdicts are decided

At each condition (a combination of record size, callers, network, server work, …) gRPC is compared with its REST rival on windows measured as pairs: every variant of a condition runs back to back in one short slice, each slice on a freshly started server, and the comparison is the median of the per-pair ratios with its exact %.0f%% confidence interval (distribution-free, from the order statistics). Drift of the machine between slices cancels in each ratio.

- gRPC's **gain** is the ratio where more is better (calls per second) and its inverse where less is (latency, bytes, CPU).
- **gRPC wins** when the whole interval of the gain lies at or above %s, **loses** when it lies at or below %s, and is **the same** when it lies between them. An interval that spans %s or %s is **uncertain**: a resample of the windows could decide either way, so it decides nothing. Fewer than %d pairs give no bounded interval: **unclear**. Byte counts that never vary are compared exactly.
- A claim **holds** when gRPC wins at every decided condition, **holds only when …** when it wins at some (named in words, by the dimensions that tell them apart), and **does not hold** when it wins at none; with no decided condition it is **inconclusive**. When settling the uncertain conditions all one way or all the other would change that category or its conditions, the verdict says **uncertain** and names them.
- Throughput is compared only between rows where the server ran out of CPU first (both sides **%s**: server ≥ %.0f%% of its CPUs). Elsewhere the driver or latency set the rate, so the comparison reads the server's CPU per call instead, which holds whichever side was the bottleneck. Rows that do not record their bound are compared on throughput and marked so. A row is **client-bound** when its server was not but the driver used %.0f%% or more of its CPUs, and **neither** when no side was (latency, locks or flow control set the rate).
- Behind a balancer the backends are the server: a run is **server-bound** when one backend used %.0f%% or more of its own CPUs or the backends together of the CPUs they share (pinned, they share one), else **balancer-bound** when the balancer used as much of its one thread, else client-bound or neither as above. Pinned, the driver and the balancer share the other CPU, so their two shares add up to at most 1.
- Behind a balancer, a backend that served at least %.0f%% of a run's calls (by its own counter) is **pinned**: the balancer did not spread that transport's calls, so it needs more setup there (more connections, or balancing per call); Ideal for names it.
- Protocol is a recorded fact, not a statistic: it holds when every rest run negotiated HTTP/1.x and every grpc run HTTP/2, and holds only for REST as usually served if any rest-h2c run negotiated HTTP/2.
- REST's rival is plain rest for Speed, Data format and Ideal for, and REST's best equivalent for each streaming kind (the REST variant with the highest median throughput there).
`, Confidence*100, fmtThreshold(ru.up()), fmtThreshold(ru.down()), fmtThreshold(ru.down()), fmtThreshold(ru.up()), MinIntervalSamples(), ServerBound, BusyThreshold*100, BusyThreshold*100, BusyThreshold*100, ru.PinnedShare*100)
	if n := b.settled(); n > 0 {
		fmt.Fprintf(&b.md, "- A load-driver condition whose uncertain outcome left a verdict uncertain after the planned pairs was measured again, with as many pairs more, and is judged on all of them (%s of this run; the pairs column counts them): a gain a few percent from a threshold is where a second run would otherwise decide differently.\n", plural(n, "condition"))
	}
	b.md.WriteString("\n")
}

// settled counts the conditions measured again to settle a verdict: the
// series of raw files with a "settled:" line, by condition.
func (b *builder) settled() int {
	conds := map[string]bool{}
	for _, s := range b.d.Series {
		if s.Config["settled"] != "" {
			conds[s.Bench+" "+CondString(withCond(s.Keys, "variant", ""), nil)] = true
		}
	}
	return len(conds)
}
