package load

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// clockTick is the unit of /proc times (USER_HZ), 100 per second on every
// Linux architecture the project runs on.
const clockTick = 10 * time.Millisecond

// cpuSnap is the CPU clocks read at one instant.
type cpuSnap struct {
	at       time.Time
	client   time.Duration // this process, user+system
	server   time.Duration // the server process, user+system
	serverOK bool
	steal    time.Duration // stolen from all of this machine's CPUs
	stealOK  bool
	watched  []time.Duration // the watched processes, user+system, in order
}

// cpuMeter reads the clocks; procDir is normally "/proc".
type cpuMeter struct {
	procDir   string
	serverPID int
	watch     []int // further processes read like the server (WithWatchPIDs)
}

func (m cpuMeter) read() (cpuSnap, error) {
	s := cpuSnap{at: time.Now()}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		s.client = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if b, err := os.ReadFile(filepath.Join(m.procDir, "stat")); err == nil {
		if st, err := parseSteal(b); err == nil {
			s.steal, s.stealOK = st, true
		}
	}
	if m.serverPID > 0 {
		cpu, err := m.pidCPU(m.serverPID)
		if err != nil {
			return s, fmt.Errorf("server %w", err)
		}
		s.server, s.serverOK = cpu, true
	}
	for _, pid := range m.watch {
		cpu, err := m.pidCPU(pid)
		if err != nil {
			return s, fmt.Errorf("watched %w", err)
		}
		s.watched = append(s.watched, cpu)
	}
	return s, nil
}

// pidCPU returns the user and system CPU time process pid has used.
func (m cpuMeter) pidCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join(m.procDir, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, fmt.Errorf("pid %d: %w", pid, err)
	}
	cpu, err := parsePIDStat(b)
	if err != nil {
		return 0, fmt.Errorf("pid %d: %w", pid, err)
	}
	return cpu, nil
}

// cpusOf returns the CPUs process pid may use: the CPUs in its affinity
// mask (/proc/PID/status), or fewer when its environment sets GOMAXPROCS
// lower; 0 when neither can be read.
func (m cpuMeter) cpusOf(pid int) int {
	dir := filepath.Join(m.procDir, strconv.Itoa(pid))
	b, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return 0
	}
	n := allowedCPUs(b)
	if env, err := os.ReadFile(filepath.Join(dir, "environ")); err == nil {
		for kv := range bytes.SplitSeq(env, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, []byte("GOMAXPROCS=")); ok {
				if g, err := strconv.Atoi(string(v)); err == nil && g > 0 && (n == 0 || g < n) {
					n = g
				}
			}
		}
	}
	return n
}

// allowedCPUs counts the CPUs of the Cpus_allowed_list line of a
// /proc/PID/status ("0-1,4"), or returns 0 when it has none.
func allowedCPUs(status []byte) int {
	for line := range bytes.SplitSeq(status, []byte("\n")) {
		v, ok := bytes.CutPrefix(line, []byte("Cpus_allowed_list:"))
		if !ok {
			continue
		}
		n := 0
		for r := range bytes.SplitSeq(bytes.TrimSpace(v), []byte(",")) {
			lo, hi, isRange := bytes.Cut(r, []byte("-"))
			a, err1 := strconv.Atoi(string(lo))
			b := a
			var err2 error
			if isRange {
				b, err2 = strconv.Atoi(string(hi))
			}
			if err1 != nil || err2 != nil || b < a {
				return 0
			}
			n += b - a + 1
		}
		return n
	}
	return 0
}

// parseSteal returns the steal time of the "cpu" line of /proc/stat (all
// CPUs together): its eighth number.
func parseSteal(b []byte) (time.Duration, error) {
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) == 0 || string(f[0]) != "cpu" {
			continue
		}
		if len(f) < 9 {
			return 0, fmt.Errorf("/proc/stat: cpu line has %d fields, want at least 9", len(f))
		}
		n, err := strconv.ParseInt(string(f[8]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: steal: %w", err)
		}
		return time.Duration(n) * clockTick, nil
	}
	return 0, fmt.Errorf("/proc/stat: no cpu line")
}

// parsePIDStat returns utime+stime of a /proc/PID/stat: fields 14 and 15,
// counted after the command name, which may itself hold spaces and
// parentheses.
func parsePIDStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat: no command name")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state), so utime (14) is f[11] and stime (15) f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields after the name, want at least 13", len(f))
	}
	var sum int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("stat: %w", err)
		}
		sum += n
	}
	return time.Duration(sum) * clockTick, nil
}

// ProcessCPU returns the user and system CPU time process pid has used so
// far, from /proc/PID/stat: the cost of a process beside the server, such
// as a proxy.
func ProcessCPU(pid int) (time.Duration, error) {
	return cpuMeter{procDir: "/proc"}.pidCPU(pid)
}
