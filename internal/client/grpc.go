package client

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	authv1 "restvsgrpc/gen/auth/v1"
	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
	"restvsgrpc/internal/variant"
)

// DefaultChunkSize is the upload chunk size used when a caller passes a
// chunk size of zero or less.
const DefaultChunkSize = 64 << 10

// grpcClient is the "grpc" variant: the generated clients over one
// connection, the token sent as per-call metadata.
type grpcClient struct {
	auth    authv1.AuthServiceClient
	tx      transactionv1.TransactionServiceClient
	file    filev1.FileServiceClient
	chat    chatv1.ChatServiceClient
	variant string // "grpc", or "grpc-vt" over a connection forcing its codec
	// authz holds "Bearer <token>", or "" for no token.
	authz atomic.Pointer[string]
}

// NewGRPC returns the grpc variant's Client over conn, typically a
// *grpc.ClientConn; the caller owns and closes it.
func NewGRPC(conn grpc.ClientConnInterface) Client {
	c := &grpcClient{
		auth:    authv1.NewAuthServiceClient(conn),
		tx:      transactionv1.NewTransactionServiceClient(conn),
		file:    filev1.NewFileServiceClient(conn),
		chat:    chatv1.NewChatServiceClient(conn),
		variant: variant.GRPC,
	}
	c.SetToken("")
	return c
}

// NewGRPCVT returns the grpc-vt variant's Client over conn: the same
// generated stubs, every call encoding and decoding with vtprotobuf's
// generated code (grpcwire.VTCodec) instead of protobuf-go.
func NewGRPCVT(conn grpc.ClientConnInterface) Client {
	c := NewGRPC(vtConn{conn}).(*grpcClient)
	c.variant = variant.GRPCVT
	return c
}

// vtConn forces the vtprotobuf codec on every call made through it.
type vtConn struct{ grpc.ClientConnInterface }

var vtCodec = grpc.ForceCodecV2(grpcwire.VTCodec)

func (c vtConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return c.ClientConnInterface.Invoke(ctx, method, args, reply, append(opts, vtCodec)...)
}

func (c vtConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return c.ClientConnInterface.NewStream(ctx, desc, method, append(opts, vtCodec)...)
}

func (c *grpcClient) Variant() string { return c.variant }

func (c *grpcClient) SetToken(token string) {
	v := ""
	if token != "" {
		v = "Bearer " + token
	}
	c.authz.Store(&v)
}

// authed adds the bearer token, if any, to the outgoing metadata.
func (c *grpcClient) authed(ctx context.Context) context.Context {
	if v := *c.authz.Load(); v != "" {
		return metadata.AppendToOutgoingContext(ctx, grpcwire.MetadataAuthorization, v)
	}
	return ctx
}

// callErr turns a gRPC status error into a *core.Error carrying the core
// code the server answered with; other errors (io.EOF, ...) pass as they
// are. When ctx, the caller's, has ended and that is why the call failed,
// it returns ctx.Err(), as the REST client does, so errors.Is(err,
// context.Canceled) holds; core.CodeOf gives the same code either way.
func callErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		if c := status.Code(err); c == codes.Canceled || c == codes.DeadlineExceeded {
			return ctxErr
		}
	}
	return grpcwire.ErrorOf(err)
}

func (c *grpcClient) ValidateUser(ctx context.Context, username, password string) (core.UserResult, error) {
	r, err := c.auth.ValidateUser(ctx, &authv1.ValidateUserRequest{Username: username, Password: password})
	if err != nil {
		return core.UserResult{}, callErr(ctx, err)
	}
	return protoconv.FromUserResult(r), nil
}

func (c *grpcClient) ValidateToken(ctx context.Context, token string) (core.TokenResult, error) {
	r, err := c.auth.ValidateToken(ctx, &authv1.ValidateTokenRequest{Token: token})
	if err != nil {
		return core.TokenResult{}, callErr(ctx, err)
	}
	return protoconv.FromTokenResult(r), nil
}

