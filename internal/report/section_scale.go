package report

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// scaleRPCWords names the calls of the sweep.
var scaleRPCWords = map[string]string{
	"GetTransaction":   "unary GetTransaction",
	"ListTransactions": "ListTransactions feeds held open (a dashboard each)",
}

// atScale writes the "At scale" section: cmd/fleet's sweep of in-flight
// callers, and its network path against loopback.
func (b *builder) atScale() string {
	var w strings.Builder
	w.WriteString("## At scale\n\n")
	var series, idle []*Series
	for _, s := range b.fleet["scale"] {
		if s.Key("idle") != "" {
			idle = append(idle, s)
		} else {
			series = append(series, s)
		}
	}
	if len(series) == 0 {
		w.WriteString("Not measured: no sweep of callers (`make fleet` writes it).\n\n")
	} else {
		b.sweep(&w, series)
	}
	idleConns(&w, idle)
	b.netPath(&w)
	return w.String()
}

func (b *builder) sweep(w *strings.Builder, series []*Series) {
	conc := func(s *Series) int { return atoi(s.Key("conc")) }
	slices.SortStableFunc(series, func(a, c *Series) int {
		if d := strings.Compare(a.Key("rpc"), c.Key("rpc")); d != 0 {
			return d
		}
		if d := variantColor(a.Key("variant")) - variantColor(c.Key("variant")); d != 0 {
			return d
		}
		return conc(a) - conc(c)
	})
	w.WriteString("One server (pinned, GOMAXPROCS=1) per point, freshly started, and the load driver with that many callers in flight. Sockets are each process's open files at their peak during the run (/proc/PID/fd: sockets plus a handful, see the idle server's count in the raw file); memory and goroutines are the server's peaks, and per caller their growth over the idle server divided by the callers; RSS per added caller is the growth from the previous point divided by the callers added, the cost of each further caller without the server's warm-up. HTTP/1.1 needs one connection per caller in flight; HTTP/2 multiplexes, one connection per server stream limit (`-max-streams`) of callers.\n\n")
	rpcs := Values(series, "rpc")
	slices.Sort(rpcs)
	var figs []line
	var figP99 []line
	var figRSS []line
	for _, rpc := range rpcs {
		words := scaleRPCWords[rpc]
		if words == "" {
			words = rpc
		}
		fmt.Fprintf(w, "### %s\n\n", words)
		if rpc == "ListTransactions" {
			b.feedWords(w, series)
		}
		w.WriteString("| variant | callers | sockets: client | sockets: server | server RSS | RSS per caller | RSS per added caller | goroutines per caller | p50 | p99 | p99.9 | CPU per call: client | server | bound | failed calls | records per call |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		lines := map[string]*[3]line{}
		var prev *Series
		for _, s := range series {
			if s.Key("rpc") != rpc {
				continue
			}
			v := s.Key("variant")
			added := "—"
			if prev != nil && prev.Key("variant") == v && conc(s) > conc(prev) {
				added = fmtBytes((med(s, "server-rss-B") - med(prev, "server-rss-B")) / float64(conc(s)-conc(prev)))
			}
			prev = s
			recs := "1"
			if s.Has("feed-msgs") {
				recs = fmt.Sprintf("%.0f", med(s, "feed-msgs"))
			}
			fmt.Fprintf(w, "| %s | %s | %.0f | %.0f | %s | %s | %s | %.2f | %s | %s | %s | %s | %s | %s | %.0f | %s |\n",
				v, fmtSI(float64(conc(s))), med(s, "client-fds"), med(s, "server-fds"), fmtBytes(med(s, "server-rss-B")),
				fmtBytes(med(s, "server-rss-B/caller")), added, med(s, "server-goroutines/caller"),
				fmtDuration(med(s, "p50-ns")), fmtDuration(med(s, "p99-ns")), fmtDuration(med(s, "p999-ns")),
				fmtDuration(med(s, "client-cpu-ns/op")), orDash(durationIf(s, "server-cpu-ns/op")), boundCell(s), med(s, "failed-calls"), recs)
			l := lines[v]
			if l == nil {
				name := v + " " + shortRPC(rpc)
				dashed := rpc != "GetTransaction"
				l = &[3]line{{Name: name, Color: variantColor(v), Dashed: dashed}, {Name: name, Color: variantColor(v), Dashed: dashed}, {Name: name, Color: variantColor(v), Dashed: dashed}}
				lines[v] = l
			}
			x := float64(conc(s))
			l[0].X, l[0].Y = append(l[0].X, x), append(l[0].Y, med(s, "server-fds"))
			l[1].X, l[1].Y = append(l[1].X, x), append(l[1].Y, med(s, "p99-ns")/1e6)
			l[2].X, l[2].Y = append(l[2].X, x), append(l[2].Y, med(s, "server-rss-B")/(1<<20))
		}
		w.WriteString("\n")
		for _, v := range slices.SortedFunc(maps.Keys(lines), func(a, c string) int { return variantColor(a) - variantColor(c) }) {
			figs, figP99, figRSS = append(figs, lines[v][0]), append(figP99, lines[v][1]), append(figRSS, lines[v][2])
		}
	}
	b.sweepSummary(w, series)
	for _, f := range []struct {
		file, title, unit, reading string
		c                          chart
	}{
		{"scale-sockets.svg", "Sockets the server held, by callers in flight", "server-fds",
			"solid lines are unary calls, dashed ones held feeds; HTTP/1.1 rises one to one with the callers, HTTP/2 stays near flat.",
			chart{XLabel: "callers in flight (log scale)", YLabel: "open files of the server (log scale)", LogX: true, LogY: true, Lines: figs}},
		{"scale-p99.svg", "p99 latency by callers in flight", "p99-ns",
			"a closed loop: with more callers than the server can serve at once, latency grows with the queue, on every transport.",
			chart{XLabel: "callers in flight (log scale)", YLabel: "p99 (ms, log scale)", LogX: true, LogY: true, Lines: figP99, YFormat: fmtMs}},
		{"scale-rss.svg", "Server memory (peak RSS) by callers in flight", "server-rss-B",
			"the rise from one point to the next, divided by the callers added, is what each further caller costs the server (the table's RSS per added caller); RSS per caller over the idle server also carries the server's warm-up, which dominates at few callers.",
			chart{XLabel: "callers in flight (log scale)", YLabel: "peak RSS (MiB)", LogX: true, Lines: figRSS, YFormat: fmtSI}},
	} {
		suffix, single := noInterval("point", windows(f.unit, series...))
		f.c.Title = strings.TrimSpace(f.title + " " + suffix)
		b.addPlot(w, f.file, f.c.Title, f.c.svg(), strings.TrimSpace(f.reading+" "+single))
	}
}

// feedWords says how the sweep's feeds ran: paced by the server (an
// interval key), or as fast as the driver read them.
func (b *builder) feedWords(w *strings.Builder, series []*Series) {
	for _, s := range series {
		if iv := s.Key("interval"); s.Key("rpc") == "ListTransactions" && iv != "" {
			fmt.Fprintf(w, "Each caller holds a live feed, as a dashboard does: the server sends a record every %s, and a feed carries the records of the last column, so that it lasts about half the window. A call's time therefore includes (records − 1) intervals of pacing; what transport and load add is the rest, and the time to the first record below.\n\n", iv)
			b.firstRecords(w, series)
			return
		}
	}
	w.WriteString("Records per feed (the column) fall at thousands of callers, so that a round of feeds fits the window: compare CPU per record, not per call, across rows.\n\n")
}

// firstRecords writes the time to a held feed's first record per point.
func (b *builder) firstRecords(w *strings.Builder, series []*Series) {
	w.WriteString("| variant | callers | first record p50 | first record p99 |\n|---|---|---|---|\n")
	for _, s := range series {
		if s.Key("rpc") != "ListTransactions" || !s.Has("first-msg-p99-ns") {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", s.Key("variant"), fmtSI(float64(atoi(s.Key("conc")))),
			fmtDuration(med(s, "first-msg-p50-ns")), fmtDuration(med(s, "first-msg-p99-ns")))
	}
	w.WriteString("\n")
}

// idleConns writes the idle-connection check: a caller that opens many
// connections and sends nothing, while another makes ordinary calls.
func idleConns(w *strings.Builder, series []*Series) {
	w.WriteString("### Idle connections\n\n")
	if len(series) == 0 {
		w.WriteString("Not measured: no idle-connection check (`make fleet` writes it with the sweep).\n\n")
		return
	}
	w.WriteString("One caller opens the connections and sends nothing on them; while they are held, another makes 200 ordinary GetTransaction calls. The server's bounds on such connections: REST closes one that sends no complete header within 5 s, gRPC one without its HTTP/2 preface within its handshake timeout (10 s by default); until then each costs the server a socket.\n\n")
	w.WriteString("| port | idle connections | server sockets at peak | server RSS | calls ok | failed calls | p99 | idle still open after the calls |\n|---|---|---|---|---|---|---|---|\n")
	for _, s := range series {
		port := "REST (HTTP/1.1 and h2c)"
		if s.Key("variant") == "grpc" {
			port = "gRPC"
		}
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %s | %.0f | %.0f | %s | %.0f |\n", port, med(s, "idle-opened"), med(s, "server-fds"),
			fmtBytes(med(s, "server-rss-B")), med(s, "calls-ok"), med(s, "failed-calls"), fmtDuration(med(s, "p99-ns")), med(s, "idle-open-after"))
	}
	w.WriteString("\n")
}

