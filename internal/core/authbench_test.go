package core_test

import (
	"context"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"restvsgrpc/internal/core"
)

// BenchmarkAuthenticate measures the bearer-token check every protected
// call pays on both transports.
func BenchmarkAuthenticate(b *testing.B) {
	s, err := core.New(core.WithBcryptCost(bcrypt.MinCost), core.WithUser("alice", "s3cret-pass"))
	if err != nil {
		b.Fatal(err)
	}
	login, err := s.ValidateUser(context.Background(), "", "alice", "s3cret-pass")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Authenticate(login.Token); err != nil {
			b.Fatal(err)
		}
	}
}
