package grpcwire_test

import (
	"errors"
	"io"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
)

func TestCodeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range core.Codes {
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			want := c
			if c == core.CodeUnknown {
				want = core.CodeInternal // unknown is sent as Internal
			}
			if got := grpcwire.CoreCode(grpcwire.CodeOf(c)); got != want {
				t.Errorf("CoreCode(CodeOf(%v)) = %v, want %v", c, got, want)
			}
		})
	}
	for _, g := range []codes.Code{codes.Unimplemented, codes.FailedPrecondition, codes.Aborted, codes.Unknown} {
		if got := grpcwire.CoreCode(g); got != core.CodeUnknown {
			t.Errorf("CoreCode(%v) = %v, want unknown", g, got)
		}
	}
}

func TestErrorOf(t *testing.T) {
	t.Parallel()
	err := grpcwire.ErrorOf(status.Error(codes.NotFound, "no such record"))
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Code != core.CodeNotFound || ce.Message != "no such record" {
		t.Errorf("ErrorOf(NotFound status) = %#v, want *core.Error not_found", err)
	}
	if err := grpcwire.ErrorOf(io.EOF); err != io.EOF {
		t.Errorf("ErrorOf(io.EOF) = %v, want io.EOF itself", err)
	}
	if err := grpcwire.ErrorOf(nil); err != nil {
		t.Errorf("ErrorOf(nil) = %v, want nil", err)
	}
}
