package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"restvsgrpc/internal/report"
	"restvsgrpc/internal/variant"
)

// run is the whole command: flags, measurements, report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	return run1(ctx, o, stdout, stderr)
}

// run1 does what the parsed options ask.
func run1(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if o.compare != "" {
		a, b, _ := strings.Cut(o.compare, ",")
		return compareVerdicts(a, b, stdout)
	}
	if o.stability {
		return stability(ctx, o, stdout, stderr)
	}
	if o.qps != "" {
		if err := writeQPS(strings.Split(o.qps, ","), filepath.Join(o.out, "raw"), stdout); err != nil {
			return err
		}
		return render(ctx, o, stdout)
	}
	if o.skipRun {
		return render(ctx, o, stdout)
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	r := &runner{o: o, root: root, pin: detectPinning(), stdout: stdout, stderr: stderr}
	if o.dryRun {
		r.printPlan()
		return nil
	}
	err = r.measure(ctx)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted; the raw files measured so far are in %s (report -skip-run -out %s renders them)", filepath.Join(o.out, "raw"), o.out)
	}
	return err
}

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the restvsgrpc module: run from the repository")
	}
	return filepath.Dir(mod), nil
}

// runner holds one measuring run.
type runner struct {
	o           options
	root, tmp   string
	pin         pinning
	stdout      io.Writer
	stderr      io.Writer
	prov        *provenance
	prog        *progress
	haveLoadgen bool
	// The binaries built, by name: "server", "loadgen".
	bins         map[string]string
	haveBench    bool
	failures     []string
	windowsTotal int
}

func (r *runner) benchCost() time.Duration { return r.o.profile.benchEst }

func (r *runner) printPlan() {
	p := r.o.profile
	fmt.Fprintf(r.stdout, "profile %s: pinning %s\n", p.name, r.pin)
	for _, re := range p.benchRegexes {
		fmt.Fprintf(r.stdout, "go test -bench %q -count %d -benchtime %s ./bench\n", re, p.benchCount, p.benchTime)
	}
	for _, w := range p.works {
		ws := p.plan(w)
		fmt.Fprintf(r.stdout, "server work %v: %d load-driver windows in %d slices, each slice on a fresh server\n", w, len(ws), len(slicesOf(ws)))
	}
	if ws := p.codecPlan(); len(ws) > 0 {
		fmt.Fprintf(r.stdout, "codecs (%s, bytes and decode modes): %d load-driver windows in %d slices on %d fresh servers, one per set of server flags in each slice\n",
			strings.Join(variant.Libraries, " "), len(ws), len(slicesOf(ws)), len(serverRuns(ws)))
	}
	if ws := p.middlePlan(); len(ws) > 0 {
		fmt.Fprintf(r.stdout, "middle ways (%s, decode mode): %d load-driver windows in %d slices on %d fresh servers\n",
			strings.Join(variant.MiddleCompared, " "), len(ws), len(slicesOf(ws)), len(serverRuns(ws)))
	}
	if n, cost := p.settleCost(); n > 0 {
		fmt.Fprintf(r.stdout, "then, only where a verdict is uncertain: %d more pairs of each of up to %d load-driver conditions that leave it so: at most %d windows, %s\n", p.settlePairs, p.settleMax, n, round(cost))
	}
	fmt.Fprintf(r.stdout, "estimated time (builds excluded, settling at most): %s\n", round(p.estimate(r.benchCost())))
}

