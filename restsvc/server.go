package restsvc

import (
	"context"
	"log"
	"net"
	"net/http"
	"time"
)

// Timeouts and limits of NewServer.
const (
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout = 5 * time.Second
	// UnaryTimeout bounds reading a whole request, body included, and
	// writing its answer (http.Server's ReadTimeout and WriteTimeout).
	// Streams are not bound by it: the handler clears it for feeds and chat
	// and replaces it for uploads by a deadline that moves with progress
	// (WithStallTimeout).
	UnaryTimeout = 30 * time.Second
	// IdleTimeout closes a keep-alive connection that carries no request.
	IdleTimeout = 120 * time.Second
	// MaxHeaderBytes bounds a request's headers; over HTTP/2 it bounds the
	// header list as decoded (HPACK), as grpcsvc's DefaultMaxHeaderListSize.
	MaxHeaderBytes = 64 << 10
	// MaxConcurrentStreams bounds the streams of one HTTP/2 connection (Go's
	// default is 250), as grpcsvc's DefaultMaxConcurrentStreams.
	MaxConcurrentStreams = 256
)

// ServerOption configures NewServer.
type ServerOption func(*serverConfig)

type serverConfig struct {
	h2c, h2        bool
	base           context.Context
	errorLog       *log.Logger
	headerTimeout  time.Duration
	unaryTimeout   time.Duration
	maxHeaderBytes int
	maxStreams     int
}

// WithH2C serves HTTP/2 cleartext (prior knowledge) next to HTTP/1.1 on the
// same port: the rest-h2c variant.
func WithH2C() ServerOption { return func(c *serverConfig) { c.h2c = true } }

// WithHTTP2 lets a TLS server negotiate h2; without it a TLS server speaks
// HTTP/1.1 only.
func WithHTTP2() ServerOption { return func(c *serverConfig) { c.h2 = true } }

// WithBaseContext makes ctx the parent of every request's context, so that
// cancelling it ends long streams and chat sessions (which Shutdown does
// not wait for) when the server stops.
func WithBaseContext(ctx context.Context) ServerOption {
	return func(c *serverConfig) { c.base = ctx }
}

// WithErrorLog sets the server's log of connection errors (default: the
// standard logger, as net/http does).
func WithErrorLog(l *log.Logger) ServerOption { return func(c *serverConfig) { c.errorLog = l } }

// WithReadHeaderTimeout sets how long a client may take to send a
// request's headers (default ReadHeaderTimeout). A client that never
// finishes them (slowloris) is disconnected when it runs out.
func WithReadHeaderTimeout(d time.Duration) ServerOption {
	return func(c *serverConfig) { c.headerTimeout = d }
}

// WithUnaryTimeout sets how long a request may take to be read, body
// included, and answered (default UnaryTimeout; 0 means no limit).
func WithUnaryTimeout(d time.Duration) ServerOption {
	return func(c *serverConfig) { c.unaryTimeout = d }
}

// WithMaxHeaderBytes sets the largest request headers, in bytes (default
// MaxHeaderBytes; over HTTP/2, of the decoded header list).
func WithMaxHeaderBytes(n int) ServerOption { return func(c *serverConfig) { c.maxHeaderBytes = n } }

// WithMaxConcurrentStreams sets how many streams one HTTP/2 connection may
// carry at once (default MaxConcurrentStreams).
func WithMaxConcurrentStreams(n int) ServerOption {
	return func(c *serverConfig) { c.maxStreams = n }
}

// NewServer returns an http.Server for h with the timeouts, limits and
// protocols set; the caller calls Serve or ServeTLS and Shutdown.
func NewServer(h http.Handler, opts ...ServerOption) *http.Server {
	cfg := serverConfig{
		headerTimeout:  ReadHeaderTimeout,
		unaryTimeout:   UnaryTimeout,
		maxHeaderBytes: MaxHeaderBytes,
		maxStreams:     MaxConcurrentStreams,
	}
	for _, o := range opts {
		o(&cfg)
	}
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(cfg.h2c)
	p.SetHTTP2(cfg.h2)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.headerTimeout,
		ReadTimeout:       cfg.unaryTimeout,
		WriteTimeout:      cfg.unaryTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    cfg.maxHeaderBytes,
		Protocols:         &p,
		ErrorLog:          cfg.errorLog,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams: cfg.maxStreams,
			// The HPACK table a client may make the server keep, stated:
			// Go's default, 4 KiB.
			MaxDecoderHeaderTableSize: 4 << 10,
		},
	}
	// Each connection's queue in the handler's send budget.
	srv.ConnContext = func(ctx context.Context, _ net.Conn) context.Context { return withQueue(ctx) }
	if cfg.base != nil {
		base := cfg.base
		srv.BaseContext = func(net.Listener) context.Context { return base }
	}
	return srv
}
