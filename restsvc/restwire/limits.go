package restwire

import "restvsgrpc/internal/core"

// Size limits of the contract, shared by the server and every client.
const (
	// DefaultMaxBodyBytes is the server's default limit on a unary
	// request body.
	DefaultMaxBodyBytes = 1 << 20
	// MaxAnswerBytes bounds what a client reads as one unary answer or
	// one feed record: a record of the 1MiB class is about 1.1 MB in
	// protobuf and 2.5 MB in JSON.
	MaxAnswerBytes = 16 << 20
	// MaxChatMessage bounds one frame from a chat member: the longest
	// message text plus room for the room name, the seq and the encoding.
	MaxChatMessage = core.MaxChatText + core.MaxRoomLen + 1024
	// MaxChatEvent bounds one frame to a member: an event carries a
	// message's text, which JSON may escape to six bytes a byte.
	MaxChatEvent = 64 << 10
)
