package restsvc

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/restsvc/restwire"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
	"google.golang.org/protobuf/proto"
)

// wantsProto reports whether the client asked for protobuf answers.
func wantsProto(c *gin.Context) bool {
	a := c.Request.Header.Get("Accept")
	return a != "" && restwire.Accepts(a, restwire.ContentTypeProtobuf)
}

// bodyKind is how a request body is encoded.
type bodyKind int

const (
	bodyJSON bodyKind = iota
	bodyProto
	bodyUnsupported
)

// kindOf reads the request's Content-Type. A request without one is JSON.
func kindOf(c *gin.Context) bodyKind {
	switch restwire.MediaType(c.Request.Header.Get("Content-Type")) {
	case "", restwire.ContentTypeJSON:
		return bodyJSON
	case restwire.ContentTypeProtobuf:
		return bodyProto
	}
	return bodyUnsupported
}

// body checks a request body's Content-Type and size and limits its
// reading. It returns bodyUnsupported once it has answered the client
// (415 or 413).
func (h *handler) body(c *gin.Context) bodyKind {
	kind := kindOf(c)
	if kind == bodyUnsupported {
		failStatus(c, http.StatusUnsupportedMediaType, core.Errorf(core.CodeInvalidArgument,
			"content type %q: want %s or %s", c.Request.Header.Get("Content-Type"), restwire.ContentTypeJSON, restwire.ContentTypeProtobuf))
		return bodyUnsupported
	}
	if c.Request.ContentLength > h.maxBody {
		fail(c, bodyError(&http.MaxBytesError{Limit: h.maxBody}, ""))
		return bodyUnsupported
	}
	c.Request.Body = &limitedBody{ReadCloser: http.MaxBytesReader(c.Writer, c.Request.Body, h.maxBody)}
	return kind
}

// limitedBody keeps the error of a body over its limit, for a decoder that
// does not wrap its read errors: encoding/json built with
// GOEXPERIMENT=jsonv2 reports one as a bare SyntaxError, which would
// answer 400 where 413 is due.
type limitedBody struct {
	io.ReadCloser
	tooBig error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		b.tooBig = err
	}
	return n, err
}

// overLimit returns the error of a request body read past its limit, or nil.
func overLimit(r *http.Request) error {
	if b, ok := r.Body.(*limitedBody); ok {
		return b.tooBig
	}
	return nil
}

// bindJSON decodes a JSON body into v with gin's binding, answering 400 or
// 413 on failure. With a library of WithJSON, gin's binding decodes with
// that library instead, as gin's build tags make it do.
func (h *handler) bindJSON(c *gin.Context, v any) bool {
	var err error
	if h.json.IsStd() {
		err = c.ShouldBindJSON(v)
	} else {
		err = c.ShouldBindWith(v, jsonBinding{h.json})
	}
	if err != nil {
		if tooBig := overLimit(c.Request); tooBig != nil {
			err = tooBig
		}
		fail(c, jsonError(err))
		return false
	}
	return true
}

// bindProto decodes a protobuf body into m, answering 400 or 413 on
// failure.
func bindProto(c *gin.Context, m proto.Message) bool {
	b, err := readBody(c.Request)
	if err != nil {
		fail(c, bodyError(err, "protobuf"))
		return false
	}
	if err := proto.Unmarshal(b, m); err != nil {
		fail(c, core.Errorf(core.CodeInvalidArgument, "malformed protobuf body"))
		return false
	}
	return true
}

// readBody reads a whole body, already limited and no longer than its
// Content-Length, sized by that length when the client sent one.
func readBody(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n > 0 {
		b := make([]byte, n)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(r.Body)
}

// jsonError turns a JSON decoding error into a client error whose message
// names the problem without naming Go types.
func jsonError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return core.Errorf(core.CodeInvalidArgument, "malformed JSON body: empty")
	case errors.As(err, &syntax):
		return core.Errorf(core.CodeInvalidArgument, "malformed JSON body at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return core.Errorf(core.CodeInvalidArgument, "malformed JSON body: field %q: want %s, got %s", typ.Field, typ.Type.Kind(), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return core.Errorf(core.CodeInvalidArgument, "malformed JSON body: truncated")
	}
	return bodyError(err, "JSON")
}

// jsonBinding is gin's JSON binding over another library: a decoder over
// the body, then gin's validator, as gin's own binding does.
type jsonBinding struct{ lib jsonlib.Lib }

func (jsonBinding) Name() string { return "json" }

func (b jsonBinding) Bind(req *http.Request, obj any) error {
	if err := b.lib.NewDecoder(req.Body).Decode(obj); err != nil {
		return err
	}
	if binding.Validator == nil {
		return nil
	}
	return binding.Validator.ValidateStruct(obj)
}

// jsonContentType is the Content-Type gin's c.JSON writes.
const jsonContentType = "application/json; charset=utf-8"

// reply answers 200 with v as JSON (gin's c.JSON, or the WithJSON
// library), or with the protobuf message m makes when the client accepts
// protobuf.
func (h *handler) reply(c *gin.Context, v any, m func() proto.Message) {
	switch {
	case wantsProto(c):
		c.ProtoBuf(http.StatusOK, m())
	case h.json.IsStd():
		c.JSON(http.StatusOK, v)
	default:
		b, err := h.json.Marshal(v)
		if err != nil {
			fail(c, core.Errorf(core.CodeInternal, "internal error"))
			return
		}
		c.Data(http.StatusOK, jsonContentType, b)
	}
}
