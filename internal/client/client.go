// Package client is the one client stack of the suite: conformance, the
// benchmarks, the load driver, soak and the distributed workers call the
// services through it, so that what is measured is what conformance
// proves.
//
// A Client (NewREST, NewGRPC) calls the services the same way over every
// variant, decoding every answer into Go values. Errors returned by a
// Client carry the core code the server answered with (core.CodeOf works
// on them), decoded from the transport's own status: an HTTP status and
// {"code","message"} body, or a gRPC status.
//
// A Target (NewTarget) makes one call kind over one variant for the load
// engine, one Caller per worker, in one of two client modes:
//
//   - CheckBytes, the server's capacity: nothing is decoded. Requests and
//     upload chunks are encoded once; each answer, each record of a feed and
//     each chat event is compared byte for byte with the encoding that the
//     deterministic data set prescribes, made once by an oracle that runs a
//     core of its own with the server's seed. Unary REST calls go through
//     fasthttp's client (HTTP/1.1, as lean as wrk) or a minimal HTTP/2
//     client (rest-h2c, as lean as h2load), streams through net/http and
//     the feed reader of restwire. Unary gRPC calls send pre-framed
//     requests over the same minimal HTTP/2 client (as h2load sends
//     pre-encoded gRPC frames) and check grpc-status in the trailers;
//     gRPC streams go through grpc-go with a codec that passes raw message
//     bytes. A match allocates nothing.
//   - CheckDecode, what a Go caller pays: the callers are built from a
//     Client (net/http and encoding/json, grpc-go's generated stubs, the
//     WebSocket library) and check every field against the data set.
//
// Either mode fails a call on the first wrong byte, field, status or code,
// with an error that names the call and what differed.
package client

import (
	"context"
	"io"

	"restvsgrpc/internal/core"
)

// Client is one variant's client of all four services. Calls that need a
// bearer token use the one set with SetToken.
type Client interface {
	// Variant names the variant: "rest", "rest-proto", "rest-h2c" or "grpc".
	Variant() string
	SetToken(token string)

	ValidateUser(ctx context.Context, username, password string) (core.UserResult, error)
	ValidateToken(ctx context.Context, token string) (core.TokenResult, error)
	GetTransaction(ctx context.Context, id string) (*core.Transaction, error)
	// ListTransactions calls fn for each streamed record, in order. An
	// error from fn stops the stream (the server sees a cancel) and is
	// returned.
	ListTransactions(ctx context.Context, req core.ListRequest, fn func(*core.Transaction) error) error
	// Upload sends r in chunks of chunkSize bytes as one file.
	Upload(ctx context.Context, filename string, r io.Reader, chunkSize int) (core.UploadSummary, error)
	// Chat opens a chat session.
	Chat(ctx context.Context) (ChatSession, error)
}

// ChatSession is one member's bidirectional chat stream.
type ChatSession interface {
	Send(core.ChatMessage) error
	// Recv returns the next event; io.EOF after CloseSend once the server
	// has ended the session cleanly.
	Recv() (core.ChatEvent, error)
	// CloseSend says the member has no more messages.
	CloseSend() error
	// Close abandons the session.
	Close() error
}
