package load

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
)

// The HTTP clients of the REST variants' unary calls.
const (
	// ClientLean is fasthttp's HostClient with requests prepared once
	// for HTTP/1.1, and a minimal HTTP/2 client of this package for
	// rest-h2c: as lean as wrk and h2load. "fasthttp" is a synonym.
	ClientLean = "lean"
	// ClientNetHTTP is net/http: what a Go REST caller really pays.
	ClientNetHTTP = "nethttp"
)

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
	// Client is ClientLean (the default) or ClientNetHTTP, for unary
	// calls over REST; streams always use net/http.
	Client string
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
	// SSE asks REST feeds (ListTransactions over rest and rest-h2c) as
	// server-sent events instead of NDJSON.
	SSE bool
	// Room prefixes the chat rooms; each worker chats in its own room so
	// that no message fans out (default "load-PID").
	Room string
}

func (c *TargetConfig) check() error {
	switch {
	case !contains(variant.All, c.Variant):
		return fmt.Errorf("variant %q: want one of %s", c.Variant, strings.Join(variant.All, ", "))
	case c.Addr == "":
		return errors.New("no server address")
	case c.Conns < 0:
		return fmt.Errorf("conns %d: must not be negative", c.Conns)
	case c.SSE && (c.Variant == variant.GRPC || c.Variant == variant.RESTProto):
		return fmt.Errorf("server-sent events are a JSON feed of rest and rest-h2c, not of %s", c.Variant)
	case c.StreamMsgs < 0:
		return fmt.Errorf("stream messages %d: must not be negative", c.StreamMsgs)
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
	if c.Client == "" || c.Client == "fasthttp" {
		c.Client = ClientLean
	}
	if c.Client != ClientLean && c.Client != ClientNetHTTP {
		return fmt.Errorf("client %q: want lean or nethttp", c.Client)
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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
	if cfg.Variant == variant.GRPC {
		return newGRPCTarget(ctx, cfg)
	}
	return newRESTTarget(ctx, cfg)
}
