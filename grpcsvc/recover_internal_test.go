package grpcsvc

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestRecover checks that a handler's panic is answered Internal with a
// message that says nothing of its cause, and that other answers pass
// through untouched.
func TestRecover(t *testing.T) {
	t.Parallel()
	secret := "/src/secret/path.go:42 boom"
	tests := []struct {
		name  string
		fails func() error
		want  codes.Code
	}{
		{name: "panic with a value", fails: func() error { panic(secret) }, want: codes.Internal},
		{name: "panic with an error", fails: func() error { panic(status.Error(codes.NotFound, secret)) }, want: codes.Internal},
		{name: "no panic", fails: func() error { return status.Error(codes.NotFound, "nope") }, want: codes.NotFound},
		{name: "success", fails: func() error { return nil }, want: codes.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, uerr := recoverUnary(context.Background(), nil, &grpc.UnaryServerInfo{}, func(context.Context, any) (any, error) { return nil, tt.fails() })
			serr := recoverStream(nil, nil, &grpc.StreamServerInfo{}, func(any, grpc.ServerStream) error { return tt.fails() })
			for kind, err := range map[string]error{"unary": uerr, "stream": serr} {
				st := status.Convert(err)
				if st.Code() != tt.want {
					t.Errorf("%s: code %v (%v), want %v", kind, st.Code(), err, tt.want)
				}
				if strings.Contains(st.Message(), "secret") {
					t.Errorf("%s: message %q leaks the panic", kind, st.Message())
				}
			}
		})
	}
}
