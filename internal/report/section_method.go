package report

import (
	"fmt"
	"slices"
	"strings"
)

func (b *builder) method() {
	w := &b.md
	w.WriteString("## Method and caveats\n\n")
	if len(b.d.ProvenanceKeys) > 0 {
		w.WriteString("Provenance recorded in the raw files:\n\n| key | value |\n|---|---|\n")
		for _, k := range b.d.ProvenanceKeys {
			if k == "proto" {
				continue // per run; the Protocol section shows it
			}
			fmt.Fprintf(w, "| %s | %s |\n", k, cell(strings.Join(b.d.Provenance[k], "; ")))
		}
		w.WriteString("\n")
	} else {
		w.WriteString("The raw files carry no provenance lines (commit, Go version, CPU): treat these figures as unattributed.\n\n")
	}
	var steal, discarded, flagged []float64
	windows := 0
	for _, s := range b.d.Series {
		if s.Bench != "Load" {
			continue
		}
		steal = append(steal, s.Values["steal-cpu"]...)
		discarded = append(discarded, s.Values["discarded-windows"]...)
		flagged = append(flagged, s.Values["steal-flagged"]...)
		windows += len(s.Values["req/s"])
	}
	switch {
	case windows == 0:
		w.WriteString("- No load-driver windows were run, so no CPU steal was recorded; `go test -bench` runs client and server in one process.\n")
	case len(steal) == 0:
		fmt.Fprintf(w, "- %s of the load driver; steal was not recorded.\n", plural(windows, "measurement window"))
	default:
		fmt.Fprintf(w, "- %s of the load driver kept; CPU steal per window: median %.3f, max %.3f CPU.\n", plural(windows, "measurement window"), Summarize(steal).Center, slices.Max(steal))
	}
	if len(discarded) > 0 {
		fmt.Fprintf(w, "- Windows discarded and measured again because steal passed the threshold: %.0f; windows kept although still over it after the last retry: %.0f.\n", sum(discarded), sum(flagged))
	} else if windows > 0 {
		w.WriteString("- Windows repeated for steal: not recorded in the raw files.\n")
	}
	if v := b.d.Provenance["pinning"]; len(v) > 0 {
		fmt.Fprintf(w, "- Pinning: %s.\n", strings.Join(v, "; "))
	} else {
		w.WriteString("- Pinning: not recorded.\n")
	}
	var notRun []string
	all := b.d.Series
	for _, dim := range []struct{ key, what string }{
		{"net", "simulated networks (lan, wan)"}, {"work", "server work per call"},
		{"tls", "TLS"}, {"gzip", "gzip"}, {"conns", "connection counts"},
	} {
		if !varied(all, dim.key) {
			notRun = append(notRun, dim.what)
		}
	}
	if len(b.d.Select("Load", Filter{"mode": "open"})) == 0 {
		notRun = append(notRun, "open-loop rate sweeps")
	}
	if len(b.d.Select("Codec", nil)) == 0 {
		notRun = append(notRun, "codec benchmarks")
	}
	if len(b.codecs) == 0 {
		notRun = append(notRun, "the codec variants end to end (the Codecs section; the full profile runs them)")
	}
	if len(b.middle) == 0 {
		notRun = append(notRun, "Connect and grpc-gateway (the Middle ways section; the full profile runs them)")
	}
	if len(notRun) > 0 {
		fmt.Fprintf(w, "- Not varied or not measured in these files: %s. Conclusions do not extend to them.\n", strings.Join(notRun, "; "))
	}
	for _, n := range b.cfg.notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	w.WriteString("- CPU steal counts only what the hypervisor takes; other processes on the same machine also take CPU, which only the load average (loadavg-at-start, when recorded) hints at. Wide intervals are the sign of it.\n")
	w.WriteString("- Loopback flatters HTTP/1.1 and hides payload size; the figures are for one small machine and say nothing of other hardware.\n")
	var fleetMissing []string
	for _, m := range []struct{ section, words string }{
		{"scale", "callers at scale (sockets, memory and latency per caller)"},
		{"balance", "behaviour behind load balancers"},
		{"failover", "a backend killed behind a balancer"},
		{"netpath", "a real network path (veth)"},
	} {
		if len(b.fleet[m.section]) == 0 {
			fleetMissing = append(fleetMissing, m.words)
		}
	}
	if len(fleetMissing) > 0 {
		fmt.Fprintf(w, "- Not measured in these files: %s (`make fleet` measures them, as root for the balancers and the network path).\n", strings.Join(fleetMissing, "; "))
	}
	w.WriteString("\n")
	files := append(slices.Clone(b.d.Files), b.cfg.extra...)
	fmt.Fprintf(w, "Files: %s.\n", strings.Join(files, ", "))
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

// varied reports whether the end-to-end series (not the codec ones) take
// two or more values of key, a series without the key counting as one
// value (the default: loopback, no work, no TLS).
func varied(series []*Series, key string) bool {
	seen := map[string]bool{}
	for _, s := range series {
		if kindOf(s) == "" {
			continue
		}
		seen[s.Key(key)] = true
	}
	return len(seen) >= 2
}
