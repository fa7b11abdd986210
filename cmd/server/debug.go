package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"

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
}

// newDebugServer serves /debug/stats and pprof's /debug/pprof/ on its own
// listener, never on the services' ports.
func newDebugServer(svc *core.Service) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/stats", func(w http.ResponseWriter, r *http.Request) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		completed, failed := svc.UploadCounts()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(debugStats{
			Goroutines:       runtime.NumGoroutine(),
			HeapAlloc:        m.HeapAlloc,
			HeapSys:          m.HeapSys,
			NumGC:            m.NumGC,
			UploadsCompleted: completed,
			UploadsFailed:    failed,
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
