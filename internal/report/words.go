package report

import (
	"fmt"
	"slices"
	"strings"
)

// Conditions are named in words, never as name keys: "1 KiB records, 64
// callers, a simulated LAN".

// payloadLabel writes a payload class with its unit apart: "64 KiB".
func payloadLabel(v string) string {
	for _, u := range []string{"KiB", "MiB", "B"} {
		if n, ok := strings.CutSuffix(v, u); ok {
			return n + " " + u
		}
	}
	return v
}

var kindWords = map[string]string{
	"unary": "unary calls", "server-stream": "server streams", "client-stream": "client streams", "bidi": "bidirectional streams",
}

var netWords = map[string]string{"loopback": "loopback", "lan": "a simulated LAN", "wan": "a simulated WAN"}

// metricLabels name the units in words.
var metricLabels = map[string]string{
	"body-B/op": "body bytes", "wire-B/op": "wire bytes", "ns/op": "time per operation",
	"p50-ns": "p50 latency", "p99-ns": "p99 latency", "req/s": "calls per second",
	"cpu-ns/op": "CPU per call", "msgs/s": "messages per second",
	"server-cpu-ns/op": "server CPU per call", "client-cpu-ns/op": "client CPU per call",
}

// ValueWords names one value of a dimension: "64 KiB records", "one caller".
func ValueWords(dim, v string) string {
	switch dim {
	case "payload":
		return payloadLabel(v) + " records"
	case "conc":
		if v == "1" {
			return "one caller"
		}
		return v + " callers"
	case "conns":
		if v == "1" {
			return "one connection"
		}
		return v + " connections"
	case "kind":
		if w, ok := kindWords[v]; ok {
			return w
		}
	case "net":
		if w, ok := netWords[v]; ok {
			return w
		}
		return "network " + v
	case "work":
		if v == "" || v == "0" || v == "0s" {
			return "no server work"
		}
		return strings.ReplaceAll(v, "us", " µs") + " of server work per call"
	case "metric":
		if w, ok := metricLabels[v]; ok {
			return w
		}
	case "msg":
		return v + " messages"
	case "op":
		return map[string]string{"encode": "encoding", "decode": "decoding"}[v]
	case "rpc":
		if k := map[string]string{"ListTransactions": "server stream", "Upload": "client stream", "Chat": "bidirectional stream"}[v]; k != "" {
			return v + " (" + k + ")"
		}
		return v
	case "source":
		if v == "go test -bench" {
			return "in one process"
		}
		return "from the " + v
	case "rest":
		return "against " + v
	case "mode":
		return v + " loop"
	case "rate":
		return fmtSI(atof(v)) + " calls/s"
	case "tls", "gzip":
		if v == "on" || v == "true" {
			return strings.ToUpper(dim)
		}
		return "no " + strings.ToUpper(dim)
	case "engine":
		if v == "qps" {
			return "on grpc's qps driver"
		}
		return "on engine " + v
	case "check":
		return map[string]string{"bytes": "the driver comparing bytes", "decode": "the driver decoding"}[v]
	case "set":
		return "" // which section's windows: the section says
	}
	return dim + " " + v
}

// CondWords names a condition: its values in words, in the order of dims,
// joined by commas.
func CondWords(cond map[string]string, dims []string) string {
	var parts []string
	for _, k := range sortedKeys(cond, dims) {
		if w := ValueWords(k, cond[k]); w != "" {
			parts = append(parts, w)
		}
	}
	return strings.Join(parts, ", ")
}

// ValuesWords names a set of values of one dimension, out of all measured:
// "records of 64 KiB and up" (the upper end of the range), "up to 16
// callers" (the lower end), or each one.
func ValuesWords(dim string, vals, all []string) string {
	if len(vals) == 0 {
		return ""
	}
	suffix := len(vals) >= 2 && len(vals) < len(all) && slices.Equal(vals, all[len(all)-len(vals):])
	prefix := len(vals) >= 2 && len(vals) < len(all) && slices.Equal(vals, all[:len(vals)])
	switch dim {
	case "payload":
		switch {
		case suffix:
			return "records of " + payloadLabel(vals[0]) + " and up"
		case prefix:
			return "records up to " + payloadLabel(vals[len(vals)-1])
		}
		var ls []string
		for _, v := range vals {
			ls = append(ls, payloadLabel(v))
		}
		return orList(ls) + " records"
	case "conc":
		switch {
		case suffix:
			return vals[0] + " callers or more"
		case prefix:
			return "up to " + vals[len(vals)-1] + " callers"
		}
	}
	var ws []string
	for _, v := range vals {
		ws = append(ws, ValueWords(dim, v))
	}
	return orList(ws)
}

func orList(vs []string) string {
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " and " + vs[len(vs)-1]
}

func atof(s string) float64 {
	var f float64
	fmt.Sscan(s, &f)
	return f
}
