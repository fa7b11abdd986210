package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
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

// newMiddleServer builds the server of a middle way (connect or the
// gateway): HTTP/1.1 and h2c, cleartext, with the REST server's header
// limits. Neither -unary-timeout nor -stall-timeout applies: a fixed
// write deadline would cut its streams, and connect-go and grpc-gateway
// set no deadline of their own.
func newMiddleServer(base context.Context, h http.Handler, cfg config) *http.Server {
	return restsvc.NewServer(h,
		restsvc.WithBaseContext(base),
		restsvc.WithH2C(),
		restsvc.WithMaxHeaderBytes(cfg.limits.maxHeaderBytes),
		restsvc.WithMaxConcurrentStreams(cfg.limits.maxStreams),
		restsvc.WithUnaryTimeout(0),
	)
}

// serveMiddle serves hs on lis until it is shut down, sending any other
// end to served.
func serveMiddle(hs *http.Server, lis net.Listener, name string, served chan<- error) {
	if err := hs.Serve(lis); !errors.Is(err, http.ErrServerClosed) {
		served <- fmt.Errorf("%s: %w", name, err)
	}
}
