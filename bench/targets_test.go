package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/stats"

	"restvsgrpc/connectsvc"
	"restvsgrpc/gatewaysvc"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/netsim"
	"restvsgrpc/internal/variant"
	"restvsgrpc/internal/wirecount"
	"restvsgrpc/restsvc"
	"restvsgrpc/restsvc/restwire"
)

// The variants. tcp and nethttp are floors: raw length-prefixed TCP
// carrying the same protobuf bytes, and a plain net/http handler (no gin)
// answering the same JSON as rest. rest-sse is the SSE twin of the server
// stream (rest is NDJSON there). rest-h2 is rest-h2c's twin under TLS:
// HTTP/2 negotiated by ALPN.
const (
	vTCP       = "tcp"
	vNetHTTP   = "nethttp"
	vREST      = "rest"
	vRESTProto = "rest-proto"
	vRESTSSE   = "rest-sse"
	vRESTH2C   = "rest-h2c"
	vRESTH2    = "rest-h2"
	vGRPC      = "grpc"
)

// The middle ways (BenchmarkMiddle), named by internal/variant.
const (
	vConnectJSON  = variant.ConnectJSON
	vConnectProto = variant.ConnectProto
	vGRPCWeb      = variant.GRPCWeb
	vGateway      = variant.Gateway
)

// env is what a target is started with besides its variant.
type env struct {
	svc  *core.Service
	net  netsim.Profile
	conc int
	// conns is the number of HTTP/2 connections (grpc, rest-h2c, rest-h2);
	// 0 means 1. HTTP/1.1 variants open what their workers need.
	conns int
	// tls serves and dials over TLS 1.3 with a self-signed certificate.
	tls bool
	// gzip compresses responses: grpc's gzip compressor (requests too),
	// and for REST a net/http middleware compressing the answers of
	// requests that accept gzip (Go's transport asks and decompresses).
	gzip bool
	// floor configures the tcp floor's server.
	floor *tcpFloor
}

// target is one variant's server on a loopback listener, shaped by the
// network profile, with clients of it.
type target struct {
	variant string
	cs      []client.Client // one per HTTP/2 connection; nil for tcp
	c       client.Client   // cs[0]
	addr    string
	tls     *tls.Config // of the tcp floor's client, under TLS
	// wire counts, on the server's sockets, every byte both ways.
	wire wirecount.Counter
	// sniff classifies the server's connections by protocol, when they
	// are not encrypted.
	sniff sniffer
	// h2 says whether the variant must run over HTTP/2.
	h2, encrypted bool
	// badProto counts responses whose protocol was not the expected one,
	// as the REST client saw them.
	badProto atomic.Int64
	// payload counts, for grpc, the message bytes grpc-go itself reports
	// (stats.Handler), to cross-check body-B/op.
	payload *payloadStats
	gzip    bool
	// unzipped counts, with gzip on, the REST requests that did not
	// accept a gzip answer, so were answered uncompressed.
	unzipped atomic.Int64
	closers  []func()
}

func (t *target) close() {
	for i := len(t.closers) - 1; i >= 0; i-- {
		t.closers[i]()
	}
}

// client returns the client worker w uses: workers share the HTTP/2
// connections round-robin.
func (t *target) client(w int) client.Client { return t.cs[w%len(t.cs)] }

