package grpcsvc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"restvsgrpc/grpcsvc"
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

func TestCodeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range core.Codes {
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			want := c
			if c == core.CodeUnknown {
				want = core.CodeInternal // unknown is sent as Internal
			}
			if got := grpcsvc.CoreCode(grpcsvc.CodeOf(c)); got != want {
				t.Errorf("CoreCode(CodeOf(%v)) = %v, want %v", c, got, want)
			}
		})
	}
	for _, g := range []codes.Code{codes.Unimplemented, codes.FailedPrecondition, codes.Aborted, codes.Unknown} {
		if got := grpcsvc.CoreCode(g); got != core.CodeUnknown {
			t.Errorf("CoreCode(%v) = %v, want unknown", g, got)
		}
	}
}

// TestClientErrors checks that the grpc client hands back core errors with
// the server's code and message.
func TestClientErrors(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	c := f.authed(t)
	_, err := c.GetTransaction(ctxTimeout(t), "tx-1KiB-999999")
	var ce *core.Error
	if !errors.As(err, &ce) || core.CodeOf(err) != core.CodeNotFound || ce.Message != `transaction "tx-1KiB-999999" not found` {
		t.Errorf("GetTransaction(unknown) = %#v, want *core.Error not_found", err)
	}
	c.SetToken("")
	_, err = c.GetTransaction(ctxTimeout(t), core.TransactionID(core.Payload100B, 0))
	if core.CodeOf(err) != core.CodeUnauthenticated {
		t.Errorf("GetTransaction without token = %v, want unauthenticated", err)
	}
}
