package grpcsvc_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	authv1 "restvsgrpc/gen/auth/v1"
	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/core"
)

// call is one RPC made with the generated clients, so that the test sees
// the gRPC status on the wire rather than the client's conversion.
type call func(ctx context.Context, conn *grpc.ClientConn) error

func getTx(id string) call {
	return func(ctx context.Context, conn *grpc.ClientConn) error {
		_, err := transactionv1.NewTransactionServiceClient(conn).GetTransaction(ctx, &transactionv1.GetTransactionRequest{Id: id})
		return err
	}
}

func listTx(req *transactionv1.ListTransactionsRequest) call {
	return func(ctx context.Context, conn *grpc.ClientConn) error {
		s, err := transactionv1.NewTransactionServiceClient(conn).ListTransactions(ctx, req)
		if err != nil {
			return err
		}
		for {
			if _, err := s.Recv(); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
		}
	}
}

func upload(msgs ...*filev1.UploadRequest) call {
	return func(ctx context.Context, conn *grpc.ClientConn) error {
		s, err := filev1.NewFileServiceClient(conn).Upload(ctx)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := s.Send(m); err != nil {
				break // the server ended the call; CloseAndRecv says why
			}
		}
		_, err = s.CloseAndRecv()
		return err
	}
}

func chat(msgs ...*chatv1.ChatMessage) call {
	return func(ctx context.Context, conn *grpc.ClientConn) error {
		s, err := chatv1.NewChatServiceClient(conn).Chat(ctx)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := s.Send(m); err != nil {
				break
			}
		}
		if err := s.CloseSend(); err != nil {
			return err
		}
		for {
			if _, err := s.Recv(); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
		}
	}
}

func validateUser(user, pw string) call {
	return func(ctx context.Context, conn *grpc.ClientConn) error {
		_, err := authv1.NewAuthServiceClient(conn).ValidateUser(ctx, &authv1.ValidateUserRequest{Username: user, Password: pw})
		return err
	}
}

func withToken(ctx context.Context, authz string) context.Context {
	if authz == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", authz)
}

// checkCode runs c and checks the status code and that the message says
// something without leaking Go internals; it returns c's error.
func checkCode(t *testing.T, ctx context.Context, conn *grpc.ClientConn, c call, want codes.Code) error {
	t.Helper()
	err := c(ctx, conn)
	if want == codes.OK {
		if err != nil {
			t.Fatalf("got %v, want success", err)
		}
		return nil
	}
	st, _ := status.FromError(err)
	if st.Code() != want {
		t.Fatalf("got %v (%v), want %v", st.Code(), err, want)
	}
	if msg := st.Message(); msg == "" || strings.Contains(msg, "goroutine") || strings.Contains(msg, ".go:") {
		t.Errorf("message %q: want a plain, client-safe message", msg)
	}
	return err
}

