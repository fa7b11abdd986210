package hostile_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/hostile"
	"restvsgrpc/restsvc"
)

// TestStalledStreams pins finding 3: one connection that opened 150
// ListTransactions streams of 1 MiB records and granted no flow-control
// window held about 858 MB. What one connection can hold is bounded by its
// stream limit (streams over it are refused), by its send budget (bytes
// queued for sending, whatever the number of streams) and by the stall
// timeout (streams that make no progress are cut: over gRPC the connection
// is closed, over rest-h2c each stream is reset). The heap at the peak
// stays within a small multiple of the budget: the bytes queued, plus the
// message each sending stream has built.
func TestStalledStreams(t *testing.T) {
	maxStreams := scale(16, grpcsvc.DefaultMaxConcurrentStreams)
	open := scale(24, 150)
	budget := int64(scale(4<<20, grpcsvc.DefaultSendBudget))
	const stall = 300 * time.Millisecond
	tg := serve(t, limits{
		grpc: []grpcsvc.Option{
			grpcsvc.WithMaxConcurrentStreams(uint32(maxStreams)), grpcsvc.WithStallTimeout(stall),
			grpcsvc.WithSendBudget(budget, budget),
		},
		rest:    []restsvc.ServerOption{restsvc.WithMaxConcurrentStreams(maxStreams)},
		handler: []restsvc.Option{restsvc.WithStallTimeout(stall), restsvc.WithSendBudget(budget, budget)},
	})
	auth := hpack.HeaderField{Name: "authorization", Value: "Bearer " + tg.token}
	msg, _ := proto.Marshal(&transactionv1.ListTransactionsRequest{AccountId: core.AccountID(1), Payload: string(core.Payload1MiB), Limit: 400})
	for _, tt := range []struct {
		name  string
		addr  string
		bound int64 // of the heap's growth at the peak
		open  func(c *hostile.H2) error
	}{
		{"grpc", tg.grpc, 2*budget + 8<<20, func(c *hostile.H2) error {
			id, err := c.Open(c.Block(hostile.GRPCRequest(tg.grpc, "/"+transactionv1.TransactionService_ServiceDesc.ServiceName+"/ListTransactions", auth)...), false)
			if err != nil {
				return err
			}
			return c.Data(id, hostile.GRPCMessage(msg), true)
		}},
		// Besides the bytes counted: a feed's encoder buffer grows by
		// doubling (its capacity may be twice the record counted), and
		// encoding/json keeps an encode state as large as the record per
		// encoder that ran in its sync.Pool across a collection. With
		// streams cut every stall, the heap at the peak holds up to about
		// four times the budget; without it, a record or two per stream.
		{"rest-h2c", tg.rest, 4*budget + 8<<20, func(c *hostile.H2) error {
			_, err := c.Open(c.Block(hostile.HTTPRequest("GET", tg.rest, "/v1/transactions?account=acct-0001&payload=1MiB&limit=400", auth)...), true)
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := hostile.Measure()
			// A stream window of zero: the server may send headers, no data.
			c, err := hostile.DialH2(tt.addr, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			peak := hostile.WatchHeap(20 * time.Millisecond)
			for range open {
				if err := tt.open(c); err != nil {
					t.Fatal(err)
				}
			}
			ended := map[uint32]bool{}
			refused := 0
			closed := false
			evs, err := c.Events(30*time.Second, func(ev hostile.Event) bool {
				switch ev.Kind {
				case "rst":
					if ev.Code == http2.ErrCodeRefusedStream || ev.Code == http2.ErrCodeProtocol {
						refused++
					}
					ended[ev.Stream] = true
				case "closed":
					closed = true
				}
				return closed || len(ended) == open
			})
			if err != nil {
				t.Fatal(err)
			}
			held := peak() - base.Heap
			t.Logf("%d streams opened on one connection with no window: %d refused, %d reset, connection closed %v; heap peak +%d bytes (%d events)", open, refused, len(ended), closed, held, len(evs))
			if refused < open-maxStreams {
				t.Errorf("%d streams refused, want at least %d (the limit is %d)", refused, open-maxStreams, maxStreams)
			}
			if !closed && len(ended) < open {
				t.Errorf("%d of %d stalled streams were cut, want all (or the connection closed)", len(ended), open)
			}
			if held > tt.bound {
				t.Errorf("heap peak grew by %d bytes, want at most %d (send budget %d, %d streams at most)", held, tt.bound, budget, maxStreams)
			}
			c.Close()
			eventually(t, "the stalled feeds' handlers to end", func() bool { return !hostile.InStacks("core.(*Service).ListTransactions") })
			tg.recovered(t, base)
		})
	}
	t.Run("rest", func(t *testing.T) {
		// HTTP/1.1: one connection per feed, and the client never reads.
		base := hostile.Measure()
		peak := hostile.WatchHeap(20 * time.Millisecond)
		open := scale(12, 150) // one connection each
		conns := make([]net.Conn, open)
		for i := range conns {
			conn, err := hostile.Dial(tg.rest)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conns[i] = conn
			if _, err := fmt.Fprintf(conn, "GET /v1/transactions?account=acct-0001&payload=1MiB&limit=400 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", tg.token); err != nil {
				t.Fatal(err)
			}
		}
		cut := eventually(t, "the stalled feeds' handlers to end", func() bool { return !hostile.InStacks("core.(*Service).ListTransactions") })
		held := peak() - base.Heap
		closed := 0
		for _, conn := range conns {
			// What the socket buffers hold, then the server's close.
			if _, ok := hostile.ReadUntilClosed(conn, 10*time.Second); ok {
				closed++
			}
		}
		t.Logf("%d feeds over HTTP/1.1 that were never read: handlers cut %v, %d connections closed by the server; heap peak +%d bytes", open, cut, closed, held)
		if closed < open {
			t.Errorf("%d of %d connections of stalled feeds were closed, want all", closed, open)
		}
		tg.recovered(t, base)
	})
}

// TestRESTSendBudget pins the REST twin of gRPC's send budget: feeds over
// h2c whose client grants no flow-control window each held an encoded
// record (2.5 MB of JSON for the 1MiB class) blocked in its write, every
// stream of the connection at once. With a budget of about one record, per
// connection or per user over two connections, one feed holds a record and
// the others wait before encoding theirs, holding none. It counts the feeds
// in each state from the goroutines' stacks, so it asserts no timing.
func TestRESTSendBudget(t *testing.T) {
	const budget = 4 << 20 // one record of the 1MiB class fits, two do not
	open := scale(8, 64)
	for _, tt := range []struct {
		name             string
		perConn, perUser int64
		conns            int
	}{
		{"per connection", budget, 0, 1},
		{"per user", 0, budget, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tg := serve(t, limits{handler: []restsvc.Option{restsvc.WithSendBudget(tt.perConn, tt.perUser)}})
			base := hostile.Measure()
			auth := hpack.HeaderField{Name: "authorization", Value: "Bearer " + tg.token}
			var conns []*hostile.H2
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			for i := range tt.conns {
				c, err := hostile.DialH2(tg.rest, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
				for range open / tt.conns {
					if _, err := c.Open(c.Block(hostile.HTTPRequest("GET", tg.rest, fmt.Sprintf("/v1/transactions?account=acct-000%d&payload=1MiB&limit=400", i+1), auth)...), true); err != nil {
						t.Fatal(err)
					}
				}
			}
			var sending, waiting int
			eventually(t, "every feed to be sending or waiting for budget", func() bool {
				sending = hostile.CountStacks("restsvc.(*stream).send")
				waiting = hostile.CountStacks("sendbudget.(*Budget).Reserve")
				return sending == open && sending-waiting <= 1
			})
			t.Logf("%d stalled feeds over %d connection(s): %d hold a record, %d wait for budget holding none", open, tt.conns, sending-waiting, waiting)
			if sending-waiting > 1 {
				t.Errorf("%d feeds hold an encoded record, want at most 1 (budget %d bytes, a record about 2.5 MB)", sending-waiting, budget)
			}
			if waiting < open-1 {
				t.Errorf("%d of %d feeds wait for budget, want %d", waiting, open, open-1)
			}
			for _, c := range conns {
				c.Close()
			}
			eventually(t, "the feeds' handlers to end", func() bool { return !hostile.InStacks("core.(*Service).ListTransactions") })
			tg.recovered(t, base)
		})
	}
}
