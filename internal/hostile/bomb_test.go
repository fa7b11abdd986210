package hostile_test

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"

	authv1 "restvsgrpc/gen/auth/v1"
	"restvsgrpc/internal/hostile"
)

// TestHeaderBomb pins finding 1 of the hostile-client review: one small
// HEADERS frame that repeats HPACK references to a large -bin header
// decodes to about 12 MB (under grpc-go's own 16 MiB limit), which grpc-go
// held per stream, base64-decoded, while the handler waited for a body.
// Both HTTP/2 servers must refuse such a header list before any handler
// runs, and the server's heap must not grow by the decoded size.
func TestHeaderBomb(t *testing.T) {
	tg := serve(t, limits{})
	// A -bin value as large as the HPACK table lets one entry be, valid
	// base64, sent once and then referred to by one byte each time.
	bomb := hpack.HeaderField{Name: "x-bomb-bin", Value: strings.Repeat("QUFB", 1000)}
	const refs = 3000 // 3000 × 4042 bytes decoded: about 12 MB
	streams := scale(4, 32)
	for _, tt := range []struct {
		name string
		addr string
		req  []hpack.HeaderField
	}{
		{"grpc", tg.grpc, hostile.GRPCRequest(tg.grpc, "/"+authv1.AuthService_ServiceDesc.ServiceName+"/ValidateUser")},
		{"rest-h2c", tg.rest, hostile.HTTPRequest("POST", tg.rest, "/v1/auth/validate", hpack.HeaderField{Name: "content-type", Value: "application/json"})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := hostile.Measure()
			c, err := hostile.DialH2(tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			peak := hostile.WatchHeap(20 * time.Millisecond)
			refused := map[uint32]bool{}
			for i := range streams {
				block := c.Block(hostile.Repeat(tt.req, bomb, refs)...)
				if i == 0 {
					t.Logf("HEADERS block of %d bytes, decoding to about %d bytes", len(block), refs*(len(bomb.Name)+len(bomb.Value)+32))
				}
				// No END_STREAM: the server would wait for a body.
				if _, err := c.Open(block, false); err != nil {
					t.Fatal(err)
				}
			}
			closed := false
			evs, err := c.Events(20*time.Second, func(ev hostile.Event) bool {
				switch {
				case ev.Kind == "rst", ev.Kind == "headers" && (ev.Status != "200" || ev.GRPCStatus != "" && ev.GRPCStatus != "0"):
					refused[ev.Stream] = true
				case ev.Kind == "goaway", ev.Kind == "closed":
					closed = true
				}
				return closed || len(refused) == streams
			})
			if err != nil {
				t.Fatal(err)
			}
			grew := peak() - base.Heap
			c.Close()
			t.Logf("server: %d of %d streams refused, connection closed %v, heap peak +%d bytes; events %v", len(refused), streams, closed, grew, evs)
			if len(refused) < streams && !closed {
				t.Errorf("%d of %d streams with a bombed header list were refused, want all (or the connection closed)", len(refused), streams)
			}
			if bound := int64(16 << 20); grew > bound {
				t.Errorf("heap grew by %d bytes at the peak of %d bombed streams, want at most %d", grew, streams, bound)
			}
			tg.recovered(t, base)
		})
	}
}
