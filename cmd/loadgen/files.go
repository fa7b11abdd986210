package main

import (
	"fmt"
	"syscall"

	"restvsgrpc/internal/variant"
)

// spareFiles is what the driver needs open besides its connections:
// standard streams, the runtime's poller, /proc reads, output files.
const spareFiles = 64

// connsNeeded is how many sockets a run may hold at once: one per worker
// over HTTP/1.1 (REST unary calls, every REST stream and chat socket), and
// -conns (default one) for multiplexed unary calls over HTTP/2 and gRPC
// streams.
func connsNeeded(v, rpc string, workers, conns int) int {
	multiplexed := variant.IsGRPC(v) || (v == variant.RESTH2C && (rpc == "ValidateToken" || rpc == "GetTransaction" || rpc == "ValidateUser"))
	if multiplexed {
		return max(conns, 1)
	}
	if conns > 0 {
		return min(conns, workers)
	}
	return workers
}

// ensureFiles raises the open-file limit to what the run needs, up to the
// hard limit (Go already raises the soft limit to the hard one at start),
// and otherwise says what to change.
func ensureFiles(need int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // cannot tell: let the dial fail, with its own error
	}
	want := uint64(need + spareFiles)
	if want <= lim.Cur {
		return nil
	}
	if want <= lim.Max {
		lim.Cur = want
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
			return nil
		}
	}
	return fmt.Errorf("the run needs about %d open files (%d connections), but the limit is %d (hard limit %d): "+
		"raise it (ulimit -n %d; the hard limit as root, or in /etc/security/limits.conf) or lower -c / -conns",
		want, need, lim.Cur, lim.Max, want)
}
