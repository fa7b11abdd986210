package core_test

import (
	"context"
	"testing"
	"time"

	"restvsgrpc/internal/core"
)

// TestChatDropEndsSession checks that a member the room drops for falling
// behind has its session ended at once, although its send and its recv are
// both blocked: the session's context is cancelled, so the transport can
// stop the write that holds its connection.
func TestChatDropEndsSession(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	slow := startChat(s, ctx, "slow") // its events channel holds 16, then send blocks
	slow.in <- core.ChatMessage{Room: "drop", Seq: 1}
	fast := startChat(s, ctx, "fast")
	done := make(chan struct{})
	defer close(done)
	go func() { // fast reads everything it gets
		for {
			select {
			case <-fast.events:
			case <-done:
				return
			}
		}
	}()
	<-slow.events // slow's own ack: it has joined
	for seq := uint64(1); ; seq++ {
		select {
		case fast.in <- core.ChatMessage{Room: "drop", Seq: seq, Text: "x"}:
			continue
		case err := <-slow.done:
			if core.CodeOf(err) != core.CodeTooLarge {
				t.Fatalf("dropped member's Chat = %v, want too_large (fell behind)", err)
			}
		case <-ctx.Done():
			t.Fatal("the dropped member's session never ended")
		}
		break
	}
	close(fast.in)
	if err := <-fast.done; err != nil {
		t.Errorf("the member that kept up: %v", err)
	}
}
