package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"restvsgrpc/internal/core"
)

// debugStats is what /debug/stats answers: the figures a soak test samples
// (with the process's RSS and open files, read from /proc).
type debugStats struct {
	Goroutines       int    `json:"goroutines"`
	HeapAlloc        uint64 `json:"heap_alloc"`
	HeapSys          uint64 `json:"heap_sys"`
	NumGC            uint32 `json:"num_gc"`
	UploadsCompleted int64  `json:"uploads_completed"`
	UploadsFailed    int64  `json:"uploads_failed"`
	LoginsCompared   int64  `json:"logins_compared"`
	LoginsRefused    int64  `json:"logins_refused"`
	// RESTCalls and GRPCCalls count the requests and RPCs each server
	// began: behind a balancer, each backend's own share of the calls.
	RESTCalls int64 `json:"rest_calls"`
	GRPCCalls int64 `json:"grpc_calls"`
}

// callCounts counts the calls each server began, for /debug/stats.
type callCounts struct{ rest, grpc atomic.Int64 }

// countREST counts every request h is given.
func (c *callCounts) countREST(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.rest.Add(1)
		h.ServeHTTP(w, r)
	})
}

// grpcOptions count every unary and streaming RPC.
func (c *callCounts) grpcOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			c.grpc.Add(1)
			return h(ctx, req)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			c.grpc.Add(1)
			return h(srv, ss)
		}),
	}
}

// newDebugServer serves /debug/stats and pprof's /debug/pprof/ on its own
// listener, never on the services' ports.
func newDebugServer(svc *core.Service, calls *callCounts) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/stats", func(w http.ResponseWriter, r *http.Request) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		completed, failed := svc.UploadCounts()
		compared, refused := svc.LoginCounts()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(debugStats{
			Goroutines:       runtime.NumGoroutine(),
			HeapAlloc:        m.HeapAlloc,
			HeapSys:          m.HeapSys,
			NumGC:            m.NumGC,
			UploadsCompleted: completed,
			UploadsFailed:    failed,
			LoginsCompared:   compared,
			LoginsRefused:    refused,
			RESTCalls:        calls.rest.Load(),
			GRPCCalls:        calls.grpc.Load(),
		})
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
}

// serveDebug serves the debug server on lis until it is closed.
func serveDebug(srv *http.Server, lis net.Listener) {
	_ = srv.Serve(lis) // ErrServerClosed once closed
}
