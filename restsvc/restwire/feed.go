package restwire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
)

// Feed is one of the framings of the transaction feed.
type Feed int

// The feed framings.
const (
	FeedNDJSON Feed = iota // one JSON object and "\n" per record
	FeedSSE                // "event: transaction\ndata: <json>\n\n" per record
	FeedProto              // a varint length and a protobuf message per record
)

// FeedOf is the framing an Accept header asks for: NDJSON unless it names
// protobuf or SSE.
func FeedOf(accept string) Feed {
	switch {
	case accept == "":
	case Accepts(accept, ContentTypeProtobuf):
		return FeedProto
	case Accepts(accept, ContentTypeSSE):
		return FeedSSE
	}
	return FeedNDJSON
}

// ContentType is the media type of the framing, for Accept and
// Content-Type.
func (f Feed) ContentType() string {
	switch f {
	case FeedSSE:
		return ContentTypeSSE
	case FeedProto:
		return ContentTypeProtobuf
	}
	return ContentTypeNDJSON
}

// SSE's event names.
const (
	EventTransaction = "transaction"
	EventError       = "error"
)

// FeedEncoder frames one feed's records, reusing one buffer. JSON records
// are encoding/json's encoding of core.Transaction, as gin writes them.
type FeedEncoder struct {
	feed Feed
	buf  bytes.Buffer
	enc  *json.Encoder // into buf
	out  []byte        // a protobuf record
}

// NewFeedEncoder returns an encoder of framing f.
func NewFeedEncoder(f Feed) *FeedEncoder {
	e := &FeedEncoder{feed: f}
	e.enc = json.NewEncoder(&e.buf)
	return e
}

// Record returns the framed record t, valid until the next call.
func (e *FeedEncoder) Record(t *core.Transaction) ([]byte, error) {
	e.buf.Reset()
	var err error
	switch e.feed {
	case FeedNDJSON:
		err = e.enc.Encode(t) // Encode ends it with "\n"
	case FeedSSE:
		e.buf.WriteString("event: " + EventTransaction + "\ndata: ")
		err = e.enc.Encode(t)
		e.buf.WriteByte('\n')
	case FeedProto:
		m := protoconv.Transaction(t)
		e.out = protowire.AppendVarint(e.out[:0], uint64(proto.Size(m)))
		e.out, err = proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(e.out, m)
		return e.out, err
	}
	return e.buf.Bytes(), err
}

// Release drops the encoder's buffers, grown to the largest record so far,
// for a feed about to wait: a waiting feed then holds no record.
func (e *FeedEncoder) Release() {
	e.buf = bytes.Buffer{}
	e.out = nil
}

// ErrorRecord returns the framed last record of a feed that failed with
// err after it started, valid until the next call. A protobuf feed has
// none: its error goes in the trailers (SetErrorTrailer), and ErrorRecord
// returns nil.
func (e *FeedEncoder) ErrorRecord(err error) []byte {
	e.buf.Reset()
	body := BodyOf(err)
	switch e.feed {
	case FeedNDJSON:
		_ = e.enc.Encode(errorRecord{Error: &body})
	case FeedSSE:
		e.buf.WriteString("event: " + EventError + "\ndata: ")
		_ = e.enc.Encode(body)
		e.buf.WriteByte('\n')
	default:
		return nil
	}
	return e.buf.Bytes()
}

// errorRecord is the last NDJSON line of a feed that failed after it
// started.
type errorRecord struct {
	Error *ErrorBody `json:"error"`
}

var errorRecordPrefix = []byte(`{"error":`)

// FeedReader reads one feed record by record, without decoding the
// records. It checks the framing and reads at most MaxAnswerBytes a record.
type FeedReader struct {
	feed    Feed
	br      *bufio.Reader
	trailer func() http.Header
	line    []byte
	data    []byte
	// Offset is the feed's bytes read so far, framing included.
	Offset int64
}

// NewFeedReader returns a reader of framing f over body; trailer, called
// once body has ended, returns the response's trailers (those of a
// protobuf feed may name an error), and may be nil.
func NewFeedReader(f Feed, body io.Reader, trailer func() http.Header) *FeedReader {
	r := &FeedReader{feed: f, br: bufio.NewReaderSize(body, 32<<10)}
	r.Reset(body, trailer)
	return r
}

// Reset makes r read another feed of the same framing, keeping its
// buffers.
func (r *FeedReader) Reset(body io.Reader, trailer func() http.Header) {
	r.br.Reset(body)
	r.trailer, r.Offset = trailer, 0
}

// errCut is a feed that ended inside a record.
var errCut = core.Errorf(core.CodeUnavailable, "feed ended inside a record")

