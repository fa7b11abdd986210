package restwire

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	chatv1 "restvsgrpc/gen/chat/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
)

// The chat WebSocket subprotocols.
const (
	SubprotocolJSON  = "json"
	SubprotocolProto = "proto"
)

// Subprotocols lists the subprotocols, the default first.
var Subprotocols = []string{SubprotocolJSON, SubprotocolProto}

// ChatFrames is the encoding of chat frames under one subprotocol: JSON
// text frames or protobuf binary frames.
type ChatFrames struct{ proto bool }

// ChatFramesOf returns the frames of a subprotocol; "" is the default,
// JSON.
func ChatFramesOf(subprotocol string) (ChatFrames, bool) {
	switch subprotocol {
	case SubprotocolJSON, "":
		return ChatFrames{}, true
	case SubprotocolProto:
		return ChatFrames{proto: true}, true
	}
	return ChatFrames{}, false
}

// Subprotocol names the frames' subprotocol.
func (f ChatFrames) Subprotocol() string {
	if f.proto {
		return SubprotocolProto
	}
	return SubprotocolJSON
}

// Type is the WebSocket message type of every frame.
func (f ChatFrames) Type() websocket.MessageType {
	if f.proto {
		return websocket.MessageBinary
	}
	return websocket.MessageText
}

// ErrUnsupportedFrame marks a frame of the wrong type for the session's
// subprotocol.
var ErrUnsupportedFrame = core.Errorf(core.CodeInvalidArgument, "frame type does not match the subprotocol")

// ErrInvalidUTF8 marks a text frame that is not UTF-8, which RFC 6455
// (§8.1) says fails the connection: close 1007.
var ErrInvalidUTF8 = core.Errorf(core.CodeInvalidArgument, "text frame is not valid UTF-8")

// ErrProtocol marks frames RFC 6455 forbids that the WebSocket library
// refused without closing (an unmasked frame from a client, say): close
// 1002.
var ErrProtocol = core.Errorf(core.CodeInvalidArgument, "WebSocket protocol error")

// MarshalMessage encodes a member's message.
func (f ChatFrames) MarshalMessage(m core.ChatMessage) ([]byte, error) {
	if f.proto {
		return proto.Marshal(protoconv.ToChatMessage(m))
	}
	return json.Marshal(m)
}

// UnmarshalMessage decodes a member's message; a malformed one is
// CodeInvalidArgument.
func (f ChatFrames) UnmarshalMessage(data []byte) (core.ChatMessage, error) {
	if f.proto {
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

// MarshalEvent encodes an event for a member.
func (f ChatFrames) MarshalEvent(ev core.ChatEvent) ([]byte, error) {
	if f.proto {
		return proto.Marshal(protoconv.ChatEvent(ev))
	}
	return json.Marshal(ev)
}

// UnmarshalEvent decodes an event.
func (f ChatFrames) UnmarshalEvent(data []byte) (core.ChatEvent, error) {
	if f.proto {
		var m chatv1.ChatEvent
		if err := proto.Unmarshal(data, &m); err != nil {
			return core.ChatEvent{}, core.Errorf(core.CodeInternal, "malformed protobuf chat event: %v", err)
		}
		return protoconv.FromChatEvent(&m), nil
	}
	var ev core.ChatEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return core.ChatEvent{}, core.Errorf(core.CodeInternal, "malformed JSON chat event: %v", err)
	}
	return ev, nil
}

// CloseStatusOf maps the error that ended a chat session to a WebSocket
// close status.
func CloseStatusOf(err error) websocket.StatusCode {
	switch {
	case errors.Is(err, ErrUnsupportedFrame):
		return websocket.StatusUnsupportedData
	case errors.Is(err, ErrInvalidUTF8):
		return websocket.StatusInvalidFramePayloadData
	case errors.Is(err, ErrProtocol):
		return websocket.StatusProtocolError
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

// CloseReason is "<code>: <message>", cut to the 123 bytes a close frame
// may carry.
func CloseReason(err error) string {
	r := core.CodeOf(err).String() + ": " + core.MessageOf(err)
	if len(r) > 123 {
		r = strings.ToValidUTF8(r[:123], "")
	}
	return r
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
	case websocket.StatusPolicyViolation, websocket.StatusUnsupportedData, websocket.StatusProtocolError, websocket.StatusInvalidFramePayloadData:
		code = core.CodeInvalidArgument
	case websocket.StatusMessageTooBig:
		code = core.CodeTooLarge
	case websocket.StatusGoingAway, websocket.StatusTryAgainLater:
		code = core.CodeUnavailable
	}
	return core.Errorf(code, "chat closed with status %d: %s", int(status), reason)
}
