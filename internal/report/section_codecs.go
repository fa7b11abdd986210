package report

import (
	"fmt"
	"strings"

	"restvsgrpc/internal/variant"
)

// The Codecs section reads the windows cmd/report runs into their own raw
// file ("section: codecs"): rest and grpc against their codec variants, the
// same format and transport with another library on both sides. Bytes-mode
// windows (the driver decodes nothing) give the server's CPU per call and
// the bound; decode-mode windows, whose client decodes with the variant's
// library, give the client's.

// A codecGroup is one condition of the Codecs windows in both client modes.
type codecGroup struct {
	cond          map[string]string // without check
	bytes, decode *group
}

// codecGroups gathers the Codecs windows by condition, in the report's order.
func (b *builder) codecGroups() []codecGroup {
	var out []codecGroup
	at := map[string]int{}
	for _, g := range groups(b.codecs) {
		cond := withCond(g.Cond)
		delete(cond, "check")
		key := CondString(cond, nil)
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, codecGroup{cond: cond})
		}
		if g.Cond["check"] == "decode" {
			out[i].decode = g
		} else {
			out[i].bytes = g
		}
	}
	return out
}

// library names the library a variant encodes and decodes with.
func library(v string) string {
	switch {
	case variant.JSON(v) != "":
		return variant.JSON(v)
	case v == variant.GRPCVT:
		return "vtprotobuf"
	case v == variant.GRPC:
		return "protobuf-go"
	}
	return "—"
}

// codecMeasures are what the section compares, each from its client mode.
var codecMeasures = []struct {
	unit, check, words string
}{
	{"server-cpu-ns/op", "bytes", "server CPU per call (bytes mode)"},
	{"client-cpu-ns/op", "decode", "client CPU per call (decode mode)"},
}

func (g codecGroup) mode(check string) *group {
	if check == "decode" {
		return g.decode
	}
	return g.bytes
}

// libraryOutcome words an outcome of a library against its twin (playing
// gRPC against REST in the comparison).
func libraryOutcome(c Comparison) string {
	out := map[Outcome]string{Win: "cheaper", Loss: "dearer", Same: "same", Uncertain: "uncertain", Unclear: "unclear"}[c.Outcome]
	if c.Why != "" {
		out += " (" + c.Why + ")"
	}
	return out
}

