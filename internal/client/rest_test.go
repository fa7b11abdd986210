package client_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/protobuf/encoding/protodelim"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
)

// TestRESTStreamErrors checks that the REST client reads the record that
// ends a failed stream, in each format, as the error it names, after the
// records before it.
func TestRESTStreamErrors(t *testing.T) {
	t.Parallel()
	rec := &core.Transaction{ID: "tx-100B-000001", AccountID: "acct-0001", Currency: "EUR", Status: core.StatusSettled}
	tests := []struct {
		name  string
		opts  []client.RESTOption
		serve func(w http.ResponseWriter)
	}{
		{name: "ndjson", serve: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/x-ndjson")
			io.WriteString(w, `{"id":"tx-100B-000001","account_id":"acct-0001","currency":"EUR","status":"settled"}`+"\n")
			io.WriteString(w, `{"error":{"code":"unavailable","message":"going away"}}`+"\n")
		}},
		{name: "sse", opts: []client.RESTOption{client.WithSSE()}, serve: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: transaction\ndata: {\"id\":\"tx-100B-000001\",\"account_id\":\"acct-0001\",\"currency\":\"EUR\",\"status\":\"settled\"}\n\n")
			io.WriteString(w, "event: error\ndata: {\"code\":\"unavailable\",\"message\":\"going away\"}\n\n")
		}},
		{name: "protobuf", opts: []client.RESTOption{client.WithProto()}, serve: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.WriteHeader(http.StatusOK)
			if _, err := protodelim.MarshalTo(w, protoconv.Transaction(rec)); err != nil {
				panic(err)
			}
			w.(http.Flusher).Flush() // chunked, so that trailers can follow
			w.Header().Set(http.TrailerPrefix+"X-Error-Code", "unavailable")
			w.Header().Set(http.TrailerPrefix+"X-Error-Message", "going away")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tt.serve(w) }))
			defer ts.Close()
			c := client.NewREST(ts.URL, ts.Client(), tt.opts...)
			var got []string
			err := c.ListTransactions(context.Background(), core.ListRequest{AccountID: "acct-0001"}, func(tx *core.Transaction) error {
				got = append(got, tx.ID+" "+string(tx.Status))
				return nil
			})
			if len(got) != 1 || got[0] != "tx-100B-000001 settled" {
				t.Errorf("records %q, want the one before the error", got)
			}
			if core.CodeOf(err) != core.CodeUnavailable || core.MessageOf(err) != "going away" {
				t.Errorf("error %v (code %v), want unavailable: going away", err, core.CodeOf(err))
			}
		})
	}
}

// TestRESTErrorWithoutBody checks that an error answer whose body names no
// code still carries the code of its status.
func TestRESTErrorWithoutBody(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream down", http.StatusBadGateway)
	}))
	defer ts.Close()
	_, err := client.NewREST(ts.URL, ts.Client()).GetTransaction(context.Background(), "tx-100B-000001")
	if got := core.CodeOf(err); got != core.CodeUnavailable {
		t.Errorf("code %v (%v), want %v", got, err, core.CodeUnavailable)
	}
}
