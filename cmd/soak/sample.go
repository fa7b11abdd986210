package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// sample is one look at the server.
type sample struct {
	at         time.Duration // since the load started
	rss        int64         // bytes
	goroutines int
	fds        int
	heap       int64 // bytes of live heap objects
	calls      int64 // calls completed so far, all kinds
}

// slack is the absolute growth allowed on top of the factor.
type slack struct {
	rss        int64
	goroutines int
	fds        int
}

// stats is the part of the server's /debug/stats that soak reads.
type stats struct {
	Goroutines int   `json:"goroutines"`
	HeapAlloc  int64 `json:"heap_alloc"`
}

// take samples the server process pid, whose debug server is at debugURL.
func take(ctx context.Context, hc *http.Client, pid int, debugURL string) (sample, error) {
	var s sample
	var err error
	if s.rss, err = readRSS(fmt.Sprintf("/proc/%d/status", pid)); err != nil {
		return s, err
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, fmt.Errorf("open files: %w", err)
	}
	s.fds = len(fds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, debugURL+"/debug/stats", nil)
	if err != nil {
		return s, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return s, fmt.Errorf("debug stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("debug stats: %s", resp.Status)
	}
	var st stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return s, fmt.Errorf("debug stats: %w", err)
	}
	if st.Goroutines == 0 {
		// A live server has goroutines: a zero is a missing field, and
		// would make the goroutine check one that cannot fail.
		return s, errors.New("debug stats: no goroutine count")
	}
	s.goroutines, s.heap = st.Goroutines, st.HeapAlloc
	return s, nil
}

// readRSS reads VmRSS from a /proc/PID/status file.
func readRSS(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("rss: %w", err)
	}
	return parseRSS(b)
}

func parseRSS(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("rss: unexpected VmRSS line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("rss: %w", err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("rss: no VmRSS line")
}

// judge compares the mean of the last third of samples with the mean of
// the first third, for each figure, and returns what grew too much.
// Fewer than 6 samples cannot be judged.
func judge(samples []sample, factor float64, sl slack) ([]string, error) {
	if len(samples) < 6 {
		return nil, fmt.Errorf("%d samples: need at least 6 to judge growth", len(samples))
	}
	third := len(samples) / 3
	first, last := samples[:third], samples[len(samples)-third:]
	mean := func(ss []sample, f func(sample) float64) float64 {
		var sum float64
		for _, s := range ss {
			sum += f(s)
		}
		return sum / float64(len(ss))
	}
	figures := []struct {
		name  string
		of    func(sample) float64
		slack float64
		unit  string
	}{
		{"rss", func(s sample) float64 { return float64(s.rss) / (1 << 20) }, float64(sl.rss) / (1 << 20), " MiB"},
		{"goroutines", func(s sample) float64 { return float64(s.goroutines) }, float64(sl.goroutines), ""},
		{"open fds", func(s sample) float64 { return float64(s.fds) }, float64(sl.fds), ""},
	}
	var grew []string
	for _, f := range figures {
		a, b := mean(first, f.of), mean(last, f.of)
		if limit := a*factor + f.slack; b > limit {
			grew = append(grew, fmt.Sprintf("%s grew from %.1f%s to %.1f%s (limit %.1f%s)", f.name, a, f.unit, b, f.unit, limit, f.unit))
		}
	}
	return grew, nil
}

// printSamples writes the samples as a table.
func printSamples(w io.Writer, samples []sample) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "t\trss MiB\theap MiB\tgoroutines\topen fds\tcalls\tcalls/s\t")
	var prev sample
	for _, s := range samples {
		rate := 0.0
		if dt := (s.at - prev.at).Seconds(); dt > 0 {
			rate = float64(s.calls-prev.calls) / dt
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%d\t%d\t%d\t%.0f\t\n", s.at.Round(time.Second), float64(s.rss)/(1<<20), float64(s.heap)/(1<<20), s.goroutines, s.fds, s.calls, rate)
		prev = s
	}
	tw.Flush()
}
