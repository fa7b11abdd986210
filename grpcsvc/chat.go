package grpcsvc

import (
	"context"

	"google.golang.org/grpc"

	chatv1 "restvsgrpc/gen/chat/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
)

// chatServer implements ChatService.
type chatServer struct {
	chatv1.UnimplementedChatServiceServer
	svc *core.Service
}

// Chat runs one member's session in the core. The core sends from its own
// goroutine while this one receives, which a gRPC stream allows.
//
// A blocked stream.Recv cannot be interrupted short of returning from the
// handler, so when the core ends a session on its own (a member dropped for
// reading too slowly) the session ends at that member's next message or
// when its client goes away. Receiving on a separate goroutine would lift
// that at the cost of a hand-off per message on the measured path.
func (s chatServer) Chat(stream grpc.BidiStreamingServer[chatv1.ChatMessage, chatv1.ChatEvent]) error {
	recv := func(ctx context.Context) (core.ChatMessage, error) {
		if err := ctx.Err(); err != nil {
			return core.ChatMessage{}, context.Cause(ctx)
		}
		m, err := stream.Recv()
		if err != nil {
			return core.ChatMessage{}, err
		}
		return protoconv.ChatMessage(m), nil
	}
	// Send has no context: a Send blocked by a client that keeps its
	// window closed ends with the stream (the server's stall limits).
	send := func(_ context.Context, e core.ChatEvent) error { return stream.Send(protoconv.ChatEvent(e)) }
	return Status(s.svc.Chat(stream.Context(), subjectOf(stream.Context()), recv, send))
}
