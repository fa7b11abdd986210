package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// idleDialers is how many goroutines open the idle connections at once.
const idleDialers = 64

// idleCheck is the fault: a caller opens n connections and sends
// nothing. While they are held, one normal caller makes ordinary calls;
// the line records how those fared, how many idle connections the server
// took and held (its open files), and how many were still open after the
// calls, for the REST port (variant rest) and the gRPC port (grpc).
func (e *env) idleCheck(ctx context.Context, raw *rawFile, v string, n int) error {
	bs, err := e.startFleet(ctx, 1, "127.0.0.1", nil, "-max-streams", strconv.Itoa(scaleMaxStreams), "-open-files", strconv.Itoa(n+scaleSpareFiles))
	if err != nil {
		return err
	}
	defer stopFleet(bs)
	b := bs[0]
	addr := b.REST
	if v == "grpc" {
		addr = b.GRPC
	}
	conns, err := holdIdle(ctx, addr, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if err != nil {
		return err
	}
	args := []string{"-variant", v, "-target", addr, "-rpc", "GetTransaction", "-payload", "100B", "-c", "1",
		"-n", "200", "-warmup", "0s", "-server-pid", strconv.Itoa(b.PID()), "-allow-errors"}
	var p peaks
	p.sampleServer(ctx, b) // the run may end before its first sample
	d, err := e.driveWatched(ctx, nil, func(pid int) { p.sample(ctx, pid, b) }, args...)
	if err != nil {
		return err
	}
	open := stillOpen(conns)
	raw.line("proto: " + d.res.Protocol)
	raw.line(benchLine(d.line, []string{"idle=" + strconv.Itoa(n)}, metric(float64(d.res.Calls), "calls-ok"), metric(float64(d.res.ErrorCount), "failed-calls"),
		metric(float64(len(conns)), "idle-opened"), metric(float64(open), "idle-open-after"),
		metric(float64(p.serverFDs), "server-fds"), metric(float64(p.serverRSS), "server-rss-B"),
		metric(float64(p.serverGoroutines), "server-goroutines")))
	fmt.Fprintf(e.log, "fleet: idle %-8s %d idle connections opened, %d open after: %d calls ok, %d failed, p99 %v, server fds %d\n",
		v, len(conns), open, d.res.Calls, d.res.ErrorCount, d.res.Response.Percentile(99).Round(time.Microsecond), p.serverFDs)
	if d.res.Calls == 0 {
		return fmt.Errorf("idle %s: no normal call succeeded while %d idle connections were held", v, len(conns))
	}
	return nil
}

// holdIdle opens n connections to addr and sends nothing on them.
func holdIdle(ctx context.Context, addr string, n int) ([]net.Conn, error) {
	var (
		mu    sync.Mutex
		conns = make([]net.Conn, 0, n)
		errs  []error
		next  atomic.Int64
		wg    sync.WaitGroup
		d     net.Dialer
	)
	for range min(idleDialers, n) {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				c, err := d.DialContext(ctx, "tcp", addr)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					conns = append(conns, c)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return conns, fmt.Errorf("opening %d idle connections to %s: %d opened, then %w", n, addr, len(conns), errors.Join(errs...))
	}
	return conns, nil
}

// stillOpen counts the connections the server has not closed: reads that
// end by waiting out a short deadline find the connection open (after any
// bytes the server sent first, as gRPC's settings), an EOF or a reset
// finds it closed.
func stillOpen(conns []net.Conn) int {
	var open atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(idleDialers, len(conns)) {
		wg.Go(func() {
			var b [512]byte
			for i := next.Add(1) - 1; i < int64(len(conns)); i = next.Add(1) - 1 {
				c := conns[i]
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
				for {
					_, err := c.Read(b[:])
					if err == nil {
						continue
					}
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						open.Add(1)
					}
					break
				}
			}
		})
	}
	wg.Wait()
	return int(open.Load())
}
