package main

import (
	"context"
	"crypto/tls"
	"net/http"

	"restvsgrpc/restsvc"
)

// newRESTServer builds the REST server of handler h for the flags:
// HTTP/1.1, plus h2c with -h2c; with -tls, HTTPS offering http/1.1, and h2
// first with -h2. Cancelling base ends the streams and chat sessions still
// running.
func newRESTServer(base context.Context, h http.Handler, cfg config, cert tls.Certificate) *http.Server {
	opts := []restsvc.ServerOption{
		restsvc.WithBaseContext(base),
		restsvc.WithMaxHeaderBytes(cfg.limits.maxHeaderBytes),
		restsvc.WithMaxConcurrentStreams(cfg.limits.maxStreams),
		restsvc.WithUnaryTimeout(cfg.limits.unaryTimeout),
	}
	if cfg.h2c {
		opts = append(opts, restsvc.WithH2C())
	}
	if cfg.tls && cfg.h2 {
		opts = append(opts, restsvc.WithHTTP2())
	}
	hs := restsvc.NewServer(h, opts...)
	if cfg.tls {
		protos := []string{"http/1.1"}
		if cfg.h2 {
			protos = []string{"h2", "http/1.1"}
		}
		hs.TLSConfig = tlsConfig(cert, protos...)
	}
	return hs
}
