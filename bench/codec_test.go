package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	authv1 "restvsgrpc/gen/auth/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/internal/protoconv"
)

// codecCase is one message of the contracts in both encodings: the Go
// value the REST service binds or renders with encoding/json, and the
// protobuf message gRPC and rest-proto put on the wire.
type codecCase struct {
	msg, payload string
	json         any
	newJSON      func() any // a pointer to decode into
	pb           proto.Message
}

func (c codecCase) name(codec, op string) string {
	s := "msg=" + c.msg + "/codec=" + codec + "/op=" + op
	if c.payload != "" {
		s += "/payload=" + c.payload
	}
	return s
}

// The JSON request bodies of the REST contract (restsvc/doc.go).
type (
	jsonValidateUser struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	jsonValidateToken struct {
		Token string `json:"token"`
	}
	// jsonUploadChunk is what a chunk would cost as a JSON body (bytes in
	// base64). The REST twin streams raw bytes instead; this row shows why.
	jsonUploadChunk struct {
		Filename string `json:"filename"`
		Data     []byte `json:"data"`
	}
	jsonGetTransaction struct {
		ID string `json:"id"`
	}
	jsonListTransactions struct {
		AccountID  string `json:"account_id"`
		Payload    string `json:"payload"`
		Limit      int    `json:"limit"`
		IntervalMS int    `json:"interval_ms"`
	}
)

func newOf[T any]() func() any { return func() any { return new(T) } }

// codecCases lists every message of the four contracts, with a payload
// dimension where the message has one.
func codecCases(tb testing.TB, svc *core.Service, payloads []core.Payload) []codecCase {
	tb.Helper()
	expires := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	user := core.UserResult{IsValid: true, Message: "credentials accepted", Token: strings.Repeat("t", 120), ExpiresAt: expires}
	tok := core.TokenResult{IsValid: true, Subject: "alice", ExpiresAt: expires, Message: "token accepted"}
	sum := core.UploadSummary{Filename: "data.bin", Bytes: 1 << 20, Chunks: 16, SHA256: strings.Repeat("ab", 32)}
	cases := []codecCase{
		{msg: "ValidateUserRequest", json: jsonValidateUser{"alice", "s3cret-pass"}, newJSON: newOf[jsonValidateUser](),
			pb: &authv1.ValidateUserRequest{Username: "alice", Password: "s3cret-pass"}},
		{msg: "ValidateUserResponse", json: user, newJSON: newOf[core.UserResult](), pb: protoconv.UserResult(user)},
		{msg: "ValidateTokenRequest", json: jsonValidateToken{user.Token}, newJSON: newOf[jsonValidateToken](),
			pb: &authv1.ValidateTokenRequest{Token: user.Token}},
		{msg: "ValidateTokenResponse", json: tok, newJSON: newOf[core.TokenResult](), pb: protoconv.TokenResult(tok)},
		{msg: "GetTransactionRequest", json: jsonGetTransaction{core.TransactionID(core.Payload1KiB, 7)}, newJSON: newOf[jsonGetTransaction](),
			pb: &transactionv1.GetTransactionRequest{Id: core.TransactionID(core.Payload1KiB, 7)}},
		{msg: "ListTransactionsRequest", json: jsonListTransactions{core.AccountID(3), "1KiB", 100, 0}, newJSON: newOf[jsonListTransactions](),
			pb: &transactionv1.ListTransactionsRequest{AccountId: core.AccountID(3), Payload: "1KiB", Limit: 100}},
		{msg: "UploadSummary", json: sum, newJSON: newOf[core.UploadSummary](), pb: protoconv.UploadSummary(sum)},
	}
	for _, p := range payloads {
		t, err := svc.GetTransaction(context.Background(), core.TransactionID(p, 0))
		if err != nil {
			tb.Fatal(err)
		}
		chunk := bytes.Repeat([]byte{0xa5}, p.Bytes())
		cases = append(cases,
			codecCase{msg: "Transaction", payload: string(p), json: t, newJSON: newOf[core.Transaction](), pb: protoconv.Transaction(t)},
			codecCase{msg: "UploadRequest", payload: string(p), json: jsonUploadChunk{"data.bin", chunk}, newJSON: newOf[jsonUploadChunk](),
				pb: &filev1.UploadRequest{Filename: "data.bin", Data: chunk}},
		)
		if n := p.Bytes(); n <= core.MaxChatText {
			text := strings.Repeat("x", n)
			msg := core.ChatMessage{Room: "bench", Seq: 1 << 20, Text: text}
			ev := core.ChatEvent{Kind: core.EventMessage, Room: "bench", Seq: 1 << 20, From: "alice", Text: text, SentAt: expires}
			cases = append(cases,
				codecCase{msg: "ChatMessage", payload: string(p), json: msg, newJSON: newOf[core.ChatMessage](), pb: protoconv.ToChatMessage(msg)},
				codecCase{msg: "ChatEvent", payload: string(p), json: ev, newJSON: newOf[core.ChatEvent](), pb: protoconv.ChatEvent(ev)},
			)
		}
	}
	return cases
}

