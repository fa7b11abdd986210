package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"restvsgrpc/internal/core"
)

// decodeCaller makes calls of the decode mode through a Client, the code
// conformance proves: what a Go caller of either transport pays.
type decodeCaller struct {
	c      Client
	cfg    TargetConfig
	or     *oracle
	cb     *callBytes
	call   func(ctx context.Context, out *Outcome) error
	closer func() error
}

// newDecodeCaller returns worker i's caller over c, logged in with token. The call's body bytes
// are counted into a callBytes its context carries, by the stats handler
// (grpc) or by countingTransport (REST).
func newDecodeCaller(ctx context.Context, c Client, cfg TargetConfig, or *oracle, token string, i int) (Caller, error) {
	d := &decodeCaller{c: c, cfg: cfg, or: or, cb: new(callBytes)}
	switch cfg.RPC {
	case ValidateToken:
		want := or.token
		d.call = func(ctx context.Context, _ *Outcome) error {
			got, err := c.ValidateToken(ctx, token)
			if err != nil {
				return err
			}
			return differ("ValidateToken", want, got)
		}
	case ValidateUser:
		d.call = func(ctx context.Context, _ *Outcome) error {
			got, err := c.ValidateUser(ctx, cfg.User, cfg.Password)
			switch {
			case err != nil:
				return err
			case !got.IsValid || got.Message != or.okMsg || got.Token == "" || got.ExpiresAt.IsZero():
				return core.Errorf(core.CodeInternal, "ValidateUser answered %+v, want a valid login with a token and an expiry", got)
			}
			return nil
		}
	case GetTransaction:
		class, err := or.class(cfg.Payload)
		if err != nil {
			return nil, err
		}
		ids, want := class.ids, class.recs
		k := i
		d.call = func(ctx context.Context, _ *Outcome) error {
			k = (k + 1) % len(ids)
			got, err := c.GetTransaction(ctx, ids[k])
			if err != nil {
				return err
			}
			return differ("GetTransaction "+ids[k], want[k], got)
		}
	case ListTransactions:
		req := feedRequest(cfg, i)
		want, err := or.feed(req)
		if err != nil {
			return nil, err
		}
		d.call = func(ctx context.Context, out *Outcome) error {
			start := time.Now()
			err := c.ListTransactions(ctx, req, func(t *core.Transaction) error {
				if out.MsgsIn == 0 {
					out.FirstMsg = time.Since(start)
				}
				n := out.MsgsIn
				out.MsgsIn++
				if n >= int64(len(want)) {
					return core.Errorf(core.CodeInternal, "ListTransactions sent more than %d records", len(want))
				}
				return differ("ListTransactions record "+strconv.FormatInt(n, 10), want[n], t)
			})
			if err == nil && out.MsgsIn != int64(len(want)) {
				err = core.Errorf(core.CodeInternal, "stream ended after %d of %d records", out.MsgsIn, len(want))
			}
			return err
		}
	case Upload:
		name, data := uploadFile(cfg, i)
		want := core.UploadSummary{Filename: name, Bytes: int64(len(data) * cfg.StreamMsgs), SHA256: or.uploadSum(data, cfg.StreamMsgs)}
		// gRPC and Connect say one message a chunk; REST's server counts
		// its reads.
		_, isGRPC := c.(*grpcClient)
		_, isConnect := c.(*connectClient)
		oneEach := isGRPC || isConnect
		d.call = func(ctx context.Context, out *Outcome) error {
			body := &chunks{data: data, left: cfg.StreamMsgs}
			got, err := c.Upload(ctx, name, body, len(data))
			out.MsgsOut = int64(cfg.StreamMsgs - body.left)
			if err != nil {
				return err
			}
			w := want
			if oneEach {
				w.Chunks = int64(cfg.StreamMsgs)
			} else {
				w.Chunks = got.Chunks
			}
			return differ("Upload", w, got)
		}
	case Chat:
		room := chatRoom(cfg, i)
		text := string(filler(cfg.Payload.Bytes()))
		s, err := c.Chat(d.counted(context.WithoutCancel(ctx)))
		if err != nil {
			return nil, err
		}
		d.closer = s.Close
		var seq uint64
		d.call = func(ctx context.Context, out *Outcome) error {
			seq++
			if err := s.Send(core.ChatMessage{Room: room, Seq: seq, Text: text}); err != nil {
				return err
			}
			out.MsgsOut = 1
			for {
				ev, err := s.Recv()
				if err != nil {
					return err
				}
				out.MsgsIn++
				if ev.Kind != core.EventAck || ev.Seq != seq {
					continue // another member's message: none in a room of one
				}
				if ev.Room != room || ev.From != or.user || ev.Text != "" || ev.SentAt.IsZero() {
					return core.Errorf(core.CodeInternal, "Chat seq %d: ack %+v, want room %q from %q with a time", seq, ev, room, or.user)
				}
				if rc, ok := s.(*restChat); ok {
					out.BodyIn, out.BodyOut = rc.bytesIn.Swap(0), rc.bytesOut.Swap(0)
				}
				return nil
			}
		}
	default:
		return nil, fmt.Errorf("rpc %q not supported", cfg.RPC)
	}
	return d, nil
}

