package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	pb "google.golang.org/grpc/interop/grpc_testing"
)

// snapshot is the clocks a worker reports the differences of.
type snapshot struct {
	at          time.Time
	user, sys   time.Duration // this process (rusage)
	total, idle uint64        // this host's CPUs, in /proc/stat ticks
}

func takeSnapshot() snapshot {
	s := snapshot{at: time.Now()}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.user, s.sys = time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		s.total, s.idle, _ = parseCPUTimes(b)
	}
	return s
}

// parseCPUTimes returns the total and idle ticks of the "cpu" line of a
// /proc/stat (all CPUs): total is user, nice, system, idle, iowait, irq
// and softirq, as grpc's C++ workers count it.
func parseCPUTimes(b []byte) (total, idle uint64, err error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 8 || string(f[0]) != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: first line is not a cpu line of at least 7 numbers")
	}
	for i, s := range f[1:8] {
		n, err := strconv.ParseUint(string(s), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
		total += n
		if i == 3 {
			idle = n
		}
	}
	return total, idle, nil
}

// usage is a role's clocks since its last reset.
type usage struct {
	mu   sync.Mutex
	last snapshot
}

func newUsage() *usage { return &usage{last: takeSnapshot()} }

// since returns the differences since the last reset and, with reset,
// starts the next interval now.
func (u *usage) since(reset bool) (elapsed, user, sys time.Duration, total, idle uint64) {
	now := takeSnapshot()
	u.mu.Lock()
	defer u.mu.Unlock()
	l := u.last
	if reset {
		u.last = now
	}
	return now.at.Sub(l.at), now.user - l.user, now.sys - l.sys, now.total - l.total, now.idle - l.idle
}

// stats returns the server's figures since the last reset.
func (u *usage) stats(reset bool) *pb.ServerStats {
	elapsed, user, sys, total, idle := u.since(reset)
	return &pb.ServerStats{
		TimeElapsed:  elapsed.Seconds(),
		TimeUser:     user.Seconds(),
		TimeSystem:   sys.Seconds(),
		TotalCpuTime: total,
		IdleCpuTime:  idle,
	}
}