// derefJSON returns what a decoded pointer points to, for comparison.
func derefJSON(v any) any {
	switch v := v.(type) {
	case *jsonValidateUser:
		return *v
	case *jsonValidateToken:
		return *v
	case *jsonUploadChunk:
		return *v
	case *jsonGetTransaction:
		return *v
	case *jsonListTransactions:
		return *v
	case *core.UserResult:
		return *v
	case *core.TokenResult:
		return *v
	case *core.UploadSummary:
		return *v
	case *core.ChatMessage:
		return *v
	case *core.ChatEvent:
		return *v
	case *core.Transaction:
		return v // the original is a pointer too
	}
	panic(fmt.Sprintf("derefJSON: unexpected %T", v))
}

// BenchmarkCodec encodes and decodes every message in encoding/json (as gin
// binds and renders it) and in protobuf (protobuf-go), then with the codec
// variants' libraries (codec=sonic, go_json, vtproto), isolating the data format from the
// transport. body-B/op is the encoded size; SetBytes makes MB/s the encoded
// bytes per second.
func BenchmarkCodec(b *testing.B) {
	svc := newService(b)
	for _, c := range codecCases(b, svc, set().payloads) {
		jsonBody, err := json.Marshal(c.json)
		if err != nil {
			b.Fatal(err)
		}
		pbBody, err := proto.Marshal(c.pb)
		if err != nil {
			b.Fatal(err)
		}
		// Both decoders must give back what was encoded.
		dst := c.newJSON()
		if err := json.Unmarshal(jsonBody, dst); err != nil {
			b.Fatal(err)
		}
		if diff := cmp.Diff(c.json, derefJSON(dst)); diff != "" {
			b.Fatalf("%s: json round trip (-want +got):\n%s", c.msg, diff)
		}
		pbDst := c.pb.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(pbBody, pbDst); err != nil {
			b.Fatal(err)
		}
		if diff := cmp.Diff(c.pb, pbDst, protocmp.Transform()); diff != "" {
			b.Fatalf("%s: protobuf round trip (-want +got):\n%s", c.msg, diff)
		}

		b.Run(c.name("json", "encode"), func(b *testing.B) {
			codecLoop(b, len(jsonBody), func() (int, error) {
				out, err := json.Marshal(c.json)
				return len(out), err
			})
		})
		b.Run(c.name("json", "decode"), func(b *testing.B) {
			codecLoop(b, len(jsonBody), func() (int, error) {
				return len(jsonBody), json.Unmarshal(jsonBody, c.newJSON())
			})
		})
		b.Run(c.name("protobuf", "encode"), func(b *testing.B) {
			codecLoop(b, len(pbBody), func() (int, error) {
				out, err := proto.Marshal(c.pb)
				return len(out), err
			})
		})
		b.Run(c.name("protobuf", "decode"), func(b *testing.B) {
			codecLoop(b, len(pbBody), func() (int, error) {
				return len(pbBody), proto.Unmarshal(pbBody, c.pb.ProtoReflect().New().Interface())
			})
		})
		// The codec variants' libraries: the same JSON by sonic and
		// go-json (as gin's build tags choose them), the same protobuf by
		// vtprotobuf's generated code.
		for _, lib := range jsonlib.Libs[1:] {
			libBody, err := lib.Marshal(c.json)
			if err != nil {
				b.Fatal(err)
			}
			if err := lib.Unmarshal(jsonBody, dst); err != nil {
				b.Fatal(err)
			}
			if diff := cmp.Diff(c.json, derefJSON(dst)); diff != "" {
				b.Fatalf("%s: %s decoding encoding/json's bytes (-want +got):\n%s", c.msg, lib.Name, diff)
			}
			b.Run(c.name(lib.Name, "encode"), func(b *testing.B) {
				codecLoop(b, len(libBody), func() (int, error) {
					out, err := lib.Marshal(c.json)
					return len(out), err
				})
			})
			b.Run(c.name(lib.Name, "decode"), func(b *testing.B) {
				codecLoop(b, len(jsonBody), func() (int, error) {
					return len(jsonBody), lib.Unmarshal(jsonBody, c.newJSON())
				})
			})
		}
		vt := c.pb.(vtMessage)
		vtDst := c.pb.ProtoReflect().New().Interface()
		if err := vtDst.(vtMessage).UnmarshalVT(pbBody); err != nil {
			b.Fatal(err)
		}
		if diff := cmp.Diff(c.pb, vtDst, protocmp.Transform()); diff != "" {
			b.Fatalf("%s: vtprotobuf decoding protobuf-go's bytes (-want +got):\n%s", c.msg, diff)
		}
		b.Run(c.name("vtproto", "encode"), func(b *testing.B) {
			codecLoop(b, len(pbBody), func() (int, error) {
				out, err := vt.MarshalVT()
				return len(out), err
			})
		})
		b.Run(c.name("vtproto", "decode"), func(b *testing.B) {
			codecLoop(b, len(pbBody), func() (int, error) {
				return len(pbBody), c.pb.ProtoReflect().New().Interface().(vtMessage).UnmarshalVT(pbBody)
			})
		})
	}
}

// vtMessage is a message with vtprotobuf's generated methods.
type vtMessage interface {
	MarshalVT() ([]byte, error)
	UnmarshalVT([]byte) error
}

// codecLoop runs op, failing on an error or a size other than want.
func codecLoop(b *testing.B, want int, op func() (int, error)) {
	b.ReportAllocs()
	b.SetBytes(int64(want))
	for b.Loop() {
		n, err := op()
		if err != nil {
			b.Fatal(err)
		}
		if n != want {
			b.Fatalf("encoded %d bytes, want %d", n, want)
		}
	}
	b.ReportMetric(float64(want), "body-B/op")
}
