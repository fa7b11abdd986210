package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/cli"
)

func frame(t *testing.T, args ...string) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), args, &out, nil); err != nil {
		t.Fatalf("frame %v: %v", args, err)
	}
	return out.Bytes()
}

// message checks the 5-byte gRPC prefix (uncompressed, exact length) and
// returns the message after it.
func message(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 5 || b[0] != 0 {
		t.Fatalf("frame % x: want an uncompressed length-prefixed message", b)
	}
	if n := binary.BigEndian.Uint32(b[1:5]); int(n) != len(b)-5 {
		t.Fatalf("prefix says %d bytes, %d follow", n, len(b)-5)
	}
	return b[5:]
}

func TestFrameDecodesToTheRequest(t *testing.T) {
	var get transactionv1.GetTransactionRequest
	if err := proto.Unmarshal(message(t, frame(t, "-rpc", "GetTransaction", "-payload", "64KiB", "-index", "7")), &get); err != nil {
		t.Fatal(err)
	}
	if get.GetId() != "tx-64KiB-000007" {
		t.Errorf("id %q, want tx-64KiB-000007", get.GetId())
	}
	var val authv1.ValidateTokenRequest
	if err := proto.Unmarshal(message(t, frame(t, "-rpc", "ValidateToken", "-token", "tok")), &val); err != nil {
		t.Fatal(err)
	}
	if val.GetToken() != "tok" {
		t.Errorf("token %q, want tok", val.GetToken())
	}
}

func TestPaths(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-rpc", "GetTransaction", "-path"}, transactionv1.TransactionService_GetTransaction_FullMethodName},
		{[]string{"-rpc", "ValidateToken", "-path"}, authv1.AuthService_ValidateToken_FullMethodName},
		{[]string{"-payload", "1KiB", "-index", "3", "-rest-path"}, "/v1/transactions/tx-1KiB-000003"},
	} {
		if got := strings.TrimSpace(string(frame(t, c.args...))); got != c.want {
			t.Errorf("frame %v = %q, want %q", c.args, got, c.want)
		}
	}
}

func TestBadFlagsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-rpc", "Chat"},
		{"-rpc", "Upload", "-chunks", "0"},
		{"-rpc", "ListTransactions", "-limit", "-1"},
		{"-rest-body"},
		{"-payload", "2KiB"},
		{"-payload", "64KiB", "-index", "64"},
		{"-rpc", "ValidateToken"},
		{"-rpc", "ValidateToken", "-token", "x", "-rest-path"},
	} {
		var ue cli.UsageError
		if err := run(context.Background(), args, &bytes.Buffer{}, nil); !errors.As(err, &ue) {
			t.Errorf("frame %v: error %v, want a usage error", args, err)
		}
	}
}

// TestStreamFrames checks the streams' requests: one ListTransactions
// request for account 0's feed, and Upload's chunks as consecutive frames
// whose data is the REST body's.
func TestStreamFrames(t *testing.T) {
	var list transactionv1.ListTransactionsRequest
	if err := proto.Unmarshal(message(t, frame(t, "-rpc", "ListTransactions", "-payload", "1KiB", "-limit", "7")), &list); err != nil {
		t.Fatal(err)
	}
	if list.AccountId != "acct-0000" || list.Payload != "1KiB" || list.Limit != 7 {
		t.Errorf("ListTransactions request %v", &list)
	}
	if got := string(frame(t, "-rpc", "ListTransactions", "-payload", "1KiB", "-limit", "7", "-rest-path")); got != "/v1/transactions?account=acct-0000&limit=7&payload=1KiB\n" {
		t.Errorf("ListTransactions REST path %q", got)
	}
	b := frame(t, "-rpc", "Upload", "-payload", "1KiB", "-chunks", "3")
	var data []byte
	for i := 0; len(b) > 0; i++ {
		if len(b) < 5 {
			t.Fatalf("%d bytes after frame %d", len(b), i)
		}
		n := 5 + int(binary.BigEndian.Uint32(b[1:5]))
		var m filev1.UploadRequest
		if err := proto.Unmarshal(message(t, b[:n]), &m); err != nil {
			t.Fatal(err)
		}
		if (i == 0) != (m.Filename != "") || len(m.Data) != 1024 {
			t.Errorf("frame %d: filename %q, %d bytes", i, m.Filename, len(m.Data))
		}
		data, b = append(data, m.Data...), b[n:]
	}
	if body := frame(t, "-rpc", "Upload", "-payload", "1KiB", "-chunks", "3", "-rest-body"); !bytes.Equal(body, data) {
		t.Errorf("REST body of %d bytes differs from the frames' %d", len(body), len(data))
	}
}
