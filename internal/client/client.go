// Package client calls the services the same way over every variant, so
// that the conformance suite, the benchmarks and the examples write each
// call once and run it against rest, rest-proto, rest-h2c and grpc.
//
// Errors returned by a Client carry the core code the server answered with
// (core.CodeOf works on them), decoded from the transport's own status: an
// HTTP status and {"code","message"} body, or a gRPC status.
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
