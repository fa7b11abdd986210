package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"restvsgrpc/connectsvc"
	"restvsgrpc/gatewaysvc"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/openfiles"
	"restvsgrpc/internal/peerlimit"
	"restvsgrpc/internal/serverproc"
	"restvsgrpc/restsvc"
)

// run is the whole command, minus the process: it serves until ctx ends,
// then shuts down gracefully and returns nil.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}

	opts := []core.Option{
		core.WithSeed(cfg.seed),
		core.WithWork(cfg.work),
		core.WithBcryptCost(cfg.bcryptCost),
		core.WithTokenTTL(cfg.tokenTTL),
		core.WithMaxUpload(cfg.maxUpload),
		core.WithLoginLimits(cfg.login),
	}
	if cfg.tokenKeyFile != "" {
		key, err := readTokenKey(cfg.tokenKeyFile)
		if err != nil {
			return err
		}
		opts = append(opts, core.WithTokenKey(key))
	}
	users := cfg.users
	if len(users) == 0 {
		pw, err := randomPassword()
		if err != nil {
			return err
		}
		users = []user{{"demo", pw}}
		fmt.Fprintf(stdout, "no -user given: created user demo with password %s\n", pw)
	}
	for _, u := range users {
		opts = append(opts, core.WithUser(u.name, u.password))
	}
	svc, err := core.New(opts...)
	if err != nil {
		return err
	}

	var cert tls.Certificate
	if cfg.tls {
		if cert, err = serverCert(cfg.certFile, cfg.keyFile, cfg.writeCert); err != nil {
			return err
		}
	}

	if cfg.openFiles > 0 {
		if err := openfiles.Ensure(cfg.openFiles); err != nil {
			return fmt.Errorf("-open-files: %w; or lower -open-files", err)
		}
	}
	// Listen on both before serving either, so that a busy port fails the
	// start as a whole. Every listener counts connections per client
	// address in one limiter.
	perAddr := peerlimit.New(cfg.limits.connsPerAddr, false)
	var restLis, grpcLis net.Listener
	if cfg.restAddr != "" {
		if restLis, err = net.Listen("tcp", cfg.restAddr); err != nil {
			return fmt.Errorf("rest: %w", err)
		}
		defer restLis.Close()
		// h2c's preface check must not split a request over a deadline.
		restLis = restsvc.ReadAhead(perAddr.Listener(restLis))
	}
	if cfg.grpcAddr != "" {
		if grpcLis, err = net.Listen("tcp", cfg.grpcAddr); err != nil {
			return fmt.Errorf("grpc: %w", err)
		}
		defer grpcLis.Close()
		grpcLis = perAddr.Listener(grpcLis)
	}
	var connectLis, gatewayLis net.Listener
	if cfg.connectAddr != "" {
		if connectLis, err = net.Listen("tcp", cfg.connectAddr); err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		defer connectLis.Close()
		connectLis = restsvc.ReadAhead(perAddr.Listener(connectLis)) // served with h2c
	}
	if cfg.gatewayAddr != "" {
		if gatewayLis, err = net.Listen("tcp", cfg.gatewayAddr); err != nil {
			return fmt.Errorf("gateway: %w", err)
		}
		defer gatewayLis.Close()
		gatewayLis = restsvc.ReadAhead(perAddr.Listener(gatewayLis)) // served with h2c
	}
	var debugLis net.Listener
	if cfg.debugAddr != "" {
		if debugLis, err = net.Listen("tcp", cfg.debugAddr); err != nil {
			return fmt.Errorf("debug: %w", err)
		}
		defer debugLis.Close()
	}

	var (
		wg     sync.WaitGroup
		served = make(chan error, 4)
		// middle are the middle ways' servers, connect's and the gateway's.
		middle []*http.Server
		ready  = readyInfo{TLS: cfg.tls}
		hs     *http.Server
		gs     *grpc.Server
		// base is the parent of every REST request's context.
		base, cutREST = context.WithCancel(context.Background())
		calls         callCounts
	)
	defer cutREST()
	if restLis != nil {
		hs = newRESTServer(base, calls.countREST(restsvc.NewHandler(svc, restsvc.WithStallTimeout(cfg.limits.stallTimeout), restsvc.WithSendBudget(cfg.limits.budgetConn, cfg.limits.budgetUser), restsvc.WithJSON(cfg.restJSON))), cfg, cert)
		scheme, proto := "http", "HTTP/1.1"
		switch {
		case cfg.tls && cfg.h2:
			scheme, proto = "https", "HTTPS, HTTP/2 or HTTP/1.1 by ALPN"
		case cfg.tls:
			scheme, proto = "https", "HTTPS, HTTP/1.1"
		case cfg.h2c:
			proto = "HTTP/1.1 and HTTP/2 cleartext (h2c)"
		}
		ready.REST = scheme + "://" + restLis.Addr().String()
		fmt.Fprintf(stdout, "rest listening on %s (%s; JSON by %s, or protobuf bodies with application/x-protobuf)\n", ready.REST, proto, cfg.restJSON.Name)
		wg.Go(func() {
			var err error
			if cfg.tls {
				err = hs.ServeTLS(restLis, "", "")
			} else {
				err = hs.Serve(restLis)
			}
			if !errors.Is(err, http.ErrServerClosed) {
				served <- fmt.Errorf("rest: %w", err)
			}
		})
	}
	if grpcLis != nil {
		l := cfg.limits
		gopts := []grpcsvc.Option{
			grpcsvc.WithServerOptions(calls.grpcOptions()...),
			grpcsvc.WithMaxHeaderListSize(uint32(l.maxHeaderBytes)),
			grpcsvc.WithMaxConcurrentStreams(uint32(l.maxStreams)),
			grpcsvc.WithStallTimeout(l.stallTimeout),
			grpcsvc.WithSendBudget(l.budgetConn, l.budgetUser),
			grpcsvc.WithRecvTimeout(l.recvTimeout),
			grpcsvc.WithConnectionTimeout(l.handshake),
			grpcsvc.WithMaxConnectionIdle(l.idle),
			grpcsvc.WithMaxConnectionAge(l.maxAge, l.ageGrace),
			grpcsvc.WithReflection(cfg.reflection),
		}
		proto := "HTTP/2 cleartext"
		if cfg.tls {
			gopts = append(gopts, grpcsvc.WithCredentials(credentials.NewTLS(tlsConfig(cert, "h2"))))
			proto = "HTTP/2 over TLS"
		}
		if cfg.grpcCodec == "vt" {
			gopts = append(gopts, grpcsvc.WithServerOptions(grpc.ForceServerCodecV2(grpcwire.VTCodec)))
			proto += ", vtprotobuf codec"
		}
		gs = grpcsvc.NewServer(svc, gopts...)
		ready.GRPC = grpcLis.Addr().String()
		services := "health and reflection enabled"
		if !cfg.reflection {
			services = "health enabled, reflection off"
		}
		fmt.Fprintf(stdout, "grpc listening on %s (%s; %s)\n", ready.GRPC, proto, services)
		wg.Go(func() {
			if err := gs.Serve(grpcLis); err != nil {
				served <- fmt.Errorf("grpc: %w", err)
			}
		})
	}
	if connectLis != nil {
		hs := newMiddleServer(base, connectsvc.NewHandler(svc), cfg)
		middle = append(middle, hs)
		ready.Connect = connectLis.Addr().String()
		fmt.Fprintf(stdout, "connect listening on %s (HTTP/1.1 and h2c; Connect protocol with JSON or protobuf, gRPC and gRPC-Web)\n", ready.Connect)
		wg.Go(func() { serveMiddle(hs, connectLis, "connect", served) })
	}
	if gatewayLis != nil {
		// The gateway reaches the gRPC server as a deployment's would: over
		// a connection, here loopback to this process.
		conn, err := grpc.NewClient(grpcLis.Addr().String(),
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(grpcwire.MaxRecvMsgSize)))
		if err != nil {
			return fmt.Errorf("gateway: %w", err)
		}
		defer conn.Close()
		hs := newMiddleServer(base, gatewaysvc.NewHandler(conn), cfg)
		middle = append(middle, hs)
		ready.Gateway = gatewayLis.Addr().String()
		fmt.Fprintf(stdout, "gateway listening on %s (HTTP/1.1; REST+JSON by grpc-gateway, calling gRPC at %s)\n", ready.Gateway, ready.GRPC)
		wg.Go(func() { serveMiddle(hs, gatewayLis, "gateway", served) })
	}
	if debugLis != nil {
		ds := newDebugServer(svc, &calls)
		debugDone := make(chan struct{})
		go func() {
			defer close(debugDone)
			serveDebug(ds, debugLis)
		}()
		// Closed after the services, so that it answers during their
		// shutdown.
		defer func() { ds.Close(); <-debugDone }()
		ready.Debug = "http://" + debugLis.Addr().String()
		fmt.Fprintf(stdout, "debug listening on %s (/debug/stats, /debug/pprof/)\n", ready.Debug)
	}
	if cfg.tls {
		fmt.Fprintf(stdout, "tls certificate sha256 %s\n", fingerprint(cert))
	}
	if cfg.readyFile != "" {
		if err := serverproc.WriteReady(cfg.readyFile, serverproc.Ready(ready)); err != nil {
			shutdown(hs, middle, cutREST, gs, 0)
			wg.Wait()
			return err
		}
	}
	fmt.Fprintln(stdout, ready.line())

	var serveErr error
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "shutting down")
	case serveErr = <-served:
	}
	shutdown(hs, middle, cutREST, gs, cfg.grace)
	wg.Wait()
	completed, failed := svc.UploadCounts()
	fmt.Fprintf(stdout, "uploads completed=%d failed=%d\n", completed, failed)
	if serveErr != nil {
		return serveErr
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}

