package core_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"restvsgrpc/internal/core"
)

// TestTokenOfRemovedUser checks that a token signed with the right key is
// refused once its subject is no longer a user: a server restarted with the
// same key but without that user must not let the user's tokens in.
func TestTokenOfRemovedUser(t *testing.T) {
	t.Parallel()
	key := []byte("a key of at least sixteen bytes")
	before := newService(t, core.WithTokenKey(key), core.WithUser("bob", "bobs-password"))
	after := newService(t, core.WithTokenKey(key)) // alice only
	ctx := context.Background()
	login, err := before.ValidateUser(ctx, "", "bob", "bobs-password")
	if err != nil || !login.IsValid {
		t.Fatalf("login: %+v, %v", login, err)
	}
	if sub, err := before.Authenticate(login.Token); err != nil || sub != "bob" {
		t.Fatalf("Authenticate on the issuing server = %q, %v; want bob", sub, err)
	}
	if sub, err := after.Authenticate(login.Token); core.CodeOf(err) != core.CodeUnauthenticated {
		t.Errorf("Authenticate after bob was removed = %q, %v; want unauthenticated", sub, err)
	}
	if r, err := after.ValidateToken(ctx, login.Token); err != nil || r.IsValid {
		t.Errorf("ValidateToken after bob was removed = %+v, %v; want an invalid answer", r, err)
	}
}

// TestTokenHasOneSpelling checks that only the issued spelling of a token
// is accepted: the last base64 character of the signature carries two
// unused bits, and a lenient decoder would accept all four values of them,
// so that a denylist keyed on the token string could be bypassed.
func TestTokenHasOneSpelling(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	login, err := s.ValidateUser(ctx, "", "alice", "s3cret-pass")
	if err != nil || !login.IsValid {
		t.Fatalf("login: %+v, %v", login, err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	tok := login.Token
	last := strings.IndexByte(alphabet, tok[len(tok)-1])
	dot := strings.LastIndexByte(tok, '.')
	if last < 0 || last&3 != 0 || base64.RawURLEncoding.DecodedLen(len(tok)-dot-1) != 32 {
		t.Fatalf("token %q: want a 43-character signature whose last character has its low bits clear", tok)
	}
	variants := map[string]string{
		"newline in the signature":         tok[:dot+5] + "\n" + tok[dot+5:],
		"carriage return in the signature": tok[:dot+5] + "\r" + tok[dot+5:],
	}
	for bits := 1; bits <= 3; bits++ {
		variants["unused bits "+string(rune('0'+bits))] = tok[:len(tok)-1] + string(alphabet[last|bits])
	}
	for name, v := range variants {
		if sub, err := s.Authenticate(v); core.CodeOf(err) != core.CodeUnauthenticated {
			t.Errorf("%s: Authenticate(%q) = %q, %v; want unauthenticated", name, v, sub, err)
		}
		if r, err := s.ValidateToken(ctx, v); err != nil || r.IsValid {
			t.Errorf("%s: ValidateToken(%q) = %+v, %v; want an invalid answer", name, v, r, err)
		}
	}
}
