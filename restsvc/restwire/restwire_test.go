package restwire_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc/restwire"
)

func TestStatusOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		code   core.Code
		status int
	}{
		{name: "invalid_argument", code: core.CodeInvalidArgument, status: 400},
		{name: "unauthenticated", code: core.CodeUnauthenticated, status: 401},
		{name: "permission_denied", code: core.CodePermissionDenied, status: 403},
		{name: "not_found", code: core.CodeNotFound, status: 404},
		{name: "too_large", code: core.CodeTooLarge, status: 413},
		{name: "canceled", code: core.CodeCanceled, status: 499},
		{name: "deadline_exceeded", code: core.CodeDeadlineExceeded, status: 504},
		{name: "unavailable", code: core.CodeUnavailable, status: 429},
		{name: "internal", code: core.CodeInternal, status: 500},
		{name: "unknown", code: core.CodeUnknown, status: 500},
	}
	if len(tests) != len(core.Codes) {
		t.Fatalf("table has %d codes, core has %d", len(tests), len(core.Codes))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := restwire.StatusOf(tt.code); got != tt.status {
				t.Errorf("StatusOf(%v) = %d, want %d", tt.code, got, tt.status)
			}
			// The client's inverse: the body names the code...
			body, _ := json.Marshal(map[string]string{"code": tt.code.String(), "message": "m"})
			if diff := cmp.Diff(&core.Error{Code: tt.code, Message: "m"}, restwire.ErrorOf(tt.status, body)); diff != "" {
				t.Errorf("ErrorOf (-want +got):\n%s", diff)
			}
			// ...and without a body the status alone round-trips, except
			// that unknown is answered as internal.
			want := tt.code
			if want == core.CodeUnknown {
				want = core.CodeInternal
			}
			if got := restwire.CodeOfStatus(tt.status); got != want {
				t.Errorf("CodeOfStatus(%d) = %v, want %v", tt.status, got, want)
			}
		})
	}
}

func TestMediaType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "application/json", want: "application/json"},
		{name: "params", in: "application/json; charset=utf-8", want: "application/json"},
		{name: "case", in: "Application/X-Protobuf", want: "application/x-protobuf"},
		{name: "spaces", in: "  text/event-stream ;q=1", want: "text/event-stream"},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := restwire.MediaType(tt.in); got != tt.want {
				t.Errorf("restwire.MediaType(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if !restwire.Accepts("text/html, application/x-protobuf;q=0.9", restwire.ContentTypeProtobuf) || restwire.Accepts("application/json", restwire.ContentTypeProtobuf) {
		t.Errorf("Accepts does not read a list of media types")
	}
}
