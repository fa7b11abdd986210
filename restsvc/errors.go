package restsvc

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc/restwire"

	"github.com/gin-gonic/gin"
)

// fail answers err with its status and a {"code","message"} body and stops
// the handler chain; an error that says when to retry gets Retry-After, in
// whole seconds rounded up.
func fail(c *gin.Context, err error) {
	var e *core.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10))
	}
	failStatus(c, restwire.StatusOf(core.CodeOf(err)), err)
}

// failStatus is fail with a status that is not the code's own, for the
// transport's own errors (415, 405).
func failStatus(c *gin.Context, status int, err error) {
	c.AbortWithStatusJSON(status, restwire.BodyOf(err))
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