func (b *builder) codecsSection() string {
	gs := b.codecGroups()
	if len(gs) == 0 {
		return ""
	}
	var sec strings.Builder
	sec.WriteString("## Codecs: the library or the format?\n\n")
	sec.WriteString("The same services with another library on both sides, the format and the transport unchanged: rest with gin's JSON back-ends (`sonic`, `go_json`) and grpc with vtprotobuf's generated code. The load driver, closed loop, loopback; every variant of a slice back to back, each on a freshly started server with its own flags. The server's CPU per call and the bound come from bytes-mode windows (the driver decodes nothing); the client's from decode-mode windows, whose client decodes with the variant's own library.\n\n")
	sec.WriteString("| condition | variant | library | bound (bytes mode) | calls/s (bytes mode) | server CPU/call | client CPU/call (decode mode) | body B/call |\n|---|---|---|---|---|---|---|---|\n")
	for _, g := range gs {
		for _, v := range variant.Libraries {
			sb, sd := seriesIn(g.bytes, v), seriesIn(g.decode, v)
			if sb == nil && sd == nil {
				continue
			}
			fmt.Fprintf(&sec, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", CondWords(g.cond, Dims), v, library(v), boundCellOr(sb),
				fmtIn(sb, "req/s"), fmtIn(sb, "server-cpu-ns/op"), fmtIn(sd, "client-cpu-ns/op"), fmtIn(sb, "body-B/op"))
		}
	}
	sec.WriteString("\n")

	sec.WriteString("Each codec variant against its twin (variant ÷ twin, the median of the per-pair ratios; below 1 the library is cheaper):\n\n")
	sec.WriteString("| condition | measure | variant | twin | variant | twin | variant ÷ twin (95% interval) | pairs | outcome |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, g := range gs {
		for _, m := range codecMeasures {
			mg := g.mode(m.check)
			if mg == nil {
				continue
			}
			for _, v := range variant.Codecs {
				twin := variant.Twin(v)
				c, ok := b.cfg.rules.compareIn(mg, v, twin, m.unit, Lower)
				if !ok {
					continue
				}
				fmt.Fprintf(&sec, "| %s | %s | %s | %s | %s | %s | %s | %d | %s |\n", CondWords(g.cond, Dims), m.words, v, twin,
					fmtSummary(c.GRPC, m.unit), fmtSummary(c.REST, m.unit), fmtRatio(c), c.Ratio.N, libraryOutcome(c))
			}
		}
	}
	sec.WriteString("\n")

	rests, grpcs := codecSides()
	sec.WriteString("gRPC ÷ REST with each library on each side (the median of the per-pair ratios, 95% interval; below 1 gRPC costs less):\n\n")
	sec.WriteString("| condition | measure | gRPC side | " + strings.Join(rests, " | ") + " |\n|---|---|---|" + strings.Repeat("---|", len(rests)) + "\n")
	for _, g := range gs {
		for _, m := range codecMeasures {
			mg := g.mode(m.check)
			if mg == nil {
				continue
			}
			for _, gv := range grpcs {
				cells := []string{CondWords(g.cond, Dims), m.words, gv}
				any := false
				for _, rv := range rests {
					c, ok := b.cfg.rules.compareIn(mg, gv, rv, m.unit, Lower)
					if !ok {
						cells = append(cells, "—")
						continue
					}
					any = true
					cells = append(cells, fmtRatio(c)+" "+c.Outcome.String())
				}
				if any {
					sec.WriteString("| " + strings.Join(cells, " | ") + " |\n")
				}
			}
		}
	}
	sec.WriteString("\n")
	for _, unit := range []string{"server-cpu-ns/op", "client-cpu-ns/op"} {
		if s := b.codecSentences(unit); len(s) > 0 {
			sec.WriteString(s[0] + "\n\n")
		}
	}
	for _, g := range gs {
		sec.WriteString(bodySizes(g) + "\n\n")
	}
	return sec.String()
}

// bodySizes says whether the JSON libraries wrote bodies of one size at a
// condition: they may differ in escaping, not in the format.
func bodySizes(g codecGroup) string {
	rests, _ := codecSides()
	var libs []string
	var meds []float64
	lo, hi := 0.0, 0.0
	for _, v := range rests {
		s := seriesIn(g.bytes, v)
		if !has(s, "body-B/op") {
			continue
		}
		m := med(s, "body-B/op")
		if len(meds) == 0 || m < lo {
			lo = m
		}
		hi = max(hi, m)
		libs, meds = append(libs, library(v)), append(meds, m)
	}
	// Sizes that differ by less than the rounding of fmtValue are written
	// in bytes, so that the sentence shows the difference it names.
	exact := fmtValue(lo, "body-B/op") == fmtValue(hi, "body-B/op")
	var sizes []string
	for i, m := range meds {
		if exact {
			sizes = append(sizes, fmt.Sprintf("%s %.0f B", libs[i], m))
		} else {
			sizes = append(sizes, fmt.Sprintf("%s %s", libs[i], fmtValue(m, "body-B/op")))
		}
	}
	where := CondWords(g.cond, Dims)
	switch {
	case len(sizes) < 2:
		return where + ": fewer than two JSON libraries record their body bytes."
	case lo == hi:
		return fmt.Sprintf("%s: every JSON library wrote %s of body per call; the libraries change the CPU, not the format.", where, fmtValue(lo, "body-B/op"))
	}
	return fmt.Sprintf("%s: the JSON libraries' bodies differ in size by up to %.2g%% (%s), by their escaping and number formatting; the format is the same.", where, (hi-lo)/lo*100, strings.Join(sizes, ", "))
}

