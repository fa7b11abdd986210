package core

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Limits on credentials; bcrypt itself reads at most 72 bytes of a password.
const (
	MaxUsernameLen = 64
	MaxPasswordLen = 72
	MaxTokenLen    = 512
)

// UserResult answers ValidateUser.
type UserResult struct {
	IsValid   bool      `json:"is_valid"`
	Message   string    `json:"message"`
	Token     string    `json:"token,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// TokenResult answers ValidateToken.
type TokenResult struct {
	IsValid   bool      `json:"is_valid"`
	Subject   string    `json:"subject,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Message   string    `json:"message"`
}

// Messages of ValidateUser and ValidateToken.
const (
	msgValidUser    = "credentials accepted"
	msgInvalidUser  = "invalid username or password"
	msgValidToken   = "token accepted"
	msgInvalidToken = "token is invalid"
	msgExpiredToken = "token has expired"
)

// ValidateUser checks a username and password. Wrong credentials are a
// normal answer (IsValid false), not an error; malformed input is
// CodeInvalidArgument. The password is compared with its bcrypt hash, which
// costs far more CPU than any transport: benchmarks show it separately.
//
// from is the client's network address as the transport saw it
// ("host:port" or a host), or "" when there is none (an in-process call),
// which skips the per-address limit. A login over the LoginLimits is
// refused with CodeUnavailable and a RetryAfter, without a compare; so is
// one whose call ends while it waits for a compare slot.
func (s *Service) ValidateUser(ctx context.Context, from, username, password string) (UserResult, error) {
	if err := checkUsername(username); err != nil {
		return UserResult{}, err
	}
	if err := checkPassword(password); err != nil {
		return UserResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return UserResult{}, err
	}
	release, err := s.gate.admit(ctx, s.cfg.now(), from, username)
	if err != nil {
		return UserResult{}, err
	}
	defer release()
	// The call may have ended while it waited: then no compare is spent.
	if err := ctx.Err(); err != nil {
		return UserResult{}, err
	}
	s.work.do()
	hash, ok := s.users[username]
	if !ok {
		// Spend the same time as for a known user so that timing does not
		// tell which usernames exist.
		hash = s.dummy
	}
	s.gate.compared.Add(1)
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !ok {
		return UserResult{Message: msgInvalidUser}, nil
	}
	tok, exp := s.issue(username)
	return UserResult{IsValid: true, Message: msgValidUser, Token: tok, ExpiresAt: exp}, nil
}

// ValidateToken checks a token. A bad or expired token is a normal answer
// (IsValid false); an empty or over-long one is CodeInvalidArgument.
func (s *Service) ValidateToken(ctx context.Context, token string) (TokenResult, error) {
	if token == "" {
		return TokenResult{}, Errorf(CodeInvalidArgument, "token is required")
	}
	if len(token) > MaxTokenLen {
		return TokenResult{}, Errorf(CodeInvalidArgument, "token is longer than %d bytes", MaxTokenLen)
	}
	if err := ctx.Err(); err != nil {
		return TokenResult{}, err
	}
	s.work.do()
	sub, exp, err := s.verify(token)
	if err != nil {
		return TokenResult{Message: err.Message}, nil
	}
	return TokenResult{IsValid: true, Subject: sub, ExpiresAt: exp, Message: msgValidToken}, nil
}

// Authenticate checks a bearer token for the services that need one and
// returns its subject. Every failure is CodeUnauthenticated.
func (s *Service) Authenticate(token string) (string, error) {
	if token == "" {
		return "", Errorf(CodeUnauthenticated, "missing bearer token")
	}
	if len(token) > MaxTokenLen {
		return "", errInvalidToken
	}
	sub, _, err := s.verify(token)
	if err != nil {
		return "", err
	}
	return sub, nil
}

// BearerToken returns the token of an Authorization value "Bearer <token>",
// the scheme case-insensitive (RFC 9110), or "" when v is none: the one
// parser of the REST header and the gRPC metadata. Authenticate answers ""
// with "missing bearer token".
func BearerToken(v string) string {
	const scheme = "bearer "
	if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return ""
	}
	return strings.TrimSpace(v[len(scheme):])
}

// Token format: "v1." + base64url(expiry unix seconds, 8 bytes big endian +
// subject) + "." + base64url(HMAC-SHA256 of everything before the last dot).
const tokenPrefix = "v1."

