package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	pb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"restvsgrpc/internal/variant"
)

// startWorker runs the command on a free loopback port and returns the
// driver's client of it; the worker stops at the test's end, and must
// stop cleanly.
func startWorker(t *testing.T, args ...string) pb.WorkerServiceClient {
	t.Helper()
	return pb.NewWorkerServiceClient(dial(t, startWorkerAddr(t, args...)))
}

// startWorkerAddr runs the command and returns its driver address.
func startWorkerAddr(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"-driver_port=0", "-host=127.0.0.1"}, args...), pw, io.Discard)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	sc := bufio.NewScanner(pr)
	var addr string
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ready driver="); ok {
			addr = a
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if addr == "" {
		cancel()
		t.Fatalf("no ready line: %v", <-done)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return addr
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

func markServer(reset bool) *pb.ServerArgs {
	return &pb.ServerArgs{Argtype: &pb.ServerArgs_Mark{Mark: &pb.Mark{Reset_: reset}}}
}

func markClient(reset bool) *pb.ClientArgs {
	return &pb.ClientArgs{Argtype: &pb.ClientArgs_Mark{Mark: &pb.Mark{Reset_: reset}}}
}

// startServerRole opens RunServer with setup and returns the stream and
// the port it serves on.
func startServerRole(t *testing.T, ctx context.Context, w pb.WorkerServiceClient, setup *pb.ServerConfig) (grpc.BidiStreamingClient[pb.ServerArgs, pb.ServerStatus], int32) {
	t.Helper()
	s, err := w.RunServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&pb.ServerArgs{Argtype: &pb.ServerArgs_Setup{Setup: setup}}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Recv()
	if err != nil {
		t.Fatalf("server setup: %v", err)
	}
	if st.GetPort() == 0 || st.GetCores() == 0 {
		t.Fatalf("server status after setup: %v, want a port and cores", st)
	}
	return s, st.GetPort()
}

// drive plays the driver's part of one scenario, as qps_json_driver does:
// setup both roles, a reset mark to start, marks until the client has
// completed some calls, a final reset mark, then half-close and expect
// the stream to end cleanly with no further status.
func drive(t *testing.T, w pb.WorkerServiceClient, srvCfg *pb.ServerConfig, cliCfg *pb.ClientConfig) (*pb.ServerStats, *pb.ClientStats) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, port := startServerRole(t, ctx, w, srvCfg)
	cliCfg.ServerTargets = []string{net.JoinHostPort("127.0.0.1", itoa(port))}
	cli, err := w.RunClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Send(&pb.ClientArgs{Argtype: &pb.ClientArgs_Setup{Setup: cliCfg}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Recv(); err != nil {
		t.Fatalf("client setup: %v", err)
	}
	for _, m := range []bool{true, true} { // the start and the end of the warm-up
		if err := cli.Send(markClient(m)); err != nil {
			t.Fatal(err)
		}
		if _, err := cli.Recv(); err != nil {
			t.Fatalf("client mark: %v", err)
		}
	}
	if err := srv.Send(markServer(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Recv(); err != nil {
		t.Fatalf("server mark: %v", err)
	}
	for {
		if err := cli.Send(markClient(false)); err != nil {
			t.Fatal(err)
		}
		st, err := cli.Recv()
		if err != nil {
			t.Fatalf("client mark: %v", err)
		}
		if st.GetStats().GetLatencies().GetCount() >= 20 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	final := func(send func() error, recv func() error) {
		t.Helper()
		if err := send(); err != nil {
			t.Fatal(err)
		}
		if err := recv(); err != nil {
			t.Fatalf("final status: %v", err)
		}
	}
	var cs *pb.ClientStats
	final(func() error { return cli.Send(markClient(true)) }, func() error {
		st, err := cli.Recv()
		cs = st.GetStats()
		return err
	})
	if err := cli.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if st, err := cli.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("client stream after half-close: %v, %v; want its clean end", st, err)
	}
	var ss *pb.ServerStats
	final(func() error { return srv.Send(markServer(true)) }, func() error {
		st, err := srv.Recv()
		ss = st.GetStats()
		return err
	})
	if err := srv.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if st, err := srv.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("server stream after half-close: %v, %v; want its clean end", st, err)
	}
	return ss, cs
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// checkStats checks what the driver relies on in a client's and a
// server's final stats.
func checkStats(t *testing.T, ss *pb.ServerStats, cs *pb.ClientStats) {
	t.Helper()
	lat := cs.GetLatencies()
	if want := int(math.Log(defaultMaxPossible)/math.Log1p(defaultResolution)) + 1; len(lat.GetBucket()) != want {
		t.Errorf("latency histogram has %d buckets, the driver requires %d", len(lat.GetBucket()), want)
	}
	var n uint64
	for _, c := range lat.GetBucket() {
		n += uint64(c)
	}
	if lat.GetCount() == 0 || float64(n) != lat.GetCount() {
		t.Errorf("latencies: count %v, buckets hold %d; want equal and positive", lat.GetCount(), n)
	}
	if !(lat.GetMinSeen() > 0 && lat.GetMinSeen() <= lat.GetMaxSeen() && lat.GetSum() >= lat.GetMinSeen()*lat.GetCount()) {
		t.Errorf("latencies: min %v max %v sum %v over %v calls", lat.GetMinSeen(), lat.GetMaxSeen(), lat.GetSum(), lat.GetCount())
	}
	for _, r := range cs.GetRequestResults() {
		if r.GetStatusCode() != 0 {
			t.Errorf("%d calls failed with %v", r.GetCount(), codes.Code(r.GetStatusCode()))
		}
	}
	if cs.GetTimeElapsed() <= 0 || cs.GetTimeUser()+cs.GetTimeSystem() <= 0 {
		t.Errorf("client times: elapsed %v user %v system %v", cs.GetTimeElapsed(), cs.GetTimeUser(), cs.GetTimeSystem())
	}
	if ss.GetTimeElapsed() <= 0 || ss.GetTotalCpuTime() == 0 || ss.GetIdleCpuTime() > ss.GetTotalCpuTime() {
		t.Errorf("server stats: %v; want elapsed time and host CPU ticks", ss)
	}
}

func TestBenchmarkService(t *testing.T) {
	w := startWorker(t)
	for _, rpc := range []pb.RpcType{pb.RpcType_UNARY, pb.RpcType_STREAMING} {
		t.Run(rpc.String(), func(t *testing.T) {
			ss, cs := drive(t, w,
				&pb.ServerConfig{ServerType: pb.ServerType_ASYNC_SERVER},
				&pb.ClientConfig{
					ClientType: pb.ClientType_SYNC_CLIENT, RpcType: rpc,
					ClientChannels: 2, OutstandingRpcsPerChannel: 2, MessagesPerStream: 5,
					PayloadConfig: &pb.PayloadConfig{Payload: &pb.PayloadConfig_SimpleParams{SimpleParams: &pb.SimpleProtoParams{ReqSize: 10, RespSize: 300}}},
					LoadParams:    &pb.LoadParams{Load: &pb.LoadParams_ClosedLoop{ClosedLoop: &pb.ClosedLoopParams{}}},
				})
			checkStats(t, ss, cs)
		})
	}
}

func TestVariants(t *testing.T) {
	if testing.Short() {
		t.Skip("logs in once per variant (bcrypt)")
	}
	w := startWorker(t, "-user", "tester:worker-test-pw", "-bcrypt-cost", "4")
	for _, v := range variant.All {
		apis := []string{v + "/GetTransaction"}
		if v == variant.REST || v == variant.GRPC {
			apis = append(apis, v+"/ListTransactions")
		}
		for _, api := range apis {
			t.Run(api, func(t *testing.T) {
				ss, cs := drive(t, w,
					&pb.ServerConfig{ServerType: pb.ServerType_OTHER_SERVER, OtherServerApi: v},
					&pb.ClientConfig{
						ClientType: pb.ClientType_OTHER_CLIENT, OtherClientApi: api,
						ClientChannels: 1, OutstandingRpcsPerChannel: 2, MessagesPerStream: 10,
						PayloadConfig: &pb.PayloadConfig{Payload: &pb.PayloadConfig_SimpleParams{SimpleParams: &pb.SimpleProtoParams{RespSize: 1024}}},
						LoadParams:    &pb.LoadParams{Load: &pb.LoadParams_Poisson{Poisson: &pb.PoissonParams{OfferedLoad: 400}}},
					})
				checkStats(t, ss, cs)
			})
		}
	}
}

// TestBadConfig: each config the worker cannot honour is refused with
// InvalidArgument naming the field, and the worker goes on serving.
func TestBadConfig(t *testing.T) {
	w := startWorker(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	servers := []struct {
		field string
		cfg   *pb.ServerConfig
	}{
		{"other_server_api", &pb.ServerConfig{ServerType: pb.ServerType_OTHER_SERVER, OtherServerApi: "soap"}},
		{"core_limit", &pb.ServerConfig{ServerType: pb.ServerType_ASYNC_SERVER, CoreLimit: 1}},
		{"security_params", &pb.ServerConfig{ServerType: pb.ServerType_ASYNC_SERVER, SecurityParams: &pb.SecurityParams{UseTestCa: true}}},
		{"payload_config", &pb.ServerConfig{ServerType: pb.ServerType_ASYNC_SERVER, PayloadConfig: &pb.PayloadConfig{Payload: &pb.PayloadConfig_BytebufParams{BytebufParams: &pb.ByteBufferParams{}}}}},
		{"server_type", &pb.ServerConfig{ServerType: pb.ServerType_CALLBACK_SERVER}},
	}
	for _, c := range servers {
		s, err := w.RunServer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.Send(&pb.ServerArgs{Argtype: &pb.ServerArgs_Setup{Setup: c.cfg}})
		_, err = s.Recv()
		checkInvalid(t, err, c.field)
	}

	// A server to aim the clients at, so that only the config is wrong.
	srv, port := startServerRole(t, ctx, w, &pb.ServerConfig{ServerType: pb.ServerType_ASYNC_SERVER})
	defer srv.CloseSend()
	target := []string{net.JoinHostPort("127.0.0.1", itoa(port))}
	simple := func(req, resp int32) *pb.PayloadConfig {
		return &pb.PayloadConfig{Payload: &pb.PayloadConfig_SimpleParams{SimpleParams: &pb.SimpleProtoParams{ReqSize: req, RespSize: resp}}}
	}
	ok := func(c *pb.ClientConfig) *pb.ClientConfig {
		c.ServerTargets, c.ClientChannels, c.OutstandingRpcsPerChannel = target, 1, 1
		return c
	}
	clients := []struct {
		field string
		cfg   *pb.ClientConfig
	}{
		{"other_client_api", ok(&pb.ClientConfig{ClientType: pb.ClientType_OTHER_CLIENT, OtherClientApi: "soap/GetTransaction"})},
		{"other_client_api", ok(&pb.ClientConfig{ClientType: pb.ClientType_OTHER_CLIENT, OtherClientApi: "grpc/Teleport"})},
		{"other_client_api", ok(&pb.ClientConfig{ClientType: pb.ClientType_OTHER_CLIENT, OtherClientApi: "grpc/GetTransaction/curl"})},
		{"payload_config.simple_params", ok(&pb.ClientConfig{ClientType: pb.ClientType_OTHER_CLIENT, OtherClientApi: "grpc/GetTransaction", PayloadConfig: simple(0, 1000)})},
		{"core_limit", ok(&pb.ClientConfig{ClientType: pb.ClientType_SYNC_CLIENT, CoreLimit: 2})},
		{"rpc_type", ok(&pb.ClientConfig{ClientType: pb.ClientType_SYNC_CLIENT, RpcType: pb.RpcType_STREAMING_FROM_SERVER})},
		{"client_channels", &pb.ClientConfig{ClientType: pb.ClientType_SYNC_CLIENT, ServerTargets: target, OutstandingRpcsPerChannel: 1}},
		{"load_params.poisson.offered_load", ok(&pb.ClientConfig{ClientType: pb.ClientType_SYNC_CLIENT, LoadParams: &pb.LoadParams{Load: &pb.LoadParams_Poisson{Poisson: &pb.PoissonParams{}}}})},
		{"payload_config.simple_params.resp_size", ok(&pb.ClientConfig{ClientType: pb.ClientType_SYNC_CLIENT, PayloadConfig: simple(0, 1<<30)})},
	}
	for _, c := range clients {
		s, err := w.RunClient(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.Send(&pb.ClientArgs{Argtype: &pb.ClientArgs_Setup{Setup: c.cfg}})
		_, err = s.Recv()
		checkInvalid(t, err, c.field)
	}

	if _, err := w.CoreCount(ctx, &pb.CoreRequest{}); err != nil {
		t.Fatalf("CoreCount after refused configs: %v", err)
	}
	ss, cs := drive(t, w, &pb.ServerConfig{ServerType: pb.ServerType_SYNC_SERVER},
		&pb.ClientConfig{ClientType: pb.ClientType_SYNC_CLIENT, ClientChannels: 1, OutstandingRpcsPerChannel: 1})
	checkStats(t, ss, cs)
}

func checkInvalid(t *testing.T, err error, field string) {
	t.Helper()
	s, _ := status.FromError(err)
	if s.Code() != codes.InvalidArgument || !strings.HasPrefix(s.Message(), field+":") {
		t.Errorf("got %v; want InvalidArgument naming %s", err, field)
	}
}

// countingListener counts the connections open on it.
type countingListener struct {
	net.Listener
	open atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.open.Add(1)
	return &countedConn{Conn: c, l: l}, nil
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

// TestDriverGone: a driver that vanishes mid-run (its connection drops)
// takes its load with it: the worker's client closes its connections to
// the server, which it does only once its load has stopped, and the
// worker runs the next scenario.
func TestDriverGone(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lis := &countingListener{Listener: inner}
	var calls atomic.Int64
	gs := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		calls.Add(1)
		return h(ctx, req)
	}))
	pb.RegisterBenchmarkServiceServer(gs, benchmarkServer{})
	go gs.Serve(lis)
	defer gs.Stop()

	addr := startWorkerAddr(t)
	driver, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	s, err := pb.NewWorkerServiceClient(driver).RunClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.Send(&pb.ClientArgs{Argtype: &pb.ClientArgs_Setup{Setup: &pb.ClientConfig{
		ClientType: pb.ClientType_SYNC_CLIENT, ServerTargets: []string{inner.Addr().String()},
		ClientChannels: 2, OutstandingRpcsPerChannel: 4,
	}}})
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); calls.Load() < 50; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d calls reached the server", calls.Load())
		}
	}
	if lis.open.Load() != 2 {
		t.Fatalf("%d connections open to the server, want the 2 channels", lis.open.Load())
	}
	driver.Close() // the driver goes away without a word

	for deadline := time.Now().Add(30 * time.Second); lis.open.Load() > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open to the server after the driver left", lis.open.Load())
		}
	}
	stopped := calls.Load()
	w := pb.NewWorkerServiceClient(dial(t, addr))
	ss, cs := drive(t, w, &pb.ServerConfig{ServerType: pb.ServerType_ASYNC_SERVER},
		&pb.ClientConfig{ClientType: pb.ClientType_SYNC_CLIENT, ClientChannels: 1, OutstandingRpcsPerChannel: 1})
	checkStats(t, ss, cs)
	if n := calls.Load(); n != stopped {
		t.Errorf("the abandoned load made %d more calls after its connections closed", n-stopped)
	}
}
