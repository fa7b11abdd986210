package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// A Series is every sample of one benchmark name: the repeated lines of
// `go test -bench -count N`, or the repeated windows of the load driver.
type Series struct {
	// Bench is the base name without the "Benchmark" prefix: "Unary", "Load", "Codec".
	Bench string
	// Keys are the key=value parts of the sub-benchmark name.
	Keys map[string]string
	// Values holds the samples per unit, in input order.
	Values map[string][]float64
	// Slices holds, parallel to Values, the measurement slice of each
	// sample (the "slice:" line in effect, "" if none): samples of two
	// variants in one slice were measured back to back, as a pair.
	Slices map[string][]string
	// Config holds the provenance lines in effect for the first sample.
	Config map[string]string
	// Name is the full benchmark name as written.
	Name string
}

// Key returns the value of a name key, or "" if the name does not carry it.
func (s *Series) Key(k string) string { return s.Keys[k] }

// Has reports whether the series has samples in unit.
func (s *Series) Has(unit string) bool { return len(s.Values[unit]) > 0 }

// Data is everything read from a set of raw benchmark files.
type Data struct {
	// Series in first-seen order.
	Series []*Series
	// Provenance maps a config key to its distinct values, in first-seen order.
	Provenance map[string][]string
	// ProvenanceKeys lists Provenance's keys in first-seen order.
	ProvenanceKeys []string
	// Files are the names of the inputs read.
	Files []string
	// Lines is the number of result lines read.
	Lines  int
	byName map[string]*Series
}

// ReadFiles reads raw benchmark text files (from `go test -bench` or
// `loadgen -bench`). A file that is not in the benchmark format contributes
// nothing; a syntax error in a benchmark line is an error.
func ReadFiles(paths ...string) (*Data, error) {
	d := newData()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		err = d.read(f, filepath.Base(p))
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Read reads one raw benchmark text stream, named name in messages.
func Read(r io.Reader, name string) (*Data, error) {
	d := newData()
	if err := d.read(r, name); err != nil {
		return nil, err
	}
	return d, nil
}

func newData() *Data {
	return &Data{Provenance: map[string][]string{}, byName: map[string]*Series{}}
}

func (d *Data) read(r io.Reader, name string) error {
	d.Files = append(d.Files, name)
	br := benchfmt.NewReader(r, name)
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.SyntaxError:
			return fmt.Errorf("read %s: %w", name, rec)
		case *benchfmt.Result:
			d.add(rec)
		}
	}
	return br.Err()
}

func (d *Data) add(r *benchfmt.Result) {
	d.Lines++
	cfg := map[string]string{}
	slice := ""
	for _, c := range r.Config {
		if c.File && c.Key == "slice" {
			slice = string(c.Value)
			continue
		}
		if c.File {
			v := string(c.Value)
			cfg[c.Key] = v
			if _, ok := d.Provenance[c.Key]; !ok {
				d.ProvenanceKeys = append(d.ProvenanceKeys, c.Key)
			}
			if !slices.Contains(d.Provenance[c.Key], v) {
				d.Provenance[c.Key] = append(d.Provenance[c.Key], v)
			}
		}
	}
	full := r.Name.String()
	s := d.byName[full]
	if s == nil {
		base, parts := r.Name.Parts()
		s = &Series{
			Bench:  strings.TrimPrefix(string(base), "Benchmark"),
			Keys:   map[string]string{},
			Values: map[string][]float64{},
			Slices: map[string][]string{},
			Config: cfg,
			Name:   full,
		}
		for _, p := range parts {
			p = bytes.TrimPrefix(p, []byte("/"))
			if k, v, ok := bytes.Cut(p, []byte("=")); ok {
				s.Keys[string(k)] = string(v)
			}
		}
		normalizeKeys(s.Keys)
		d.byName[full] = s
		d.Series = append(d.Series, s)
	}
	line := map[string]float64{}
	for _, v := range r.Values {
		unit, val := v.OrigUnit, v.OrigValue
		if unit == "" {
			unit, val = v.Unit, v.Value
		}
		line[unit] = val
	}
	derive(line)
	for u, v := range line {
		s.Values[u] = append(s.Values[u], v)
		s.Slices[u] = append(s.Slices[u], slice)
	}
}

