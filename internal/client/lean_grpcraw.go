package client

import (
	"context"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
)

// rawCodec is the bytes mode's codec: it sends messages encoded once and
// hands back each received message's bytes, decoding nothing. Messages are
// *[]byte; a received one is copied into the caller's buffer, which is
// reused.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	p := v.(*[]byte)
	b := (*p)[:0]
	for _, d := range data {
		b = append(b, d.ReadOnlyData()...)
	}
	*p = b
	return nil
}

// Name is the protobuf codec's: the server decodes what it gets as
// protobuf.
func (rawCodec) Name() string { return "proto" }

var raw = grpc.ForceCodecV2(rawCodec{})

// rawCaller is a bytes-mode gRPC caller: pre-encoded requests, answers
// compared with the data set's encodings.
type rawCaller struct {
	cb   *callBytes
	call func(ctx context.Context, out *Outcome) error
	stop func() error
}

func (c *rawCaller) Call(ctx context.Context) (Outcome, error) {
	var out Outcome
	c.cb.reset()
	err := c.call(ctx, &out)
	c.cb.fill(&out)
	return out, fromGRPC(err)
}

func (c *rawCaller) Close() error {
	if c.stop != nil {
		return c.stop()
	}
	return nil
}

func mustMarshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// transactionRequests encodes a GetTransactionRequest for every record of
// the run's class, in the class's order.
func (t *grpcTarget) transactionRequests() ([][]byte, error) {
	class, err := t.or.class(t.cfg.Payload)
	if err != nil {
		return nil, err
	}
	reqs := make([][]byte, len(class.ids))
	for k, id := range class.ids {
		reqs[k] = mustMarshal(&transactionv1.GetTransactionRequest{Id: id})
	}
	return reqs, nil
}

