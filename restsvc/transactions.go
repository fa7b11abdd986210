package restsvc

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"

	"github.com/gin-gonic/gin"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"
)

func (h *handler) getTransaction(c *gin.Context) {
	t, err := h.svc.GetTransaction(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	reply(c, t, func() proto.Message { return protoconv.Transaction(t) })
}

// listTransactions streams an account's feed, flushed per record, as
// NDJSON, SSE or length-delimited protobuf by the Accept header. The status
// and headers are written with the first record, so that an error the core
// finds in the request is still a plain error answer.
func (h *handler) listTransactions(c *gin.Context) {
	req, err := listRequest(c)
	if err != nil {
		fail(c, err)
		return
	}
	s := newStream(c)
	err = h.svc.ListTransactions(c.Request.Context(), req, s.send)
	switch {
	case err == nil:
		s.start() // an empty feed is still a 200
	case !s.started:
		fail(c, err)
	case c.Request.Context().Err() == nil:
		s.end(err)
	}
}

func listRequest(c *gin.Context) (core.ListRequest, error) {
	req := core.ListRequest{AccountID: c.Query("account"), Payload: c.Query("payload")}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return req, core.Errorf(core.CodeInvalidArgument, "limit %q: want an integer", v)
		}
		req.Limit = n
	}
	if v := c.Query("interval_ms"); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return req, core.Errorf(core.CodeInvalidArgument, "interval_ms %q: want an integer", v)
		}
		req.Interval = time.Duration(n) * time.Millisecond
	}
	return req, nil
}

// streamFormat is one of the feed's encodings.
type streamFormat int

const (
	formatNDJSON streamFormat = iota
	formatSSE
	formatProto
)

// stream writes one feed. It is used by one goroutine.
type stream struct {
	c       *gin.Context
	w       gin.ResponseWriter
	format  streamFormat
	started bool
	buf     bytes.Buffer
	enc     *json.Encoder // into buf
}

func newStream(c *gin.Context) *stream {
	s := &stream{c: c, w: c.Writer}
	if a := c.Request.Header.Get("Accept"); a != "" {
		switch {
		case accepts(a, ContentTypeProtobuf):
			s.format = formatProto
		case accepts(a, ContentTypeSSE):
			s.format = formatSSE
		}
	}
	if s.format != formatProto {
		s.enc = json.NewEncoder(&s.buf)
	}
	return s
}

func (s *stream) start() {
	if s.started {
		return
	}
	s.started = true
	hd := s.w.Header()
	switch s.format {
	case formatNDJSON:
		hd.Set("Content-Type", ContentTypeNDJSON)
	case formatSSE:
		hd.Set("Content-Type", ContentTypeSSE)
		hd.Set("Cache-Control", "no-cache")
	case formatProto:
		hd.Set("Content-Type", ContentTypeProtobuf)
	}
	s.w.WriteHeader(http.StatusOK)
	s.w.WriteHeaderNow()
}

// send writes one record and flushes it.
func (s *stream) send(t *core.Transaction) error {
	s.start()
	s.buf.Reset()
	switch s.format {
	case formatNDJSON:
		if err := s.enc.Encode(t); err != nil { // Encode ends it with "\n"
			return err
		}
	case formatSSE:
		s.buf.WriteString("event: transaction\ndata: ")
		if err := s.enc.Encode(t); err != nil {
			return err
		}
		s.buf.WriteByte('\n')
	case formatProto:
		if _, err := protodelim.MarshalTo(&s.buf, protoconv.Transaction(t)); err != nil {
			return err
		}
	}
	if _, err := s.w.Write(s.buf.Bytes()); err != nil {
		return err
	}
	s.w.Flush()
	return nil
}

// end closes a started stream with a last record naming err.
func (s *stream) end(err error) {
	body := bodyOf(err)
	s.buf.Reset()
	switch s.format {
	case formatNDJSON:
		_ = s.enc.Encode(struct {
			Error errorBody `json:"error"`
		}{body})
	case formatSSE:
		s.buf.WriteString("event: error\ndata: ")
		_ = s.enc.Encode(body)
		s.buf.WriteByte('\n')
	case formatProto:
		hd := s.w.Header()
		hd.Set(http.TrailerPrefix+"X-Error-Code", body.Code)
		hd.Set(http.TrailerPrefix+"X-Error-Message", body.Message)
		return
	}
	_, _ = s.w.Write(s.buf.Bytes())
	s.w.Flush()
}
