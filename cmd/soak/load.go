package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	engine "restvsgrpc/bench/load"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
)

// variants are the ways soak calls the server.
var variants = variant.All

// kinds are the calls soak makes over each variant.
var kinds = []string{"ValidateUser", "ValidateToken", "GetTransaction", "ListTransactions", "Upload", "Chat"}

// Shapes of the calls: moderate, so that the soak measures the server's
// steadiness rather than its speed.
const (
	feedLen       = 10
	uploadSize    = 64 << 10
	uploadChunk   = 8 << 10
	chatPerSocket = 100 // messages per chat session before it is ended and a new one opened
)

var (
	uploadData = bytes.Repeat([]byte("soak-upload-"), uploadSize/12+1)[:uploadSize]
	uploadSum  = func() string { s := sha256.Sum256(uploadData); return hex.EncodeToString(s[:]) }()
)

// load drives every call kind over every variant.
type load struct {
	user, password string
	calls          atomic.Int64
	mu             sync.Mutex
	failures       map[string]int // by variant/kind
	firstErrs      []string
}

func (l *load) fail(what string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures == nil {
		l.failures = make(map[string]int)
	}
	l.failures[what]++
	if len(l.firstErrs) < 10 {
		l.firstErrs = append(l.firstErrs, what+": "+err.Error())
	}
}

// clients returns a logged-in client of each variant, and a function that
// closes their connections.
func (l *load) clients(ctx context.Context, restURL, grpcAddr string) ([]client.Client, func(), error) {
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	var cs []client.Client
	for _, v := range variants {
		var c client.Client
		switch v {
		case "grpc":
			conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				closeAll()
				return nil, nil, err
			}
			closers = append(closers, func() { conn.Close() })
			c = client.NewGRPC(conn)
		default:
			tr := http.DefaultTransport.(*http.Transport).Clone()
			opts := []client.RESTOption{client.WithVariant(v)}
			switch v {
			case variant.RESTProto:
				opts = append(opts, client.WithProto())
			case variant.RESTH2C:
				tr = client.H2CTransport()
			}
			closers = append(closers, tr.CloseIdleConnections)
			c = client.NewREST(restURL, &http.Client{Transport: tr}, opts...)
		}
		r, err := c.ValidateUser(ctx, l.user, l.password)
		if err != nil || !r.IsValid {
			closeAll()
			return nil, nil, fmt.Errorf("%s: login: %+v, %v", v, r, err)
		}
		c.SetToken(r.Token)
		cs = append(cs, c)
	}
	return cs, closeAll, nil
}

// drive makes calls of one kind over c at rate a second, on the load
// driver's engine (open loop), until ctx ends or d has passed.
func (l *load) drive(ctx context.Context, c client.Client, kind string, rate float64, d time.Duration) {
	call := l.caller(c, kind)
	defer call.close()
	what := c.Variant() + "/" + kind
	tg := engine.TargetFunc(func(context.Context, int) (engine.Caller, error) {
		return engine.CallerFunc(func(ctx context.Context) (engine.Outcome, error) {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			err := call.do(cctx)
			switch {
			case err == nil:
				l.calls.Add(1)
			case ctx.Err() == nil:
				// A call cut by the soak's own end measured nothing.
				l.fail(what, err)
			}
			return engine.Outcome{}, err
		}), nil
	})
	res, err := engine.Run(ctx, tg, engine.WithRate(rate, engine.Constant), engine.WithDuration(d))
	switch {
	case err != nil:
		l.fail(what, err)
	case res.Calls == 0:
		// A kind that never completed a call was not soaked: that must not
		// read as a pass.
		l.fail(what, errors.New("no call completed"))
	}
}

// caller is one kind of call over one client, with what it keeps between
// calls.
type caller struct {
	do    func(ctx context.Context) error
	close func()
}

func (l *load) caller(c client.Client, kind string) caller {
	noClose := func() {}
	switch kind {
	case "ValidateUser":
		return caller{func(ctx context.Context) error {
			r, err := c.ValidateUser(ctx, l.user, l.password)
			if err == nil && !r.IsValid {
				err = errors.New("login refused")
			}
			return err
		}, noClose}
	case "ValidateToken":
		tok, err := c.ValidateUser(context.Background(), l.user, l.password)
		return caller{func(ctx context.Context) error {
			if err != nil {
				return err
			}
			r, err := c.ValidateToken(ctx, tok.Token)
			if err == nil && !r.IsValid {
				err = fmt.Errorf("token refused: %s", r.Message)
			}
			return err
		}, noClose}
	case "GetTransaction":
		return caller{func(ctx context.Context) error {
			id := core.TransactionID(core.Payload1KiB, rand.IntN(core.Payload1KiB.Records()))
			tx, err := c.GetTransaction(ctx, id)
			if err == nil && tx.ID != id {
				err = fmt.Errorf("asked for %s, got %s", id, tx.ID)
			}
			return err
		}, noClose}
	case "ListTransactions":
		return caller{func(ctx context.Context) error {
			n := 0
			err := c.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(rand.IntN(core.Accounts)), Payload: string(core.Payload1KiB), Limit: feedLen}, func(*core.Transaction) error {
				n++
				return nil
			})
			if err == nil && n != feedLen {
				err = fmt.Errorf("%d records, want %d", n, feedLen)
			}
			return err
		}, noClose}
	case "Upload":
		return caller{func(ctx context.Context) error {
			s, err := c.Upload(ctx, "soak.bin", bytes.NewReader(uploadData), uploadChunk)
			if err == nil && (s.Bytes != uploadSize || s.SHA256 != uploadSum) {
				err = fmt.Errorf("summary %+v, want %d bytes and their SHA-256", s, uploadSize)
			}
			return err
		}, noClose}
	case "Chat":
		return l.chatCaller(c)
	}
	panic("unknown call kind " + kind)
}

// chatCaller sends one message a call on a session kept open for
// chatPerSocket messages, then ends it cleanly and opens another.
func (l *load) chatCaller(c client.Client) caller {
	var (
		s    client.ChatSession
		seq  uint64
		room = "soak-" + c.Variant()
	)
	end := func() error {
		if s == nil {
			return nil
		}
		defer func() { s.Close(); s = nil }()
		if err := s.CloseSend(); err != nil {
			return err
		}
		if _, err := s.Recv(); !errors.Is(err, io.EOF) {
			return fmt.Errorf("chat end: %v, want a clean end", err)
		}
		return nil
	}
	do := func(ctx context.Context) error {
		if s == nil {
			var err error
			// The session outlives this call's context: it is ended by end.
			if s, err = c.Chat(context.WithoutCancel(ctx)); err != nil {
				return err
			}
		}
		seq++
		if err := s.Send(core.ChatMessage{Room: room, Seq: seq, Text: "soak"}); err != nil {
			s.Close()
			s = nil
			return err
		}
		ev, err := s.Recv()
		if err != nil {
			s.Close()
			s = nil
			return err
		}
		if ev.Kind != core.EventAck || ev.Seq != seq {
			return fmt.Errorf("chat: got %+v, want the ack of %d", ev, seq)
		}
		if seq%chatPerSocket == 0 {
			return end()
		}
		return nil
	}
	return caller{do, func() { _ = end() }}
}
