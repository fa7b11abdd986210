package core

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"io"
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
func (s *Service) ValidateUser(ctx context.Context, username, password string) (UserResult, error) {
	if err := checkUsername(username); err != nil {
		return UserResult{}, err
	}
	if err := checkPassword(password); err != nil {
		return UserResult{}, err
	}
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

// Token format: "v1." + base64url(expiry unix seconds, 8 bytes big endian +
// subject) + "." + base64url(HMAC-SHA256 of everything before the last dot).
const tokenPrefix = "v1."

var b64 = base64.RawURLEncoding

func (s *Service) issue(subject string) (string, time.Time) {
	exp := s.cfg.now().Add(s.cfg.tokenTTL).Truncate(time.Second).UTC()
	payload := make([]byte, 8, 8+len(subject))
	binary.BigEndian.PutUint64(payload, uint64(exp.Unix()))
	payload = append(payload, subject...)
	signed := tokenPrefix + b64.EncodeToString(payload)
	return signed + "." + b64.EncodeToString(s.mac(signed)), exp
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
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(signed)) {
		return "", time.Time{}, invalid
	}
	payload, err := b64.DecodeString(signed[len(tokenPrefix):])
	if err != nil || len(payload) <= 8 {
		return "", time.Time{}, invalid
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload)), 0).UTC()
	if !s.cfg.now().Before(exp) {
		return "", time.Time{}, errExpiredToken
	}
	return string(payload[8:]), exp, nil
}

// mac signs msg. HMAC states are pooled: building one per call costs
// more than the hashing of a short token.
func (s *Service) mac(msg string) []byte {
	m, _ := s.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, s.cfg.tokenKey)
	}
	m.Reset()
	io.WriteString(m, msg)
	sum := m.Sum(nil)
	s.macs.Put(m)
	return sum
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
