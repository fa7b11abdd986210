package restsvc

import (
	"context"
	"log"
	"net"
	"net/http"
	"time"
)

// Timeouts and limits of NewServer. There is no read or write timeout on
// whole requests: streams and uploads may last as long as their client
// wants; contexts and the core's limits bound them instead.
const (
	ReadHeaderTimeout = 5 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
)

// ServerOption configures NewServer.
type ServerOption func(*serverConfig)

type serverConfig struct {
	h2c, h2       bool
	base          context.Context
	errorLog      *log.Logger
	headerTimeout time.Duration
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

// NewServer returns an http.Server for h with the timeouts and protocols
// set; the caller calls Serve or ServeTLS and Shutdown.
func NewServer(h http.Handler, opts ...ServerOption) *http.Server {
	cfg := serverConfig{headerTimeout: ReadHeaderTimeout}
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
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		Protocols:         &p,
		ErrorLog:          cfg.errorLog,
	}
	if cfg.base != nil {
		base := cfg.base
		srv.BaseContext = func(net.Listener) context.Context { return base }
	}
	return srv
}
