package restsvc_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	chatv1 "restvsgrpc/gen/chat/v1"
	"restvsgrpc/restsvc/restwire"
)

// FuzzChatFrames sends one arbitrary frame, of either type, on a chat
// session of either subprotocol, then ends the session: the server answers
// with acks or closes with a client-error status, never 1011 (internal
// error), and never hangs.
func FuzzChatFrames(f *testing.F) {
	fx := start(f)
	tok, err := fx.svc.ValidateUser(context.Background(), "", user, password)
	if err != nil {
		f.Fatal(err)
	}
	hc := httpClient(f, "rest")
	pb, _ := proto.Marshal(&chatv1.ChatMessage{Room: "r", Seq: 1, Text: "hi"})
	f.Add(false, false, []byte(`{"room":"r","seq":1,"text":"hi"}`))
	f.Add(false, false, []byte(`{"room":"","seq":-1}`))
	f.Add(false, false, []byte(`{"room":"r","seq":1e400}`))
	f.Add(false, true, []byte(`{"room":"r"}`))
	f.Add(true, true, pb)
	f.Add(true, true, []byte{0x0a, 0xff})
	f.Add(true, false, pb)
	f.Fuzz(func(t *testing.T, protoSession, binary bool, frame []byte) {
		sub, typ := restwire.SubprotocolJSON, websocket.MessageText
		if protoSession {
			sub = restwire.SubprotocolProto
		}
		if binary {
			typ = websocket.MessageBinary
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		conn, _, err := websocket.Dial(ctx, fx.url+"/v1/chat", &websocket.DialOptions{
			HTTPClient:   hc,
			HTTPHeader:   http.Header{"Authorization": {"Bearer " + tok.Token}},
			Subprotocols: []string{sub},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		conn.SetReadLimit(1 << 20)
		if err := conn.Write(ctx, typ, frame); err != nil {
			return // the server closed first; Read below would say why
		}
		_ = conn.Write(ctx, typ, nil) // no more messages
		for {
			_, _, err := conn.Read(ctx)
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				t.Fatalf("session did not end: %v", err)
			}
			switch st := websocket.CloseStatus(err); st {
			case websocket.StatusNormalClosure, websocket.StatusPolicyViolation, websocket.StatusUnsupportedData, websocket.StatusMessageTooBig:
			default:
				t.Fatalf("frame %q (%s, binary %v): closed with %v: %v", frame, sub, binary, st, err)
			}
			return
		}
	})
}
