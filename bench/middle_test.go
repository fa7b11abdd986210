package bench

import (
	"net/http"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/netsim"
)

// middleVariants are the columns of BenchmarkMiddle: the middle ways
// between rest and grpc, which run over HTTP/1.1.
var middleVariants = []string{vREST, vConnectJSON, vConnectProto, vGRPCWeb, vGateway, vGRPC}

// BenchmarkMiddle calls ValidateToken and GetTransaction over the middle
// ways (connect-go's Connect protocol with JSON and protobuf, its gRPC-Web,
// and grpc-gateway in front of grpc-go) next to rest and grpc, in
// BenchmarkUnary's units: GetTransaction of 1 KiB at every concurrency,
// the other payloads and ValidateToken at the first. The gateway's ns/op
// includes its hop to the gRPC server; wire-B/op counts only the outer
// socket.
func BenchmarkMiddle(b *testing.B) {
	d := set()
	svc := newService(b)
	var rows []unaryRow
	for _, c := range d.concs {
		rows = append(rows, unaryRow{rpc: "GetTransaction", payload: core.Payload1KiB, conc: c})
	}
	for _, p := range d.payloads {
		if p != core.Payload1KiB {
			rows = append(rows, unaryRow{rpc: "GetTransaction", payload: p, conc: d.concs[0]})
		}
	}
	rows = append(rows, unaryRow{rpc: "ValidateToken", conc: d.concs[0]})
	for _, r := range rows {
		r.net, r.variants = netsim.Loopback, middleVariants
		u, err := newUnaryCall(svc, r)
		if err != nil {
			b.Fatal(err)
		}
		body, err := middleBodies(u, r)
		if err != nil {
			b.Fatal(err)
		}
		for _, v := range r.variants {
			t := start(b, v, env{svc: svc, net: r.net, conc: r.conc})
			b.Run(r.name(v), func(b *testing.B) {
				measure(b, t, r.conc, u.worker(t))
				n, ok := body[v]
				if !ok {
					n = u.bodyBytes(v)
				}
				t.reportBody(b, int64(n))
			})
			t.close()
		}
	}
}

// middleBodies returns the body bytes of one call (request and answer) of
// the middle ways, as their libraries encode them: protobuf for
// connect-proto and grpc-web (without gRPC-Web's 5-byte frame), protojson
// for connect-json, and grpc-gateway's own marshaler (unset fields written
// out) for the gateway, whose GetTransaction has no request body.
func middleBodies(u *unaryCall, r unaryRow) (map[string]int, error) {
	var req, resp proto.Message
	switch r.rpc {
	case "ValidateToken":
		req, resp = new(authv1.ValidateTokenRequest), new(authv1.ValidateTokenResponse)
	default:
		req, resp = new(transactionv1.GetTransactionRequest), new(transactionv1.Transaction)
	}
	if err := proto.Unmarshal(u.reqPB, req); err != nil {
		return nil, err
	}
	if err := proto.Unmarshal(u.respPB, resp); err != nil {
		return nil, err
	}
	pb := len(u.reqPB) + len(u.respPB)
	reqJS, err := protojson.Marshal(req)
	if err != nil {
		return nil, err
	}
	respJS, err := protojson.Marshal(resp)
	if err != nil {
		return nil, err
	}
	probe, _ := http.NewRequest(http.MethodGet, "/", nil)
	_, gw := runtime.MarshalerForRequest(runtime.NewServeMux(), probe)
	gwResp, err := gw.Marshal(resp)
	if err != nil {
		return nil, err
	}
	gwReq := 0
	if r.rpc == "ValidateToken" {
		b, err := gw.Marshal(req)
		if err != nil {
			return nil, err
		}
		gwReq = len(b)
	}
	return map[string]int{
		vConnectProto: pb,
		vGRPCWeb:      pb,
		vConnectJSON:  len(reqJS) + len(respJS),
		vGateway:      gwReq + len(gwResp),
	}, nil
}
