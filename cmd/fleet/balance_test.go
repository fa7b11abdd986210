package main

import (
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"restvsgrpc/bench/result"
)

func TestBalanceBusy(t *testing.T) {
	t.Parallel()
	backends := []result.ProcessCPU{{PID: 10, CPU: 600 * time.Millisecond, CPUs: 1}, {PID: 11, CPU: 400 * time.Millisecond, CPUs: 1}, {PID: 12, CPU: 800 * time.Millisecond, CPUs: 1}}
	proxy := result.ProcessCPU{PID: 20, CPU: 1800 * time.Millisecond, CPUs: 2}
	res := &result.Result{Window: 2 * time.Second, Watched: append(append([]result.ProcessCPU{}, backends...), proxy)}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

	b, err := balanceBusy(res, 3, true, true)
	if err != nil {
		t.Fatal(err)
	}
	// Each backend of its own CPU; pinned, the three share one CPU; the
	// proxy of its one thread, whatever its affinity.
	if len(b.each) != 3 || !near(b.each[0], 0.3) || !near(b.each[1], 0.2) || !near(b.each[2], 0.4) || !near(b.backends, 0.9) || !near(b.proxy, 0.9) {
		t.Errorf("pinned: got %+v, want each 0.3/0.2/0.4, together 0.9 of one CPU, proxy 0.9", b)
	}
	b, err = balanceBusy(res, 3, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1.8 / 2 / float64(min(3, runtime.NumCPU())); !near(b.backends, want) {
		t.Errorf("unpinned: backends together %.3f, want %.3f (of their 3 CPUs, at most the machine's)", b.backends, want)
	}
	// Without a proxy the three backends are all that was watched.
	direct := &result.Result{Window: 2 * time.Second, Watched: backends}
	if b, err := balanceBusy(direct, 3, false, true); err != nil || b.proxy != 0 || !near(b.backends, 0.9) {
		t.Errorf("no proxy: %+v, %v", b, err)
	}

	for _, tc := range []struct {
		name string
		res  *result.Result
		want string
	}{
		{"an old loadgen that watched nothing", &result.Result{Window: time.Second}, "watched 0 processes, want 4"},
		{"a backend's CPUs unknown", &result.Result{Window: time.Second, Watched: []result.ProcessCPU{{PID: 10}, {PID: 11, CPUs: 1}, {PID: 12, CPUs: 1}, proxy}}, "pid 10"},
	} {
		if _, err := balanceBusy(tc.res, 3, true, true); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}
