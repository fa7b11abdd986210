package restsvc

import (
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
