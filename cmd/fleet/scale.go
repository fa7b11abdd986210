package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"restvsgrpc/internal/openfiles"
)

// scaleMaxStreams is the backends' HTTP/2 stream limit in the scale runs
// (cmd/server's default, passed explicitly so that the raw file says it):
// HTTP/2 callers need one connection per scaleMaxStreams calls in flight.
const scaleMaxStreams = 256

// scaleSampleEvery is how often a scale run reads both processes' sockets
// and the server's memory and goroutines; each figure keeps its peak.
const scaleSampleEvery = 200 * time.Millisecond

// scaleRPCs are the calls of the sweep: a unary read, and a dashboard's
// feed held open, paced by the server.
var scaleRPCs = []string{"GetTransaction", "ListTransactions"}

// peaks are the highest figures seen while a run was going.
type peaks struct {
	mu                    sync.Mutex
	clientFDs, serverFDs  int
	serverRSS             int64
	serverGoroutines      int
	readErr               error // the last failed read, if no read succeeded
	clientReads, srvReads int
}

// scale sweeps in-flight callers over every variant, one fresh server per
// point, and records per point what the callers cost: sockets on both
// sides, the server's memory and goroutines per caller (peaks over the
// run, less the idle server's), latency percentiles and CPU per call.
func (e *env) scale(ctx context.Context) error {
	top := 0
	for _, c := range e.cfg.scaleConc {
		top = max(top, c)
	}
	if err := e.checkFiles(top); err != nil {
		return err
	}
	raw, err := e.createRaw("scale", fmt.Sprintf("units: client-fds and server-fds are the open files of loadgen and of the server at their peak during the run (/proc/PID/fd; sockets, plus a handful of others counted in the idle server's server-fds-idle); server-rss-B and server-goroutines are peaks, and the /caller units divide their growth over the idle server by the callers; HTTP/2 variants use one connection per %d callers (the servers' -max-streams %d), HTTP/1.1 one per caller; each ListTransactions feed is paced by the server, a record every %v (the interval key), and carries %d records (the feed-msgs unit), so that it lasts about half the window: its call time includes (feed-msgs - 1) intervals of pacing, and first-msg-p50-ns/first-msg-p99-ns time its first record; lines with an idle key: that many connections opened by fleet that send nothing (idle-opened), held while one caller makes 200 ordinary GetTransaction calls on the REST port (variant rest) or the gRPC port (grpc), then idle-open-after of them still open (the server closes a REST connection that sends no complete header within 5s, and a gRPC connection without its HTTP/2 preface within -grpc-handshake-timeout, 10s by default)", scaleMaxStreams, scaleMaxStreams, e.cfg.feedInterval, e.feedMsgs()))
	if err != nil {
		return err
	}
	defer raw.close()
	// A point that fails is said and left out; the sweep goes on.
	var errs []error
	for _, rpc := range scaleRPCs {
		for _, v := range e.cfg.scaleVariants {
			for _, c := range e.cfg.scaleConc {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err := e.scalePoint(ctx, raw, rpc, v, c); err != nil {
					err = fmt.Errorf("%s %s c=%d: %w", rpc, v, c, err)
					fmt.Fprintf(e.log, "fleet: scale: %v\n", err)
					errs = append(errs, err)
				}
			}
		}
	}
	// The REST port (HTTP/1.1 and h2c) and the gRPC port, each with top
	// idle connections held.
	for _, v := range []string{"rest", "grpc"} {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := e.idleCheck(ctx, raw, v, top); err != nil {
			err = fmt.Errorf("idle %s: %w", v, err)
			fmt.Fprintf(e.log, "fleet: scale: %v\n", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// feedMsgs is the records of each held feed: enough for it to last about
// half the window at one every -feed-interval, so that every caller holds
// a feed open most of the time and feeds still complete in the window.
func (e *env) feedMsgs() int { return max(2, int(e.cfg.duration/e.cfg.feedInterval/2)+1) }

// scaleSpareFiles is what a process may hold open besides its callers'
// sockets: standard streams, the poller, /proc reads, slack.
const scaleSpareFiles = 1000

// checkFiles makes sure that this process may open the sockets of c
// callers (it holds that many idle in the idle check; the server holds one
// per HTTP/1.1 caller and loadgen as many): it raises its limit, the hard
// one too where it may, which the children inherit, and fails saying what
// to change when the machine refuses. The server and loadgen raise their
// own as well (-open-files, and loadgen by itself).
func (e *env) checkFiles(c int) error {
	if err := openfiles.Ensure(c + scaleSpareFiles); err != nil {
		return fmt.Errorf("%d callers need a socket each in the server, in loadgen and in fleet: %w; or lower -scale-c", c, err)
	}
	return nil
}

func (e *env) scalePoint(ctx context.Context, raw *rawFile, rpc, v string, c int) error {
	bs, err := e.startFleet(ctx, 1, "127.0.0.1", nil, "-max-streams", strconv.Itoa(scaleMaxStreams), "-open-files", strconv.Itoa(c+scaleSpareFiles))
	if err != nil {
		return err
	}
	defer stopFleet(bs)
	b := bs[0]
	idle, err := b.stats(ctx)
	if err != nil {
		return fmt.Errorf("backend stats: %w", err)
	}
	idleRSS, err := rss(b.PID())
	if err != nil {
		return err
	}
	idleFDs, err := fds(b.PID())
	if err != nil {
		return err
	}
	addr := b.REST
	if v == "grpc" {
		addr = b.GRPC
	}
	args := []string{"-variant", v, "-target", addr, "-rpc", rpc, "-payload", "100B", "-c", strconv.Itoa(c),
		"-duration", e.cfg.duration.String(), "-warmup", scaleWarmup(e.cfg.warmup, c).String(), "-server-pid", strconv.Itoa(b.PID()),
		"-allow-errors"} // a point with failed calls is recorded, with their count, and the sweep goes on
	if v == "grpc" || v == "rest-h2c" {
		args = append(args, "-conns", strconv.Itoa((c+scaleMaxStreams-1)/scaleMaxStreams))
	}
	feed := 0
	if rpc == "ListTransactions" {
		feed = e.feedMsgs()
		args = append(args, "-stream-msgs", strconv.Itoa(feed), "-feed-interval", e.cfg.feedInterval.String())
	}
	var p peaks
	d, err := e.driveWatched(ctx, nil, func(pid int) { p.sample(ctx, pid, b) }, args...)
	if err != nil {
		return err
	}
	if p.clientReads == 0 || p.srvReads == 0 {
		return fmt.Errorf("no reading of the processes during the run (%d client, %d server): %v", p.clientReads, p.srvReads, p.readErr)
	}
	perCaller := func(grown float64) float64 { return max(grown, 0) / float64(c) }
	metrics := []string{
		metric(float64(d.res.ErrorCount), "failed-calls"),
		metric(float64(p.clientFDs), "client-fds"),
		metric(float64(p.serverFDs), "server-fds"),
		metric(float64(idleFDs), "server-fds-idle"),
		metric(float64(p.serverRSS), "server-rss-B"),
		metric(perCaller(float64(p.serverRSS-idleRSS)), "server-rss-B/caller"),
		metric(float64(p.serverGoroutines), "server-goroutines"),
		metric(perCaller(float64(p.serverGoroutines-idle.Goroutines)), "server-goroutines/caller"),
	}
	if feed > 0 {
		metrics = append(metrics, metric(float64(feed), "feed-msgs"))
	}
	raw.line("proto: " + d.res.Protocol)
	raw.line(benchLine(d.line, nil, metrics...))
	fmt.Fprintf(e.log, "fleet: scale %-16s %-10s c=%-6d %8.0f calls/s  %d failed  p99 %-9v fds client %d server %d  RSS +%.0f B/caller  goroutines +%.2f/caller\n",
		rpc, v, c, d.res.Rate, d.res.ErrorCount, d.res.Response.Percentile(99).Round(time.Microsecond), p.clientFDs, p.serverFDs,
		perCaller(float64(p.serverRSS-idleRSS)), perCaller(float64(p.serverGoroutines-idle.Goroutines)))
	for code, n := range d.res.Errors {
		fmt.Fprintf(e.log, "fleet: scale %s %s c=%d: %d failed %s: %s\n", rpc, v, c, n, code, d.res.ErrorMsg[code])
	}
	return nil
}

// sample reads loadgen's (pid) open files and the server's files, RSS and
// goroutines, keeping the peaks.
func (p *peaks) sample(ctx context.Context, pid int, b *backend) {
	cf, cerr := fds(pid)
	p.mu.Lock()
	if cerr == nil {
		p.clientFDs = max(p.clientFDs, cf)
		p.clientReads++
	}
	p.mu.Unlock()
	p.sampleServer(ctx, b)
}

// sampleServer reads the server's files, RSS and goroutines, keeping the
// peaks.
func (p *peaks) sampleServer(ctx context.Context, b *backend) {
	sf, ferr := fds(b.PID())
	sr, rerr := rss(b.PID())
	st, serr := b.stats(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := errors.Join(ferr, rerr, serr); err != nil {
		p.readErr = err
		return
	}
	p.serverFDs = max(p.serverFDs, sf)
	p.serverRSS = max(p.serverRSS, sr)
	p.serverGoroutines = max(p.serverGoroutines, st.Goroutines)
	p.srvReads++
}

// fds counts the open files of process pid.
func fds(pid int) (int, error) {
	es, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return 0, fmt.Errorf("open files of %d: %w", pid, err)
	}
	return len(es), nil
}

// rss returns the resident memory of process pid in bytes, from the
// second field of /proc/PID/statm (pages).
func rss(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, fmt.Errorf("memory of %d: %w", pid, err)
	}
	f := strings.Fields(string(bytes.TrimSpace(b)))
	if len(f) < 2 {
		return 0, fmt.Errorf("memory of %d: statm %q", pid, b)
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("memory of %d: statm %q", pid, b)
	}
	return pages * int64(os.Getpagesize()), nil
}

// scaleWarmup is the warm-up of a scale point of c callers: at least
// half a millisecond per caller, so that the connections are open before
// the window starts (a trial at 10,000 HTTP/1.1 callers had 5,500 sockets
// open after a warm-up of 0.5 s and 2 s of window, a one-CPU server
// accepting them behind a listen backlog of 4,096).
func scaleWarmup(warmup time.Duration, c int) time.Duration {
	return max(warmup, time.Duration(c)*time.Millisecond/2)
}