func (c *grpcClient) GetTransaction(ctx context.Context, id string) (*core.Transaction, error) {
	t, err := c.tx.GetTransaction(c.authed(ctx), &transactionv1.GetTransactionRequest{Id: id})
	if err != nil {
		return nil, callErr(ctx, err)
	}
	return protoconv.FromTransaction(t), nil
}

func (c *grpcClient) ListTransactions(ctx context.Context, req core.ListRequest, fn func(*core.Transaction) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the stream, whichever way this returns
	stream, err := c.tx.ListTransactions(c.authed(ctx), &transactionv1.ListTransactionsRequest{
		AccountId:  req.AccountID,
		Payload:    req.Payload,
		Limit:      int32(req.Limit),
		IntervalMs: int32(req.Interval / time.Millisecond),
	})
	if err != nil {
		return callErr(ctx, err)
	}
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return callErr(ctx, err)
		}
		if err := fn(protoconv.FromTransaction(m)); err != nil {
			return err
		}
	}
}

// Upload sends filename in the first message and r in messages of at most
// chunkSize bytes (DefaultChunkSize when chunkSize <= 0). An empty r is
// sent as one message with the filename alone.
func (c *grpcClient) Upload(ctx context.Context, filename string, r io.Reader, chunkSize int) (core.UploadSummary, error) {
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.file.Upload(c.authed(ctx))
	if err != nil {
		return core.UploadSummary{}, callErr(ctx, err)
	}
	buf := make([]byte, chunkSize)
	msg := &filev1.UploadRequest{Filename: filename}
	for first := true; ; first = false {
		n, rerr := io.ReadFull(r, buf)
		if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrUnexpectedEOF) {
			return core.UploadSummary{}, rerr // cancel() cuts the stream: the server aborts
		}
		if n > 0 || first {
			msg.Data = buf[:n]
			// SendMsg has encoded msg when it returns, so buf may be reused.
			if err := stream.Send(msg); err != nil {
				if errors.Is(err, io.EOF) {
					break // the server ended the call: CloseAndRecv has its status
				}
				return core.UploadSummary{}, callErr(ctx, err)
			}
			msg.Filename = ""
		}
		if rerr != nil {
			break
		}
	}
	sum, err := stream.CloseAndRecv()
	if err != nil {
		return core.UploadSummary{}, callErr(ctx, err)
	}
	return protoconv.FromUploadSummary(sum), nil
}

func (c *grpcClient) Chat(ctx context.Context) (ChatSession, error) {
	ctx, cancel := context.WithCancel(ctx)
	stream, err := c.chat.Chat(c.authed(ctx))
	if err != nil {
		cancel()
		return nil, callErr(ctx, err)
	}
	return &protoChat{ctx: ctx, send: stream.Send, recv: stream.Recv, closeSend: stream.CloseSend, errOf: callErr, cancel: cancel}, nil
}

// protoChat is a chat session over a stream of protobuf messages,
// grpc-go's or connect-go's: one goroutine may Send while another Recvs.
type protoChat struct {
	ctx       context.Context // the session's, ended by Close
	send      func(*chatv1.ChatMessage) error
	recv      func() (*chatv1.ChatEvent, error)
	closeSend func() error
	errOf     func(context.Context, error) error // the library's errors as core's
	cancel    context.CancelFunc
}

func (s *protoChat) Send(m core.ChatMessage) error {
	err := s.send(protoconv.ToChatMessage(m))
	if errors.Is(err, io.EOF) {
		// The server ended the stream; Recv returns why.
		return io.EOF
	}
	return s.errOf(s.ctx, err)
}

func (s *protoChat) Recv() (core.ChatEvent, error) {
	// As restChat: once the session's context has ended nothing more is
	// delivered (the library may still hold an event it had read).
	if err := s.ctx.Err(); err != nil {
		return core.ChatEvent{}, err
	}
	m, err := s.recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return core.ChatEvent{}, io.EOF
		}
		return core.ChatEvent{}, s.errOf(s.ctx, err)
	}
	return protoconv.FromChatEvent(m), nil
}

func (s *protoChat) CloseSend() error { return s.errOf(s.ctx, s.closeSend()) }

func (s *protoChat) Close() error {
	s.cancel()
	return nil
}