// Pairs returns the samples of a and b in unit that were measured as pairs:
// matched by slice where every sample has one, else by position (the i-th
// repetition of each, which cmd/report and go test -count run in turn).
func Pairs(a, b *Series, unit string) (x, y []float64) {
	va, vb := a.Values[unit], b.Values[unit]
	la, lb := a.Slices[unit], b.Slices[unit]
	labelled := len(la) == len(va) && len(lb) == len(vb) && !slices.Contains(la, "") && !slices.Contains(lb, "")
	if !labelled {
		n := min(len(va), len(vb))
		return va[:n:n], vb[:n:n]
	}
	at := map[string]int{}
	for i := len(lb) - 1; i >= 0; i-- {
		at[lb[i]] = i
	}
	for i, l := range la {
		if j, ok := at[l]; ok {
			x = append(x, va[i])
			y = append(y, vb[j])
			delete(at, l)
		}
	}
	return x, y
}

// derive adds the units the report reads that a line can imply: total CPU per
// call, a call rate from ns/op where the line gives none, and messages per
// second from an upload's chunks per second.
func derive(line map[string]float64) {
	if _, ok := line["msgs/s"]; !ok {
		if c, ok := line["chunks/s"]; ok {
			line["msgs/s"] = c
		}
	}
	c, okc := line["client-cpu-ns/op"]
	sv, oks := line["server-cpu-ns/op"]
	if okc && oks {
		line["cpu-ns/op"] = c + sv
	}
	if _, ok := line["req/s"]; !ok {
		if ns, ok := line["ns/op"]; ok && ns > 0 {
			line["req/s"] = 1e9 / ns
		}
	}
}

// Filter is a set of name keys a series must carry with the given values;
// a value of "*" only requires the key to be present, "" requires it absent.
type Filter map[string]string

func (f Filter) match(s *Series) bool {
	for k, want := range f {
		got, ok := s.Keys[k]
		switch want {
		case "*":
			if !ok {
				return false
			}
		case "":
			if ok {
				return false
			}
		default:
			if got != want {
				return false
			}
		}
	}
	return true
}

// Select returns the series of benchmark bench matching f.
func (d *Data) Select(bench string, f Filter) []*Series {
	var out []*Series
	for _, s := range d.Series {
		if s.Bench == bench && f.match(s) {
			out = append(out, s)
		}
	}
	return out
}

// Values returns the distinct values of key among series, in the report's
// order (payload classes by size, numbers numerically, other text alphabetically).
func Values(series []*Series, key string) []string {
	var vs []string
	for _, s := range series {
		if v, ok := s.Keys[key]; ok && !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return lessValue(vs[i], vs[j]) })
	return vs
}

var payloadOrder = map[string]int{"100B": 1, "1KiB": 2, "64KiB": 3, "1MiB": 4}

var namedOrder = map[string]int{
	"loopback": 1, "lan": 2, "wan": 3,
	"rest": 1, "rest-proto": 2, "rest-h2c": 3, "grpc": 4, "nethttp": 5, "tcp": 6,
}

func lessValue(a, b string) bool {
	if pa, pb := payloadOrder[a], payloadOrder[b]; pa > 0 && pb > 0 {
		return pa < pb
	}
	if na, nb := namedOrder[a], namedOrder[b]; na > 0 && nb > 0 {
		return na < nb
	}
	fa, ea := number(a)
	fb, eb := number(b)
	if ea == nil && eb == nil {
		return fa < fb
	}
	return a < b
}

// number parses a plain number or a Go duration ("10us", "1ms") as seconds.
func number(s string) (float64, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, nil
	}
	if dur, err := parseDuration(s); err == nil {
		return dur, nil
	}
	return 0, errors.New("not a number")
}

// normalizeKeys names a REST feed sent as server-sent events the way the
// benchmarks do, as its own variant: the load driver's variant=rest with
// stream=sse becomes variant=rest-sse.
func normalizeKeys(keys map[string]string) {
	if keys["stream"] == "sse" && keys["variant"] != "" {
		keys["variant"] += "-sse"
		delete(keys, "stream")
	}
}