// start serves variant v and connects a client to it.
func start(b testing.TB, v string, e env) *target {
	b.Helper()
	t := &target{variant: v, h2: v == vRESTH2C || v == vRESTH2 || v == vGRPC, encrypted: e.tls, gzip: e.gzip}
	conns := max(1, e.conns)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	t.addr = l.Addr().String()
	// The shaping is outermost, so that counting and sniffing see the
	// real socket; TLS, when on, is above them all.
	lis := e.net.Listener(t.sniff.listener(wirecount.NewListener(l, &t.wire)))
	scheme := "http://"
	var srvTLS, cliTLS *tls.Config
	if e.tls {
		scheme = "https://"
		srvTLS, cliTLS = tlsConfigs(b)
		t.tls = cliTLS
	}
	url := scheme + t.addr

	serveHTTP := func(h http.Handler, opts ...restsvc.ServerOption) {
		if e.gzip {
			h = gzipHandler(h, &t.unzipped)
		}
		// Connection errors (a spare connection cut at the end) are not
		// results: every call's own error fails the benchmark.
		srv := restsvc.NewServer(h, append(opts, restsvc.WithErrorLog(log.New(io.Discard, "", 0)))...)
		hl := lis
		if e.tls {
			cfg := srvTLS.Clone()
			cfg.NextProtos = []string{"http/1.1"}
			if t.h2 {
				cfg.NextProtos = []string{"h2"}
			}
			hl = tls.NewListener(lis, cfg)
		}
		done := make(chan struct{})
		go func() { defer close(done); _ = srv.Serve(hl) }()
		t.closers = append(t.closers, func() { _ = srv.Close(); <-done })
	}
	wantProto := "HTTP/1.1"
	if t.h2 {
		wantProto = "HTTP/2.0"
	}
	observe := client.WithProtoObserver(func(p string) {
		if p != wantProto {
			t.badProto.Add(1)
		}
	})
	// transport returns a client transport speaking only the variant's
	// protocol; HTTP/1.1 keeps an idle connection per worker.
	transport := func() *http.Transport {
		var p http.Protocols
		tr := &http.Transport{Protocols: &p, MaxIdleConnsPerHost: e.conc, DisableCompression: !e.gzip, TLSClientConfig: cliTLS}
		switch {
		case v == vRESTH2C:
			tr = client.H2CTransport()
			tr.DisableCompression = !e.gzip
		case t.h2:
			p.SetHTTP2(true)
		default:
			p.SetHTTP1(true)
		}
		t.closers = append(t.closers, tr.CloseIdleConnections)
		return tr
	}

	switch v {
	case vTCP:
		f := e.floor
		fl := lis
		if e.tls {
			fl = tls.NewListener(lis, srvTLS)
		}
		done := make(chan struct{})
		go func() { defer close(done); f.serve(fl) }()
		t.closers = append(t.closers, func() { _ = lis.Close(); f.closeConns(); <-done })
	case vNetHTTP:
		serveHTTP(netHTTPHandler(e.svc))
		t.cs = []client.Client{client.NewREST(url, &http.Client{Transport: transport()}, observe, client.WithVariant(vNetHTTP))}
	case vREST, vRESTProto, vRESTSSE:
		serveHTTP(restsvc.NewHandler(e.svc))
		opts := []client.RESTOption{observe, client.WithVariant(v)}
		switch v {
		case vRESTProto:
			opts = append(opts, client.WithProto())
		case vRESTSSE:
			opts = append(opts, client.WithSSE())
		}
		t.cs = []client.Client{client.NewREST(url, &http.Client{Transport: transport()}, opts...)}
	case vRESTH2C, vRESTH2:
		if e.tls != (v == vRESTH2) {
			b.Fatalf("variant %s with tls=%v: rest-h2c is cleartext, rest-h2 is TLS", v, e.tls)
		}
		if e.tls {
			serveHTTP(restsvc.NewHandler(e.svc), restsvc.WithHTTP2())
		} else {
			serveHTTP(restsvc.NewHandler(e.svc), restsvc.WithH2C())
		}
		for range conns {
			t.cs = append(t.cs, client.NewREST(url, &http.Client{Transport: transport()}, observe, client.WithVariant(v)))
		}
	case vGRPC:
		sopts := []grpc.ServerOption{}
		copts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
		if e.tls {
			sopts = append(sopts, grpc.Creds(credentials.NewTLS(srvTLS)))
			copts[0] = grpc.WithTransportCredentials(credentials.NewTLS(cliTLS))
		}
		if e.gzip {
			copts = append(copts, grpc.WithDefaultCallOptions(grpc.UseCompressor(gzip.Name)))
		}
		t.payload = new(payloadStats)
		sopts = append(sopts, grpc.StatsHandler(t.payload))
		srv := grpcsvc.NewServer(e.svc, grpcsvc.WithServerOptions(sopts...))
		done := make(chan struct{})
		go func() { defer close(done); _ = srv.Serve(lis) }()
		t.closers = append(t.closers, func() { srv.Stop(); <-done })
		for range conns {
			conn, err := grpc.NewClient(t.addr, copts...)
			if err != nil {
				t.close()
				b.Fatal(err)
			}
			t.closers = append(t.closers, func() { _ = conn.Close() })
			t.cs = append(t.cs, client.NewGRPC(conn))
		}
	case vConnectJSON, vConnectProto, vGRPCWeb, vGateway:
		if e.tls || e.gzip {
			b.Fatalf("variant %s: served in cleartext without gzip only", v)
		}
		h := connectsvc.NewHandler(e.svc)
		if v == vGateway {
			// The gateway's gRPC backend, on a loopback connection of its
			// own that is neither shaped nor counted: the hop inside.
			gl, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := grpcsvc.NewServer(e.svc)
			done := make(chan struct{})
			go func() { defer close(done); _ = srv.Serve(gl) }()
			t.closers = append(t.closers, func() { srv.Stop(); <-done })
			conn, err := grpc.NewClient(gl.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.close()
				b.Fatal(err)
			}
			t.closers = append(t.closers, func() { _ = conn.Close() })
			h = gatewaysvc.NewHandler(conn)
		}
		serveHTTP(h)
		hc := &http.Client{Transport: transport()}
		if v == vGateway {
			t.cs = []client.Client{client.NewGateway(url, hc)}
		} else {
			t.cs = []client.Client{client.NewConnect(v, url, hc)}
		}
	default:
		b.Fatalf("unknown variant %q", v)
	}
	if len(t.cs) > 0 {
		t.c = t.cs[0]
		tok, err := login(e.svc)
		if err != nil {
			t.close()
			b.Fatal(err)
		}
		for _, c := range t.cs {
			c.SetToken(tok)
		}
	}
	return t
}