// b64 is strict: a lenient decoder accepts any value of the unused low
// bits of the last character, so one token would have four spellings and a
// denylist keyed on the string could be bypassed. Decoding still skips CR
// and LF, so verify also checks that the decoded length gives back the
// input's.
var b64 = base64.RawURLEncoding.Strict()

func (s *Service) issue(subject string) (string, time.Time) {
	exp := s.cfg.now().Add(s.cfg.tokenTTL).Truncate(time.Second).UTC()
	payload := make([]byte, 8, 8+len(subject))
	binary.BigEndian.PutUint64(payload, uint64(exp.Unix()))
	payload = append(payload, subject...)
	signed := tokenPrefix + b64.EncodeToString(payload)
	var sum [sha256.Size]byte
	return signed + "." + b64.EncodeToString(s.mac(sum[:0], signed)), exp
}

// Token errors are values, not built per call: verify is the hot path.
var (
	errInvalidToken = &Error{Code: CodeUnauthenticated, Message: msgInvalidToken}
	errExpiredToken = &Error{Code: CodeUnauthenticated, Message: msgExpiredToken}
)

func (s *Service) verify(token string) (string, time.Time, *Error) {
	invalid := errInvalidToken
	dot := strings.LastIndexByte(token, '.')
	if !strings.HasPrefix(token, tokenPrefix) || dot <= len(tokenPrefix) {
		return "", time.Time{}, invalid
	}
	signed, sig := token[:dot], token[dot+1:]
	// Decode into stack buffers: this runs on every protected call. The
	// length checks keep Decode within them (a valid token's signature is
	// sha256.Size bytes; its payload is bounded by MaxTokenLen).
	var got, want [sha256.Size]byte
	if b64.DecodedLen(len(sig)) != sha256.Size {
		return "", time.Time{}, invalid
	}
	if n, err := b64.Decode(got[:], []byte(sig)); err != nil || n != sha256.Size || b64.EncodedLen(n) != len(sig) ||
		!hmac.Equal(got[:], s.mac(want[:0], signed)) {
		return "", time.Time{}, invalid
	}
	var buf [MaxTokenLen]byte
	enc := signed[len(tokenPrefix):]
	if b64.DecodedLen(len(enc)) > len(buf) {
		return "", time.Time{}, invalid
	}
	n, err := b64.Decode(buf[:], []byte(enc))
	if err != nil || n <= 8 || b64.EncodedLen(n) != len(enc) {
		return "", time.Time{}, invalid
	}
	payload := buf[:n]
	// A signed token of a user who no longer exists (a restart with the
	// same key and other users) is refused.
	if _, ok := s.users[string(payload[8:])]; !ok {
		return "", time.Time{}, invalid
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload)), 0).UTC()
	if !s.cfg.now().Before(exp) {
		return "", time.Time{}, errExpiredToken
	}
	return string(payload[8:]), exp, nil
}

// macState is a pooled HMAC state and the scratch buffer msg is copied
// into: building a state per call costs more than hashing a short token,
// and writing a string through hash.Hash would copy it to the heap.
type macState struct {
	h   hash.Hash
	buf []byte
}

// mac appends the signature of msg to dst.
func (s *Service) mac(dst []byte, msg string) []byte {
	m, _ := s.macs.Get().(*macState)
	if m == nil {
		m = &macState{h: hmac.New(sha256.New, s.cfg.tokenKey)}
	}
	m.h.Reset()
	m.buf = append(m.buf[:0], msg...)
	m.h.Write(m.buf)
	// Sum into the scratch buffer, not dst: through the interface, dst
	// would escape to the heap.
	m.buf = m.h.Sum(m.buf[:0])
	dst = append(dst, m.buf...)
	s.macs.Put(m)
	return dst
}

func checkUsername(name string) *Error {
	if name == "" {
		return Errorf(CodeInvalidArgument, "username is required")
	}
	if len(name) > MaxUsernameLen {
		return Errorf(CodeInvalidArgument, "username is longer than %d bytes", MaxUsernameLen)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return Errorf(CodeInvalidArgument, "username may hold only letters, digits and _ - .")
		}
	}
	return nil
}

func checkPassword(pw string) *Error {
	if pw == "" {
		return Errorf(CodeInvalidArgument, "password is required")
	}
	if len(pw) > MaxPasswordLen {
		return Errorf(CodeInvalidArgument, "password is longer than %d bytes", MaxPasswordLen)
	}
	return nil
}
