package core

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Code classifies a core error. Each transport maps it to its own status
// (an HTTP status, a gRPC code) in exactly one function.
type Code int

// The codes a core method can return.
const (
	CodeUnknown Code = iota
	CodeInvalidArgument
	CodeUnauthenticated
	CodePermissionDenied
	CodeNotFound
	CodeTooLarge
	CodeCanceled
	CodeDeadlineExceeded
	CodeUnavailable
	CodeInternal
)

// Codes lists every code, for table tests that must cover them all.
var Codes = []Code{
	CodeUnknown, CodeInvalidArgument, CodeUnauthenticated, CodePermissionDenied, CodeNotFound,
	CodeTooLarge, CodeCanceled, CodeDeadlineExceeded, CodeUnavailable, CodeInternal,
}

var codeNames = [...]string{
	CodeUnknown:          "unknown",
	CodeInvalidArgument:  "invalid_argument",
	CodeUnauthenticated:  "unauthenticated",
	CodePermissionDenied: "permission_denied",
	CodeNotFound:         "not_found",
	CodeTooLarge:         "too_large",
	CodeCanceled:         "canceled",
	CodeDeadlineExceeded: "deadline_exceeded",
	CodeUnavailable:      "unavailable",
	CodeInternal:         "internal",
}

// String returns the snake_case name used in REST error bodies.
func (c Code) String() string {
	if c >= 0 && int(c) < len(codeNames) && codeNames[c] != "" {
		return codeNames[c]
	}
	return fmt.Sprintf("code(%d)", int(c))
}

// ParseCode is the inverse of Code.String; unknown names give CodeUnknown.
func ParseCode(s string) Code {
	for c, name := range codeNames {
		if name == s {
			return Code(c)
		}
	}
	return CodeUnknown
}

// Error is a core error: a code and a message safe to show to a client.
type Error struct {
	Code    Code
	Message string
	// RetryAfter, when positive, is how long the client should wait
	// before trying again (a login refused by the login limits).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Code.String() + ": " + e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of err: an *Error's own, the context errors'
// equivalents, and CodeInternal for anything else.
func CodeOf(err error) Code {
	var e *Error
	switch {
	case err == nil:
		return CodeUnknown
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, context.Canceled):
		return CodeCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return CodeDeadlineExceeded
	}
	return CodeInternal
}

// MessageOf returns a message for err that is safe to send to a client: an
// *Error's own message, and a generic one for anything else, so that no
// internal detail leaks.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	switch CodeOf(err) {
	case CodeCanceled:
		return "call canceled"
	case CodeDeadlineExceeded:
		return "deadline exceeded"
	}
	return "internal error"
}
