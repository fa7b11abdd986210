package conformance_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"

	"restvsgrpc/connectsvc"
	"restvsgrpc/gatewaysvc"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/internal/variant"
	"restvsgrpc/restsvc"
)

// servers are the REST (with h2c) and gRPC servers over one core, one of
// each per library (REST's by JSON library name, gRPC's by codec), with the
// answers' bytes passed through tamper on their way out; and the middle
// ways' connect and gateway servers, untampered (decode mode only).
type servers struct {
	rest, grpc       map[string]string
	connect, gateway string
}

// serverOf is the address of the server that answers as variant v.
func (s servers) serverOf(v string) string {
	if variant.IsConnect(v) {
		return s.connect
	}
	if v == variant.Gateway {
		return s.gateway
	}
	if v == variant.GRPCVT {
		return s.grpc["vt"]
	}
	if variant.IsGRPC(v) {
		return s.grpc["proto"]
	}
	if lib := variant.JSON(v); lib != "" {
		return s.rest[lib]
	}
	return s.rest[jsonlib.Std.Name]
}

func startServers(t *testing.T, tamper func([]byte) []byte) servers {
	t.Helper()
	s := servers{rest: map[string]string{}, grpc: map[string]string{}}
	for _, lib := range jsonlib.Libs {
		s.rest[lib.Name] = startServer(t, tamper, lib, nil)
	}
	s.grpc["proto"] = startServer(t, tamper, jsonlib.Std, encoding.GetCodecV2("proto"))
	s.grpc["vt"] = startServer(t, tamper, jsonlib.Std, grpcwire.VTCodec)
	s.connect, s.gateway = startMiddle(t, s.grpc["proto"])
	return s
}

// startMiddle starts the connect-go server over a core of its own and
// grpc-gateway in front of the gRPC server at grpcAddr, and returns their
// addresses.
func startMiddle(t *testing.T, grpcAddr string) (connectAddr, gatewayAddr string) {
	t.Helper()
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	serve := func(h http.Handler) string {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		hs := restsvc.NewServer(h, restsvc.WithH2C())
		go hs.Serve(lis)
		t.Cleanup(func() { hs.Close() })
		return lis.Addr().String()
	}
	return serve(connectsvc.NewHandler(newCore(t))), serve(gatewaysvc.NewHandler(conn))
}

// skipUnless skips a test of variant v in client mode check calling rpc
// when v cannot make it, saying why.
func skipUnless(t *testing.T, v, check string, rpc client.RPC) {
	t.Helper()
	if why := variant.Unsupported(v, rpc.Kind()); why != "" {
		t.Skip(why)
	}
	if check == client.CheckBytes && slices.Contains(variant.Middle, v) {
		t.Skip("bytes mode is not built for the middle ways")
	}
}

// startServer starts the REST server with JSON by lib or, with a codec,
// the gRPC server with it, and returns its address.
func startServer(t *testing.T, tamper func([]byte) []byte, lib jsonlib.Lib, codec encoding.CodecV2) string {
	t.Helper()
	svc := newCore(t)
	rl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if codec != nil {
		if tamper != nil {
			codec = tamperingCodec{codec, tamper}
		}
		gs := grpcsvc.NewServer(svc, grpcsvc.WithServerOptions(grpc.ForceServerCodecV2(codec)))
		go gs.Serve(rl)
		t.Cleanup(gs.Stop)
		return rl.Addr().String()
	}
	var h http.Handler = restsvc.NewHandler(svc, restsvc.WithJSON(lib))
	if tamper != nil {
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(tamperingWriter{ResponseWriter: w, tamper: tamper}, r)
		})
	}
	rs := restsvc.NewServer(h, restsvc.WithH2C())
	go rs.Serve(rl)
	t.Cleanup(func() { rs.Close() })
	return rl.Addr().String()
}

