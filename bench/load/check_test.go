package load

import (
	"testing"

	"restvsgrpc/internal/core"
)

// A JSON answer lacking is_valid fails the check even after a valid one:
// the decoded struct must not keep the previous answer's fields.
func TestUnaryCheckForgetsThePreviousAnswer(t *testing.T) {
	for _, rpc := range []RPC{ValidateToken, ValidateUser} {
		rt := &restTarget{cfg: TargetConfig{RPC: rpc}}
		s, err := rt.unarySpec(0)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.check([]byte(`{"is_valid":true}`), 0); err != nil {
			t.Fatalf("%s: valid answer: %v", rpc, err)
		}
		if err := s.check([]byte(`{}`), 0); err == nil {
			t.Fatalf("%s: an answer without is_valid passed the check", rpc)
		}
	}
}

// An error answer without a {"code"} body is classified by its status the
// way the REST service maps codes to statuses.
func TestHTTPErrorWithoutCode(t *testing.T) {
	for _, tt := range []struct {
		status int
		want   core.Code
	}{
		{401, core.CodeUnauthenticated},
		{403, core.CodePermissionDenied},
		{404, core.CodeNotFound},
		{429, core.CodeUnavailable},
		{503, core.CodeUnavailable},
		{500, core.CodeInternal},
	} {
		if got := core.CodeOf(httpError(tt.status, []byte("<html>proxy</html>"))); got != tt.want {
			t.Errorf("HTTP %d: code %v, want %v", tt.status, got, tt.want)
		}
	}
	if got := core.CodeOf(httpError(500, []byte(`{"code":"not_found","message":"x"}`))); got != core.CodeNotFound {
		t.Errorf("coded body: %v, want not_found", got)
	}
}
