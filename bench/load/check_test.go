package load

import "testing"

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
