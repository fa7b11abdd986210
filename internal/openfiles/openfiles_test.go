package openfiles_test

import (
	"strings"
	"testing"

	"restvsgrpc/internal/openfiles"
)

// TestEnsure raises the limit a little, and asks for more than the kernel
// lets any process hold (fs.nr_open), which even root cannot get.
func TestEnsure(t *testing.T) {
	if err := openfiles.Ensure(int(openfiles.Limit()) + 16); err != nil && !strings.Contains(err.Error(), "ulimit -Hn") {
		t.Errorf("Ensure a little more: %v", err)
	}
	if err := openfiles.Ensure(10); err != nil {
		t.Errorf("Ensure(10): %v", err)
	}
	most, err := openfiles.Most()
	if err != nil {
		t.Skip(err)
	}
	err = openfiles.Ensure(most + 1)
	if err == nil || !strings.Contains(err.Error(), "ulimit -Hn") || !strings.Contains(err.Error(), "fs.nr_open") {
		t.Errorf("Ensure beyond fs.nr_open %d: %v, want advice", most, err)
	}
}