func TestAuthInterceptor(t *testing.T) {
	t.Parallel()
	var now atomic.Pointer[time.Time]
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now.Store(&t0)
	f := start(t, []core.Option{core.WithClock(func() time.Time { return *now.Load() }), core.WithTokenTTL(time.Hour)})
	// expired is issued at t0 and outlived; valid is issued two hours on.
	expired := f.login(t, alice, alicePW)
	later := t0.Add(2 * time.Hour)
	now.Store(&later)
	valid := f.login(t, alice, alicePW)

	calls := map[string]call{
		"GetTransaction":   getTx(core.TransactionID(core.Payload100B, 0)),
		"ListTransactions": listTx(&transactionv1.ListTransactionsRequest{AccountId: core.AccountID(0), Limit: 2}),
		"Upload":           upload(&filev1.UploadRequest{Filename: "a.bin", Data: []byte("abc")}),
		"Chat":             chat(&chatv1.ChatMessage{Room: "r", Seq: 1, Text: "hi"}),
	}
	tests := []struct {
		name  string
		authz string
		want  codes.Code
		msg   string // the core's message, the same over REST
	}{
		{name: "valid token", authz: "Bearer " + valid, want: codes.OK},
		{name: "scheme is case-insensitive", authz: "bearer " + valid, want: codes.OK},
		{name: "missing token", authz: "", want: codes.Unauthenticated, msg: "missing bearer token"},
		{name: "empty bearer", authz: "Bearer ", want: codes.Unauthenticated, msg: "missing bearer token"},
		{name: "not a bearer token", authz: "Basic " + valid, want: codes.Unauthenticated, msg: "missing bearer token"},
		{name: "tampered token", authz: "Bearer " + valid[:len(valid)-2] + "xx", want: codes.Unauthenticated, msg: "token is invalid"},
		{name: "garbage", authz: "Bearer not-a-token", want: codes.Unauthenticated, msg: "token is invalid"},
		{name: "expired token", authz: "Bearer " + expired, want: codes.Unauthenticated, msg: "token has expired"},
		{name: "over-long token", authz: "Bearer " + strings.Repeat("a", core.MaxTokenLen+1), want: codes.Unauthenticated, msg: "token is invalid"},
	}
	for _, tt := range tests {
		for name, c := range calls {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				err := checkCode(t, withToken(ctxTimeout(t), tt.authz), f.conn, c, tt.want)
				if msg := status.Convert(err).Message(); msg != tt.msg {
					t.Errorf("message %q, want %q", msg, tt.msg)
				}
			})
		}
	}

	t.Run("public services need no token", func(t *testing.T) {
		t.Parallel()
		checkCode(t, ctxTimeout(t), f.conn, validateUser(alice, "wrong"), codes.OK)
	})
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	f := start(t, []core.Option{core.WithMaxUpload(1 << 20)}, grpcsvc.WithMaxSendMsgSize(64<<10))
	token := "Bearer " + f.login(t, alice, alicePW)
	big := bytes.Repeat([]byte("x"), grpcsvc.DefaultMaxRecvMsgSize+1)
	tests := []struct {
		name string
		call call
		want codes.Code
	}{
		{name: "unknown transaction", call: getTx("tx-100B-999999"), want: codes.NotFound},
		{name: "malformed transaction id", call: getTx("nope"), want: codes.NotFound},
		{name: "empty transaction id", call: getTx(""), want: codes.InvalidArgument},
		{name: "over-long transaction id", call: getTx(strings.Repeat("9", 100)), want: codes.InvalidArgument},
		{name: "unknown account", call: listTx(&transactionv1.ListTransactionsRequest{AccountId: "acct-9999"}), want: codes.NotFound},
		{name: "unknown payload class", call: listTx(&transactionv1.ListTransactionsRequest{AccountId: core.AccountID(1), Payload: "2KiB"}), want: codes.InvalidArgument},
		{name: "negative limit", call: listTx(&transactionv1.ListTransactionsRequest{AccountId: core.AccountID(1), Limit: -1}), want: codes.InvalidArgument},
		{name: "empty username", call: validateUser("", "pw"), want: codes.InvalidArgument},
		{name: "over-long password", call: validateUser(alice, strings.Repeat("p", core.MaxPasswordLen+1)), want: codes.InvalidArgument},
		{name: "empty upload stream", call: upload(), want: codes.InvalidArgument},
		{name: "upload without filename", call: upload(&filev1.UploadRequest{Data: []byte("abc")}), want: codes.InvalidArgument},
		{name: "upload with a path", call: upload(&filev1.UploadRequest{Filename: "../etc/passwd"}), want: codes.InvalidArgument},
		{name: "chat without room", call: chat(&chatv1.ChatMessage{Seq: 1, Text: "hi"}), want: codes.InvalidArgument},
		{name: "chat text too long", call: chat(&chatv1.ChatMessage{Room: "r", Text: strings.Repeat("t", core.MaxChatText+1)}), want: codes.ResourceExhausted},
		// Over the limits: the transport's own receive limit, the core's
		// upload limit, and the send limit (lowered to 64 KiB here).
		{name: "request over the receive limit", call: getTx(string(big)), want: codes.ResourceExhausted},
		{name: "upload chunk over the receive limit", call: upload(&filev1.UploadRequest{Filename: "a.bin", Data: big}), want: codes.ResourceExhausted},
		{name: "upload over the core's limit", call: upload(&filev1.UploadRequest{Filename: "a.bin", Data: big[:1<<20]}, &filev1.UploadRequest{Data: []byte("1")}), want: codes.ResourceExhausted},
		{name: "response over the send limit", call: getTx(core.TransactionID(core.Payload64KiB, 0)), want: codes.ResourceExhausted},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				checkCode(t, withToken(ctxTimeout(t), token), f.conn, tt.call, tt.want)
			})
		}
	})
	// The group above has finished when this runs.
	t.Run("server still serves", func(t *testing.T) {
		checkCode(t, withToken(ctxTimeout(t), token), f.conn, getTx(core.TransactionID(core.Payload1KiB, 0)), codes.OK)
	})
}

// rawCodec sends bytes as they are, to put invalid protobuf on the wire.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return v.([]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// TestInvalidProtobuf pins what grpc-go does with request bytes that are not
// protobuf: it rejects them before any handler or interceptor runs, with
// codes.Internal ("grpc: failed to unmarshal the received message"), not
// InvalidArgument. The code is grpc-go's, outside this package's error
// mapping; the report's strong-typing table records it as it is.
func TestInvalidProtobuf(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	// The login (a bcrypt compare, slow under -race) comes before the
	// calls' deadline starts.
	tok := f.login(t, alice, alicePW)
	// Each call's deadline starts when it runs: parallel subtests wait for
	// a slot, behind other parallel tests, first.
	ctx := func(t *testing.T) context.Context { return withToken(ctxTimeout(t), "Bearer "+tok) }
	tests := []struct {
		name   string
		method string
		body   []byte
	}{
		{name: "wire type 7", method: transactionv1.TransactionService_GetTransaction_FullMethodName, body: []byte{0x0f}},
		{name: "truncated length", method: transactionv1.TransactionService_GetTransaction_FullMethodName, body: []byte{0x0a, 0x10, 'a'}},
		{name: "invalid UTF-8 in a string", method: authv1.AuthService_ValidateUser_FullMethodName, body: []byte{0x0a, 0x02, 0xff, 0xfe}},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				var out []byte
				err := f.conn.Invoke(ctx(t), tt.method, tt.body, &out, grpc.ForceCodec(rawCodec{}))
				if code := status.Code(err); code != codes.Internal || !strings.Contains(err.Error(), "unmarshal") {
					t.Errorf("Invoke(%x) = %v, want Internal from grpc-go's unmarshalling", tt.body, err)
				}
			})
		}
	})
	t.Run("server still serves", func(t *testing.T) {
		checkCode(t, ctx(t), f.conn, getTx(core.TransactionID(core.Payload100B, 1)), codes.OK)
	})
}
