package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"
	pb "google.golang.org/grpc/interop/grpc_testing"
)

// run is the whole command, minus the process: it serves the driver until
// ctx ends or a driver calls QuitWorker, and returns nil.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", net.JoinHostPort(cfg.host, strconv.Itoa(cfg.driverPort)))
	if err != nil {
		return fmt.Errorf("driver port: %w", err)
	}
	w := newWorker(cfg, stderr)
	// A driver that goes away closes its connection, which ends its
	// streams and their load. No server keepalive pings: grpc's C++ driver
	// (1.51) fails its streams when the worker pings it every second.
	gs := grpc.NewServer()
	pb.RegisterWorkerServiceServer(gs, w)
	fmt.Fprintf(stdout, "ready driver=%s\n", lis.Addr())

	var wg sync.WaitGroup
	served := make(chan error, 1)
	wg.Go(func() { served <- gs.Serve(lis) })
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "shutting down")
	case <-w.quit:
		fmt.Fprintln(stdout, "quit by the driver")
	case err = <-served:
	}
	// Graceful first, so that QuitWorker's answer reaches the driver; then
	// Stop cancels every stream left, whose load stops before its handler
	// returns, and waits for the handlers.
	done := make(chan struct{})
	go func() { gs.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		gs.Stop()
		<-done
	}
	wg.Wait()
	if err != nil {
		return fmt.Errorf("driver port: %w", err)
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}
