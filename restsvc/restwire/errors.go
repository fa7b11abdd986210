package restwire

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"restvsgrpc/internal/core"
)

// StatusCanceled is the status of a call the client canceled. HTTP has none;
// 499 is the one nginx made common.
const StatusCanceled = 499

// The trailers that end a protobuf feed that failed after it started.
const (
	TrailerErrorCode    = "X-Error-Code"
	TrailerErrorMessage = "X-Error-Message"
)

// StatusOf is the one mapping from a core code to an HTTP status.
// Unavailable, the core's "try again later" (a login refused by its
// limits, say), is 429 Too Many Requests, with Retry-After when the core
// says how long.
func StatusOf(code core.Code) int {
	switch code {
	case core.CodeInvalidArgument:
		return http.StatusBadRequest
	case core.CodeUnauthenticated:
		return http.StatusUnauthorized
	case core.CodePermissionDenied:
		return http.StatusForbidden
	case core.CodeNotFound:
		return http.StatusNotFound
	case core.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case core.CodeCanceled:
		return StatusCanceled
	case core.CodeDeadlineExceeded:
		return http.StatusGatewayTimeout
	case core.CodeUnavailable:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// codeOfStatus inverts StatusOf; of the codes sharing 500, internal wins.
var codeOfStatus = func() map[int]core.Code {
	m := make(map[int]core.Code, len(core.Codes))
	for _, c := range core.Codes {
		if _, dup := m[StatusOf(c)]; !dup || c == core.CodeInternal {
			m[StatusOf(c)] = c
		}
	}
	return m
}()

// CodeOfStatus is the inverse of StatusOf, for answers whose body names no
// code (a proxy's, say). Other statuses map by class: 4xx to
// invalid_argument (503 and 502, like 429, to unavailable), 5xx to
// internal.
func CodeOfStatus(status int) core.Code {
	if c, ok := codeOfStatus[status]; ok {
		return c
	}
	switch {
	case status == http.StatusServiceUnavailable || status == http.StatusBadGateway:
		return core.CodeUnavailable
	case status >= 400 && status < 500:
		return core.CodeInvalidArgument
	case status >= 500:
		return core.CodeInternal
	}
	return core.CodeUnknown
}

// ErrorBody is the JSON body of every error answer.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// BodyOf is the error body of err: its core code's name and client-safe
// message.
func BodyOf(err error) ErrorBody {
	return ErrorBody{Code: core.CodeOf(err).String(), Message: core.MessageOf(err)}
}

// ErrorOf is the client's side of an error answer: the *core.Error its
// {"code","message"} body names, or, for a body that names none, one with
// the code of CodeOfStatus and the start of the body.
func ErrorOf(status int, body []byte) *core.Error {
	var b ErrorBody
	if json.Unmarshal(body, &b) == nil && b.Code != "" {
		return &core.Error{Code: core.ParseCode(b.Code), Message: b.Message}
	}
	return core.Errorf(CodeOfStatus(status), "http status %d: %s", status, Excerpt(body))
}

// SetErrorTrailer names err in the trailers of a protobuf feed's response
// header h, which must not have been flushed with them yet.
func SetErrorTrailer(h http.Header, err error) {
	b := BodyOf(err)
	h.Set(http.TrailerPrefix+TrailerErrorCode, b.Code)
	h.Set(http.TrailerPrefix+TrailerErrorMessage, b.Message)
}

// TrailerError is the client's side of SetErrorTrailer: the error the
// trailers of a finished protobuf feed name, or nil.
func TrailerError(trailer http.Header) *core.Error {
	code := trailer.Get(TrailerErrorCode)
	if code == "" {
		return nil
	}
	return &core.Error{Code: core.ParseCode(code), Message: trailer.Get(TrailerErrorMessage)}
}

// Excerpt shortens a body for an error message: its first 120 bytes,
// trimmed, quoted when it is not printable text.
func Excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	cut := len(s) > 120
	if cut {
		s = strings.ToValidUTF8(s[:120], "")
	}
	if !isPrintable(s) {
		s = strconv.Quote(s)
	}
	if cut {
		s += "..."
	}
	return s
}

func isPrintable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
