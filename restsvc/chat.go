package restsvc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
	"unicode/utf8"

	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc/restwire"

	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"
)

var chatAccept = &websocket.AcceptOptions{Subprotocols: restwire.Subprotocols}

// chat upgrades to a WebSocket and runs one member's session. An empty
// frame from the member means it has no more messages; the server then
// sends what is still due and closes with 1000. A failed session closes
// with a status from restwire.CloseStatusOf and the reason "<code>: <message>".
func (h *handler) chat(c *gin.Context) {
	// A session may outlast the server's unary timeout, whose deadlines
	// the hijacked connection would keep.
	rc := http.NewResponseController(c.Writer)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(c.Writer, c.Request, chatAccept)
	if err != nil {
		// Accept has answered the client already.
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(restwire.MaxChatMessage)

	frames, _ := restwire.ChatFramesOf(conn.Subprotocol())
	want := frames.Type()
	ctx := c.Request.Context()

	// A message begun must arrive whole within the stall timeout: a frame
	// that announces more than it sends, or fragments that never end, would
	// otherwise hold the session (a member may stay silent, but not halfway
	// through a message). The library checks the read limit as bytes
	// arrive, not against the length a header announces.
	reading := time.AfterFunc(h.stall, func() { _ = conn.CloseNow() })
	reading.Stop()
	defer reading.Stop()
	recv := func(ctx context.Context) (core.ChatMessage, error) {
		typ, r, err := conn.Reader(ctx)
		var data []byte
		if err == nil {
			reading.Reset(h.stall)
			data, err = io.ReadAll(r)
			reading.Stop()
		}
		if err != nil {
			return core.ChatMessage{}, readError(ctx, err)
		}
		if typ != want {
			return core.ChatMessage{}, restwire.ErrUnsupportedFrame
		}
		if typ == websocket.MessageText && !utf8.Valid(data) {
			return core.ChatMessage{}, restwire.ErrInvalidUTF8
		}
		if len(data) == 0 {
			return core.ChatMessage{}, io.EOF
		}
		return frames.UnmarshalMessage(data)
	}
	// A write that makes no progress for the stall timeout (a client
	// that keeps its receive window closed) closes the connection. The
	// watchdog runs only while a write is under way, and costs a timer
	// reset per frame, not a context.
	watchdog := time.AfterFunc(h.stall, func() { _ = conn.CloseNow() })
	watchdog.Stop()
	defer watchdog.Stop()
	// The core's ctx ends when it drops the member: Write then closes the
	// connection rather than wait for a client that does not read.
	send := func(ctx context.Context, ev core.ChatEvent) error {
		data, err := frames.MarshalEvent(ev)
		if err != nil {
			return err
		}
		watchdog.Reset(h.stall)
		err = conn.Write(ctx, want, data)
		watchdog.Stop()
		return err
	}

	err = h.svc.Chat(ctx, subject(c), recv, send)
	if err == nil {
		_ = conn.Close(websocket.StatusNormalClosure, "")
		return
	}
	if websocket.CloseStatus(err) != -1 || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return // the connection is gone already
	}
	_ = conn.Close(restwire.CloseStatusOf(err), restwire.CloseReason(err))
}

// readError is what a failed read of a member's frame ends the session
// with: io.EOF for a normal close, the error itself when the session or
// the connection ended anyway, and restwire.ErrProtocol for frames the
// library refused without closing (it closes for most, with 1002 or
// 1009), so that the member gets a close status, not 1011.
func readError(ctx context.Context, err error) error {
	switch {
	case websocket.CloseStatus(err) == websocket.StatusNormalClosure:
		return io.EOF
	case websocket.CloseStatus(err) != -1, ctx.Err() != nil, errors.Is(err, net.ErrClosed), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, websocket.ErrMessageTooBig):
		return err
	}
	return fmt.Errorf("%w: %v", restwire.ErrProtocol, err)
}
