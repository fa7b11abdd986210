package restsvc

import (
	"encoding/json"
	"errors"
	"net/http"

	"restvsgrpc/internal/core"

	"github.com/gin-gonic/gin"
)

// StatusCanceled is the status of a call the client canceled. HTTP has none;
// 499 is the one nginx made common.
const StatusCanceled = 499

// StatusOf is the one mapping from a core code to an HTTP status.
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
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON body of every error answer.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func bodyOf(err error) errorBody {
	return errorBody{Code: core.CodeOf(err).String(), Message: core.MessageOf(err)}
}

// fail answers err with its status and a {"code","message"} body and stops
// the handler chain.
func fail(c *gin.Context, err error) {
	failStatus(c, StatusOf(core.CodeOf(err)), err)
}

// failStatus is fail with a status that is not the code's own, for the
// transport's own errors (415, 405).
func failStatus(c *gin.Context, status int, err error) {
	c.AbortWithStatusJSON(status, bodyOf(err))
}

// bodyError classifies an error met while reading a request body: over the
// limit is CodeTooLarge, anything else the client's fault.
func bodyError(err error, what string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return core.Errorf(core.CodeTooLarge, "request body is larger than %d bytes", tooBig.Limit)
	}
	return core.Errorf(core.CodeInvalidArgument, "malformed %s body: %v", what, err)
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
// invalid_argument (503-like 429 and 502 to unavailable), 5xx to internal.
func CodeOfStatus(status int) core.Code {
	if c, ok := codeOfStatus[status]; ok {
		return c
	}
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusBadGateway:
		return core.CodeUnavailable
	case status >= 400 && status < 500:
		return core.CodeInvalidArgument
	case status >= 500:
		return core.CodeInternal
	}
	return core.CodeUnknown
}

// ErrorOf is the client's side of an error answer: the *core.Error its
// {"code","message"} body names, or, for a body that names none, one with
// the code of CodeOfStatus.
func ErrorOf(status int, body []byte) *core.Error {
	var b errorBody
	if json.Unmarshal(body, &b) == nil && b.Code != "" {
		return &core.Error{Code: core.ParseCode(b.Code), Message: b.Message}
	}
	return core.Errorf(CodeOfStatus(status), "http status %d", status)
}
