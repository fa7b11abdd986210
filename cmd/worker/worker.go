package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	pb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"
)

// worker is the WorkerService. Each RunServer and RunClient stream owns
// the server or the load it sets up, which ends with the stream: a driver
// that goes away takes its load with it, and the worker is ready for the
// next one.
type worker struct {
	pb.UnimplementedWorkerServiceServer
	cfg      config
	log      io.Writer
	quit     chan struct{}
	quitOnce sync.Once
}

func newWorker(cfg config, log io.Writer) *worker {
	return &worker{cfg: cfg, log: log, quit: make(chan struct{})}
}

// invalid is the error for a config field the worker cannot honour.
func invalid(field, format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, "%s: %s", field, fmt.Sprintf(format, args...))
}

// RunServer starts the server the setup asks for and answers every mark
// with its stats, until the driver half-closes the stream.
func (w *worker) RunServer(stream grpc.BidiStreamingServer[pb.ServerArgs, pb.ServerStatus]) (err error) {
	defer func() {
		if err != nil {
			w.logf("RunServer: %v", err)
		}
	}()
	in, err := stream.Recv()
	if err != nil {
		return err
	}
	setup := in.GetSetup()
	if setup == nil {
		return invalid("argtype", "the first ServerArgs must be a setup")
	}
	srv, err := startServer(setup, w.cfg)
	if err != nil {
		return err
	}
	defer srv.stop()
	w.logf("RunServer: %s on port %d", srv.name, srv.port)
	if err := stream.Send(&pb.ServerStatus{Port: int32(srv.port), Cores: int32(runtime.NumCPU())}); err != nil {
		return err
	}
	for {
		in, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		mark := in.GetMark()
		if mark == nil {
			return invalid("argtype", "after the setup, ServerArgs must be marks")
		}
		if err := stream.Send(&pb.ServerStatus{Stats: srv.usage.stats(mark.GetReset_()), Port: int32(srv.port), Cores: int32(runtime.NumCPU())}); err != nil {
			return err
		}
	}
}

// RunClient starts the load the setup asks for and answers every mark
// with the latencies since the last reset, until the driver half-closes
// the stream; the load stops before RunClient returns.
func (w *worker) RunClient(stream grpc.BidiStreamingServer[pb.ClientArgs, pb.ClientStatus]) (err error) {
	defer func() {
		if err != nil {
			w.logf("RunClient: %v", err)
		}
	}()
	in, err := stream.Recv()
	if err != nil {
		return err
	}
	setup := in.GetSetup()
	if setup == nil {
		return invalid("argtype", "the first ClientArgs must be a setup")
	}
	cl, err := startClient(stream.Context(), setup, w.cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := cl.stop(); err != nil {
			w.logf("RunClient: %v", err)
		}
	}()
	w.logf("RunClient: %s, %d calls in flight", cl.name, cl.workers)
	if err := stream.Send(&pb.ClientStatus{Stats: cl.stats(false)}); err != nil {
		return err
	}
	for {
		in, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		mark := in.GetMark()
		if mark == nil {
			return invalid("argtype", "after the setup, ClientArgs must be marks")
		}
		if err := cl.failed(); err != nil {
			return err
		}
		if err := stream.Send(&pb.ClientStatus{Stats: cl.stats(mark.GetReset_())}); err != nil {
			return err
		}
	}
}

// CoreCount returns the CPUs of this host.
func (w *worker) CoreCount(context.Context, *pb.CoreRequest) (*pb.CoreResponse, error) {
	return &pb.CoreResponse{Cores: int32(runtime.NumCPU())}, nil
}

// QuitWorker stops the worker once the answer has gone.
func (w *worker) QuitWorker(context.Context, *pb.Void) (*pb.Void, error) {
	w.quitOnce.Do(func() { close(w.quit) })
	return &pb.Void{}, nil
}

func (w *worker) logf(format string, args ...any) {
	fmt.Fprintf(w.log, "worker: "+format+"\n", args...)
}