// shutdown stops the servers: new calls are refused at once, calls and
// streams in flight get up to grace to finish, then are cut. REST chat
// sessions are WebSockets, which http.Server.Shutdown does not track: they
// are ended (cutREST) once the other REST calls are done. The middle ways'
// servers stop before gRPC, which the gateway calls.
func shutdown(hs *http.Server, middle []*http.Server, cutREST context.CancelFunc, gs *grpc.Server, grace time.Duration) {
	var mg sync.WaitGroup
	for _, m := range middle {
		mg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			if m.Shutdown(ctx) != nil {
				m.Close()
			}
		})
	}
	mg.Wait()
	var wg sync.WaitGroup
	if hs != nil {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			err := hs.Shutdown(ctx)
			cutREST()
			if err != nil {
				hs.Close()
			}
		})
	}
	if gs != nil {
		wg.Go(func() {
			done := make(chan struct{})
			go func() { gs.GracefulStop(); close(done) }()
			t := time.NewTimer(grace)
			defer t.Stop()
			select {
			case <-done:
			case <-t.C:
				gs.Stop() // cancels what is left; GracefulStop then returns
				<-done
			}
		})
	}
	wg.Wait()
}

// readyInfo is what -ready-file holds and the "ready" line says.
type readyInfo serverproc.Ready

func (r readyInfo) line() string {
	parts := []string{"ready"}
	if r.REST != "" {
		parts = append(parts, "rest="+r.REST)
	}
	if r.GRPC != "" {
		parts = append(parts, "grpc="+r.GRPC)
	}
	if r.Connect != "" {
		parts = append(parts, "connect="+r.Connect)
	}
	if r.Gateway != "" {
		parts = append(parts, "gateway="+r.Gateway)
	}
	if r.Debug != "" {
		parts = append(parts, "debug="+r.Debug)
	}
	return strings.Join(parts, " ")
}

func randomPassword() (string, error) {
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