// login issues the benchmark user's token from the core directly: the
// password hash is ValidateUser's own benchmark, not every setup's.
func login(svc *core.Service) (string, error) {
	res, err := svc.ValidateUser(context.Background(), "", benchUser, benchPW)
	if err != nil {
		return "", err
	}
	if !res.IsValid {
		return "", errors.New("benchmark user rejected")
	}
	return res.Token, nil
}

// check fails b when verify finds a fault.
func (t *target) check(b *testing.B, workers int) {
	b.Helper()
	if err := t.verify(workers); err != nil {
		b.Fatal(err)
	}
}

// verify reports a response over the wrong protocol, connections opened
// during the timed part beyond a spare one per worker (HTTP/1.1
// keep-alive broken: a connection per call), or with gzip on, a message
// sent uncompressed.
func (t *target) verify(workers int) error {
	if n := t.badProto.Load(); n > 0 {
		return fmt.Errorf("%s: %d responses over an unexpected protocol", t.variant, n)
	}
	h1, h2 := t.sniff.h1.Load(), t.sniff.h2.Load()
	switch {
	case t.variant == vTCP || t.encrypted:
		// Under TLS the preface is encrypted: the REST client's observer
		// checked the protocol, and grpc-go insists on ALPN h2.
	case t.h2 && h1 > 0:
		return fmt.Errorf("%s: %d HTTP/1.1 connections, want HTTP/2 only", t.variant, h1)
	case !t.h2 && h2 > 0:
		return fmt.Errorf("%s: %d HTTP/2 connections, want HTTP/1.1 only", t.variant, h2)
	}
	// Every worker warmed up its connection before the timed part. Go's
	// transport may still dial a spare when a worker asks before its idle
	// connection is back in the pool; once the pool holds a spare per
	// worker that race cannot dial again. More dials than that mean
	// connections are not reused.
	if conns := t.wire.Conns(); conns > int64(2*workers+1) {
		return fmt.Errorf("%s: %d connections for %d workers: connections are not reused", t.variant, conns, workers)
	}
	if t.gzip {
		n := t.unzipped.Load()
		if t.payload != nil {
			n += t.payload.unzipped.Load()
		}
		if n > 0 {
			return fmt.Errorf("%s: %d messages not gzip-compressed, want gzip=on", t.variant, n)
		}
	}
	return nil
}

