package main

import (
	"strings"
	"testing"

	"restvsgrpc/internal/openfiles"
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

// TestEnsureFilesRefuses asks for more files than the kernel lets any
// process hold (fs.nr_open), which even root cannot get.
func TestEnsureFilesRefuses(t *testing.T) {
	most, err := openfiles.Most()
	if err != nil {
		t.Skip(err)
	}
	err = ensureFiles(most + 1)
	if err == nil || !strings.Contains(err.Error(), "ulimit -Hn") || !strings.Contains(err.Error(), "lower -c") {
		t.Errorf("ensureFiles beyond fs.nr_open %d: %v, want advice", most, err)
	}
	if err := ensureFiles(10); err != nil {
		t.Errorf("ensureFiles(10): %v", err)
	}
}
