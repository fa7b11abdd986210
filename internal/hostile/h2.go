package hostile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// H2 is a raw HTTP/2 cleartext connection (prior knowledge) whose frames
// the caller writes one by one. It is used by one goroutine.
type H2 struct {
	conn net.Conn
	fr   *http2.Framer
	hbuf bytes.Buffer
	enc  *hpack.Encoder
	next uint32 // the next client stream id
}

// DialH2 connects to addr, sends the client preface and a SETTINGS frame
// with settings (for example http2.SettingInitialWindowSize 0, so that the
// server may send no data at all).
func DialH2(addr string, settings ...http2.Setting) (*H2, error) {
	conn, err := Dial(addr)
	if err != nil {
		return nil, err
	}
	c := &H2{conn: conn, fr: http2.NewFramer(conn, conn), next: 1}
	c.enc = hpack.NewEncoder(&c.hbuf)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = 1 << 20
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		conn.Close()
		return nil, err
	}
	if err := c.fr.WriteSettings(settings...); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the connection.
func (c *H2) Close() error { return c.conn.Close() }

// Conn is the underlying connection.
func (c *H2) Conn() net.Conn { return c.conn }

// Block HPACK-encodes fields into one header block, with this
// connection's encoder (so that later blocks may refer to earlier ones).
// A field written again is sent as a one- or two-byte reference to the
// dynamic table entry the first one made.
func (c *H2) Block(fields ...hpack.HeaderField) []byte {
	c.hbuf.Reset()
	for _, f := range fields {
		_ = c.enc.WriteField(f) // writes to a bytes.Buffer: cannot fail
	}
	return bytes.Clone(c.hbuf.Bytes())
}

// Open sends block as one HEADERS frame on a new stream and returns the
// stream's id. The block must fit one frame (16 KiB).
func (c *H2) Open(block []byte, endStream bool) (uint32, error) {
	id := c.next
	c.next += 2
	return id, c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndStream: endStream, EndHeaders: true})
}

// Data sends one DATA frame.
func (c *H2) Data(id uint32, p []byte, endStream bool) error {
	return c.fr.WriteData(id, endStream, p)
}

// Raw writes bytes as they are, for frames the Framer will not write.
func (c *H2) Raw(p []byte) error {
	_, err := c.conn.Write(p)
	return err
}

// Event is one thing the server did, as Events reports it.
type Event struct {
	Kind       string // "headers", "data", "rst", "goaway", "closed"
	Stream     uint32
	Status     string        // :status of a HEADERS frame
	GRPCStatus string        // grpc-status of a HEADERS frame
	Code       http2.ErrCode // of RST_STREAM and GOAWAY
	Len        int           // of DATA
	EndStream  bool
}

// Events reads frames until stop returns true for one, the server closes
// the connection (a last Event of Kind "closed", passed to stop too), or
// timeout passes (no error: the caller checks what it got). It
// acknowledges SETTINGS and PING, and grants no flow-control window.
func (c *H2) Events(timeout time.Duration, stop func(Event) bool) ([]Event, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	defer c.conn.SetReadDeadline(time.Time{})
	var evs []Event
	closed := func() ([]Event, error) {
		ev := Event{Kind: "closed"}
		if stop != nil {
			stop(ev)
		}
		return append(evs, ev), nil
	}
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return evs, nil
			}
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
				return closed()
			}
			return evs, err
		}
		var ev Event
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if err := c.fr.WriteSettingsAck(); err != nil {
					return closed()
				}
			}
			continue
		case *http2.PingFrame:
			if !f.IsAck() {
				_ = c.fr.WritePing(true, f.Data)
			}
			continue
		case *http2.MetaHeadersFrame:
			ev = Event{Kind: "headers", Stream: f.StreamID, Status: f.PseudoValue("status"), EndStream: f.StreamEnded()}
			for _, hf := range f.RegularFields() {
				if hf.Name == "grpc-status" {
					ev.GRPCStatus = hf.Value
				}
			}
		case *http2.DataFrame:
			ev = Event{Kind: "data", Stream: f.StreamID, Len: len(f.Data()), EndStream: f.StreamEnded()}
		case *http2.RSTStreamFrame:
			ev = Event{Kind: "rst", Stream: f.StreamID, Code: f.ErrCode}
		case *http2.GoAwayFrame:
			ev = Event{Kind: "goaway", Code: f.ErrCode}
		default:
			continue
		}
		evs = append(evs, ev)
		if stop != nil && stop(ev) {
			return evs, nil
		}
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// GRPCRequest returns the header fields of a gRPC call of method (such as
// "/auth.v1.AuthService/ValidateUser"), plus extra fields.
func GRPCRequest(authority, method string, extra ...hpack.HeaderField) []hpack.HeaderField {
	return append([]hpack.HeaderField{
		{Name: ":method", Value: "POST"},
		{Name: ":scheme", Value: "http"},
		{Name: ":authority", Value: authority},
		{Name: ":path", Value: method},
		{Name: "content-type", Value: "application/grpc"},
		{Name: "te", Value: "trailers"},
	}, extra...)
}

// GRPCMessage frames a serialized message as gRPC's length-prefixed
// message (uncompressed).
func GRPCMessage(msg []byte) []byte {
	b := make([]byte, 5, 5+len(msg))
	binary.BigEndian.PutUint32(b[1:], uint32(len(msg)))
	return append(b, msg...)
}

// HTTPRequest returns the header fields of a plain HTTP/2 request, plus
// extra fields.
func HTTPRequest(method, authority, path string, extra ...hpack.HeaderField) []hpack.HeaderField {
	return append([]hpack.HeaderField{
		{Name: ":method", Value: method},
		{Name: ":scheme", Value: "http"},
		{Name: ":authority", Value: authority},
		{Name: ":path", Value: path},
	}, extra...)
}

// Repeat returns fields followed by n copies of f. Through Block, the
// first copy is sent literally and the rest as references to it: a block
// of about n bytes that decodes to n times f's size.
func Repeat(fields []hpack.HeaderField, f hpack.HeaderField, n int) []hpack.HeaderField {
	out := append([]hpack.HeaderField(nil), fields...)
	for range n {
		out = append(out, f)
	}
	return out
}

// SettingsFlood returns n SETTINGS frames of one setting each (the header
// table size at its default, so that each changes nothing): the smallest
// frame that asks the server for work and an acknowledgement, 15 bytes.
func SettingsFlood(n int) []byte {
	var b bytes.Buffer
	fr := http2.NewFramer(&b, nil)
	for range n {
		_ = fr.WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: 4096}) // into a bytes.Buffer: cannot fail
	}
	return b.Bytes()
}
