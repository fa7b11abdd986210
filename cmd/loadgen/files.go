package main

import (
	"fmt"

	"restvsgrpc/internal/openfiles"
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

// ensureFiles makes sure that the driver may hold conns connections,
// raising its open-file limit if need be.
func ensureFiles(conns int) error {
	if err := openfiles.Ensure(conns + spareFiles); err != nil {
		return fmt.Errorf("%d connections: %w; or lower -c / -conns", conns, err)
	}
	return nil
}
