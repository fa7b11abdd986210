package hostile

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// WebSocket opcodes (RFC 6455 §5.2).
const (
	OpContinuation = 0x0
	OpText         = 0x1
	OpBinary       = 0x2
	OpClose        = 0x8
	OpPing         = 0x9
	OpPong         = 0xA
)

// WS is a raw WebSocket connection whose frames the caller writes one by
// one, as RFC 6455 lays them out. It is used by one goroutine.
type WS struct {
	conn net.Conn
	br   *bufio.Reader
}

// wsGUID is RFC 6455's fixed key suffix (§1.3).
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// DialWS connects to addr and upgrades GET path to a WebSocket with the
// given subprotocol and extra request header lines (such as
// "Authorization: Bearer ..."). It fails unless the server answers 101
// with the right Sec-WebSocket-Accept.
func DialWS(addr, path, subprotocol string, header ...string) (*WS, error) {
	conn, err := Dial(addr)
	if err != nil {
		return nil, err
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n", path, addr, key, subprotocol)
	for _, h := range header {
		req += h + "\r\n"
	}
	_ = conn.SetDeadline(time.Now().Add(dialTimeout))
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body.Close()
	sum := sha1.Sum([]byte(key + wsGUID))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		conn.Close()
		return nil, fmt.Errorf("hostile: WebSocket upgrade answered %s", resp.Status)
	}
	_ = conn.SetDeadline(time.Time{})
	return &WS{conn: conn, br: br}, nil
}

// Close closes the connection.
func (c *WS) Close() error { return c.conn.Close() }

// Conn is the underlying connection.
func (c *WS) Conn() net.Conn { return c.conn }

// FrameHeader returns the header of a frame (§5.2) announcing length
// bytes of payload: FIN as fin, the opcode, and a masking key when masked
// (the key is zero, so the payload goes as it is). It may announce more
// than is ever sent.
func FrameHeader(fin bool, opcode byte, length uint64, masked bool) []byte {
	b0 := opcode & 0xF
	if fin {
		b0 |= 0x80
	}
	var mask byte
	if masked {
		mask = 0x80
	}
	h := []byte{b0, 0}
	switch {
	case length < 126:
		h[1] = mask | byte(length)
	case length <= 0xFFFF:
		h[1] = mask | 126
		h = binary.BigEndian.AppendUint16(h, uint16(length))
	default:
		h[1] = mask | 127
		h = binary.BigEndian.AppendUint64(h, length)
	}
	if masked {
		h = append(h, 0, 0, 0, 0)
	}
	return h
}

// Frame writes one frame with payload. A client must mask its frames;
// masked false sends one as a server would, which a server must refuse.
func (c *WS) Frame(fin bool, opcode byte, payload []byte, masked bool) error {
	_, err := c.conn.Write(append(FrameHeader(fin, opcode, uint64(len(payload)), masked), payload...))
	return err
}

// Raw writes bytes as they are.
func (c *WS) Raw(p []byte) error {
	_, err := c.conn.Write(p)
	return err
}

// WSFrame is one frame from the server.
type WSFrame struct {
	Fin     bool
	Opcode  byte
	Payload []byte // at most 125 bytes kept of a longer one
}

// CloseCode is the status code of a close frame, or 1005 (none) if it has
// no payload.
func (f WSFrame) CloseCode() int {
	if len(f.Payload) < 2 {
		return 1005
	}
	return int(binary.BigEndian.Uint16(f.Payload))
}

// ReadUntilClose reads the server's frames until a close frame, the
// connection's end or timeout. It returns the frames read (the close frame
// last, if any) and whether the server closed the connection or sent a
// close frame in time. It answers nothing, not even pings.
func (c *WS) ReadUntilClose(timeout time.Duration) (frames []WSFrame, closed bool) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	defer c.conn.SetReadDeadline(time.Time{})
	for {
		f, err := c.readFrame()
		if err != nil {
			return frames, !errors.Is(err, os.ErrDeadlineExceeded)
		}
		frames = append(frames, f)
		if f.Opcode == OpClose {
			return frames, true
		}
	}
}

func (c *WS) readFrame() (WSFrame, error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return WSFrame{}, err
	}
	f := WSFrame{Fin: h[0]&0x80 != 0, Opcode: h[0] & 0xF}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if h[1]&0x80 != 0 { // a server must not mask; skip the key
		if _, err := c.br.Discard(4); err != nil {
			return f, err
		}
	}
	keep := min(n, 125)
	f.Payload = make([]byte, keep)
	if _, err := io.ReadFull(c.br, f.Payload); err != nil {
		return f, err
	}
	_, err := io.CopyN(io.Discard, c.br, int64(n-keep))
	return f, err
}
