package restwire_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"

	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
	"restvsgrpc/restsvc/restwire"
)

func records() []*core.Transaction {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return []*core.Transaction{
		{ID: "tx-100B-000001", AccountID: "acct-0001", Currency: "EUR", Status: core.StatusSettled, CreatedAt: at, UpdatedAt: at, Metadata: map[string]string{"a": "1", "b": "2"}},
		{ID: "tx-100B-000002", AccountID: "acct-0001", Currency: "EUR", Status: core.StatusPending, CreatedAt: at, UpdatedAt: at, Description: "line\nbreak"},
	}
}

// TestFeedRoundTrip writes a feed with the encoder, the server's side,
// and reads it back with the reader, the clients' side, in every framing,
// ending cleanly and with an error.
func TestFeedRoundTrip(t *testing.T) {
	t.Parallel()
	fail := core.Errorf(core.CodeUnavailable, "going away")
	for _, f := range []restwire.Feed{restwire.FeedNDJSON, restwire.FeedSSE, restwire.FeedProto} {
		for _, withErr := range []bool{false, true} {
			t.Run(f.String(), func(t *testing.T) {
				t.Parallel()
				enc := restwire.NewFeedEncoder(f)
				var body bytes.Buffer
				for _, r := range records() {
					b, err := enc.Record(r)
					if err != nil {
						t.Fatal(err)
					}
					body.Write(b)
				}
				trailer := http.Header{}
				if withErr {
					if b := enc.ErrorRecord(fail); b != nil {
						body.Write(b)
					} else {
						h := http.Header{}
						restwire.SetErrorTrailer(h, fail)
						for k, v := range h {
							trailer[strings.TrimPrefix(k, http.TrailerPrefix)] = v
						}
					}
				}
				n := int64(body.Len())
				fr := restwire.NewFeedReader(f, &body, func() http.Header { return trailer })
				var got []*core.Transaction
				var err error
				for {
					var b []byte
					if b, err = fr.Next(); err != nil {
						break
					}
					got = append(got, decode(t, f, b))
				}
				if diff := cmp.Diff(records(), got); diff != "" {
					t.Errorf("records (-want +got):\n%s", diff)
				}
				switch {
				case !withErr && err != io.EOF:
					t.Errorf("end: %v, want io.EOF", err)
				case withErr && !cmp.Equal(err, error(fail)):
					t.Errorf("end: %#v, want %#v", err, fail)
				}
				if fr.Offset != n {
					t.Errorf("Offset %d, want the feed's %d bytes", fr.Offset, n)
				}
			})
		}
	}
}

func decode(t *testing.T, f restwire.Feed, b []byte) *core.Transaction {
	t.Helper()
	if f == restwire.FeedProto {
		var m transactionv1.Transaction
		if err := proto.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return protoconv.FromTransaction(&m)
	}
	tx := new(core.Transaction)
	if err := json.Unmarshal(b, tx); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return tx
}

// TestFeedReaderSSE pins the SSE parsing rules the specification sets and
// the two former readers disagreed on.
func TestFeedReaderSSE(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
		err  error // the error after them; nil for io.EOF
	}{
		{name: "multi-line data joined with newline", in: "event: transaction\ndata: {\"a\":\ndata: 1}\n\n", want: []string{"{\"a\":\n1}"}},
		{name: "CRLF and no space", in: "event:transaction\r\ndata:{}\r\n\r\n", want: []string{"{}"}},
		{name: "comments and other fields", in: ": hi\nid: 7\nretry: 10\ndata: {}\n\n", want: []string{"{}"}},
		{name: "event without data is skipped", in: "event: transaction\n\ndata: {}\n\n", want: []string{"{}"}},
		{name: "other event kinds are not records", in: "event: ping\ndata: x\n\ndata: {}\n\n", want: []string{"{}"}},
		{name: "error event", in: "data: {}\n\nevent: error\ndata: {\"code\":\"not_found\",\"message\":\"m\"}\n\n", want: []string{"{}"}, err: &core.Error{Code: core.CodeNotFound, Message: "m"}},
		{name: "cut inside an event", in: "data: {}\n\ndata: {", want: []string{"{}"}, err: core.Errorf(core.CodeUnavailable, "feed ended inside a record")},
		{name: "cut before the blank line", in: "data: {}\n", err: core.Errorf(core.CodeUnavailable, "feed ended inside a record")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAll(restwire.FeedSSE, tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if want := tt.err; (want == nil && err != io.EOF) || (want != nil && !cmp.Equal(err, want)) {
				t.Errorf("end: %v, want %v", err, want)
			}
		})
	}
}

