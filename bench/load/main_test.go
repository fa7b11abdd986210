package load

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them:
// workers and progress reporters.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
