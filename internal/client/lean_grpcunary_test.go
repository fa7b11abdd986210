package client

import (
	"context"
	"net"
	"strings"
	"testing"

	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/core"
)

// TestLeanGRPCStatus checks that the lean unary path turns a gRPC status
// in the answer's trailers into the core's code with its message decoded,
// as grpc-go's client does.
func TestLeanGRPCStatus(t *testing.T) {
	t.Parallel()
	svc := testService(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpcsvc.NewServer(svc)
	go gs.Serve(l)
	t.Cleanup(gs.Stop)

	ctx := context.Background()
	tg, err := NewTarget(ctx, TargetConfig{Variant: "grpc", Addr: l.Addr().String(), RPC: GetTransaction, User: "loader", Password: "load-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	gt := tg.(*grpcTarget)
	if gt.h2 == nil || gt.conns != nil {
		t.Fatalf("bytes-mode GetTransaction did not take the lean path (h2 %d, grpc-go conns %d)", len(gt.h2), len(gt.conns))
	}
	c, err := gt.NewCaller(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	lc := c.(*leanGRPCCaller)
	for _, tc := range []struct {
		name string
		id   string
		want core.Code
		msg  string
	}{
		{"unknown id", "tx-100B-999999", core.CodeNotFound, "tx-100B-999999"},
		{"id not ASCII: the message arrives percent-encoded", "tx-100B-é", core.CodeNotFound, `"tx-100B-é" not found`},
	} {
		_, err := lc.invoke(ctx, grpcFrame(mustMarshal(&transactionv1.GetTransactionRequest{Id: tc.id})), "GetTransaction")
		if core.CodeOf(err) != tc.want || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want code %v with %q in the message", tc.name, err, tc.want, tc.msg)
		}
	}
	if out, err := c.Call(ctx); err != nil || out.BodyIn == 0 {
		t.Errorf("a good call after the failures: %+v, %v", out, err)
	}
}
