package core_test

import (
	"context"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"restvsgrpc/internal/core"
)

// FuzzAuthenticate feeds untrusted bearer tokens to the verifier: none may
// panic, and none but the issued one may pass.
func FuzzAuthenticate(f *testing.F) {
	s, err := core.New(core.WithBcryptCost(bcrypt.MinCost), core.WithUser("alice", "s3cret-pass"))
	if err != nil {
		f.Fatal(err)
	}
	login, err := s.ValidateUser(context.Background(), "", "alice", "s3cret-pass")
	if err != nil || !login.IsValid {
		f.Fatalf("login: %+v, %v", login, err)
	}
	for _, seed := range []string{login.Token, "", "v1.", "v1..", "v1.AAAAAAAAAAA.", "v1.AAAAAAAAAAAhYWxpY2U.c2ln", login.Token + "=", "v2" + login.Token[2:]} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		sub, err := s.Authenticate(token)
		if token == login.Token {
			if err != nil || sub != "alice" {
				t.Fatalf("issued token refused: %q, %v", sub, err)
			}
			return
		}
		if err == nil {
			t.Fatalf("forged token %q accepted for %q", token, sub)
		}
		if core.CodeOf(err) != core.CodeUnauthenticated {
			t.Fatalf("code %v, want unauthenticated", core.CodeOf(err))
		}
	})
}

// FuzzGetTransactionID feeds untrusted ids (the REST path segment, the gRPC
// field) to the ledger: only well-formed ids of existing records resolve.
func FuzzGetTransactionID(f *testing.F) {
	s, err := core.New(core.WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{core.TransactionID(core.Payload100B, 0), "tx-1KiB-001023", "tx-1KiB-001024", "tx-100B--00001", "tx-100B-+00001", "../../x", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		tx, err := s.GetTransaction(context.Background(), id)
		if err != nil {
			if c := core.CodeOf(err); c != core.CodeNotFound && c != core.CodeInvalidArgument {
				t.Fatalf("code %v for %q", c, id)
			}
			return
		}
		if tx.ID != id {
			t.Fatalf("id %q resolved to record %q", id, tx.ID)
		}
	})
}
