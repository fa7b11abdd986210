package hostile_test

import (
	"bytes"
	"testing"
	"time"

	"restvsgrpc/internal/hostile"
	"restvsgrpc/restsvc"
)

// TestWebSocketFrames attacks the chat's WebSocket (/v1/chat) with frames
// RFC 6455 forbids or that cost the server without limit if it lets them:
// each must get a clear close (the status listed; RFC 6455 §7.4.1) or,
// where said, the connection dropped, and leave no session, goroutine or
// memory behind.
func TestWebSocketFrames(t *testing.T) {
	const stall = 300 * time.Millisecond
	bigger := bytes.Repeat([]byte("x"), 1<<10)
	for _, tt := range []struct {
		name string
		want []int // close statuses accepted; none: the server may keep the connection
		drop bool  // the connection dropped without a close frame will do
		send func(c *hostile.WS) error
	}{
		{"oversized frame header", nil, true, func(c *hostile.WS) error {
			// A text frame announcing 2^63-1 bytes, of which a few come:
			// dropped at the stall timeout (the library checks its read
			// limit as bytes arrive, not against the header).
			return c.Raw(append(hostile.FrameHeader(true, hostile.OpText, 1<<63-1, true), `{"room":`...))
		}},
		{"message fragmented forever", []int{1009}, false, func(c *hostile.WS) error {
			// Continuation frames without FIN, past the read limit.
			if err := c.Frame(false, hostile.OpText, bigger, true); err != nil {
				return err
			}
			for range scale(200, 10000) {
				if err := c.Frame(false, hostile.OpContinuation, bigger, true); err != nil {
					return nil // the server closed
				}
			}
			return nil
		}},
		{"message that stops halfway", nil, true, func(c *hostile.WS) error {
			// Fragments under the read limit, then nothing: not a silent
			// member, a message that never ends. Dropped at the stall
			// timeout.
			if err := c.Frame(false, hostile.OpText, []byte(`{"room":"r",`), true); err != nil {
				return err
			}
			return c.Frame(false, hostile.OpContinuation, []byte(`"seq":1,`), true)
		}},
		{"ping flood, pongs never read", nil, false, func(c *hostile.WS) error {
			ping := append(hostile.FrameHeader(true, hostile.OpPing, 125, true), bytes.Repeat([]byte("p"), 125)...)
			flood := bytes.Repeat(ping, 100)
			for range scale(50, 2000) {
				if err := c.Raw(flood); err != nil {
					return nil // the server stopped reading, or closed
				}
			}
			return nil
		}},
		{"control frame over 125 bytes", []int{1002}, false, func(c *hostile.WS) error {
			return c.Frame(true, hostile.OpPing, bytes.Repeat([]byte("p"), 126), true)
		}},
		{"fragmented control frame", []int{1002}, false, func(c *hostile.WS) error {
			return c.Frame(false, hostile.OpPing, []byte("p"), true)
		}},
		{"unmasked client frame", []int{1002}, false, func(c *hostile.WS) error {
			return c.Frame(true, hostile.OpText, []byte(`{"room":"r","seq":1,"text":"hi"}`), false)
		}},
		{"text frame of invalid UTF-8", []int{1007}, false, func(c *hostile.WS) error {
			return c.Frame(true, hostile.OpText, []byte("{\"room\":\"r\",\"seq\":1,\"text\":\"\xff\xfe\"}"), true)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A server each: the checks' logins stay within the login limits.
			tg := serve(t, limits{handler: []restsvc.Option{restsvc.WithStallTimeout(stall)}})
			base := hostile.Measure()
			c, err := hostile.DialWS(tg.rest, "/v1/chat", "json", "Authorization: Bearer "+tg.token)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.Conn().SetWriteDeadline(time.Now().Add(20 * time.Second))
			peak := hostile.WatchHeap(20 * time.Millisecond)
			if err := tt.send(c); err != nil {
				t.Fatal(err)
			}
			wait := 20 * time.Second
			if tt.want == nil && !tt.drop {
				wait = time.Second // what the server answers, then the probe ends
			}
			frames, closed := c.ReadUntilClose(wait)
			grew := peak() - base.Heap
			code := 0
			if len(frames) > 0 && frames[len(frames)-1].Opcode == hostile.OpClose {
				code = frames[len(frames)-1].CloseCode()
			}
			t.Logf("server: %d frames, closed %v, close status %d; heap peak +%d bytes", len(frames), closed, code, grew)
			switch {
			case tt.want == nil && !tt.drop:
			case !closed:
				t.Errorf("the server neither closed nor sent a close frame (want status %v, or dropped %v)", tt.want, tt.drop)
			case code == 0 && !tt.drop:
				t.Errorf("the connection was dropped without a close frame, want status %v", tt.want)
			case code != 0 && !contains(tt.want, code):
				t.Errorf("close status %d, want %v", code, tt.want)
			}
			if bound := int64(8 << 20); grew > bound {
				t.Errorf("heap grew by %d bytes, want at most %d", grew, bound)
			}
			c.Close()
			eventually(t, "the chat session to end", func() bool { return !hostile.InStacks("restsvc.(*handler).chat") })
			tg.recovered(t, base)
		})
	}
}

func contains(codes []int, c int) bool {
	for _, x := range codes {
		if x == c {
			return true
		}
	}
	return false
}
