package restsvc_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/encoding/protodelim"

	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
)

// TestKeepAlive checks that the HTTP/1.1 variants reuse their connection
// after every kind of call, errors and streams included: a client that
// leaves a body unread would open a new connection each time.
func TestKeepAlive(t *testing.T) {
	t.Parallel()
	f := start(t)
	for _, variant := range []string{"rest", "rest-proto"} {
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			c := f.login(t, variant)
			calls := []struct {
				name string
				call func(ctx context.Context) error
			}{
				{name: "get", call: func(ctx context.Context) error {
					_, err := c.GetTransaction(ctx, "tx-1KiB-000001")
					return err
				}},
				{name: "not found", call: func(ctx context.Context) error {
					_, err := c.GetTransaction(ctx, "tx-1KiB-099999")
					if core.CodeOf(err) == core.CodeNotFound {
						return nil
					}
					return err
				}},
				{name: "list", call: func(ctx context.Context) error {
					return c.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(4), Payload: "1KiB", Limit: 20}, func(*core.Transaction) error { return nil })
				}},
				{name: "upload", call: func(ctx context.Context) error {
					_, err := c.Upload(ctx, "f", strings.NewReader(strings.Repeat("data", 50000)), 4096)
					return err
				}},
				{name: "validate", call: func(ctx context.Context) error {
					_, err := c.ValidateToken(ctx, "v1.x.y")
					return err
				}},
			}
			for _, first := range calls {
				for _, second := range calls {
					var reused []bool
					ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
						GotConn: func(info httptrace.GotConnInfo) { reused = append(reused, info.Reused) },
					})
					if err := first.call(ctx); err != nil {
						t.Fatalf("%s: %v", first.name, err)
					}
					if err := second.call(ctx); err != nil {
						t.Fatalf("%s: %v", second.name, err)
					}
					if len(reused) != 2 || !reused[1] {
						t.Errorf("%s then %s: connection reused %v, want the second call on a reused connection", first.name, second.name, reused)
					}
				}
			}
			if got := c.LastProto(); got != "HTTP/1.1" {
				t.Errorf("LastProto() = %q, want HTTP/1.1", got)
			}
		})
	}
}

// TestProtocols checks what each client negotiates with a server that
// serves HTTP/1.1 and h2c on one port.
func TestProtocols(t *testing.T) {
	t.Parallel()
	f := start(t)
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			var (
				mu   sync.Mutex
				seen = map[string]int{}
			)
			c := f.login(t, variant, client.WithProtoObserver(func(p string) {
				mu.Lock()
				seen[p]++
				mu.Unlock()
			}))
			if _, err := c.GetTransaction(context.Background(), "tx-100B-000001"); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 1 || seen[wantProto(variant)] != 2 {
				t.Errorf("protocols seen %v, want 2 answers over %s", seen, wantProto(variant))
			}
			// Raw: the h2c transport really speaks HTTP/2.
			resp, err := httpClient(t, variant).Get(f.url + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.Proto != wantProto(variant) || string(b) != "ok" {
				t.Errorf("GET /healthz: %s %q, want %s \"ok\"", resp.Proto, b, wantProto(variant))
			}
		})
	}
}

// TestTLS checks that a TLS server speaks HTTP/1.1 only, unless WithHTTP2
// lets it negotiate h2.
func TestTLS(t *testing.T) {
	t.Parallel()
	// Borrow httptest's self-signed certificate.
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	cert, pool := ts.TLS.Certificates[0], x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	ts.Close()

	svc, err := core.New(core.WithBcryptCost(4))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts []restsvc.ServerOption
		want string
	}{
		{name: "default", want: "HTTP/1.1"},
		{name: "h2c only", opts: []restsvc.ServerOption{restsvc.WithH2C()}, want: "HTTP/1.1"},
		{name: "http2", opts: []restsvc.ServerOption{restsvc.WithHTTP2()}, want: "HTTP/2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := restsvc.NewServer(restsvc.NewHandler(svc), tt.opts...)
			srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = srv.ServeTLS(ln, "", "")
			}()
			defer func() { srv.Close(); <-done }()

			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Get("https://" + ln.Addr().String() + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.Proto != tt.want {
				t.Errorf("negotiated %s, want %s", resp.Proto, tt.want)
			}
		})
	}
}

// TestStreamFormats checks the three stream encodings on the wire.
func TestStreamFormats(t *testing.T) {
	t.Parallel()
	f := start(t)
	c := f.newClient(t, "rest")
	res, err := c.ValidateUser(context.Background(), user, password)
	if err != nil {
		t.Fatal(err)
	}
	req := core.ListRequest{AccountID: core.AccountID(3), Payload: "100B", Limit: 7}
	want := feed(t, f.svc, req)
	tests := []struct {
		name   string
		accept string
		ctype  string
		count  func(t *testing.T, body []byte) (ids []string)
	}{
		{name: "default is ndjson", accept: "", ctype: "application/x-ndjson", count: ndjsonIDs},
		{name: "ndjson", accept: "application/x-ndjson", ctype: "application/x-ndjson", count: ndjsonIDs},
		{name: "sse", accept: "text/event-stream", ctype: "text/event-stream", count: sseIDs},
		{name: "protobuf", accept: "application/x-protobuf", ctype: "application/x-protobuf", count: protoIDs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hdr := []string{"Authorization", "Bearer " + res.Token}
			if tt.accept != "" {
				hdr = append(hdr, "Accept", tt.accept)
			}
			httpReq, err := http.NewRequest("GET", f.url+"/v1/transactions?account=acct-0003&payload=100B&limit=7", nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(hdr); i += 2 {
				httpReq.Header.Set(hdr[i], hdr[i+1])
			}
			resp, err := httpClient(t, "rest").Do(httpReq)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
				t.Errorf("Transfer-Encoding %v, want chunked", resp.TransferEncoding)
			}
			ids := tt.count(t, body)
			if len(ids) != len(want) {
				t.Fatalf("%d records, want %d", len(ids), len(want))
			}
			for i, id := range ids {
				if id != want[i].ID {
					t.Errorf("record %d: id %q, want %q", i, id, want[i].ID)
				}
			}
		})
	}
}

func ndjsonIDs(t *testing.T, body []byte) []string {
	var ids []string
	for line := range bytes.Lines(body) {
		if !bytes.HasPrefix(line, []byte(`{"id":"`)) || !bytes.HasSuffix(line, []byte("}\n")) {
			t.Fatalf("line %q is not one JSON record", line)
		}
		id, _, _ := strings.Cut(string(line[len(`{"id":"`):]), `"`)
		ids = append(ids, id)
	}
	return ids
}

func sseIDs(t *testing.T, body []byte) []string {
	var ids []string
	for ev := range strings.SplitSeq(strings.TrimSuffix(string(body), "\n\n"), "\n\n") {
		rest, ok := strings.CutPrefix(ev, "event: transaction\ndata: {\"id\":\"")
		if !ok || strings.Count(ev, "\n") != 1 {
			t.Fatalf("event %q is not one SSE transaction", ev)
		}
		id, _, _ := strings.Cut(rest, `"`)
		ids = append(ids, id)
	}
	return ids
}

func protoIDs(t *testing.T, body []byte) []string {
	var ids []string
	br := bufio.NewReader(bytes.NewReader(body))
	for {
		var m transactionv1.Transaction
		err := protodelim.UnmarshalFrom(br, &m)
		if err == io.EOF {
			return ids
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.GetId())
	}
}
