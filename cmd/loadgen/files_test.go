package main

import (
	"strings"
	"syscall"
	"testing"
)

func TestConnsNeeded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		variant, rpc   string
		workers, conns int
		want           int
	}{
		{"rest", "GetTransaction", 10000, 0, 10000},
		{"rest", "GetTransaction", 10000, 100, 100},
		{"rest-proto", "Chat", 500, 0, 500},
		{"rest-h2c", "GetTransaction", 10000, 0, 1},
		{"rest-h2c", "ListTransactions", 300, 0, 300},
		{"grpc", "ListTransactions", 10000, 4, 4},
	} {
		if got := connsNeeded(tc.variant, tc.rpc, tc.workers, tc.conns); got != tc.want {
			t.Errorf("connsNeeded(%s, %s, %d, %d) = %d, want %d", tc.variant, tc.rpc, tc.workers, tc.conns, got, tc.want)
		}
	}
}

func TestEnsureFilesRefusesBeyondTheHardLimit(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skip(err)
	}
	if lim.Max > 1<<30 {
		t.Skip("no practical hard limit here")
	}
	err := ensureFiles(int(lim.Max) + 1)
	if err == nil || !strings.Contains(err.Error(), "ulimit -n") {
		t.Errorf("ensureFiles beyond the hard limit %d: %v, want advice", lim.Max, err)
	}
	if err := ensureFiles(10); err != nil {
		t.Errorf("ensureFiles(10): %v", err)
	}
}
