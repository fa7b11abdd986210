package restsvc

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
	"restvsgrpc/restsvc/restwire"

	"github.com/gin-gonic/gin"
	"google.golang.org/protobuf/proto"
)

// uploadBufSize is the most one body read delivers to the core: one
// "chunk" of a REST upload.
const uploadBufSize = 32 << 10

var uploadBufs = sync.Pool{New: func() any { return new([uploadBufSize]byte) }}

// upload feeds a streamed body of any content type to a core upload. Only
// a body that ended cleanly is finished; a cut one is aborted and never
// reported complete.
func (h *handler) upload(c *gin.Context) {
	up, err := h.svc.NewUpload(c.Query(restwire.QueryFilename))
	if err != nil {
		fail(c, err)
		return
	}
	// A declared length over the limit is refused before the body is
	// read, so that net/http never answers "100 Continue" to it.
	if err := up.Declare(c.Request.ContentLength); err != nil {
		fail(c, err)
		return
	}
	buf := uploadBufs.Get().(*[uploadBufSize]byte)
	defer uploadBufs.Put(buf)
	body := c.Request.Body
	// The server's unary timeout does not bound an upload; a stall does.
	deadline := readProgress(c, h.stall)
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
	for {
		deadline.touch()
		n, rerr := body.Read(buf[:])
		if n > 0 {
			if _, err := up.Write(buf[:n]); err != nil {
				up.Abort()
				fail(c, err)
				return
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			up.Abort()
			fail(c, core.Errorf(core.CodeCanceled, "upload body ended early: %v", rerr))
			return
		}
	}
	sum, err := up.Finish()
	if err != nil {
		fail(c, err)
		return
	}
	h.reply(c, sum, func() proto.Message { return protoconv.UploadSummary(sum) })
}