// reportBody reports body-B/op, the message bytes of one op as the
// benchmark computed them from the expected messages. For grpc it first
// checks them against what grpc-go's stats handler counted on the server
// during the timed part (uncompressed message bytes both ways) and fails
// on a difference over 1%.
func (t *target) reportBody(b *testing.B, computed int64) {
	b.Helper()
	if t.payload != nil && b.N > 0 {
		got := float64(t.payload.in.Load()+t.payload.out.Load()) / float64(b.N)
		if d := got - float64(computed); d > float64(computed)/100 || -d > float64(computed)/100 {
			b.Fatalf("grpc-go counted %.0f message bytes per op, the benchmark computed %d", got, computed)
		}
	}
	b.ReportMetric(float64(computed), "body-B/op")
}

// payloadStats is a grpc stats.Handler counting message bytes, and the
// messages sent or received uncompressed (grpc-go reports their compressed
// length equal to their length).
type payloadStats struct{ in, out, unzipped atomic.Int64 }

func (p *payloadStats) reset() { p.in.Store(0); p.out.Store(0) }

func (p *payloadStats) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }

func (p *payloadStats) HandleRPC(_ context.Context, s stats.RPCStats) {
	switch s := s.(type) {
	case *stats.InPayload:
		p.in.Add(int64(s.Length))
		if s.CompressedLength == s.Length {
			p.unzipped.Add(1)
		}
	case *stats.OutPayload:
		p.out.Add(int64(s.Length))
		if s.CompressedLength == s.Length {
			p.unzipped.Add(1)
		}
	}
}

func (p *payloadStats) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

func (p *payloadStats) HandleConn(context.Context, stats.ConnStats) {}

// sniffer counts the connections of a listener by the protocol their
// first bytes announce: the HTTP/2 client preface, or anything else.
type sniffer struct{ h1, h2 atomic.Int64 }

func (s *sniffer) listener(l net.Listener) net.Listener { return &sniffListener{l, s} }

type sniffListener struct {
	net.Listener
	s *sniffer
}

func (l *sniffListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &sniffConn{Conn: c, s: l.s}, nil
}

type sniffConn struct {
	net.Conn
	s    *sniffer
	seen bool
}

const h2Preface = "PRI * HTTP/2.0"

func (c *sniffConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.seen && n > 0 {
		c.seen = true
		if bytes.HasPrefix(p[:n], []byte(h2Preface[:min(n, len(h2Preface))])) {
			c.s.h2.Add(1)
		} else {
			c.s.h1.Add(1)
		}
	}
	return n, err
}

