package report_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"restvsgrpc/internal/report"
)

// around returns n samples within ±spread of center, so that tests see
// variance.
func around(center, spread float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = center * (1 + spread*(2*float64(i)/float64(n-1)-1))
	}
	return out
}

func TestCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		g, r   []float64
		better report.Better
		want   report.Outcome
	}{
		{"grpc faster latency", around(100, 0.01, 8), around(200, 0.01, 8), report.Lower, report.Win},
		{"grpc slower latency", around(200, 0.01, 8), around(100, 0.01, 8), report.Lower, report.Loss},
		{"grpc more throughput", around(2000, 0.01, 8), around(1000, 0.01, 8), report.Higher, report.Win},
		{"grpc less throughput", around(900, 0.01, 8), around(1000, 0.01, 8), report.Higher, report.Loss},
		{"under 5% over the whole interval", around(1020, 0.01, 8), around(1000, 0.01, 8), report.Higher, report.Same},
		{"interval spans the 5% threshold", []float64{1000, 1100, 1030, 1080, 1060, 1010, 1120, 1040}, around(1000, 0, 8), report.Higher, report.Uncertain},
		// Both sides drift together by 40%, the ratio stays at 1.5: pairing
		// cancels what unpaired samples would call noise.
		{"drift cancels in pairs", []float64{1500, 2100, 1800, 1650, 2040, 1560}, []float64{1000, 1400, 1200, 1100, 1360, 1040}, report.Higher, report.Win},
		{"five pairs give no interval", around(100, 0.01, 5), around(200, 0.01, 5), report.Lower, report.Unclear},
		{"exact bytes smaller", []float64{88, 88}, []float64{142, 142}, report.Lower, report.Win},
		{"exact bytes larger", []float64{204, 204}, []float64{143, 143}, report.Lower, report.Loss},
		{"one sample each is not exact", []float64{204}, []float64{143}, report.Lower, report.Unclear},
		{"exact bytes equal", []float64{100, 100}, []float64{100, 100}, report.Lower, report.Same},
		{"no rest samples", around(100, 0.01, 8), nil, report.Lower, report.Unclear},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := report.DefaultRules.Compare(nil, "x", tt.better, tt.g, tt.r)
			if c.Outcome != tt.want {
				t.Errorf("Compare(%v, %v) = %v (ratio %+v, %s), want %v", tt.g, tt.r, c.Outcome, c.Ratio, c.Why, tt.want)
			}
			if c.Outcome == report.Uncertain && !strings.Contains(c.Why, "spans") {
				t.Errorf("an uncertain outcome says why %q, want the threshold it spans", c.Why)
			}
		})
	}
}

// cmpAt is a comparison in req/s with a gain of ratio at a condition.
func cmpAt(o report.Outcome, ratio float64, kv ...string) report.Comparison {
	c := report.Comparison{Cond: map[string]string{}, Unit: "req/s", Better: report.Higher, Outcome: o,
		Ratio: report.Summary{Center: ratio, Lo: ratio * 0.9, Hi: ratio * 1.1, N: 8}}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Cond[kv[i]] = kv[i+1]
	}
	return c
}