// sweepSummary writes, for the largest point of each call, what it cost
// per transport: the sentence that answers "what do N callers cost".
func (b *builder) sweepSummary(w *strings.Builder, series []*Series) {
	top := map[string]*Series{} // by rpc/variant
	for _, s := range series {
		k := s.Key("rpc") + "/" + s.Key("variant")
		if o := top[k]; o == nil || atoi(s.Key("conc")) > atoi(o.Key("conc")) {
			top[k] = s
		}
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(top)) {
		s := top[k]
		parts = append(parts, fmt.Sprintf("%s %s at %s callers: %.0f server sockets, %s of server memory, p99 %s",
			s.Key("variant"), shortRPC(s.Key("rpc")), fmtSI(float64(atoi(s.Key("conc")))), med(s, "server-fds"), fmtBytes(med(s, "server-rss-B")), fmtDuration(med(s, "p99-ns"))))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "At the largest point measured: %s.\n\n", strings.Join(parts, "; "))
	}
}

// netPath writes loopback against the veth pair: segments and bytes per
// call, and throughput.
func (b *builder) netPath(w *strings.Builder) {
	series := b.fleet["netpath"]
	w.WriteString("### A real network path\n\n")
	if len(series) == 0 {
		w.WriteString("Not measured: no network-path results (`make fleet` as root with ip(8) writes them).\n\n")
		return
	}
	w.WriteString("Client and server in network namespaces of their own joined by a veth pair (MTU 1500, the kernel's full TCP path), against both in one namespace over its loopback (MTU 64 KiB). Segments are TCP segments both sides sent (/proc/net/snmp); link bytes include every header.\n\n")
	w.WriteString("| variant | record | path | calls/s | bound | segments per call | retransmitted per call | link packets per call | link bytes per call |\n|---|---|---|---|---|---|---|---|---|\n")
	slices.SortStableFunc(series, func(a, c *Series) int {
		if d := compareValue(a.Key("payload"), c.Key("payload")); d != 0 {
			return d
		}
		if d := variantColor(a.Key("variant")) - variantColor(c.Key("variant")); d != 0 {
			return d
		}
		return strings.Compare(a.Key("path"), c.Key("path"))
	})
	for _, s := range series {
		fmt.Fprintf(w, "| %s | %s | %s | %s/s | %s | %.1f | %.2f | %.1f | %s |\n", s.Key("variant"), s.Key("payload"), s.Key("path"),
			fmtSI(med(s, "req/s")), boundCell(s), med(s, "segs/op"), med(s, "retrans/op"), med(s, "link-pkts/op"), fmtBytes(med(s, "link-B/op")))
	}
	w.WriteString("\n")
}

func shortRPC(rpc string) string {
	if rpc == "ListTransactions" {
		return "feeds"
	}
	return "unary"
}

func durationIf(s *Series, unit string) string {
	if !s.Has(unit) {
		return ""
	}
	return fmtDuration(med(s, unit))
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
