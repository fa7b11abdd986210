package client

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/internal/protoconv"
)

func testOracle(t *testing.T, protobuf bool) *oracle {
	t.Helper()
	o, err := newOracle(1, "alice", "s3cret-pass", core.UserResult{ExpiresAt: time.Unix(1e9, 0).UTC()}, protobuf, jsonlib.Std)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestExpectMatches checks that each expectation accepts what the server
// may send and rejects one changed byte, saying where.
func TestExpectMatches(t *testing.T) {
	// Not parallel: it counts allocations.
	for _, protobuf := range []bool{false, true} {
		o := testOracle(t, protobuf)
		tx, err := o.transaction(core.TransactionID(core.Payload1KiB, 3))
		if err != nil {
			t.Fatal(err)
		}
		ack := core.ChatEvent{Kind: core.EventAck, Room: "r", Seq: 42, From: "alice", SentAt: time.Now().UTC()}
		sum := core.UploadSummary{Filename: "f.bin", Bytes: 6, Chunks: 3, SHA256: o.uploadSum([]byte("ab"), 3)}
		user := core.UserResult{IsValid: true, Message: o.okMsg, Token: "v1.abc.def", ExpiresAt: time.Now().UTC()}
		tests := []struct {
			name string
			e    *expect
			v    any
			m    proto.Message
			val  uint64
		}{
			{"transaction", o.transactionExpect(tx, jsonlib.Std), tx, protoconv.Transaction(tx), 0},
			{"token", o.tokenExpect(), o.token, protoconv.TokenResult(o.token), 0},
			{"login", o.userExpect(), user, protoconv.UserResult(user), 0},
			{"upload, any chunks", o.uploadExpect("f.bin", []byte("ab"), 3, -1), sum, protoconv.UploadSummary(sum), 0},
			{"upload, exact chunks", o.uploadExpect("f.bin", []byte("ab"), 3, 3), sum, protoconv.UploadSummary(sum), 0},
			{"ack", o.ackExpect("r"), ack, protoconv.ChatEvent(ack), 42},
		}
		for _, tt := range tests {
			// proto.Marshal, as the servers call it: map entries in any order.
			got := o.encode(tt.v, tt.m)
			if protobuf {
				got, _ = proto.Marshal(tt.m)
			}
			if err := tt.e.match(got, tt.val); err != nil {
				t.Errorf("proto=%v %s: the server's own encoding fails: %v", protobuf, tt.name, err)
			}
			if allocs := testing.AllocsPerRun(100, func() { _ = tt.e.match(got, tt.val) }); allocs != 0 {
				t.Errorf("proto=%v %s: %v allocations a match, want 0", protobuf, tt.name, allocs)
			}
			for _, at := range []int{0, len(got) / 2, len(got) - 1} {
				bad := append([]byte(nil), got...)
				bad[at] ^= 0x01
				err := tt.e.match(bad, tt.val)
				if err == nil && at > 0 {
					continue // a changed byte inside a hole (a token, a time) is allowed
				}
				if core.CodeOf(err) != core.CodeInternal || !strings.Contains(err.Error(), "differs at byte") {
					t.Errorf("proto=%v %s: byte %d changed: %v, want a difference named", protobuf, tt.name, at, err)
				}
			}
			if err := tt.e.match(got[:len(got)-1], tt.val); err == nil {
				t.Errorf("proto=%v %s: a truncated answer matched", protobuf, tt.name)
			}
			if err := tt.e.match(append(append([]byte(nil), got...), '0'), tt.val); err == nil {
				t.Errorf("proto=%v %s: an answer with a byte more matched", protobuf, tt.name)
			}
		}
		if err := o.ackExpect("r").match(o.encode(ack, protoconv.ChatEvent(ack)), 43); err == nil {
			t.Errorf("proto=%v: the ack of seq 42 matched seq 43", protobuf)
		}
	}
}

// TestChatMessageEncoding checks that a message made from the prepared
// pieces is the message's encoding.
func TestChatMessageEncoding(t *testing.T) {
	t.Parallel()
	for _, protobuf := range []bool{false, true} {
		o := testOracle(t, protobuf)
		m := core.ChatMessage{Room: "room-1", Seq: 7, Text: "hello"}
		got := o.chatMessage(m.Room, m.Text).append(nil, m.Seq, protobuf)
		if want := o.encode(m, protoconv.ToChatMessage(m)); string(got) != string(want) {
			t.Errorf("proto=%v: %q, want %q", protobuf, got, want)
		}
	}
}
