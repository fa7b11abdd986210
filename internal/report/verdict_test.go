package report_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"restvsgrpc/internal/report"
)

// spread returns n samples around center, ±1%, so that tests see variance.
func spread(center float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = center * (1 + 0.01*float64(i-n/2)/float64(n))
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
		{"grpc faster latency", spread(100, 8), spread(200, 8), report.Lower, report.Win},
		{"grpc slower latency", spread(200, 8), spread(100, 8), report.Lower, report.Loss},
		{"grpc more throughput", spread(2000, 8), spread(1000, 8), report.Higher, report.Win},
		{"grpc less throughput", spread(900, 8), spread(1000, 8), report.Higher, report.Loss},
		{"significant but under 5%", spread(1020, 8), spread(1000, 8), report.Higher, report.Same},
		{"overlapping samples", []float64{1, 3, 5, 7, 9}, []float64{2, 4, 6, 8, 10}, report.Higher, report.Same},
		{"three samples cannot reach alpha", spread(100, 3), spread(200, 3), report.Lower, report.Unclear},
		{"exact bytes smaller", []float64{88, 88}, []float64{142, 142}, report.Lower, report.Win},
		{"exact bytes larger", []float64{204, 204}, []float64{143, 143}, report.Lower, report.Loss},
		{"one sample each is not exact", []float64{204}, []float64{143}, report.Lower, report.Unclear},
		{"exact bytes equal", []float64{100, 100}, []float64{100, 100}, report.Lower, report.Same},
		{"no rest samples", spread(100, 8), nil, report.Lower, report.Unclear},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := report.DefaultRules.Compare(nil, tt.g, tt.r, tt.better).Outcome
			if got != tt.want {
				t.Errorf("Compare(%v, %v) = %v, want %v", tt.g, tt.r, got, tt.want)
			}
		})
	}
}

func cmpAt(o report.Outcome, kv ...string) report.Comparison {
	c := report.Comparison{Cond: map[string]string{}, Outcome: o}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Cond[kv[i]] = kv[i+1]
	}
	return c
}

func TestDecide(t *testing.T) {
	t.Parallel()
	dims := []string{"metric", "payload", "conc"}
	W, L, S, U := report.Win, report.Loss, report.Same, report.Unclear
	tests := []struct {
		name string
		cs   []report.Comparison
		want string
	}{
		{"no data", nil, "no data"},
		{"all unclear", []report.Comparison{cmpAt(U, "payload", "1KiB")}, "inconclusive (too few samples)"},
		{"grpc wins everywhere", []report.Comparison{cmpAt(W, "payload", "100B"), cmpAt(W, "payload", "1KiB")}, "holds"},
		{"grpc wins, one unclear", []report.Comparison{cmpAt(W, "payload", "100B"), cmpAt(U, "payload", "1KiB")},
			"holds; 1 undecided for too few samples"},
		{"grpc loses everywhere", []report.Comparison{cmpAt(L, "payload", "100B"), cmpAt(L, "payload", "1KiB")},
			"does not hold; gRPC is worse at 2 of 2 conditions"},
		{"no difference anywhere", []report.Comparison{cmpAt(S, "conc", "1"), cmpAt(S, "conc", "64")},
			"does not hold; no difference that matters at 2 of 2"},
		{"wins only at large payloads", []report.Comparison{
			cmpAt(L, "payload", "100B", "conc", "1"), cmpAt(S, "payload", "1KiB", "conc", "1"),
			cmpAt(W, "payload", "64KiB", "conc", "1"), cmpAt(W, "payload", "1MiB", "conc", "1"),
			cmpAt(L, "payload", "100B", "conc", "64"), cmpAt(S, "payload", "1KiB", "conc", "64"),
			cmpAt(W, "payload", "64KiB", "conc", "64"), cmpAt(W, "payload", "1MiB", "conc", "64"),
		}, "holds only when payload is 64KiB or 1MiB; gRPC is worse at 2 of 8 conditions, no difference that matters at 2 of 8"},
		{"wins only at high concurrency, every metric agrees", []report.Comparison{
			cmpAt(L, "metric", "p50-ns", "conc", "1"), cmpAt(L, "metric", "req/s", "conc", "1"),
			cmpAt(W, "metric", "p50-ns", "conc", "64"), cmpAt(W, "metric", "req/s", "conc", "64"),
		}, "holds only when conc is 64; gRPC is worse at 2 of 4 conditions"},
		{"wins everywhere but one corner", []report.Comparison{
			cmpAt(L, "payload", "100B", "conc", "1"), cmpAt(W, "payload", "100B", "conc", "64"),
			cmpAt(W, "payload", "64KiB", "conc", "1"), cmpAt(W, "payload", "64KiB", "conc", "64"),
		}, "holds only when not at payload=100B conc=1; gRPC is worse at 1 of 4 conditions"},
		{"wins by one metric only", []report.Comparison{
			cmpAt(W, "metric", "body-B/op", "payload", "1KiB"), cmpAt(S, "metric", "ns/op", "payload", "1KiB"),
			cmpAt(W, "metric", "body-B/op", "payload", "64KiB"), cmpAt(L, "metric", "ns/op", "payload", "64KiB"),
		}, "holds only when measured by body bytes; gRPC is worse at 1 of 4 conditions, no difference that matters at 1 of 4"},
		{"wins in one corner", []report.Comparison{
			cmpAt(L, "payload", "100B", "conc", "1"), cmpAt(L, "payload", "100B", "conc", "64"),
			cmpAt(L, "payload", "64KiB", "conc", "1"), cmpAt(W, "payload", "64KiB", "conc", "64"),
		}, "holds only when at payload=64KiB conc=64; gRPC is worse at 3 of 4 conditions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := report.Decide(tt.cs, dims).String()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decide: got %q, want %q", got, tt.want)
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
		cmpAt(W, "payload", "64KiB", "conc", "1"),
		cmpAt(L, "payload", "100B", "conc", "1"),
		cmpAt(U, "payload", "1KiB", "conc", "1"),
		cmpAt(W, "payload", "100B", "conc", "64"),
		cmpAt(W, "payload", "64KiB", "conc", "64"),
	}
	var got []string
	for _, x := range report.Crossovers(cs, "payload") {
		got = append(got, x.String())
	}
	want := []string{"payload 100B → 64KiB: gRPC loses → gRPC wins (conc=1)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Crossovers (-want +got):\n%s", diff)
	}
}
