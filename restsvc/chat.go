package restsvc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"

	chatv1 "restvsgrpc/gen/chat/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"

	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"
	"google.golang.org/protobuf/proto"
)

// The chat WebSocket subprotocols.
const (
	SubprotocolJSON  = "json"
	SubprotocolProto = "proto"
)

// chatReadLimit bounds one frame from a member: the longest message text
// plus room for the room name, the seq and the encoding.
const chatReadLimit = core.MaxChatText + core.MaxRoomLen + 1024

var chatAccept = &websocket.AcceptOptions{Subprotocols: []string{SubprotocolJSON, SubprotocolProto}}

// errUnsupportedFrame marks a frame of the wrong type for the session's
// subprotocol.
var errUnsupportedFrame = core.Errorf(core.CodeInvalidArgument, "frame type does not match the subprotocol")

// chat upgrades to a WebSocket and runs one member's session. An empty
// frame from the member means it has no more messages; the server then
// sends what is still due and closes with 1000. A failed session closes
// with a status from closeStatusOf and the reason "<code>: <message>".
func (h *handler) chat(c *gin.Context) {
	conn, err := websocket.Accept(c.Writer, c.Request, chatAccept)
	if err != nil {
		// Accept has answered the client already.
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(chatReadLimit)

	isProto := conn.Subprotocol() == SubprotocolProto
	want := websocket.MessageText
	if isProto {
		want = websocket.MessageBinary
	}
	ctx := c.Request.Context()

	recv := func(ctx context.Context) (core.ChatMessage, error) {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				return core.ChatMessage{}, io.EOF
			}
			return core.ChatMessage{}, err
		}
		if typ != want {
			return core.ChatMessage{}, errUnsupportedFrame
		}
		if len(data) == 0 {
			return core.ChatMessage{}, io.EOF
		}
		if isProto {
			var m chatv1.ChatMessage
			if err := proto.Unmarshal(data, &m); err != nil {
				return core.ChatMessage{}, core.Errorf(core.CodeInvalidArgument, "malformed protobuf chat message")
			}
			return protoconv.ChatMessage(&m), nil
		}
		var m core.ChatMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return core.ChatMessage{}, core.Errorf(core.CodeInvalidArgument, "malformed JSON chat message")
		}
		return m, nil
	}
	send := func(ev core.ChatEvent) error {
		var (
			data []byte
			err  error
		)
		if isProto {
			data, err = proto.Marshal(protoconv.ChatEvent(ev))
		} else {
			data, err = json.Marshal(ev)
		}
		if err != nil {
			return err
		}
		return conn.Write(ctx, want, data)
	}

	err = h.svc.Chat(ctx, subject(c), recv, send)
	if err == nil {
		_ = conn.Close(websocket.StatusNormalClosure, "")
		return
	}
	if websocket.CloseStatus(err) != -1 || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return // the connection is gone already
	}
	status := closeStatusOf(err)
	_ = conn.Close(status, closeReason(err))
}

// closeStatusOf maps a chat error to a WebSocket close status.
func closeStatusOf(err error) websocket.StatusCode {
	if errors.Is(err, errUnsupportedFrame) {
		return websocket.StatusUnsupportedData
	}
	switch core.CodeOf(err) {
	case core.CodeInvalidArgument, core.CodeUnauthenticated, core.CodePermissionDenied, core.CodeNotFound:
		return websocket.StatusPolicyViolation
	case core.CodeTooLarge:
		return websocket.StatusMessageTooBig
	case core.CodeUnavailable:
		return websocket.StatusTryAgainLater
	case core.CodeCanceled, core.CodeDeadlineExceeded:
		return websocket.StatusGoingAway
	}
	return websocket.StatusInternalError
}

// ChatError is the client's side of a chat session closed by the server
// with a status other than 1000: the *core.Error its reason
// "<code>: <message>" names.
func ChatError(status websocket.StatusCode, reason string) *core.Error {
	if code, msg, ok := strings.Cut(reason, ": "); ok {
		if c := core.ParseCode(code); c != core.CodeUnknown || code == core.CodeUnknown.String() {
			return &core.Error{Code: c, Message: msg}
		}
	}
	code := core.CodeInternal
	switch status {
	case websocket.StatusPolicyViolation, websocket.StatusUnsupportedData, websocket.StatusProtocolError:
		code = core.CodeInvalidArgument
	case websocket.StatusMessageTooBig:
		code = core.CodeTooLarge
	case websocket.StatusGoingAway, websocket.StatusTryAgainLater:
		code = core.CodeUnavailable
	}
	return core.Errorf(code, "chat closed with status %d: %s", int(status), reason)
}

// closeReason is "<code>: <message>", cut to the 123 bytes a close frame
// may carry.
func closeReason(err error) string {
	r := core.CodeOf(err).String() + ": " + core.MessageOf(err)
	if len(r) > 123 {
		r = strings.ToValidUTF8(r[:123], "")
	}
	return r
}
