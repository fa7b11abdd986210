package connectsvc

import (
	"context"

	"connectrpc.com/connect"

	authv1 "restvsgrpc/gen/auth/v1"
	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
)

// authServer implements AuthService.
type authServer struct{ svc *core.Service }

func (s authServer) ValidateUser(ctx context.Context, req *connect.Request[authv1.ValidateUserRequest]) (*connect.Response[authv1.ValidateUserResponse], error) {
	r, err := s.svc.ValidateUser(ctx, req.Peer().Addr, req.Msg.GetUsername(), req.Msg.GetPassword())
	if err != nil {
		return nil, Error(err)
	}
	return connect.NewResponse(protoconv.UserResult(r)), nil
}

func (s authServer) ValidateToken(ctx context.Context, req *connect.Request[authv1.ValidateTokenRequest]) (*connect.Response[authv1.ValidateTokenResponse], error) {
	r, err := s.svc.ValidateToken(ctx, req.Msg.GetToken())
	if err != nil {
		return nil, Error(err)
	}
	return connect.NewResponse(protoconv.TokenResult(r)), nil
}

// transactionServer implements TransactionService.
type transactionServer struct{ svc *core.Service }

func (s transactionServer) GetTransaction(ctx context.Context, req *connect.Request[transactionv1.GetTransactionRequest]) (*connect.Response[transactionv1.Transaction], error) {
	t, err := s.svc.GetTransaction(ctx, req.Msg.GetId())
	if err != nil {
		return nil, Error(err)
	}
	return connect.NewResponse(protoconv.Transaction(t)), nil
}

// ListTransactions streams the feed; a client that goes away ends ctx,
// which stops the core's loop.
func (s transactionServer) ListTransactions(ctx context.Context, req *connect.Request[transactionv1.ListTransactionsRequest], stream *connect.ServerStream[transactionv1.Transaction]) error {
	return Error(s.svc.ListTransactions(ctx, protoconv.ListRequest(req.Msg), func(t *core.Transaction) error {
		return stream.Send(protoconv.Transaction(t))
	}))
}

// fileServer implements FileService.
type fileServer struct{ svc *core.Service }

// Upload reads the filename from the first message and every message's
// data as one chunk. Only a stream the client ended cleanly finishes the
// upload; any other end aborts it.
func (s fileServer) Upload(ctx context.Context, stream *connect.ClientStream[filev1.UploadRequest]) (*connect.Response[filev1.UploadSummary], error) {
	if !stream.Receive() {
		if err := stream.Err(); err != nil {
			return nil, Error(err)
		}
		return nil, Error(core.Errorf(core.CodeInvalidArgument, "upload stream is empty: the first message must carry the filename"))
	}
	up, err := s.svc.NewUpload(stream.Msg().GetFilename())
	if err != nil {
		return nil, Error(err)
	}
	for ok := true; ok; ok = stream.Receive() {
		if _, err := up.Write(stream.Msg().GetData()); err != nil {
			up.Abort()
			return nil, Error(err)
		}
	}
	if err := stream.Err(); err != nil {
		up.Abort()
		return nil, Error(err)
	}
	sum, err := up.Finish()
	if err != nil {
		return nil, Error(err)
	}
	return connect.NewResponse(protoconv.UploadSummary(sum)), nil
}

// chatServer implements ChatService.
type chatServer struct{ svc *core.Service }

// Chat runs one member's session in the core, which sends from its own
// goroutine while this one receives, as a connect BidiStream allows.
func (s chatServer) Chat(ctx context.Context, stream *connect.BidiStream[chatv1.ChatMessage, chatv1.ChatEvent]) error {
	recv := func(ctx context.Context) (core.ChatMessage, error) {
		if err := ctx.Err(); err != nil {
			return core.ChatMessage{}, context.Cause(ctx)
		}
		m, err := stream.Receive()
		if err != nil {
			return core.ChatMessage{}, err
		}
		return protoconv.ChatMessage(m), nil
	}
	send := func(_ context.Context, e core.ChatEvent) error { return stream.Send(protoconv.ChatEvent(e)) }
	return Error(s.svc.Chat(ctx, subjectOf(ctx), recv, send))
}
