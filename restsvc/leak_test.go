package restsvc_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
)

// These tests do not run in parallel: each checks that no goroutine of its
// own outlives what it did, while its server still runs.

// cutReader yields n bytes, then fails as a client whose source broke.
type cutReader struct{ n int }

var errCut = errors.New("source broke")

func (r *cutReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errCut
	}
	p = p[:min(len(p), r.n)]
	for i := range p {
		p[i] = byte(i)
	}
	r.n -= len(p)
	return len(p), nil
}

func TestAbandonedCallsFreeTheServer(t *testing.T) {
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			f := start(t)
			var tr *http.Transport
			if variant == "rest-h2c" {
				tr = client.H2CTransport()
			} else {
				tr = http.DefaultTransport.(*http.Transport).Clone()
			}
			defer tr.CloseIdleConnections()
			opts := []client.RESTOption{client.WithVariant(variant)}
			if variant == "rest-proto" {
				opts = append(opts, client.WithProto())
			}
			c := client.NewREST(f.url, &http.Client{Transport: tr}, opts...)
			res, err := c.ValidateUser(context.Background(), user, password)
			if err != nil {
				t.Fatal(err)
			}
			c.SetToken(res.Token)
			long := core.ListRequest{AccountID: core.AccountID(2), Payload: "1KiB", Limit: core.MaxListLimit}

			// A stream whose reader stops.
			stop := errors.New("seen enough")
			n := 0
			err = c.ListTransactions(context.Background(), long, func(*core.Transaction) error {
				if n++; n == 50 {
					return stop
				}
				return nil
			})
			if !errors.Is(err, stop) {
				t.Errorf("ListTransactions stopped by its reader: %v, want %v", err, stop)
			}

			// A stream whose context is canceled.
			ctx, cancel := context.WithCancel(context.Background())
			n = 0
			err = c.ListTransactions(ctx, long, func(*core.Transaction) error {
				if n++; n == 50 {
					cancel()
				}
				return nil
			})
			if got := core.CodeOf(err); got != core.CodeCanceled {
				t.Errorf("ListTransactions canceled: %v (code %v), want code %v", err, got, core.CodeCanceled)
			}

			// An upload cut mid-way is not reported complete.
			_, err = c.Upload(context.Background(), "cut.bin", &cutReader{n: 300 << 10}, 16<<10)
			if err == nil {
				t.Errorf("Upload of a cut body succeeded")
			}
			eventually(t, "the server to abort the cut upload", func() bool {
				_, failed := f.svc.UploadCounts()
				return failed == 1
			})
			if completed, _ := f.svc.UploadCounts(); completed != 0 {
				t.Errorf("%d uploads completed, want 0", completed)
			}

			// A chat session abandoned without a word, and one canceled.
			s, err := c.Chat(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(core.ChatMessage{Room: "leak", Seq: 1, Text: "hi"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Recv(); err != nil {
				t.Fatal(err)
			}
			s.Close()
			ctx, cancel = context.WithCancel(context.Background())
			s, err = c.Chat(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(core.ChatMessage{Room: "leak", Seq: 1, Text: "hi"}); err != nil {
				t.Fatal(err)
			}
			cancel()
			if _, err := s.Recv(); err == nil {
				t.Errorf("Recv on a canceled chat succeeded")
			}
			s.Close()

			tr.CloseIdleConnections()
			goleak.VerifyNone(t, ignore, goleak.IgnoreAnyFunction("net/http.(*Server).Serve"))
		})
	}
}

// TestServerStaysUsable checks that after every kind of bad input the
// server still answers.
func TestServerStaysUsable(t *testing.T) {
	f := start(t)
	for _, body := range []string{`{`, `{"username":1}`, strings.Repeat("[", 10000)} {
		raw(t, "POST", f.url+"/v1/auth/validate", "application/json", strings.NewReader(body))
	}
	c := f.login(t, "rest")
	if _, err := c.GetTransaction(context.Background(), "tx-100B-000000"); err != nil {
		t.Fatal(err)
	}
}
