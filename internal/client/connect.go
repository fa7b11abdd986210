package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc/codes"

	authv1 "restvsgrpc/gen/auth/v1"
	"restvsgrpc/gen/auth/v1/authv1connect"
	"restvsgrpc/gen/chat/v1/chatv1connect"
	filev1 "restvsgrpc/gen/file/v1"
	"restvsgrpc/gen/file/v1/filev1connect"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/gen/transaction/v1/transactionv1connect"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
	"restvsgrpc/internal/variant"
)

// connectClient is the client of the connect-json, connect-proto and
// grpc-web variants: connect-go's generated clients over one HTTP client,
// the token sent as the Authorization header.
type connectClient struct {
	auth    authv1connect.AuthServiceClient
	tx      transactionv1connect.TransactionServiceClient
	file    filev1connect.FileServiceClient
	chat    chatv1connect.ChatServiceClient
	variant string
	authz   atomic.Pointer[string] // "Bearer <token>", or ""
}

// NewConnect returns the Client of variant v (variant.ConnectJSON,
// ConnectProto or GRPCWeb) of the connect-go handler at baseURL (e.g.
// "http://127.0.0.1:8081") over hc; the caller owns hc. It asks for no
// compression, as the other variants' clients.
func NewConnect(v, baseURL string, hc connect.HTTPClient) Client {
	opts := []connect.ClientOption{
		connect.WithReadMaxBytes(grpcwire.MaxRecvMsgSize),
		connect.WithAcceptCompression("gzip", nil, nil), // ask for none
	}
	switch v {
	case variant.ConnectJSON:
		opts = append(opts, connect.WithProtoJSON())
	case variant.GRPCWeb:
		opts = append(opts, connect.WithGRPCWeb())
	}
	c := &connectClient{
		auth:    authv1connect.NewAuthServiceClient(hc, baseURL, opts...),
		tx:      transactionv1connect.NewTransactionServiceClient(hc, baseURL, opts...),
		file:    filev1connect.NewFileServiceClient(hc, baseURL, opts...),
		chat:    chatv1connect.NewChatServiceClient(hc, baseURL, opts...),
		variant: v,
	}
	c.SetToken("")
	return c
}

func (c *connectClient) Variant() string { return c.variant }

func (c *connectClient) SetToken(token string) {
	v := ""
	if token != "" {
		v = "Bearer " + token
	}
	c.authz.Store(&v)
}

// authed sets the bearer token, if any, on a request's header.
func (c *connectClient) authed(h http.Header) {
	if v := *c.authz.Load(); v != "" {
		h.Set("Authorization", v)
	}
}

// connectErr turns a *connect.Error into the *core.Error its code stands
// for (Connect's codes are gRPC's, read with grpcwire's table); when ctx
// has ended and that is why the call failed it returns ctx.Err(), as the
// other clients do. Other errors pass as they are.
func connectErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	code := connect.CodeOf(err)
	if ctxErr := ctx.Err(); ctxErr != nil && (code == connect.CodeCanceled || code == connect.CodeDeadlineExceeded) {
		return ctxErr
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	return &core.Error{Code: grpcwire.CoreCode(codes.Code(code)), Message: ce.Message()}
}

func (c *connectClient) ValidateUser(ctx context.Context, username, password string) (core.UserResult, error) {
	r, err := c.auth.ValidateUser(ctx, connect.NewRequest(&authv1.ValidateUserRequest{Username: username, Password: password}))
	if err != nil {
		return core.UserResult{}, connectErr(ctx, err)
	}
	return protoconv.FromUserResult(r.Msg), nil
}

func (c *connectClient) ValidateToken(ctx context.Context, token string) (core.TokenResult, error) {
	r, err := c.auth.ValidateToken(ctx, connect.NewRequest(&authv1.ValidateTokenRequest{Token: token}))
	if err != nil {
		return core.TokenResult{}, connectErr(ctx, err)
	}
	return protoconv.FromTokenResult(r.Msg), nil
}

func (c *connectClient) GetTransaction(ctx context.Context, id string) (*core.Transaction, error) {
	req := connect.NewRequest(&transactionv1.GetTransactionRequest{Id: id})
	c.authed(req.Header())
	r, err := c.tx.GetTransaction(ctx, req)
	if err != nil {
		return nil, connectErr(ctx, err)
	}
	return protoconv.FromTransaction(r.Msg), nil
}

func (c *connectClient) ListTransactions(ctx context.Context, lr core.ListRequest, fn func(*core.Transaction) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the stream, whichever way this returns
	req := connect.NewRequest(&transactionv1.ListTransactionsRequest{
		AccountId:  lr.AccountID,
		Payload:    lr.Payload,
		Limit:      int32(lr.Limit),
		IntervalMs: int32(lr.Interval / time.Millisecond),
	})
	c.authed(req.Header())
	stream, err := c.tx.ListTransactions(ctx, req)
	if err != nil {
		return connectErr(ctx, err)
	}
	defer stream.Close()
	for stream.Receive() {
		if err := fn(protoconv.FromTransaction(stream.Msg())); err != nil {
			return err
		}
	}
	return connectErr(ctx, stream.Err())
}

// Upload sends filename in the first message and r in messages of at most
// chunkSize bytes (DefaultChunkSize when chunkSize <= 0), as the grpc
// client does.
func (c *connectClient) Upload(ctx context.Context, filename string, r io.Reader, chunkSize int) (core.UploadSummary, error) {
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream := c.file.Upload(ctx)
	c.authed(stream.RequestHeader())
	buf := make([]byte, chunkSize)
	msg := &filev1.UploadRequest{Filename: filename}
	for first := true; ; first = false {
		n, rerr := io.ReadFull(r, buf)
		if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrUnexpectedEOF) {
			return core.UploadSummary{}, rerr // cancel() cuts the stream: the server aborts
		}
		if n > 0 || first {
			msg.Data = buf[:n]
			// Send has written msg out when it returns, so buf may be reused.
			if err := stream.Send(msg); err != nil {
				if errors.Is(err, io.EOF) {
					break // the server ended the call: CloseAndReceive has why
				}
				return core.UploadSummary{}, connectErr(ctx, err)
			}
			msg.Filename = ""
		}
		if rerr != nil {
			break
		}
	}
	sum, err := stream.CloseAndReceive()
	if err != nil {
		return core.UploadSummary{}, connectErr(ctx, err)
	}
	return protoconv.FromUploadSummary(sum.Msg), nil
}

func (c *connectClient) Chat(ctx context.Context) (ChatSession, error) {
	ctx, cancel := context.WithCancel(ctx)
	stream := c.chat.Chat(ctx)
	c.authed(stream.RequestHeader())
	// Send the headers now: the session is open before its first message.
	if err := stream.Send(nil); err != nil {
		cancel()
		return nil, connectErr(ctx, err)
	}
	return &protoChat{ctx: ctx, send: stream.Send, recv: stream.Receive, closeSend: stream.CloseRequest, errOf: connectErr, cancel: cancel}, nil
}
