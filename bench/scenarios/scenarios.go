package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	pb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/encoding/protojson"

	"restvsgrpc/bench/load"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
)

// Params are the knobs every scenario shares.
type Params struct {
	// Channels and Outstanding are client_channels (connections) and
	// outstanding_rpcs_per_channel (calls in flight on each).
	Channels, Outstanding int32
	// Rate is the Poisson offered_load of each client worker, in calls
	// per second; 0 is the closed loop.
	Rate float64
	// Clients is num_clients: client workers, each with its own load.
	Clients int32
	// Warmup and Benchmark are the phases' lengths in seconds.
	Warmup, Benchmark int32
	// StreamMsgs is messages_per_stream: messages per stream call of ours
	// (records, chunks), ping-pongs per stream of BenchmarkService.
	StreamMsgs int32
}

// Default are the parameters of the committed scenarios: 8 connections
// with one call in flight on each, so that every variant, HTTP/1.1 too,
// runs the same calls over the same connections; grpc's usual phases.
var Default = Params{Channels: 8, Outstanding: 1, Clients: 1, Warmup: 5, Benchmark: 30, StreamMsgs: 100}

func (p Params) client() *pb.ClientConfig {
	c := &pb.ClientConfig{
		ClientChannels:            p.Channels,
		OutstandingRpcsPerChannel: p.Outstanding,
		MessagesPerStream:         p.StreamMsgs,
		HistogramParams:           &pb.HistogramParams{Resolution: 0.01, MaxPossible: 60e9},
		LoadParams:                &pb.LoadParams{Load: &pb.LoadParams_ClosedLoop{ClosedLoop: &pb.ClosedLoopParams{}}},
	}
	if p.Rate > 0 {
		c.LoadParams.Load = &pb.LoadParams_Poisson{Poisson: &pb.PoissonParams{OfferedLoad: p.Rate}}
	}
	return c
}

func simple(req, resp int32) *pb.PayloadConfig {
	return &pb.PayloadConfig{Payload: &pb.PayloadConfig_SimpleParams{SimpleParams: &pb.SimpleProtoParams{ReqSize: req, RespSize: resp}}}
}

// Ours is the scenario of a call of ours over a variant with payload
// class pl: one server worker serving the variant, p.Clients client
// workers driving it.
func Ours(a ClientAPI, pl core.Payload, p Params) *pb.Scenario {
	req, resp := Sizes(a.RPC, pl)
	c := p.client()
	c.ClientType, c.OtherClientApi, c.PayloadConfig = pb.ClientType_OTHER_CLIENT, a.String(), simple(req, resp)
	// rpc_type stays UNARY whatever the call kind (other_client_api names
	// it): the driver then stops clients before servers, so that no call
	// of the last interval meets a stopped server.
	return &pb.Scenario{
		Name:             "restvsgrpc_" + strings.ReplaceAll(a.String(), "/", "_") + "_" + string(pl),
		ClientConfig:     c,
		NumClients:       p.Clients,
		ServerConfig:     &pb.ServerConfig{ServerType: pb.ServerType_OTHER_SERVER, OtherServerApi: a.Variant},
		NumServers:       1,
		WarmupSeconds:    p.Warmup,
		BenchmarkSeconds: p.Benchmark,
	}
}

// Stock is grpc's own kind of scenario: a SYNC_CLIENT calling an
// ASYNC_SERVER's BenchmarkService with empty messages, unary or
// streaming ping-pong, as grpc's *_protobuf_*_ping_pong_insecure ones.
func Stock(rpc pb.RpcType, p Params) *pb.Scenario {
	c := p.client()
	c.ClientType, c.RpcType, c.PayloadConfig = pb.ClientType_SYNC_CLIENT, rpc, simple(0, 0)
	c.MessagesPerStream = 0 // one stream per caller, as grpc's
	return &pb.Scenario{
		Name:             "restvsgrpc_stock_" + strings.ToLower(rpc.String()),
		ClientConfig:     c,
		NumClients:       p.Clients,
		ServerConfig:     &pb.ServerConfig{ServerType: pb.ServerType_ASYNC_SERVER},
		NumServers:       1,
		WarmupSeconds:    p.Warmup,
		BenchmarkSeconds: p.Benchmark,
	}
}

// Calls are the calls of the committed scenarios, one per call kind plus
// the cheap unary hot path; ValidateUser, a bcrypt login, measures the
// hash rather than the transport.
var Calls = []load.RPC{load.ValidateToken, load.GetTransaction, load.ListTransactions, load.Upload, load.Chat}

// All returns the committed scenarios by file name: every variant × call
// × payload class the call carries, and the two stock ones.
func All(p Params) map[string]*pb.Scenario {
	m := map[string]*pb.Scenario{
		"stock-unary.json":     Stock(pb.RpcType_UNARY, p),
		"stock-streaming.json": Stock(pb.RpcType_STREAMING, p),
	}
	for _, v := range variant.All {
		for _, rpc := range Calls {
			for _, pl := range core.Payloads {
				switch {
				case rpc == load.ValidateToken && pl != core.Payload100B: // no payload
					continue
				case rpc == load.Chat && pl.Bytes() > core.MaxChatText:
					continue
				}
				a := ClientAPI{Variant: v, RPC: rpc, Check: load.CheckBytes}
				m[fmt.Sprintf("%s-%s-%s.json", v, rpc, pl)] = Ours(a, pl, p)
			}
		}
	}
	return m
}

// Marshal writes scenarios as the proto3 JSON the driver reads
// (--scenarios_file), indented the same way every time.
func Marshal(s ...*pb.Scenario) ([]byte, error) {
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(&pb.Scenarios{Scenarios: s})
	if err != nil {
		return nil, err
	}
	// protojson varies its spacing on purpose; Compact and Indent fix it.
	var compact, out bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return nil, err
	}
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