func (t *grpcTarget) newRawCaller(ctx context.Context, cc *grpc.ClientConn, token string, i int) (Caller, error) {
	cfg := t.cfg
	c := &rawCaller{cb: new(callBytes)}
	md := metadata.Pairs(grpcwire.MetadataAuthorization, t.authz)
	// The stats handler adds the call's bytes to cb, found in its context.
	counted := func(ctx context.Context, authed bool) context.Context {
		ctx = context.WithValue(ctx, callBytesKey{}, c.cb)
		if authed {
			ctx = metadata.NewOutgoingContext(ctx, md)
		}
		return ctx
	}
	var got []byte
	switch cfg.RPC {
	case ValidateToken, ValidateUser:
		method, req, want := authv1.AuthService_ValidateToken_FullMethodName, mustMarshal(&authv1.ValidateTokenRequest{Token: token}), t.or.tokenExpect()
		if cfg.RPC == ValidateUser {
			method, req, want = authv1.AuthService_ValidateUser_FullMethodName,
				mustMarshal(&authv1.ValidateUserRequest{Username: cfg.User, Password: cfg.Password}), t.or.userExpect()
		}
		c.call = func(ctx context.Context, _ *Outcome) error {
			if err := cc.Invoke(counted(ctx, false), method, &req, &got, raw); err != nil {
				return err
			}
			if err := want.match(got, 0); err != nil {
				return fmt.Errorf("%s: %w", cfg.RPC, err)
			}
			return nil
		}
	case GetTransaction:
		class, err := t.or.class(cfg.Payload)
		if err != nil {
			return nil, err
		}
		want := class.want
		reqs, err := t.txReqs()
		if err != nil {
			return nil, err
		}
		k := i
		c.call = func(ctx context.Context, _ *Outcome) error {
			k = (k + 1) % len(reqs)
			if err := cc.Invoke(counted(ctx, true), transactionv1.TransactionService_GetTransaction_FullMethodName, &reqs[k], &got, raw); err != nil {
				return err
			}
			if err := want[k].match(got, 0); err != nil {
				return fmt.Errorf("GetTransaction %s: %w", class.ids[k], err)
			}
			return nil
		}
	case ListTransactions:
		lr := feedRequest(cfg, i)
		want, err := t.or.feedExpect(lr)
		if err != nil {
			return nil, err
		}
		req := mustMarshal(&transactionv1.ListTransactionsRequest{AccountId: lr.AccountID, Payload: lr.Payload, Limit: int32(lr.Limit), IntervalMs: int32(lr.Interval / time.Millisecond)})
		desc := &transactionv1.TransactionService_ServiceDesc.Streams[0]
		c.call = func(ctx context.Context, out *Outcome) error {
			start := time.Now()
			ctx, cancel := context.WithCancel(counted(ctx, true))
			defer cancel()
			s, err := cc.NewStream(ctx, desc, transactionv1.TransactionService_ListTransactions_FullMethodName, raw)
			if err == nil {
				err = s.SendMsg(&req)
			}
			if err == nil {
				err = s.CloseSend()
			}
			if err != nil {
				return err
			}
			for {
				err := s.RecvMsg(&got)
				if err == io.EOF {
					break
				}
				if err != nil {
					return err
				}
				n := out.MsgsIn
				if n >= int64(len(want)) {
					return core.Errorf(core.CodeInternal, "ListTransactions sent more than %d records", len(want))
				}
				if err := want[n].match(got, 0); err != nil {
					return fmt.Errorf("ListTransactions record %d: %w", n, err)
				}
				if n == 0 {
					out.FirstMsg = time.Since(start)
				}
				out.MsgsIn++
			}
			if out.MsgsIn != int64(len(want)) {
				return core.Errorf(core.CodeInternal, "stream ended after %d of %d records", out.MsgsIn, len(want))
			}
			return nil
		}
	case Upload:
		name, data := uploadFile(cfg, i)
		first := mustMarshal(&filev1.UploadRequest{Filename: name, Data: data})
		rest := mustMarshal(&filev1.UploadRequest{Data: data})
		want := t.or.uploadExpect(name, data, cfg.StreamMsgs, cfg.StreamMsgs) // one message a chunk
		desc := &filev1.FileService_ServiceDesc.Streams[0]
		c.call = func(ctx context.Context, out *Outcome) error {
			ctx, cancel := context.WithCancel(counted(ctx, true))
			defer cancel()
			s, err := cc.NewStream(ctx, desc, filev1.FileService_Upload_FullMethodName, raw)
			if err != nil {
				return err
			}
			for k := range cfg.StreamMsgs {
				m := &rest
				if k == 0 {
					m = &first
				}
				if err := s.SendMsg(m); err != nil {
					if err == io.EOF {
						err = s.RecvMsg(&got) // the server's status
					}
					return err
				}
				out.MsgsOut++
			}
			if err := s.CloseSend(); err != nil {
				return err
			}
			if err := s.RecvMsg(&got); err != nil {
				return err
			}
			if err := want.match(got, 0); err != nil {
				return fmt.Errorf("Upload: %w", err)
			}
			return nil
		}
	case Chat:
		room := chatRoom(cfg, i)
		msg := t.or.chatMessage(room, string(filler(cfg.Payload.Bytes())))
		ack := t.or.ackExpect(room)
		sctx, cancel := context.WithCancel(counted(context.WithoutCancel(ctx), true))
		s, err := cc.NewStream(sctx, &chatv1.ChatService_ServiceDesc.Streams[0], chatv1.ChatService_Chat_FullMethodName, raw)
		if err != nil {
			cancel()
			return nil, fromGRPC(err)
		}
		c.stop = func() error {
			err := s.CloseSend()
			cancel()
			return err
		}
		var seq uint64
		var buf []byte
		c.call = func(_ context.Context, out *Outcome) error {
			seq++
			buf = msg.append(buf[:0], seq, true)
			if err := s.SendMsg(&buf); err != nil {
				if err == io.EOF {
					err = s.RecvMsg(&got) // the server's status
				}
				return err
			}
			out.MsgsOut = 1
			if err := s.RecvMsg(&got); err != nil {
				return err
			}
			out.MsgsIn = 1
			if err := ack.match(got, seq); err != nil {
				return fmt.Errorf("Chat seq %d: %w", seq, err)
			}
			return nil
		}
	default:
		return nil, fmt.Errorf("rpc %q not supported", cfg.RPC)
	}
	return c, nil
}
