package grpcwire_test

import (
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/google/go-cmp/cmp"

	authv1 "restvsgrpc/gen/auth/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
)

// TestVTCodec checks that vtprotobuf's encoding of every payload class's
// record decodes, with protobuf-go, to the same message, and that it
// decodes what protobuf-go encodes: the two codecs speak one wire.
func TestVTCodec(t *testing.T) {
	t.Parallel()
	svc, err := core.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range core.Payloads {
		tx, err := svc.GetTransaction(t.Context(), core.TransactionID(p, 1))
		if err != nil {
			t.Fatal(err)
		}
		want := protoconv.Transaction(tx)
		out, err := grpcwire.VTCodec.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		got := new(transactionv1.Transaction)
		if err := proto.Unmarshal(out.Materialize(), got); err != nil {
			t.Fatalf("%s: protobuf-go cannot read vtprotobuf's encoding: %v", p, err)
		}
		out.Free()
		if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
			t.Errorf("%s: vt encoding decoded by protobuf-go (-want +got):\n%s", p, diff)
		}
		b, err := proto.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		back := new(transactionv1.Transaction)
		if err := grpcwire.VTCodec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, back, protocmp.Transform()); diff != "" {
			t.Errorf("%s: protobuf-go encoding decoded by vtprotobuf (-want +got):\n%s", p, diff)
		}
	}
	if _, err := grpcwire.VTCodec.Marshal(&struct{}{}); err == nil {
		t.Error("marshal of a value without vtprotobuf methods: no error")
	}
	if err := grpcwire.VTCodec.Unmarshal(mem.BufferSlice{mem.SliceBuffer([]byte{0xff})}, &authv1.ValidateTokenRequest{}); err == nil {
		t.Error("unmarshal of a malformed message: no error")
	}
}
