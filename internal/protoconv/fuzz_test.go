package protoconv_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
)

// FuzzMessages unmarshals arbitrary bytes into each message that crosses
// the wire, converts it as the services and clients do, and hands request
// messages to the core, as grpcsvc does: none of it may panic, and the
// core answers every request with a result or a coded error.
func FuzzMessages(f *testing.F) {
	svc, err := core.New(core.WithUser("alice", "s3cret-pass"), core.WithBcryptCost(bcrypt.MinCost), core.WithMaxUpload(1<<20))
	if err != nil {
		f.Fatal(err)
	}
	tok, err := svc.ValidateUser(context.Background(), "", "alice", "s3cret-pass")
	if err != nil {
		f.Fatal(err)
	}
	seed := func(kind byte, m proto.Message) {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(kind, b)
	}
	seed(0, &authv1.ValidateUserRequest{Username: "alice", Password: "s3cret-pass"})
	seed(1, &authv1.ValidateTokenRequest{Token: tok.Token})
	seed(2, &transactionv1.GetTransactionRequest{Id: core.TransactionID(core.Payload1KiB, 3)})
	seed(3, &transactionv1.ListTransactionsRequest{AccountId: core.AccountID(1), Payload: "1KiB", Limit: 3, IntervalMs: 1})
	seed(4, &filev1.UploadRequest{Filename: "a.bin", Data: []byte("abc")})
	seed(5, &chatv1.ChatMessage{Room: "r", Seq: 1, Text: "hi"})
	tx, _ := svc.GetTransaction(context.Background(), core.TransactionID(core.Payload1KiB, 3))
	seed(6, protoconv.Transaction(tx))
	seed(7, protoconv.UserResult(tok))
	seed(8, &chatv1.ChatEvent{})
	seed(9, &filev1.UploadSummary{Bytes: 3})
	f.Add(byte(3), []byte{0x0a, 0x09, 'a', 'c', 'c', 't', '-', '0', '0', '0', '1', 0x18, 0xff, 0xff, 0xff, 0xff, 0x0f})

	f.Fuzz(func(t *testing.T, kind byte, b []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		// Every error is the core's own or the context's, so that it maps
		// to a status; never another error (CodeOf would call it internal).
		coded := func(err error) {
			var ce *core.Error
			if err != nil && !errors.As(err, &ce) && ctx.Err() == nil {
				t.Fatalf("error that is not a *core.Error: %v (%T)", err, err)
			}
		}
		switch kind % 10 {
		case 0:
			var m authv1.ValidateUserRequest
			if proto.Unmarshal(b, &m) == nil {
				_, err := svc.ValidateUser(ctx, "", m.GetUsername(), m.GetPassword())
				coded(err)
			}
		case 1:
			var m authv1.ValidateTokenRequest
			if proto.Unmarshal(b, &m) == nil {
				_, err := svc.ValidateToken(ctx, m.GetToken())
				coded(err)
				_, err = svc.Authenticate(m.GetToken())
				coded(err)
			}
		case 2:
			var m transactionv1.GetTransactionRequest
			if proto.Unmarshal(b, &m) == nil {
				_, err := svc.GetTransaction(ctx, m.GetId())
				coded(err)
			}
		case 3:
			var m transactionv1.ListTransactionsRequest
			if proto.Unmarshal(b, &m) == nil {
				req := protoconv.ListRequest(&m)
				if req.Interval > time.Millisecond {
					// A paced feed would outlast the fuzzer's patience: only
					// its checks run, then the context ends it.
					c, stop := context.WithCancel(ctx)
					stop()
					ctx = c
				}
				enough := errors.New("enough")
				n := 0
				err := svc.ListTransactions(ctx, req, func(tx *core.Transaction) error {
					if tx == nil {
						t.Fatal("nil record")
					}
					if n++; n == 3 {
						return enough
					}
					return nil
				})
				if !errors.Is(err, enough) && !errors.Is(err, context.Canceled) {
					coded(err)
				}
			}
		case 4:
			var m filev1.UploadRequest
			if proto.Unmarshal(b, &m) == nil {
				u, err := svc.NewUpload(m.GetFilename())
				coded(err)
				if err == nil {
					if _, err := u.Write(m.GetData()); err != nil {
						coded(err)
						u.Abort()
					} else if _, err := u.Finish(); err != nil {
						coded(err)
					}
				}
			}
		case 5:
			var m chatv1.ChatMessage
			if proto.Unmarshal(b, &m) == nil {
				msg := protoconv.ChatMessage(&m)
				sent := false
				err := svc.Chat(ctx, "alice", func(context.Context) (core.ChatMessage, error) {
					if sent {
						return core.ChatMessage{}, io.EOF
					}
					sent = true
					return msg, nil
				}, func(context.Context, core.ChatEvent) error { return nil })
				coded(err)
			}
		case 6:
			var m transactionv1.Transaction
			if proto.Unmarshal(b, &m) == nil {
				if tx := protoconv.FromTransaction(&m); tx == nil {
					t.Fatal("FromTransaction returned nil")
				} else {
					_ = protoconv.Transaction(tx)
				}
			}
		case 7:
			var m authv1.ValidateUserResponse
			if proto.Unmarshal(b, &m) == nil {
				_ = protoconv.UserResult(protoconv.FromUserResult(&m))
			}
			var tm authv1.ValidateTokenResponse
			if proto.Unmarshal(b, &tm) == nil {
				_ = protoconv.TokenResult(protoconv.FromTokenResult(&tm))
			}
		case 8:
			var m chatv1.ChatEvent
			if proto.Unmarshal(b, &m) == nil {
				_ = protoconv.ChatEvent(protoconv.FromChatEvent(&m))
			}
		case 9:
			var m filev1.UploadSummary
			if proto.Unmarshal(b, &m) == nil {
				_ = protoconv.UploadSummary(protoconv.FromUploadSummary(&m))
			}
		}
	})
}