// netHTTPHandler is the nethttp floor: the unary routes of the REST
// contract on a plain http.ServeMux, encoding/json as gin uses it (Marshal,
// then one Write), the same bearer check. Only gin is missing.
func netHTTPHandler(svc *core.Service) http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any, err error) {
		status := http.StatusOK
		if err != nil {
			status = restwire.StatusOf(core.CodeOf(err))
			v = map[string]string{"code": core.CodeOf(err).String(), "message": core.MessageOf(err)}
		}
		body, jerr := json.Marshal(v)
		if jerr != nil {
			http.Error(w, jerr.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
	mux.HandleFunc("POST /v1/auth/token/validate", func(w http.ResponseWriter, r *http.Request) {
		var req jsonValidateToken
		if err := json.NewDecoder(io.LimitReader(r.Body, restwire.DefaultMaxBodyBytes)).Decode(&req); err != nil {
			reply(w, nil, core.Errorf(core.CodeInvalidArgument, "bad body: %v", err))
			return
		}
		res, err := svc.ValidateToken(r.Context(), req.Token)
		reply(w, res, err)
	})
	mux.HandleFunc("GET /v1/transactions/{id}", func(w http.ResponseWriter, r *http.Request) {
		if _, err := svc.Authenticate(core.BearerToken(r.Header.Get("Authorization"))); err != nil {
			reply(w, nil, err)
			return
		}
		t, err := svc.GetTransaction(r.Context(), r.PathValue("id"))
		reply(w, t, err)
	})
	return mux
}

// tcpFloor is the tcp variant's server: length-prefixed frames (4 bytes big
// endian, then the bytes) over raw TCP, no encoding work at all.
//
//   - unary: each request frame is answered with resp;
//   - stream: a request frame is answered with records, cycled n times
//     in all, then an empty frame;
//   - upload: frames are hashed until an empty one, answered with the hex
//     SHA-256 of their bytes;
//   - echo: each frame is sent back.
type tcpFloor struct {
	mode    string
	resp    []byte
	records [][]byte
	n       int

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (f *tcpFloor) serve(l net.Listener) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		if f.conns == nil {
			f.conns = make(map[net.Conn]struct{})
		}
		f.conns[c] = struct{}{}
		f.mu.Unlock()
		wg.Go(func() {
			defer c.Close()
			_ = f.handle(c)
		})
	}
}

func (f *tcpFloor) closeConns() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		_ = c.Close()
	}
}

func (f *tcpFloor) handle(c net.Conn) error {
	r := bufio.NewReaderSize(c, 64<<10)
	w := bufio.NewWriterSize(c, 64<<10)
	var buf []byte
	for {
		var err error
		buf, err = readFrame(r, buf)
		if err != nil {
			return err
		}
		switch f.mode {
		case "unary":
			writeFrame(w, f.resp)
		case "echo":
			writeFrame(w, buf)
		case "stream":
			for i := range f.n {
				writeFrame(w, f.records[i%len(f.records)])
			}
			writeFrame(w, nil)
		case "upload":
			h := sha256.New()
			for len(buf) > 0 {
				h.Write(buf)
				if buf, err = readFrame(r, buf); err != nil {
					return err
				}
			}
			writeFrame(w, []byte(hex.EncodeToString(h.Sum(nil))))
		default:
			return fmt.Errorf("tcp floor: unknown mode %q", f.mode)
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
}

// readFrame reads one frame into buf's storage.
func readFrame(r *bufio.Reader, buf []byte) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if n > 64<<20 {
		return nil, fmt.Errorf("frame of %d bytes", n)
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := io.ReadFull(r, buf)
	return buf, err
}

func writeFrame(w *bufio.Writer, p []byte) {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(p)))
	_, _ = w.Write(hdr[:])
	_, _ = w.Write(p)
}

// tcpClient is one worker's connection to the tcp floor.
type tcpClient struct {
	c   net.Conn
	r   *bufio.Reader
	w   *bufio.Writer
	buf []byte
}

func (t *target) dialTCP() (*tcpClient, error) {
	var c net.Conn
	var err error
	if t.tls != nil {
		c, err = tls.Dial("tcp", t.addr, t.tls)
	} else {
		c, err = net.Dial("tcp", t.addr)
	}
	if err != nil {
		return nil, err
	}
	return &tcpClient{c: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriterSize(c, 64<<10)}, nil
}

// send writes frames and flushes them.
func (t *tcpClient) send(frames ...[]byte) error {
	for _, f := range frames {
		writeFrame(t.w, f)
	}
	return t.w.Flush()
}

// recv reads one frame; it is valid until the next recv.
func (t *tcpClient) recv() ([]byte, error) {
	var err error
	t.buf, err = readFrame(t.r, t.buf)
	return t.buf, err
}

func (t *tcpClient) close() { _ = t.c.Close() }
