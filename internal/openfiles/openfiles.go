// Package openfiles raises a process's open-file limit to what it needs,
// since every socket is an open file (one per HTTP/1.1 connection, on both
// sides), and says what to change when the machine refuses.
package openfiles

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Ensure makes sure that the process may hold need open files. It raises
// the soft limit, and the hard one too where the process may (as root, up
// to the kernel's fs.nr_open); children started afterwards inherit both.
// When the machine refuses, the error names the limits and what to change.
func Ensure(need int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("open-file limit: %w", err)
	}
	want := uint64(need)
	if want <= lim.Cur {
		return nil
	}
	raised := syscall.Rlimit{Cur: want, Max: max(lim.Max, want)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
		return fmt.Errorf("%d open files are needed, but the limit is %d (hard limit %d) and raising it failed (%v): "+
			"raise the hard limit (ulimit -Hn %d as root, /etc/security/limits.conf, or LimitNOFILE= of a systemd unit; past the kernel's most, sysctl fs.nr_open)",
			need, lim.Cur, lim.Max, err, need)
	}
	return nil
}

// Limit returns the process's soft open-file limit (0 if unknown).
func Limit() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	return lim.Cur
}

// Most returns the most open files the kernel lets any process hold
// (fs.nr_open): no process, root included, gets a higher limit.
func Most() (int, error) {
	b, err := os.ReadFile("/proc/sys/fs/nr_open")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}