// has reports whether s exists and has samples in unit.
func has(s *Series, unit string) bool { return s != nil && s.Has(unit) }

// codecSides splits variant.Libraries into the REST variants and the gRPC ones.
func codecSides() (rests, grpcs []string) {
	for _, v := range variant.Libraries {
		if variant.IsGRPC(v) {
			grpcs = append(grpcs, v)
		} else {
			rests = append(rests, v)
		}
	}
	return rests, grpcs
}

func seriesIn(g *group, v string) *Series {
	if g == nil {
		return nil
	}
	return g.By[v]
}

func fmtIn(s *Series, unit string) string {
	if s == nil {
		return "—"
	}
	return fmtSummary(Summarize(s.Values[unit]), unit)
}

func boundCellOr(s *Series) string {
	if s == nil {
		return "—"
	}
	return boundCell(s)
}

// codecSentences are the headline's sentences on the library's share of
// the gap in unit (server-cpu-ns/op for Speed, client-cpu-ns/op for Data
// format), longest first: at the Codecs condition with the largest
// records, the cheapest REST library against grpc-go with protobuf-go,
// with encoding/json's figure beside in the longest. None without Codecs
// windows of both.
func (b *builder) codecSentences(unit string) []string {
	mode, who, short := "bytes", "gin's server", "gin"
	if unit == "client-cpu-ns/op" {
		mode, who, short = "decode", "a decoding REST client", "a REST client"
	}
	var g *group
	var cond map[string]string
	for _, cg := range b.codecGroups() {
		mg := cg.mode(mode)
		if mg == nil || !has(mg.By[variant.REST], unit) || !has(mg.By[variant.GRPC], unit) {
			continue
		}
		if g == nil || lessValue(cond["payload"], cg.cond["payload"]) ||
			(cond["payload"] == cg.cond["payload"] && lessValue(cond["conc"], cg.cond["conc"])) {
			g, cond = mg, cg.cond
		}
	}
	if g == nil {
		return nil
	}
	rests, _ := codecSides()
	best, bestV := variant.REST, med(g.By[variant.REST], unit)
	for _, v := range rests {
		if s := g.By[v]; has(s, unit) && med(s, unit) < bestV {
			best, bestV = v, med(s, unit)
		}
	}
	per := payloadLabel(cond["payload"])
	grpcV, stdV, bestS := fmtDuration(med(g.By[variant.GRPC], unit)), fmtDuration(med(g.By[variant.REST], unit)), fmtDuration(bestV)
	if best == variant.REST {
		return []string{
			fmt.Sprintf("No JSON library tried beats encoding/json: %s spends %s of CPU per %s call against grpc-go's %s.", who, stdV, per, grpcV),
			fmt.Sprintf("No JSON library beats encoding/json's %s of CPU per %s call; grpc-go %s.", stdV, per, grpcV),
		}
	}
	return []string{
		fmt.Sprintf("With %s, %s spends %s of CPU per %s call against grpc-go's %s (encoding/json: %s).", library(best), who, bestS, per, grpcV, stdV),
		fmt.Sprintf("With %s, %s spends %s of CPU per %s call against grpc-go's %s.", library(best), who, bestS, per, grpcV),
		fmt.Sprintf("With %s %s spends %s of CPU per %s call, grpc-go %s.", library(best), short, bestS, per, grpcV),
	}
}

// withCodecSentence appends a Codecs sentence on unit to a row's verdict
// sentence full within MaxVerdict: the longest that fits, after the
// verdict's own as written or, failing that, as shortened by shorter
// (given the room left). Without room even then, full stays alone.
func (b *builder) withCodecSentence(full string, shorter func(limit int) string, unit string) string {
	extras := b.codecSentences(unit)
	n := func(s string) int { return len([]rune(s)) }
	for v := full; ; {
		for _, e := range extras {
			if n(v)+1+n(e) <= MaxVerdict {
				return v + " " + e
			}
		}
		next := shorter(n(v) - 1)
		if n(next) >= n(v) {
			return full
		}
		v = next
	}
}