func TestDecide(t *testing.T) {
	t.Parallel()
	dims := []string{"payload", "conc", "metric"}
	W, L, S, U := report.Win, report.Loss, report.Same, report.Unclear
	tests := []struct {
		name string
		cs   []report.Comparison
		want string
	}{
		{"no data", nil, "Not measured."},
		{"all unclear", []report.Comparison{{Cond: map[string]string{"payload": "1KiB"}, Outcome: U, Why: "2 pairs"}}, "Inconclusive: 2 pairs."},
		{"grpc wins everywhere", []report.Comparison{cmpAt(W, 1.5, "payload", "100B"), cmpAt(W, 2.5, "payload", "1KiB")},
			"Holds at every condition measured (gRPC 1.5–2.5× the calls per second)."},
		{"grpc loses everywhere", []report.Comparison{cmpAt(L, 0.5, "payload", "100B"), cmpAt(L, 0.8, "payload", "1KiB")},
			"Does not hold: REST is ahead (1.2–2× the calls per second)."},
		{"no difference anywhere", []report.Comparison{cmpAt(S, 1, "conc", "1"), cmpAt(S, 1.01, "conc", "64")},
			"Does not hold: no difference that matters at any condition measured."},
		{"wins only at large payloads", []report.Comparison{
			cmpAt(L, 0.5, "payload", "100B", "conc", "1"), cmpAt(S, 1, "payload", "1KiB", "conc", "1"),
			cmpAt(W, 2.5, "payload", "64KiB", "conc", "1"), cmpAt(W, 3.9, "payload", "1MiB", "conc", "1"),
			cmpAt(L, 0.8, "payload", "100B", "conc", "64"), cmpAt(S, 1, "payload", "1KiB", "conc", "64"),
			cmpAt(W, 2.6, "payload", "64KiB", "conc", "64"), cmpAt(W, 3, "payload", "1MiB", "conc", "64"),
		}, "Holds for records of 64 KiB and up (gRPC 2.5–3.9× the calls per second); with 100 B records REST is ahead (1.2–2× the calls per second)."},
		{"wins only at high concurrency", []report.Comparison{
			cmpAt(L, 0.66, "payload", "100B", "conc", "1"), cmpAt(W, 1.5, "payload", "100B", "conc", "64"),
			cmpAt(L, 0.7, "payload", "1KiB", "conc", "1"), cmpAt(W, 1.6, "payload", "1KiB", "conc", "64"),
		}, "Holds for 64 callers (gRPC 1.5–1.6× the calls per second); with one caller REST is ahead (1.4–1.5× the calls per second)."},
		{"wins everywhere but one corner", []report.Comparison{
			cmpAt(L, 0.5, "payload", "100B", "conc", "1"), cmpAt(W, 1.5, "payload", "100B", "conc", "64"),
			cmpAt(W, 2, "payload", "64KiB", "conc", "1"), cmpAt(W, 2, "payload", "64KiB", "conc", "64"),
		}, "Holds everywhere except with 100 B records, one caller (gRPC 1.5–2× the calls per second elsewhere); there REST is ahead (2× the calls per second)."},
		{"wins by one metric only", []report.Comparison{
			cmpAt(W, 2, "metric", "body-B/op", "payload", "1KiB"), cmpAt(S, 1, "metric", "ns/op", "payload", "1KiB"),
			cmpAt(W, 2, "metric", "body-B/op", "payload", "64KiB"), cmpAt(S, 1, "metric", "ns/op", "payload", "64KiB"),
		}, "Holds for body bytes (gRPC 2× the calls per second); elsewhere no difference that matters."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := report.DefaultRules.Decide(tt.cs, dims)
			got := report.Sentence(v, dims, "faster")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Sentence(Decide):\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// An uncertain comparison that could turn a "holds only when" into
// "holds" marks the verdict uncertain and names where; one that could only
// move between "same" and "loses" does not.
func TestDecideUncertain(t *testing.T) {
	t.Parallel()
	dims := []string{"payload"}
	unc := func(lo, hi float64, payload string) report.Comparison {
		c := cmpAt(report.Uncertain, (lo+hi)/2, "payload", payload)
		c.Ratio.Lo, c.Ratio.Hi = lo, hi
		return c
	}
	win := cmpAt(report.Win, 2, "payload", "64KiB")
	loss := cmpAt(report.Loss, 0.5, "payload", "100B")
	tests := []struct {
		name      string
		cs        []report.Comparison
		uncertain bool
	}{
		{"could be a win", []report.Comparison{win, loss, unc(0.98, 1.2, "1KiB")}, true},
		{"same or loss changes nothing decided", []report.Comparison{win, loss, unc(0.9, 1.02, "1KiB")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := report.DefaultRules.Decide(tt.cs, dims)
			if v.Uncertain != tt.uncertain {
				t.Errorf("Decide: uncertain %v, want %v (%+v)", v.Uncertain, tt.uncertain, v)
			}
			s := report.Sentence(v, dims, "faster")
			if tt.uncertain && !strings.HasPrefix(s, "Uncertain, within the noise at 1 KiB records; where decided it holds for") {
				t.Errorf("sentence %q does not say it is uncertain and where", s)
			}
		})
	}
}

func TestProtocolVerdict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		seen map[string][]string
		want report.Kind
	}{
		{"nothing recorded", nil, report.NoData},
		{"only rest recorded", map[string][]string{"rest": {"HTTP/1.1"}}, report.Inconclusive},
		{"as the article says", map[string][]string{"rest": {"HTTP/1.1"}, "grpc": {"HTTP/2"}}, report.Holds},
		{"h2c shows REST on HTTP/2", map[string][]string{"rest": {"HTTP/1.1"}, "rest-h2c": {"HTTP/2.0"}, "grpc": {"HTTP/2"}}, report.HoldsOnlyWhen},
		{"h2c chat stays a WebSocket over HTTP/1.1", map[string][]string{"rest": {"HTTP/1.1", "HTTP/1.1 WebSocket"}, "rest-h2c": {"HTTP/2.0", "HTTP/1.1 WebSocket"}, "grpc": {"HTTP/2 (h2c, prior knowledge)"}}, report.HoldsOnlyWhen},
		{"rest negotiated HTTP/2", map[string][]string{"rest": {"HTTP/2.0"}, "grpc": {"HTTP/2"}}, report.DoesNotHold},
		{"grpc not on HTTP/2", map[string][]string{"rest": {"HTTP/1.1"}, "grpc": {"HTTP/1.1"}}, report.DoesNotHold},
		{"mixed rest runs", map[string][]string{"rest": {"HTTP/1.1", "HTTP/2.0"}, "grpc": {"HTTP/2"}}, report.DoesNotHold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := report.ProtocolVerdict(tt.seen).Kind; got != tt.want {
				t.Errorf("ProtocolVerdict(%v) = %v, want %v", tt.seen, got, tt.want)
			}
		})
	}
}