func TestFeedReaderNDJSON(t *testing.T) {
	t.Parallel()
	got, err := readAll(restwire.FeedNDJSON, "{\"a\":1}\n\n{\"b\":2}\r\n{\"error\":{\"code\":\"internal\",\"message\":\"x\"}}\n")
	if diff := cmp.Diff([]string{`{"a":1}`, `{"b":2}`}, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if !cmp.Equal(err, error(&core.Error{Code: core.CodeInternal, Message: "x"})) {
		t.Errorf("end: %v, want the error record", err)
	}
	if _, err := readAll(restwire.FeedNDJSON, "{\"a\":1}"); core.CodeOf(err) != core.CodeUnavailable {
		t.Errorf("a line without its newline: %v, want unavailable", err)
	}
	if _, err := readAll(restwire.FeedNDJSON, `{"error":5}`+"\n"); core.CodeOf(err) != core.CodeInternal {
		t.Errorf("malformed error record: %v, want internal", err)
	}
}

// TestFeedReaderLimits checks that a record over MaxAnswerBytes fails
// without the reader holding it, in every framing.
func TestFeedReaderLimits(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", restwire.MaxAnswerBytes+1)
	for _, tt := range []struct {
		f  restwire.Feed
		in string
	}{
		{restwire.FeedNDJSON, huge + "\n"},
		{restwire.FeedSSE, "data: " + huge + "\n\n"},
		{restwire.FeedProto, "\x81\x80\x80\x08"}, // a length of 16 MiB + 1
		{restwire.FeedProto, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"},
	} {
		if _, err := readAll(tt.f, tt.in); core.CodeOf(err) != core.CodeInternal {
			t.Errorf("%v, %d bytes: %v, want an internal error", tt.f, len(tt.in), err)
		}
	}
}

func readAll(f restwire.Feed, in string) ([]string, error) {
	fr := restwire.NewFeedReader(f, strings.NewReader(in), nil)
	var got []string
	for {
		b, err := fr.Next()
		if err != nil {
			return got, err
		}
		got = append(got, string(b))
	}
}

func TestFeedOf(t *testing.T) {
	t.Parallel()
	for accept, want := range map[string]restwire.Feed{
		"": restwire.FeedNDJSON, "application/x-ndjson": restwire.FeedNDJSON, "text/event-stream": restwire.FeedSSE,
		"application/x-protobuf": restwire.FeedProto, "text/html, Text/Event-Stream;q=1": restwire.FeedSSE,
	} {
		if got := restwire.FeedOf(accept); got != want {
			t.Errorf("FeedOf(%q) = %v, want %v", accept, got, want)
		}
	}
}

func TestListPath(t *testing.T) {
	t.Parallel()
	for _, req := range []core.ListRequest{
		{AccountID: "acct-0003"},
		{AccountID: "a&b c", Payload: "1KiB", Limit: 7, Interval: 250 * time.Millisecond},
	} {
		p := restwire.ListPath(req)
		path, query, _ := strings.Cut(p, "?")
		q, err := url.ParseQuery(query)
		if path != restwire.PathTransactions || err != nil {
			t.Fatalf("ListPath = %q: %v", p, err)
		}
		got, err := restwire.ParseListQuery(q)
		if err != nil || !cmp.Equal(req, got) {
			t.Errorf("ParseListQuery(ListPath(%+v)) = %+v, %v", req, got, err)
		}
	}
	if _, err := restwire.ParseListQuery(map[string][]string{"limit": {"x"}}); core.CodeOf(err) != core.CodeInvalidArgument {
		t.Errorf("limit x: %v, want invalid_argument", err)
	}
}
