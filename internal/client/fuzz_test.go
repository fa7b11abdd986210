package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protodelim"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
)

// canned is a RoundTripper that answers every request with one response,
// as a malicious or broken server could: any status, any body, any
// trailer.
type canned struct {
	status  int
	ctype   string
	body    []byte
	trailer string // X-Error-Code, when not empty
}

func (c canned) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	resp := &http.Response{
		Status:     strconv.Itoa(c.status),
		StatusCode: c.status,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {c.ctype}},
		Body:          io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: -1,
		Request:       req,
	}
	if c.trailer != "" {
		resp.Trailer = http.Header{"X-Error-Code": {c.trailer}, "X-Error-Message": {"m"}}
	}
	return resp, nil
}

// FuzzRESTStream feeds the REST client's stream readers (NDJSON, SSE and
// length-delimited protobuf) arbitrary bodies: a server must not be able
// to crash or hang a client. Every record handed to the callback is a
// record, and a failure is an error, never a panic.
func FuzzRESTStream(f *testing.F) {
	rec := &core.Transaction{ID: "tx-100B-000001", AccountID: "acct-0001", Currency: "EUR", Status: core.StatusSettled, Metadata: map[string]string{"k": "v"}}
	var pb bytes.Buffer
	if _, err := protodelim.MarshalTo(&pb, protoconv.Transaction(rec)); err != nil {
		f.Fatal(err)
	}
	f.Add(byte(0), []byte(`{"id":"tx-100B-000001","status":"settled"}`+"\n"+`{"error":{"code":"unavailable","message":"going away"}}`+"\n"), "")
	f.Add(byte(0), []byte("\n\n{\"id\":1}\n{"), "")
	f.Add(byte(1), []byte("event: transaction\ndata: {\"id\":\"tx-100B-000001\"}\n\nevent: error\ndata: {\"code\":\"unavailable\",\"message\":\"x\"}\n\n"), "")
	f.Add(byte(1), []byte("data: {\"id\":\ndata: \"x\"}\r\n\r\n:comment\nevent\n\n"), "")
	f.Add(byte(2), pb.Bytes(), "")
	f.Add(byte(2), pb.Bytes(), "unavailable")
	f.Add(byte(2), []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, "")
	f.Add(byte(2), append([]byte{0x80, 0x80, 0x80, 0x20}, 0x0a), "")

	f.Fuzz(func(t *testing.T, format byte, body []byte, trailer string) {
		var opts []client.RESTOption
		ctype := "application/x-ndjson"
		switch format % 3 {
		case 1:
			opts, ctype = append(opts, client.WithSSE()), "text/event-stream"
		case 2:
			opts, ctype = append(opts, client.WithProto()), "application/x-protobuf"
		}
		hc := &http.Client{Transport: canned{status: http.StatusOK, ctype: ctype, body: body, trailer: trailer}}
		c := client.NewREST("http://fuzz.invalid", hc, opts...)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := c.ListTransactions(ctx, core.ListRequest{AccountID: "acct-0001"}, func(tx *core.Transaction) error {
			if tx == nil {
				t.Fatal("nil record")
			}
			return nil
		})
		if ctx.Err() != nil {
			t.Fatalf("the reader did not finish a %d-byte body: %v", len(body), err)
		}
	})
}

// FuzzRESTUnary feeds the REST client's unary calls arbitrary answers:
// any status, content type and body. None may panic; an error status is
// always an error, carrying a code.
func FuzzRESTUnary(f *testing.F) {
	f.Add(200, byte(0), []byte(`{"is_valid":true,"message":"ok","token":"t","expires_at":"2026-01-01T00:00:00Z"}`))
	f.Add(200, byte(1), []byte{0x08, 0x01, 0x12, 0x02, 'o', 'k'})
	f.Add(404, byte(0), []byte(`{"code":"not_found","message":"nope"}`))
	f.Add(500, byte(0), []byte(`<html>`))
	f.Add(200, byte(0), []byte(`{"id":5}`))
	f.Add(413, byte(1), []byte{0xff})
	f.Fuzz(func(t *testing.T, status int, proto byte, body []byte) {
		if status < 100 || status > 999 {
			status = 200 + (status&0xff)%400
		}
		var opts []client.RESTOption
		ctype := "application/json"
		if proto%2 == 1 {
			opts, ctype = append(opts, client.WithProto()), "application/x-protobuf"
		}
		c := client.NewREST("http://fuzz.invalid", &http.Client{Transport: canned{status: status, ctype: ctype, body: body}}, opts...)
		ctx := context.Background()
		check := func(what string, err error) {
			if status >= 400 && err == nil {
				t.Errorf("%s: status %d answered without an error", what, status)
			}
			var ce *core.Error
			if err != nil && status >= 400 && !errors.As(err, &ce) {
				t.Errorf("%s: status %d: error %v (%T), want a *core.Error", what, status, err, err)
			}
		}
		_, err := c.ValidateUser(ctx, "alice", "pw")
		check("ValidateUser", err)
		_, err = c.ValidateToken(ctx, "t")
		check("ValidateToken", err)
		_, err = c.GetTransaction(ctx, "tx-100B-000001")
		check("GetTransaction", err)
		_, err = c.Upload(ctx, "a.bin", bytes.NewReader([]byte("abc")), 0)
		check("Upload", err)
	})
}