// newCore is a core with the test's user. Every target logs in from one
// address: no login rate limits.
func newCore(t *testing.T) *core.Service {
	t.Helper()
	limits := core.DefaultLoginLimits()
	limits.PerUser, limits.PerAddr = core.Rate{}, core.Rate{}
	svc, err := core.New(core.WithBcryptCost(bcrypt.MinCost), core.WithUser(user, password), core.WithLoginLimits(limits))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (s servers) target(t *testing.T, v, check string, rpc client.RPC) client.Target {
	t.Helper()
	addr := s.serverOf(v)
	tg, err := client.NewTarget(context.Background(), client.TargetConfig{
		Variant: v, Addr: addr, RPC: rpc, Payload: core.Payload1KiB, Check: check,
		User: user, Password: password, StreamMsgs: 7, Room: "conformance-" + check + "-" + v,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return tg
}

// TestCallers runs every call kind over every variant through the callers
// cmd/loadgen measures with, in both client modes: each answer must be
// what the data set prescribes, byte for byte or field by field.
func TestCallers(t *testing.T) {
	s := startServers(t, nil)
	for _, check := range client.Checks {
		for _, v := range variant.Clients {
			for _, rpc := range client.RPCs {
				t.Run(check+"/"+v+"/"+string(rpc), func(t *testing.T) {
					skipUnless(t, v, check, rpc)
					tg := s.target(t, v, check, rpc)
					ctx := context.Background()
					for w := range 2 {
						c, err := tg.NewCaller(ctx, w)
						if err != nil {
							t.Fatal(err)
						}
						for range 3 {
							out, err := c.Call(ctx)
							if err != nil {
								t.Fatalf("worker %d: %v", w, err)
							}
							if out.BodyIn == 0 {
								t.Errorf("worker %d: no body bytes counted in", w)
							}
						}
						if err := c.Close(); err != nil {
							t.Errorf("close: %v", err)
						}
					}
				})
			}
		}
	}
}

// TestWrongAnswersFail serves answers with one byte changed (an account id,
// a message) and checks that both modes fail the call, bytes saying where
// the bytes differ and decode which field.
func TestWrongAnswersFail(t *testing.T) {
	s := startServers(t, func(b []byte) []byte {
		b = bytes.Replace(b, []byte("acct-0"), []byte("acct_0"), 1)
		return bytes.Replace(b, []byte("token accepted"), []byte("token acceptee"), 1)
	})
	for _, check := range client.Checks {
		for _, v := range variant.Clients {
			for _, rpc := range []client.RPC{client.GetTransaction, client.ListTransactions, client.ValidateToken} {
				t.Run(check+"/"+v+"/"+string(rpc), func(t *testing.T) {
					if slices.Contains(variant.Middle, v) {
						t.Skip("the middle ways' servers are not tampered with: their own libraries encode")
					}
					tg := s.target(t, v, check, rpc)
					c, err := tg.NewCaller(context.Background(), 0)
					if err != nil {
						t.Fatal(err)
					}
					defer c.Close()
					_, err = c.Call(context.Background())
					want := "answer differs at byte"
					if check == client.CheckDecode {
						want = "field AccountID"
						if rpc == client.ValidateToken {
							want = "field Message"
						}
					}
					if core.CodeOf(err) != core.CodeInternal || !strings.Contains(err.Error(), want) {
						t.Errorf("a tampered answer gave %v, want an internal error saying %q", err, want)
					}
				})
			}
		}
	}
}

// tamperingWriter passes what a REST handler writes through tamper.
type tamperingWriter struct {
	http.ResponseWriter
	tamper func([]byte) []byte
}

func (w tamperingWriter) Write(b []byte) (int, error) {
	if _, err := w.ResponseWriter.Write(w.tamper(bytes.Clone(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (w tamperingWriter) Flush() { w.ResponseWriter.(http.Flusher).Flush() }

// tamperingCodec is a protobuf codec with tamper applied to what the
// server sends.
type tamperingCodec struct {
	base   encoding.CodecV2
	tamper func([]byte) []byte
}

func (c tamperingCodec) Marshal(v any) (mem.BufferSlice, error) {
	out, err := c.base.Marshal(v)
	if err != nil {
		return nil, err
	}
	b := c.tamper(out.Materialize())
	out.Free()
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (c tamperingCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return c.base.Unmarshal(data, v)
}

func (c tamperingCodec) Name() string { return "proto" }