func (r *runner) measure(ctx context.Context) (err error) {
	p := r.o.profile
	rawDir, jsonDir := filepath.Join(r.o.out, "raw"), filepath.Join(r.o.out, "json")
	for _, d := range []string{rawDir, jsonDir} {
		// Old raw files would mix with the new ones.
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if r.tmp, err = os.MkdirTemp("", "restvsgrpc-report-"); err != nil {
		return err
	}
	defer os.RemoveAll(r.tmp)
	r.prov = collectProvenance(ctx, r.o, r.pin, time.Now())
	if r.pin.cpus < 2 {
		fmt.Fprintln(r.stderr, "report: one CPU only: server and load driver share it; the figures will show it")
	}
	_, err = os.Stat(filepath.Join(r.root, "cmd", "loadgen"))
	r.haveLoadgen = err == nil
	_, err = os.Stat(filepath.Join(r.root, "bench"))
	r.haveBench = err == nil && len(p.benchRegexes) > 0

	steps := 3 // build, interop, render
	planned := 60 * time.Second
	if r.haveBench {
		steps++
		planned += r.benchCost()
	}
	if r.haveLoadgen {
		for _, ws := range p.loadPlans() {
			steps += len(ws)
			planned += p.loadCost(ws)
		}
		n, cost := p.settleCost()
		steps += n
		planned += cost
	}
	r.prog = newProgress(r.stderr, steps, planned, time.Now)
	start := time.Now()

	r.prog.step("build cmd/server and cmd/loadgen", 30*time.Second)
	if err := r.build(ctx); err != nil {
		return err
	}
	if r.haveBench {
		r.prog.step(fmt.Sprintf("go test -bench (count %d)", p.benchCount), r.benchCost())
		if err := r.runBench(ctx, filepath.Join(rawDir, "bench.txt")); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(r.stderr, "report: no bench/ package: skipping the go test -bench subset")
	}
	if r.haveLoadgen {
		if err := r.runLoad(ctx, filepath.Join(rawDir, "load.txt"), jsonDir); err != nil {
			return err
		}
		if err := r.settle(ctx, rawDir, jsonDir); err != nil {
			return err
		}
		if err := r.runCodecs(ctx, filepath.Join(rawDir, "codecs.txt"), jsonDir); err != nil {
			return err
		}
		if err := r.runMiddle(ctx, filepath.Join(rawDir, "middle.txt"), jsonDir); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(r.stderr, "report: no cmd/loadgen: skipping the load-driver sweeps")
	}
	r.prog.step("cross-language test (go test ./interop)", 30*time.Second)
	r.runInterop(ctx)
	r.prog.step("benchstat tables and REPORT.md", 5*time.Second)
	notes := []string{fmt.Sprintf("Measuring took %s (profile %s).", round(time.Since(start)), p.name)}
	if len(r.o.parts) > 0 {
		notes = append(notes, fmt.Sprintf("Only these parts of the profile were measured (-parts): %s; rows and sections that need the others say not measured.", strings.Join(r.o.parts, ", ")))
	}
	if len(r.failures) > 0 {
		notes = append(notes, fmt.Sprintf("%d of %d load-driver windows failed and are missing from the data: %s.", len(r.failures), r.windowsTotal, strings.Join(r.failures, "; ")))
	}
	if err := os.WriteFile(filepath.Join(r.o.out, "notes.txt"), []byte(strings.Join(notes, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	if err := render(ctx, r.o, r.stdout); err != nil {
		return err
	}
	if len(r.failures) > 0 {
		return fmt.Errorf("%d load-driver windows failed (see REPORT.md)", len(r.failures))
	}
	return nil
}

// runInterop runs the cross-language test, which writes interop.json for
// the Language support row; where it cannot run its clients (no node, no
// packages) the file says why, and a failure is reported, not fatal.
func (r *runner) runInterop(ctx context.Context) {
	if _, err := os.Stat(filepath.Join(r.root, "interop")); err != nil {
		fmt.Fprintln(r.stderr, "report: no interop/ package: the Language support row will say so")
		return
	}
	path, err := filepath.Abs(filepath.Join(r.o.out, "interop.json"))
	if err == nil {
		os.Remove(path)
		err = r.command(ctx, []string{"INTEROP_RESULT=" + path}, nil, "go", "test", "-count=1", "-run", "^TestClients$", "./interop")
	}
	if err != nil {
		fmt.Fprintf(r.stderr, "report: cross-language test: %v\n", err)
	}
}

// command runs name in the module root and returns its error with the tail
// of its output.
func (r *runner) command(ctx context.Context, env []string, stdout io.Writer, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = r.root
	cmd.Env = append(os.Environ(), env...)
	var errBuf bytes.Buffer
	cmd.Stdout = stdout
	if stdout == nil {
		cmd.Stdout = &errBuf
	}
	cmd.Stderr = &errBuf
	// Each command runs in its own process group, and cancelling stops the
	// whole group: go test's test binary goes with go test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s %s: %w: %s", filepath.Base(name), strings.Join(args, " "), err, tail(errBuf.String(), 5))
	}
	return nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

func (r *runner) build(ctx context.Context) error {
	r.bins = map[string]string{}
	pkgs := []string{"server"}
	if r.haveLoadgen {
		pkgs = append(pkgs, "loadgen")
	}
	for _, p := range pkgs {
		bin := filepath.Join(r.tmp, p)
		if err := r.command(ctx, nil, nil, "go", "build", "-o", bin, "./cmd/"+p); err != nil {
			return err
		}
		r.bins[p] = bin
	}
	return nil
}

func (r *runner) runBench(ctx context.Context, path string) error {
	p := r.o.profile
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, re := range p.benchRegexes {
		args := []string{"test", "-run", "^$", "-bench", re, "-count", fmt.Sprint(p.benchCount),
			"-benchtime", p.benchTime, "-benchmem", "-timeout", "30m", "./bench"}
		if err := r.prov.with("flags", "go "+strings.Join(args, " ")).write(f); err != nil {
			return err
		}
		if err := r.command(ctx, nil, f, "go", args...); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) runLoad(ctx context.Context, path, jsonDir string) error {
	p := r.o.profile
	var ws []window
	for _, work := range p.works {
		ws = append(ws, p.plan(work)...)
	}
	if len(ws) == 0 {
		return nil // -parts without load
	}
	return r.runPlan(ctx, path, jsonDir, ws, r.loadProvenance())
}

// runCodecs runs the Codecs section's windows into their own raw file,
// whose "section: codecs" line keeps them out of the other sections; a
// profile without codec cases writes no file.
func (r *runner) runCodecs(ctx context.Context, path, jsonDir string) error {
	ws := r.o.profile.codecPlan()
	if len(ws) == 0 {
		return nil
	}
	prov := r.loadProvenance().with("section", "codecs").
		with("servers", "each variant's windows of a slice ran on a server started with that variant's flags (-rest-json, -grpc-codec)")
	return r.runPlan(ctx, path, jsonDir, ws, prov)
}

// runMiddle runs the Middle ways section's windows into their own raw
// file ("section: middle"); a profile without middle cases writes none.
func (r *runner) runMiddle(ctx context.Context, path, jsonDir string) error {
	ws := r.o.profile.middlePlan()
	if len(ws) == 0 {
		return nil
	}
	prov := r.loadProvenance().with("section", "middle").
		with("servers", "each variant's windows of a slice ran on a server started with that variant's flags (-connect-addr, -gateway-addr); the gateway's server process holds both the gateway and the gRPC server it calls")
	return r.runPlan(ctx, path, jsonDir, ws, prov)
}

func (r *runner) loadProvenance() *provenance {
	p := r.o.profile
	return r.prov.with("flags", fmt.Sprintf("loadgen -duration %s -warmup %s -max-steal %g -retries %d", p.duration, p.warmup, p.maxSteal, p.retries)).
		with("added-by-report", "the work= name key, the discarded-windows and steal-flagged units and the slice: and proto: lines come from cmd/report and each run's loadgen JSON; windows of one slice ran back to back on freshly started servers")
}

// runPlan runs the windows ws, slice by slice, into the raw file at path.
func (r *runner) runPlan(ctx context.Context, path, jsonDir string, ws []window, prov *provenance) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := prov.write(f); err != nil {
		return err
	}
	for _, sl := range slicesOf(ws) {
		if err := r.runSlice(ctx, sl, f, jsonDir); err != nil {
			return err
		}
	}
	return nil
}

// slicesOf cuts a plan into its slices: the windows of one repetition of one
// case, every variant back to back.
func slicesOf(ws []window) [][]window {
	var out [][]window
	for i, w := range ws {
		if i == 0 || w.slice() != ws[i-1].slice() {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], w)
	}
	return out
}

// serverRuns cuts windows into the runs that share one server: the
// consecutive windows of one slice whose variants need the same server
// flags (variant.ServerFlags).
func serverRuns(ws []window) [][]window {
	var out [][]window
	for i, w := range ws {
		if i == 0 || w.slice() != ws[i-1].slice() || !slices.Equal(variant.ServerFlags(w.variant), variant.ServerFlags(ws[i-1].variant)) {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], w)
	}
	return out
}

// runSlice runs the windows of one slice on freshly started servers, so
// that no slice inherits another's connections, heap or caches: a
// long-lived server after a burst of connections ran measurably slower.
// Variants that need other server flags get a server of their own, started
// when their turn comes, so that only one server runs at a time.
func (r *runner) runSlice(ctx context.Context, ws []window, raw io.Writer, jsonDir string) error {
	for _, run := range serverRuns(ws) {
		srv, err := startServer(ctx, r.bins["server"], r.tmp, r.pin, run[0].work, variant.ServerFlags(run[0].variant)...)
		if err != nil {
			return err
		}
		err = r.runWindows(ctx, srv, run, raw, jsonDir)
		if serr := srv.stop(); err == nil && serr != nil {
			err = fmt.Errorf("server: %w", serr)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) runWindows(ctx context.Context, srv *server, ws []window, raw io.Writer, jsonDir string) error {
	p := r.o.profile
	for _, w := range ws {
		label := fmt.Sprintf("loadgen %s %s payload=%s conc=%d", w.variant, w.c.rpc, w.c.payload, w.c.conc)
		if w.rate > 0 {
			label += fmt.Sprintf(" rate=%d/s", w.rate)
		}
		if w.work > 0 {
			label += fmt.Sprintf(" work=%v", w.work)
		}
		r.prog.step(fmt.Sprintf("%s (slice %s)", label, w.slice()), p.windowCost())
		r.windowsTotal++
		var out bytes.Buffer
		jsonPath := filepath.Join(jsonDir, w.name()+".json")
		name, args := r.pin.wrap(1, r.bins["loadgen"], loadgenArgs(p, srv, w, jsonPath)...)
		err := r.command(ctx, []string{"GOMAXPROCS=1"}, &out, name, args...)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			fmt.Fprintf(r.stderr, "report: window failed: %v\n", err)
			r.failures = append(r.failures, label)
			continue
		}
		var known *windowInfo
		if info, err := readWindowJSON(jsonPath); err != nil {
			fmt.Fprintf(r.stderr, "report: %v\n", err)
		} else {
			known = &info
		}
		if err := copyBenchLines(raw, &out, w, known); err != nil {
			return err
		}
	}
	return nil
}

// windowInfo is what the raw file needs from a load-driver run's JSON.
type windowInfo struct {
	Protocol  string `json:"protocol"`
	Discarded int    `json:"discarded_windows"`
	Flagged   bool   `json:"steal_flagged"`
}

func readWindowJSON(path string) (windowInfo, error) {
	var info windowInfo
	b, err := os.ReadFile(path)
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("%s: %w", path, err)
	}
	return info, nil
}

// copyBenchLines copies the benchmark lines of a load-driver run to the raw
// file. It adds the server work to each name, the steal bookkeeping from the
// run's JSON as two units (discarded-windows, steal-flagged), and precedes
// them with the window's slice and the negotiated protocol as "slice:" and
// "proto:" lines. With info nil (the
// JSON could not be read) the units are left out rather than written as
// zeros, and the "proto:" line is empty, so that the previous run's
// protocol does not carry over.
func copyBenchLines(w io.Writer, r io.Reader, win window, info *windowInfo) error {
	proto, units := "", ""
	if info != nil {
		flagged := 0
		if info.Flagged {
			flagged = 1
		}
		proto = info.Protocol
		units = fmt.Sprintf("\t%d discarded-windows\t%d steal-flagged", info.Discarded, flagged)
	}
	if _, err := fmt.Fprintf(w, "slice: %s\nproto: %s\n", win.slice(), proto); err != nil {
		return err
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		line = addNameKey(line, "work", durationName(win.work))
		if win.set != "" {
			line = addNameKey(line, "set", win.set)
		}
		if _, err := fmt.Fprintf(w, "%s%s\n", line, units); err != nil {
			return err
		}
	}
	return sc.Err()
}

// addNameKey inserts /key=value into a benchmark line's name (before the
// -GOMAXPROCS suffix) unless the name already has key.
func addNameKey(line, key, value string) string {
	name, rest, _ := strings.Cut(line, "\t")
	if strings.Contains(name, "/"+key+"=") {
		return line
	}
	suffix := ""
	if i := strings.LastIndex(name, "-"); i > strings.LastIndex(name, "/") && i > 0 {
		if _, err := fmt.Sscan(name[i+1:], new(int)); err == nil {
			name, suffix = name[:i], name[i:]
		}
	}
	out := name + "/" + key + "=" + value + suffix
	if rest != "" {
		out += "\t" + rest
	}
	return out
}

// loadgenArgs is the load driver's command line for one window.
func loadgenArgs(p *profile, srv *server, w window, jsonPath string) []string {
	target := strings.TrimPrefix(strings.TrimPrefix(srv.rest, "http://"), "https://")
	switch {
	case variant.IsGRPC(w.variant):
		target = srv.grpc
	case variant.IsConnect(w.variant):
		target = srv.connect
	case w.variant == variant.Gateway:
		target = srv.gateway
	}
	name, sse := strings.CutSuffix(w.variant, "-sse")
	args := []string{
		"-target", target, "-variant", name, "-rpc", w.c.rpc, "-payload", w.c.payload,
		"-user", srv.user + ":" + srv.pass,
		"-duration", p.duration.String(), "-warmup", p.warmup.String(),
		"-server-pid", fmt.Sprint(srv.pid), "-max-steal", fmt.Sprint(p.maxSteal), "-retries", fmt.Sprint(p.retries),
		"-json", jsonPath, "-bench",
	}
	if sse {
		args = append(args, "-sse")
	}
	if w.check != "" {
		args = append(args, "-check", w.check)
	}
	if w.rate > 0 {
		// The report judges whether a rate was sustained, and past
		// saturation failed calls are part of the curve (errors/op): the
		// driver must not fail the window for either.
		args = append(args, "-rate", fmt.Sprint(w.rate), "-rate-tolerance", "0.99", "-allow-errors", "-c", fmt.Sprint(w.c.conc))
	} else {
		args = append(args, "-c", fmt.Sprint(w.c.conc))
	}
	return args
}

// render writes the benchstat tables and REPORT.md from the raw files in o.out.
// Notes about the run (its duration, failed windows) come from notes.txt.
func render(ctx context.Context, o options, stdout io.Writer) error {
	var notes []string
	if b, err := os.ReadFile(filepath.Join(o.out, "notes.txt")); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l != "" {
				notes = append(notes, l)
			}
		}
	}
	raws, err := filepath.Glob(filepath.Join(o.out, "raw", "*.txt"))
	if err != nil {
		return err
	}
	if len(raws) == 0 {
		return fmt.Errorf("no raw files in %s: run without -skip-run first", filepath.Join(o.out, "raw"))
	}
	var extra []string
	for _, raw := range raws {
		base := strings.TrimSuffix(filepath.Base(raw), ".txt")
		tables := []struct {
			file string
			args []string
		}{
			// proto: lines differ by variant; they must not split tables.
			{"benchstat-" + base + ".txt", []string{"-ignore", "proto", "-col", "/variant"}},
		}
		if base == "bench" {
			tables = append(tables, struct {
				file string
				args []string
			}{"benchstat-codec.txt", []string{"-filter", ".name:Codec", "-col", "/codec"}})
		}
		for _, t := range tables {
			abs, _ := filepath.Abs(raw)
			out, err := exec.CommandContext(ctx, "go", append(append([]string{"tool", "benchstat"}, t.args...), abs)...).CombinedOutput()
			if err != nil {
				out = append([]byte(fmt.Sprintf("benchstat failed: %v\n", err)), out...)
			}
			if err := os.WriteFile(filepath.Join(o.out, t.file), out, 0o644); err != nil {
				return err
			}
			extra = append(extra, t.file)
		}
	}
	jsons, _ := filepath.Glob(filepath.Join(o.out, "json", "*.json"))
	var hists report.Histograms
	if len(jsons) > 0 {
		extra = append(extra, fmt.Sprintf("json/ (%d load-driver runs)", len(jsons)))
		if hists, err = report.ReadHistograms(jsons...); err != nil {
			fmt.Fprintf(stdout, "report: no latency distribution plot: %v\n", err)
			hists = nil
		}
	}
	d, err := report.ReadFiles(raws...)
	if err != nil {
		return err
	}
	interop, ierr := report.ReadInterop(filepath.Join(o.out, "interop.json"))
	if errors.Is(ierr, fs.ErrNotExist) {
		ierr = errors.New("no interop.json: the cross-language test did not run")
	}
	rep, err := report.Build(d, report.WithP99Bound(o.profile.p99Bound), report.WithFiles(extra...), report.WithNotes(notes...),
		report.WithHistograms(hists), report.WithInterop(interop, ierr))
	if err != nil {
		return err
	}
	if err := rep.Write(o.out); err != nil {
		return err
	}
	if err := writeVerdicts(filepath.Join(o.out, "verdicts.json"), rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and REPORT.html\n", filepath.Join(o.out, "REPORT.md"))
	for _, p := range report.HeadlineProblems(rep.Table) {
		fmt.Fprintf(stdout, "report: headline: %s\n", p)
	}
	if o.readme != "" {
		if err := updateReadme(o.readme, filepath.ToSlash(filepath.Join(o.out, "REPORT.md")), o.profile.name, rep.Table); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "updated the headline of %s\n", o.readme)
	}
	for _, row := range report.Rows {
		fmt.Fprintf(stdout, "  %-17s %s\n", row+":", rep.Verdicts[row])
	}
	return nil
}
