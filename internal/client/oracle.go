package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/internal/protoconv"
)

// oracle says what each answer must be: the values the deterministic data
// set and the core prescribe, and their encodings, made once. It runs a
// core of its own with the server's seed and the driver's user, so that
// records, messages and summaries come from the same code the server runs.
type oracle struct {
	svc   *core.Service
	user  string
	token core.TokenResult // the answer to ValidateToken of the login's token
	okMsg string           // the message of a successful login
	proto bool             // protobuf bodies (rest-proto, grpc)
	json  jsonlib.Lib      // the JSON library of unary answers

	// Made once for all workers: each may ask at its start.
	mu    sync.Mutex
	recs  map[core.Payload]*classExpect
	feeds map[core.ListRequest][]*expect
}

// classExpect is every record of a payload class, as values and encodings,
// in the order of transactionIDs.
type classExpect struct {
	ids  []string
	recs []*core.Transaction
	want []*expect
}

// newOracle makes the oracle of a driver logged in as user, whose login
// the server answered with login.
func newOracle(seed uint64, user, password string, login core.UserResult, protobuf bool, lib jsonlib.Lib) (*oracle, error) {
	svc, err := core.New(core.WithSeed(seed), core.WithUser(user, password), core.WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	res, err := svc.ValidateUser(ctx, "", user, password) // in-process: no per-address limit
	if err != nil {
		return nil, err
	}
	tok, err := svc.ValidateToken(ctx, res.Token)
	if err != nil {
		return nil, err
	}
	tok.ExpiresAt = login.ExpiresAt // the server's token, the server's expiry
	return &oracle{svc: svc, user: user, token: tok, okMsg: res.Message, proto: protobuf, json: lib}, nil
}

// transaction is the record id.
func (o *oracle) transaction(id string) (*core.Transaction, error) {
	return o.svc.GetTransaction(context.Background(), id)
}

// class is every record of class p and its encoding, made on first use.
func (o *oracle) class(p core.Payload) (*classExpect, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if c := o.recs[p]; c != nil {
		return c, nil
	}
	c := &classExpect{ids: transactionIDs(p)}
	for _, id := range c.ids {
		t, err := o.transaction(id)
		if err != nil {
			return nil, err
		}
		c.recs = append(c.recs, t)
		c.want = append(c.want, o.transactionExpect(t, o.json))
	}
	if o.recs == nil {
		o.recs = map[core.Payload]*classExpect{}
	}
	o.recs[p] = c
	return c, nil
}

// feed is the records of a ListTransactions, in order.
func (o *oracle) feed(req core.ListRequest) ([]*core.Transaction, error) {
	req.Interval = 0
	var out []*core.Transaction
	err := o.svc.ListTransactions(context.Background(), req, func(t *core.Transaction) error {
		out = append(out, t)
		return nil
	})
	return out, err
}

// feedExpect is the encodings of a ListTransactions's records, in order;
// a feed cycles through an account's records, so each is made once.
func (o *oracle) feedExpect(req core.ListRequest) ([]*expect, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if want, ok := o.feeds[req]; ok {
		return want, nil
	}
	recs, err := o.feed(req)
	if err != nil {
		return nil, err
	}
	byID := map[string]*expect{}
	want := make([]*expect, len(recs))
	for k, r := range recs {
		if byID[r.ID] == nil {
			byID[r.ID] = o.transactionExpect(r, jsonlib.Std) // restwire writes feeds
		}
		want[k] = byID[r.ID]
	}
	if o.feeds == nil {
		o.feeds = map[core.ListRequest][]*expect{}
	}
	o.feeds[req] = want
	return want, nil
}

// deterministic marshals a protobuf message with its map entries sorted.
var deterministic = proto.MarshalOptions{Deterministic: true}

// encode is the encoding of v (JSON as the variant's library and gin write
// it) or of its protobuf form m.
func (o *oracle) encode(v any, m proto.Message) []byte { return o.encodeWith(o.json, v, m) }

// encodeWith is encode with JSON by lib.
func (o *oracle) encodeWith(lib jsonlib.Lib, v any, m proto.Message) []byte {
	var (
		b   []byte
		err error
	)
	if o.proto {
		b, err = deterministic.Marshal(m)
	} else {
		b, err = lib.Marshal(v)
	}
	if err != nil {
		panic(fmt.Sprintf("client: encode %T: %v", v, err))
	}
	return b
}

// The Transaction's map field, whose entries protobuf writes in any order.
const transactionMetadataField protowire.Number = 10

// transactionExpect is the encoding of record t, JSON by lib.
func (o *oracle) transactionExpect(t *core.Transaction, lib jsonlib.Lib) *expect {
	b := o.encodeWith(lib, t, protoconv.Transaction(t))
	if o.proto {
		return protoLiteral(b, transactionMetadataField)
	}
	return literal(b)
}

// tokenExpect is the answer to ValidateToken.
func (o *oracle) tokenExpect() *expect {
	return literal(o.encode(o.token, protoconv.TokenResult(o.token)))
}

// The sample values that mark a template's holes.
const holeUint = 918273645

var holeTime = time.Date(2999, 9, 9, 9, 9, 9, 0, time.UTC)

// userExpect is the answer to a successful ValidateUser: any token, any
// expiry.
func (o *oracle) userExpect() *expect {
	r := core.UserResult{IsValid: true, Message: o.okMsg, Token: "HOLE-TOKEN", ExpiresAt: holeTime}
	if o.proto {
		return protoTemplate(o.encode(r, protoconv.UserResult(r)), []protowire.Number{3, 4}, 0)
	}
	return jsonTemplate(o.encode(r, nil), "HOLE-TOKEN", holeTime.Format(time.RFC3339Nano))
}

// uploadExpect is the summary of an upload of data as filename; chunks
// is the count the server must report, or -1 when it may report any (a
// REST server counts its own reads).
func (o *oracle) uploadExpect(filename string, data []byte, times, chunks int) *expect {
	s := core.UploadSummary{Filename: filename, Bytes: int64(len(data) * times), Chunks: int64(chunks), SHA256: o.uploadSum(data, times)}
	if chunks >= 0 {
		return literal(o.encode(s, protoconv.UploadSummary(s)))
	}
	s.Chunks = holeUint
	if o.proto {
		return anyUint(protoTemplate(o.encode(s, protoconv.UploadSummary(s)), nil, 3))
	}
	return anyUint(jsonTemplate(o.encode(s, nil), fmt.Sprint(holeUint)))
}

// uploadSum is the hex SHA-256 of data sent times over.
func (o *oracle) uploadSum(data []byte, times int) string {
	h := sha256.New()
	for range times {
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// anyUint makes e's call-valued numbers match any number.
func anyUint(e *expect) *expect {
	for i, p := range e.parts {
		switch p.kind {
		case partJSONUint:
			e.parts[i].kind = partJSONAnyUint
		case partProtoUint:
			e.parts[i].kind = partProtoAnyUint
		}
	}
	return e
}

// ackExpect is the acknowledgement of a chat message in room: its seq is
// the call's value; its time is the server's.
func (o *oracle) ackExpect(room string) *expect {
	ev := core.ChatEvent{Kind: core.EventAck, Room: room, Seq: holeUint, From: o.user, SentAt: holeTime}
	if o.proto {
		return protoTemplate(o.encode(ev, protoconv.ChatEvent(ev)), []protowire.Number{6}, 3)
	}
	return jsonTemplate(o.encode(ev, nil), fmt.Sprint(holeUint), holeTime.Format(time.RFC3339Nano))
}

// chatMessage is a member's message in room with text, whose encoding a
// caller completes with each call's seq.
type chatMessage struct{ head, tail []byte }

func (o *oracle) chatMessage(room, text string) chatMessage {
	m := core.ChatMessage{Room: room, Seq: holeUint, Text: text}
	b := o.encode(m, protoconv.ToChatMessage(m))
	mark := []byte(fmt.Sprint(holeUint))
	if o.proto {
		mark = protowire.AppendVarint(nil, holeUint)
	}
	i := bytes.Index(b, mark)
	return chatMessage{head: b[:i], tail: b[i+len(mark):]}
}

// append appends the message with seq to dst.
func (c chatMessage) append(dst []byte, seq uint64, protobuf bool) []byte {
	dst = append(dst, c.head...)
	if protobuf {
		dst = protowire.AppendVarint(dst, seq)
	} else {
		dst = strconv.AppendUint(dst, seq, 10)
	}
	return append(dst, c.tail...)
}