// counted returns ctx carrying the caller's byte counts, reset.
func (d *decodeCaller) counted(ctx context.Context) context.Context {
	d.cb.reset()
	return context.WithValue(ctx, callBytesKey{}, d.cb)
}

func (d *decodeCaller) Call(ctx context.Context) (Outcome, error) {
	var out Outcome
	if d.cfg.RPC == Chat {
		d.cb.reset() // the session's context carries it
	} else {
		ctx = d.counted(ctx)
	}
	err := d.call(ctx, &out)
	if out.BodyIn == 0 && out.BodyOut == 0 {
		d.cb.fill(&out)
	} else {
		out.GRPCWireIn, out.GRPCWireOut = d.cb.wireIn.Load(), d.cb.wireOut.Load()
	}
	return out, unavailable(err)
}

func (d *decodeCaller) Close() error {
	if d.closer != nil {
		return d.closer()
	}
	return nil
}

// differ compares a decoded answer with the value the data set prescribes
// and names the first field that differs.
func differ(call string, want, got any) error {
	wv, gv := reflect.Indirect(reflect.ValueOf(want)), reflect.Indirect(reflect.ValueOf(got))
	if reflect.DeepEqual(wv.Interface(), gv.Interface()) {
		return nil
	}
	if wv.Kind() == reflect.Struct && gv.Type() == wv.Type() {
		for i := range wv.NumField() {
			w, g := wv.Field(i).Interface(), gv.Field(i).Interface()
			if !reflect.DeepEqual(w, g) {
				return core.Errorf(core.CodeInternal, "%s: field %s: got %s, want %s", call, wv.Type().Field(i).Name, excerpt(g), excerpt(w))
			}
		}
	}
	return core.Errorf(core.CodeInternal, "%s: got %s, want %s", call, excerpt(got), excerpt(want))
}

// excerpt prints v in at most 80 characters.
func excerpt(v any) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

// countingTransport counts the request and response bodies of each call
// into the callBytes its context carries, as grpc-go's stats handler does
// for gRPC payloads.
type countingTransport struct{ base http.RoundTripper }

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	cb, _ := req.Context().Value(callBytesKey{}).(*callBytes)
	if cb != nil && req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Body = &countingBody{ReadCloser: req.Body, n: &cb.payloadOut}
	}
	resp, err := t.base.RoundTrip(req)
	if err == nil && cb != nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &cb.payloadIn}
	}
	return resp, err
}

// countingBody adds the bytes read through it to n.
type countingBody struct {
	io.ReadCloser
	n interface{ Add(int64) int64 }
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}
