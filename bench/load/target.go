package load

import (
	"context"
	"fmt"
	"time"

	"restvsgrpc/bench/result"
)

// RPC names a call of the services; each has a REST twin.
type RPC string

// The calls a Target can make.
const (
	ValidateToken    RPC = "ValidateToken"    // unary, the cheap hot path
	GetTransaction   RPC = "GetTransaction"   // unary, payload-sized answer
	ValidateUser     RPC = "ValidateUser"     // unary, a bcrypt login
	ListTransactions RPC = "ListTransactions" // server stream
	Upload           RPC = "Upload"           // client stream
	Chat             RPC = "Chat"             // bidi stream, one echoed message per call
)

// RPCs lists every call, unary ones first.
var RPCs = []RPC{ValidateToken, GetTransaction, ValidateUser, ListTransactions, Upload, Chat}

// ParseRPC parses a call name.
func ParseRPC(s string) (RPC, error) {
	for _, r := range RPCs {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("rpc %q: want one of ValidateToken, GetTransaction, ValidateUser, ListTransactions, Upload, Chat", s)
}

// Kind returns the call kind: "unary", "server-stream", "client-stream" or
// "bidi".
func (r RPC) Kind() string {
	switch r {
	case ListTransactions:
		return "server-stream"
	case Upload:
		return "client-stream"
	case Chat:
		return "bidi"
	}
	return "unary"
}

// Outcome is what one call did besides taking time.
type Outcome struct {
	// MsgsIn and MsgsOut count stream messages received and sent; zero for
	// unary calls.
	MsgsIn, MsgsOut int64
	// FirstMsg is the time from the send to the first streamed message
	// received, for server streams; zero when not measured.
	FirstMsg time.Duration
	// BodyIn and BodyOut are the encoded bytes received and sent: JSON or
	// protobuf bodies, gRPC payloads, without framing.
	BodyIn, BodyOut int64
	// GRPCWireIn and GRPCWireOut are grpc-go's stats.Handler wire lengths
	// of the call's payloads, headers and trailers (grpc only).
	GRPCWireIn, GRPCWireOut int64
}

// Caller makes calls of one kind, one at a time: each worker has its own.
type Caller interface {
	// Call makes one call and checks its answer. A failed call returns an
	// error that core.CodeOf classifies.
	Call(ctx context.Context) (Outcome, error)
	Close() error
}

// Counters are a target's running totals, in the result schema.
type Counters = result.Counters

// Target makes calls of one kind over one variant.
type Target interface {
	// NewCaller returns the caller of worker i.
	NewCaller(ctx context.Context, i int) (Caller, error)
	// Counters returns the running wire byte and connection totals; the
	// body and gRPC counts come from each call's Outcome instead.
	Counters() Counters
	// Protocol returns the protocol negotiated on the wire, e.g. "HTTP/1.1",
	// "HTTP/2.0" or "h2 (TLS)", as seen on the connections so far.
	Protocol() string
	Close() error
}
