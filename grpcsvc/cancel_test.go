package grpcsvc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"

	filev1 "restvsgrpc/gen/file/v1"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/core"
)

// TestClientCancelFreesServer cuts every kind of stream mid-way and checks
// that nothing started for it is left running on either side. It does not
// run in parallel, so the goroutine snapshot is this test's alone.
func TestClientCancelFreesServer(t *testing.T) {
	received := &payloadCounter{method: filev1.FileService_Upload_FullMethodName, ch: make(chan struct{}, 16)}
	f := start(t, nil, grpcsvc.WithServerOptions(grpc.StatsHandler(received)))
	c := f.authed(t)
	// Warm the connection so that its own goroutines predate the snapshot.
	if err := c.ListTransactions(ctxTimeout(t), core.ListRequest{AccountID: core.AccountID(0), Limit: 1}, func(*core.Transaction) error { return nil }); err != nil {
		t.Fatal(err)
	}
	idle := goleak.IgnoreCurrent()
	stop := errors.New("stop")

	tests := []struct {
		name string
		run  func(t *testing.T, ctx context.Context)
	}{
		{name: "server stream, fast feed", run: func(t *testing.T, ctx context.Context) {
			n := 0
			err := c.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(1), Payload: "1KiB", Limit: core.MaxListLimit}, func(*core.Transaction) error {
				if n++; n == 50 {
					return stop
				}
				return nil
			})
			if !errors.Is(err, stop) {
				t.Fatalf("ListTransactions = %v, want the callback's error", err)
			}
		}},
		{name: "server stream, paced feed", run: func(t *testing.T, ctx context.Context) {
			err := c.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(2), Limit: 100, Interval: core.MaxListInterval}, func(*core.Transaction) error {
				return stop // after the first record the server waits a minute for the next
			})
			if !errors.Is(err, stop) {
				t.Fatalf("ListTransactions = %v, want the callback's error", err)
			}
		}},
		{name: "bidi stream", run: func(t *testing.T, ctx context.Context) {
			s, err := c.Chat(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(core.ChatMessage{Room: "cancel", Seq: 1, Text: "bye"}); err != nil {
				t.Fatal(err)
			}
			if ev, err := s.Recv(); err != nil || ev.Kind != core.EventAck {
				t.Fatalf("Recv = %+v, %v; want an ack", ev, err)
			}
			s.Close() // abandons the session without CloseSend
		}},
		{name: "client stream cut", run: func(t *testing.T, ctx context.Context) {
			ctx, cancel := context.WithCancel(withToken(ctx, "Bearer "+f.login(t, alice, alicePW)))
			s, err := filev1.NewFileServiceClient(f.conn).Upload(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if err := s.Send(&filev1.UploadRequest{Filename: "cut.bin", Data: make([]byte, 32<<10)}); err != nil {
					t.Fatalf("Send %d: %v", i, err)
				}
			}
			// Cut only once the handler has the chunks: a stream cancelled
			// before its headers leave the client never reaches the server.
			for range 3 {
				select {
				case <-received.ch:
				case <-ctx.Done():
					t.Fatal("the server never received the chunks")
				}
			}
			cancel()
			eventually(t, "the cut upload to be aborted", func() bool {
				_, failed := f.svc.UploadCounts()
				return failed == 1
			})
			if done, _ := f.svc.UploadCounts(); done != 0 {
				t.Errorf("a cut upload counted as completed (%d completed)", done)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			tt.run(t, ctx)
			// goleak retries for a while, so the server has time to notice.
			if err := goleak.Find(idle); err != nil {
				t.Errorf("goroutines left after a cancelled stream: %v", err)
			}
		})
	}
}

// payloadCounter is a stats.Handler that signals each message the server
// has received on one method.
type payloadCounter struct {
	method string
	ch     chan struct{}
}

type methodKey struct{}

func (p *payloadCounter) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, methodKey{}, info.FullMethodName)
}

func (p *payloadCounter) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if _, ok := s.(*stats.InPayload); ok && ctx.Value(methodKey{}) == p.method {
		p.ch <- struct{}{}
	}
}

func (p *payloadCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (p *payloadCounter) HandleConn(context.Context, stats.ConnStats) {}