// Next returns the next record: a JSON object (an NDJSON line without its
// "\n", or an SSE event's data lines joined with "\n", as the SSE
// specification joins them) or a protobuf message, valid until the next
// call. At the feed's clean end it returns io.EOF; for an error record, or
// the error trailers of a protobuf feed, the *core.Error they name. A
// framing the contract does not allow is a CodeInternal error.
func (r *FeedReader) Next() ([]byte, error) {
	switch r.feed {
	case FeedSSE:
		return r.nextEvent()
	case FeedProto:
		return r.nextProto()
	}
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if bytes.HasPrefix(line, errorRecordPrefix) {
			var rec errorRecord
			if err := json.Unmarshal(line, &rec); err != nil || rec.Error == nil {
				return nil, core.Errorf(core.CodeInternal, "feed: malformed error record %s", Excerpt(line))
			}
			return nil, &core.Error{Code: core.ParseCode(rec.Error.Code), Message: rec.Error.Message}
		}
		return line, nil
	}
}

// readLine returns the next line without its "\n" (and "\r"); io.EOF at
// the end of the body, errCut for a last line without its "\n".
func (r *FeedReader) readLine() ([]byte, error) {
	r.line = r.line[:0]
	for {
		frag, err := r.br.ReadSlice('\n')
		r.Offset += int64(len(frag))
		r.line = append(r.line, frag...)
		if len(r.line) > MaxAnswerBytes {
			return nil, core.Errorf(core.CodeInternal, "feed: record longer than %d bytes", MaxAnswerBytes)
		}
		switch {
		case err == nil:
			return bytes.TrimSuffix(r.line[:len(r.line)-1], []byte("\r")), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(r.line) > 0:
			return nil, errCut
		}
		return nil, err
	}
}

// nextEvent reads server-sent events up to the next one that carries
// data. A field line is "name: value" (one space after the colon is not
// part of the value); a line starting with ":" is a comment; a blank line
// dispatches the event.
func (r *FeedReader) nextEvent() ([]byte, error) {
	event, pending := "", false
	r.data = r.data[:0]
	for {
		line, err := r.readLine()
		if errors.Is(err, io.EOF) && (pending || event != "") {
			return nil, errCut
		}
		if err != nil {
			return nil, err
		}
		if len(line) > 0 {
			field, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			switch string(field) {
			case "event":
				event = string(value)
			case "data":
				if pending {
					r.data = append(r.data, '\n')
				}
				r.data, pending = append(r.data, value...), true
				if len(r.data) > MaxAnswerBytes {
					return nil, core.Errorf(core.CodeInternal, "feed: event longer than %d bytes", MaxAnswerBytes)
				}
			}
			continue
		}
		if !pending {
			event = "" // an event without data is not dispatched
			continue
		}
		switch event {
		case EventError:
			var b ErrorBody
			if err := json.Unmarshal(r.data, &b); err != nil || b.Code == "" {
				return nil, core.Errorf(core.CodeInternal, "feed: malformed error event %s", Excerpt(r.data))
			}
			return nil, &core.Error{Code: core.ParseCode(b.Code), Message: b.Message}
		case EventTransaction, "", "message":
			return r.data, nil
		}
		event, pending, r.data = "", false, r.data[:0] // another kind of event: not ours
	}
}

// nextProto reads one length-delimited message.
func (r *FeedReader) nextProto() ([]byte, error) {
	var n uint64
	for i := 0; ; i++ {
		b, err := r.br.ReadByte()
		switch {
		case errors.Is(err, io.EOF) && i == 0:
			if r.trailer != nil {
				if e := TrailerError(r.trailer()); e != nil {
					return nil, e
				}
			}
			return nil, io.EOF
		case errors.Is(err, io.EOF):
			return nil, errCut
		case err != nil:
			return nil, err
		case i == binary.MaxVarintLen64-1 && b > 1:
			return nil, core.Errorf(core.CodeInternal, "feed: record length overflows 64 bits")
		}
		r.Offset++
		n |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			break
		}
	}
	if n > MaxAnswerBytes {
		return nil, core.Errorf(core.CodeInternal, "feed: record of %d bytes, more than %d", n, MaxAnswerBytes)
	}
	if cap(r.data) < int(n) {
		r.data = make([]byte, n)
	}
	r.data = r.data[:n]
	m, err := io.ReadFull(r.br, r.data)
	r.Offset += int64(m)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return nil, errCut
	}
	if err != nil {
		return nil, err
	}
	return r.data, nil
}

// String names the framing.
func (f Feed) String() string {
	switch f {
	case FeedSSE:
		return "SSE"
	case FeedProto:
		return "delimited protobuf"
	}
	return "NDJSON"
}