func TestCrossovers(t *testing.T) {
	t.Parallel()
	W, L, U := report.Win, report.Loss, report.Unclear
	cs := []report.Comparison{
		cmpAt(W, 2, "payload", "64KiB", "conc", "1"),
		cmpAt(L, 0.5, "payload", "100B", "conc", "1"),
		cmpAt(U, 1, "payload", "1KiB", "conc", "1"),
		cmpAt(W, 2, "payload", "100B", "conc", "64"),
		cmpAt(W, 2, "payload", "64KiB", "conc", "64"),
	}
	var got []string
	for _, x := range report.Crossovers(cs, "payload") {
		got = append(got, x.String())
	}
	want := []string{"from 100 B records to 64 KiB records: gRPC loses → gRPC wins (one caller)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Crossovers (-want +got):\n%s", diff)
	}
}

// TestUndecidedKey checks the stability key: verdicts the noise decides
// agree as "uncertain" whatever their decided part, decided ones by
// category and conditions.
func TestUndecidedKey(t *testing.T) {
	t.Parallel()
	dims := []string{"payload"}
	unc := cmpAt(report.Uncertain, 1.1, "payload", "1KiB")
	unc.Ratio.Lo, unc.Ratio.Hi = 0.98, 1.2
	win := cmpAt(report.Win, 2, "payload", "64KiB")
	loss := cmpAt(report.Loss, 0.5, "payload", "100B")
	for _, tc := range []struct {
		name string
		cs   []report.Comparison
		want string
	}{
		{"uncertain", []report.Comparison{win, loss, unc}, "uncertain"},
		{"inconclusive within the noise", []report.Comparison{unc}, "uncertain"},
		{"decided", []report.Comparison{win, loss}, "holds only when 64 KiB records"},
	} {
		if got := report.DefaultRules.Decide(tc.cs, dims).Key(); got != tc.want {
			t.Errorf("%s: Key() = %q, want %q", tc.name, got, tc.want)
		}
	}
}
