package grpcsvc_test

import (
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
// something without leaking Go internals.
func checkCode(t *testing.T, ctx context.Context, conn *grpc.ClientConn, c call, want codes.Code) {
	t.Helper()
	err := c(ctx, conn)
	if want == codes.OK {
		if err != nil {
			t.Fatalf("got %v, want success", err)
		}
		return
	}
	st, _ := status.FromError(err)
	if st.Code() != want {
		t.Fatalf("got %v (%v), want %v", st.Code(), err, want)
	}
	if msg := st.Message(); msg == "" || strings.Contains(msg, "goroutine") || strings.Contains(msg, ".go:") {
		t.Errorf("message %q: want a plain, client-safe message", msg)
	}
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
	}{
		{name: "valid token", authz: "Bearer " + valid, want: codes.OK},
		{name: "scheme is case-insensitive", authz: "bearer " + valid, want: codes.OK},
		{name: "missing token", authz: "", want: codes.Unauthenticated},
		{name: "empty bearer", authz: "Bearer ", want: codes.Unauthenticated},
		{name: "not a bearer token", authz: "Basic " + valid, want: codes.Unauthenticated},
		{name: "tampered token", authz: "Bearer " + valid[:len(valid)-2] + "xx", want: codes.Unauthenticated},
		{name: "garbage", authz: "Bearer not-a-token", want: codes.Unauthenticated},
		{name: "expired token", authz: "Bearer " + expired, want: codes.Unauthenticated},
		{name: "over-long token", authz: "Bearer " + strings.Repeat("a", core.MaxTokenLen+1), want: codes.Unauthenticated},
	}
	for _, tt := range tests {
		for name, c := range calls {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				checkCode(t, withToken(ctxTimeout(t), tt.authz), f.conn, c, tt.want)
			})
		}
	}

	t.Run("public services need no token", func(t *testing.T) {
		t.Parallel()
		checkCode(t, ctxTimeout(t), f.conn, validateUser(alice, "wrong"), codes.OK)
	})
}
