package grpcsvc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
)

func TestStatus(t *testing.T) {
	t.Parallel()
	transport := status.Error(codes.ResourceExhausted, "grpc: received message larger than max")
	tests := []struct {
		name     string
		err      error
		wantCode codes.Code
		wantMsg  string
	}{
		{name: "core error", err: core.Errorf(core.CodeNotFound, "transaction %q not found", "x"), wantCode: codes.NotFound, wantMsg: `transaction "x" not found`},
		{name: "wrapped core error", err: fmt.Errorf("get: %w", core.Errorf(core.CodeTooLarge, "too big")), wantCode: codes.ResourceExhausted, wantMsg: "too big"},
		{name: "context canceled", err: context.Canceled, wantCode: codes.Canceled, wantMsg: "call canceled"},
		{name: "deadline", err: fmt.Errorf("x: %w", context.DeadlineExceeded), wantCode: codes.DeadlineExceeded, wantMsg: "deadline exceeded"},
		{name: "internal detail is hidden", err: errors.New("open /var/secret: permission denied"), wantCode: codes.Internal, wantMsg: "internal error"},
		{name: "transport status passes through", err: transport, wantCode: codes.ResourceExhausted, wantMsg: "grpc: received message larger than max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, ok := status.FromError(grpcsvc.Status(tt.err))
			if !ok || st.Code() != tt.wantCode || st.Message() != tt.wantMsg {
				t.Errorf("Status(%v) = %v %q, want %v %q", tt.err, st.Code(), st.Message(), tt.wantCode, tt.wantMsg)
			}
		})
	}
	if err := grpcsvc.Status(nil); err != nil {
		t.Errorf("Status(nil) = %v, want nil", err)
	}
}

// TestClientErrors checks that the grpc client hands back core errors with
// the server's code and message, for every call kind.
func TestClientErrors(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	c := f.authed(t)
	anon := client.NewGRPC(f.conn)
	big := bytes.Repeat([]byte("z"), grpcsvc.DefaultMaxRecvMsgSize+1)
	tests := []struct {
		name string
		call func(ctx context.Context) error
		want core.Code
		msg  string // "" to skip
	}{
		{name: "unary not found", want: core.CodeNotFound, msg: `transaction "tx-1KiB-999999" not found`, call: func(ctx context.Context) error {
			_, err := c.GetTransaction(ctx, "tx-1KiB-999999")
			return err
		}},
		{name: "unary without token", want: core.CodeUnauthenticated, msg: "missing bearer token", call: func(ctx context.Context) error {
			_, err := anon.GetTransaction(ctx, core.TransactionID(core.Payload100B, 0))
			return err
		}},
		{name: "unary invalid argument", want: core.CodeInvalidArgument, msg: "token is required", call: func(ctx context.Context) error {
			_, err := c.ValidateToken(ctx, "")
			return err
		}},
		{name: "server stream", want: core.CodeNotFound, msg: `account "acct-4242" not found`, call: func(ctx context.Context) error {
			return c.ListTransactions(ctx, core.ListRequest{AccountID: "acct-4242"}, func(*core.Transaction) error { return nil })
		}},
		{name: "client stream, bad filename", want: core.CodeInvalidArgument, call: func(ctx context.Context) error {
			_, err := c.Upload(ctx, "a/b", bytes.NewReader(make([]byte, 1<<20)), 1024)
			return err
		}},
		{name: "client stream, chunk over the limit", want: core.CodeTooLarge, call: func(ctx context.Context) error {
			_, err := c.Upload(ctx, "big.bin", bytes.NewReader(big), len(big))
			return err
		}},
		{name: "bidi stream without token", want: core.CodeUnauthenticated, msg: "missing bearer token", call: func(ctx context.Context) error {
			s, err := anon.Chat(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			_, err = s.Recv()
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call(ctxTimeout(t))
			var ce *core.Error
			if !errors.As(err, &ce) || ce.Code != tt.want || (tt.msg != "" && ce.Message != tt.msg) {
				t.Errorf("got %#v, want *core.Error %v %q", err, tt.want, tt.msg)
			}
		})
	}
}

// TestClientContextErrors checks that a call the caller gave up on returns
// the context's error, as the REST client does.
func TestClientContextErrors(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	c := f.authed(t)
	tests := []struct {
		name string
		call func(ctx context.Context, cancel context.CancelFunc) error
	}{
		{name: "server stream cancelled mid-way", call: func(ctx context.Context, cancel context.CancelFunc) error {
			return c.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(4), Limit: 100, Interval: core.MaxListInterval}, func(*core.Transaction) error {
				cancel() // the next record is a minute away
				return nil
			})
		}},
		{name: "bidi stream closed", call: func(ctx context.Context, _ context.CancelFunc) error {
			s, err := c.Chat(ctx)
			if err != nil {
				return err
			}
			if err := s.Send(core.ChatMessage{Room: "ctx", Seq: 1}); err != nil {
				return err
			}
			if _, err := s.Recv(); err != nil {
				return err
			}
			s.Close()
			_, err = s.Recv()
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(ctxTimeout(t))
			defer cancel()
			if err := tt.call(ctx, cancel); !errors.Is(err, context.Canceled) || core.CodeOf(err) != core.CodeCanceled {
				t.Errorf("got %v, want context.Canceled", err)
			}
		})
	}
}
