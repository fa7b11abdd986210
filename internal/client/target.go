package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"restvsgrpc/bench/result"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
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

// TargetConfig says what a target calls and how.
type TargetConfig struct {
	Variant string
	// Addr is the server's host:port (the REST or the gRPC one); with
	// GRPCBalance, a comma-separated list of them.
	Addr string
	// GRPCBalance is "" (one address) or RoundRobin: grpc-go's client-side
	// round_robin over every address of Addr.
	GRPCBalance string
	RPC         RPC
	Payload     core.Payload
	// Conns is the number of connections. For HTTP/1.1 it caps the calls
	// in flight; 0 means one per worker for HTTP/1.1, one for HTTP/2.
	Conns int
	// Check is the client mode, CheckBytes (the default) or CheckDecode.
	Check string
	// Seed is the seed of the server's data set (its -seed, default 1):
	// the answers are checked against the records it makes.
	Seed uint64
	// TLS dials with TLS; Insecure skips verifying the server's
	// certificate; CAFile trusts the PEM certificates in it.
	TLS      bool
	Insecure bool
	CAFile   string
	// User and Password log in once (ValidateUser); the token is reused by
	// every call that needs one. ValidateUser calls log in every time.
	User, Password string
	// StreamMsgs is the number of messages per stream call: records of a
	// ListTransactions, chunks of an Upload (default 100).
	StreamMsgs int
	// FeedInterval paces each ListTransactions: the server sends a record
	// every FeedInterval, as to a dashboard holding the feed open (0: as
	// fast as the client reads). Whole milliseconds, up to
	// core.MaxListInterval: both wires carry milliseconds.
	FeedInterval time.Duration
	// SSE asks REST feeds (ListTransactions over rest and rest-h2c) as
	// server-sent events instead of NDJSON.
	SSE bool
	// Room prefixes the chat rooms; each worker chats in its own room so
	// that no message fans out (default "load-PID").
	Room string
}

func (c *TargetConfig) check() error {
	switch {
	case !slices.Contains(variant.Clients, c.Variant):
		return fmt.Errorf("variant %q: want one of %s", c.Variant, strings.Join(variant.Clients, ", "))
	case c.Addr == "":
		return errors.New("no server address")
	case c.Conns < 0:
		return fmt.Errorf("conns %d: must not be negative", c.Conns)
	case c.SSE && (variant.IsGRPC(c.Variant) || c.Variant == variant.RESTProto):
		return fmt.Errorf("server-sent events are a JSON feed of rest and rest-h2c, not of %s", c.Variant)
	case c.StreamMsgs < 0:
		return fmt.Errorf("stream messages %d: must not be negative", c.StreamMsgs)
	case c.FeedInterval < 0 || c.FeedInterval > core.MaxListInterval || c.FeedInterval%time.Millisecond != 0:
		return fmt.Errorf("feed interval %v: want whole milliseconds, 0 to %v", c.FeedInterval, core.MaxListInterval)
	}
	if _, err := ParseRPC(string(c.RPC)); err != nil {
		return err
	}
	if _, err := core.ParsePayload(string(c.Payload)); err != nil {
		return err
	}
	if c.Payload == "" {
		c.Payload = core.Payload100B
	}
	if c.Check == "" {
		c.Check = CheckBytes
	}
	if !slices.Contains(Checks, c.Check) {
		return fmt.Errorf("check %q: want bytes or decode", c.Check)
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.StreamMsgs == 0 {
		c.StreamMsgs = 100
	}
	if c.Room == "" {
		c.Room = "load-" + strconv.Itoa(os.Getpid())
	}
	if c.RPC == Chat && c.Payload.Bytes() > core.MaxChatText {
		return fmt.Errorf("payload %s: a chat message carries at most %d bytes of text (use 100B or 1KiB)", c.Payload, core.MaxChatText)
	}
	return nil
}

// filler returns n bytes of printable text, the same every time.
func filler(n int) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[i%len(alphabet)]
	}
	return b
}

// feedRequest is worker i's ListTransactions: one account's feed.
func feedRequest(cfg TargetConfig, i int) core.ListRequest {
	return core.ListRequest{AccountID: core.AccountID(i % core.Accounts), Payload: string(cfg.Payload), Limit: cfg.StreamMsgs, Interval: cfg.FeedInterval}
}

// uploadFile is worker i's upload: a file name, and the chunk it sends
// StreamMsgs times.
func uploadFile(cfg TargetConfig, i int) (string, []byte) {
	return "load-" + strconv.Itoa(i) + ".bin", filler(cfg.Payload.Bytes())
}

// chatRoom is worker i's room, of which it is the only member, so that no
// message fans out.
func chatRoom(cfg TargetConfig, i int) string { return cfg.Room + "-" + strconv.Itoa(i) }

// transactionIDs returns the ids of every record of class p.
func transactionIDs(p core.Payload) []string {
	ids := make([]string, p.Records())
	for i := range ids {
		ids[i] = core.TransactionID(p, i)
	}
	return ids
}

// tlsConfig builds the client TLS configuration.
func (c *TargetConfig) tlsConfig(alpn ...string) (*tls.Config, error) {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", c.Addr, err)
	}
	cfg := &tls.Config{ServerName: host, InsecureSkipVerify: c.Insecure, NextProtos: alpn, MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca file %s: no PEM certificate", c.CAFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// unavailable classifies a transport failure (refused, reset, timed out)
// as the core's CodeUnavailable, keeping its text.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	var ce *core.Error
	if errors.As(err, &ce) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", &core.Error{Code: core.CodeUnavailable, Message: "transport"}, err)
}

// isRefused reports whether err means nothing listens at the address.
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// NewTarget logs in to the server and returns the target. Errors are one
// line meant for a person: unreachable server, wrong protocol, refused
// login, bad configuration.
func NewTarget(ctx context.Context, cfg TargetConfig) (Target, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	switch {
	case variant.IsGRPC(cfg.Variant):
		return newGRPCTarget(ctx, cfg)
	case slices.Contains(variant.Middle, cfg.Variant):
		return newMiddleTarget(ctx, cfg)
	}
	return newRESTTarget(ctx, cfg)
}
