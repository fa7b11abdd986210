package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/hist"
	"restvsgrpc/internal/netsim"
	"restvsgrpc/internal/protoconv"
)

// The REST twins of each streaming kind, beside grpc and the tcp floor:
// NDJSON (rest), SSE (rest-sse), protobuf-delimited (rest-proto) and NDJSON
// over HTTP/2 (rest-h2c) for the server stream; a chunked POST for the
// upload; a WebSocket (JSON or protobuf frames) for the chat.
var (
	serverStreamVariants = []string{vTCP, vREST, vRESTSSE, vRESTProto, vRESTH2C, vGRPC}
	clientStreamVariants = []string{vTCP, vREST, vRESTH2C, vGRPC}
	bidiVariants         = []string{vTCP, vREST, vRESTProto, vGRPC}
)

// maxStreamBytes bounds one server stream, so that large records make
// shorter streams instead of minutes-long ones.
const maxStreamBytes = 4 << 20

// streamRow is one row of a streaming benchmark; the variants are its
// columns.
type streamRow struct {
	conc int
	net  netsim.Profile
}

func (r streamRow) name(variant string, p core.Payload) string {
	s := fmt.Sprintf("variant=%s/payload=%s/conc=%d", variant, p, r.conc)
	if r.net.Shapes() {
		s += "/net=" + r.net.Name
	}
	return s
}

// streamRows returns every concurrency on loopback, and when shaped is
// set, each stream network profile of d at the first concurrency.
func streamRows(d dims, shaped bool) []streamRow {
	var rows []streamRow
	for _, c := range d.streamConcs {
		rows = append(rows, streamRow{conc: c, net: netsim.Loopback})
	}
	if shaped {
		for _, n := range d.streamNets {
			prof, err := netsim.ByName(n)
			if err != nil {
				panic(err)
			}
			rows = append(rows, streamRow{conc: d.streamConcs[0], net: prof})
		}
	}
	return rows
}

// BenchmarkServerStream reads one account's live feed: one op is a whole
// stream of n records (n is reported as msgs/op). msgs/s is records per
// second over all workers; MB/s counts the records' protobuf size, the same
// for every variant, so that it is proportional to msgs/s; ttfm-ns is the
// median time from the call to the first record.
func BenchmarkServerStream(b *testing.B) {
	d := set()
	svc := newService(b)
	ctx := context.Background()
	for _, p := range d.streamPayloads {
		var pbs [][]byte
		var want []*core.Transaction
		var pbBytes, jsBytes int64
		probe := core.ListRequest{AccountID: core.AccountID(0), Payload: string(p), Limit: 1}
		limit := 0
		if err := svc.ListTransactions(ctx, probe, func(t *core.Transaction) error {
			n := int64(proto.Size(protoconv.Transaction(t)))
			limit = max(16, min(d.streamMsgs, int(maxStreamBytes/n)))
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if limit == 0 {
			b.Fatalf("account %s has no %s record to size the stream by", probe.AccountID, p)
		}
		req := core.ListRequest{AccountID: core.AccountID(0), Payload: string(p), Limit: limit}
		if err := svc.ListTransactions(ctx, req, func(t *core.Transaction) error {
			pb, err := proto.Marshal(protoconv.Transaction(t))
			if err != nil {
				return err
			}
			js, err := json.Marshal(t)
			if err != nil {
				return err
			}
			pbs, want = append(pbs, pb), append(want, t)
			pbBytes, jsBytes = pbBytes+int64(len(pb)), jsBytes+int64(len(js))
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		reqPB, err := proto.Marshal(&transactionv1.ListTransactionsRequest{AccountId: req.AccountID, Payload: req.Payload, Limit: int32(req.Limit)})
		if err != nil {
			b.Fatal(err)
		}
		n := len(want)
		for _, sr := range streamRows(d, p == core.Payload1KiB) {
			c := sr.conc
			for _, v := range serverStreamVariants {
				t := start(b, v, env{svc: svc, net: sr.net, conc: c, floor: &tcpFloor{mode: "stream", records: pbs, n: n}})
				b.Run(sr.name(v, p), func(b *testing.B) {
					b.SetBytes(pbBytes)
					var mu sync.Mutex
					ttfm := new(hist.Histogram)
					r := measure(b, t, c, func(int) (worker, error) {
						first := new(hist.Histogram)
						done := func() { mu.Lock(); ttfm.Merge(*first); mu.Unlock() }
						if t.c == nil {
							tc, err := t.dialTCP()
							if err != nil {
								return worker{}, err
							}
							return worker{op: func() error {
								t0 := time.Now()
								if err := tc.send(reqPB); err != nil {
									return err
								}
								for k := 0; ; k++ {
									f, err := tc.recv()
									if err != nil {
										return err
									}
									if k == 0 {
										first.Since(t0)
									}
									if len(f) == 0 {
										return checkCount(k, n)
									}
									if k >= n || len(f) != len(pbs[k]) {
										return fmt.Errorf("tcp floor record %d: %d bytes", k, len(f))
									}
								}
							}, warmed: first.Reset, done: func() { tc.close(); done() }}, nil
						}
						return worker{op: func() error {
							t0 := time.Now()
							k := 0
							err := t.c.ListTransactions(ctx, req, func(tx *core.Transaction) error {
								if k == 0 {
									first.Since(t0)
								}
								if k >= n {
									return fmt.Errorf("more than %d records", n)
								}
								if err := sameTransaction(tx, want[k]); err != nil {
									return fmt.Errorf("record %d: %w", k, err)
								}
								k++
								return nil
							})
							if err != nil {
								return err
							}
							return checkCount(k, n)
						}, warmed: first.Reset, done: done}, nil
					})
					r.perSecond(b, float64(n*b.N), "msgs/s")
					b.ReportMetric(float64(n), "msgs/op")
					b.ReportMetric(float64(ttfm.Percentile(50)), "ttfm-ns")
					body := jsBytes
					if v == vTCP || v == vGRPC || v == vRESTProto {
						body = pbBytes + int64(len(reqPB))
					}
					t.reportBody(b, body)
				})
				t.close()
			}
		}
	}
}

func checkCount(got, want int) error {
	if got != want {
		return fmt.Errorf("stream ended after %d records, want %d", got, want)
	}
	return nil
}

// BenchmarkClientStream uploads one file per op in chunks of the payload
// size. MB/s is file bytes per second (SetBytes); chunks/s counts the
// chunks sent. Every summary's size and SHA-256 are checked.
func BenchmarkClientStream(b *testing.B) {
	d := set()
	svc := newService(b)
	ctx := context.Background()
	file := make([]byte, d.uploadBytes)
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range file {
		file[i] = byte(rng.Uint32())
	}
	sum := sha256.Sum256(file)
	wantSum := hex.EncodeToString(sum[:])
	const filename = "bench.bin"
	for _, p := range d.uploadChunks {
		size := p.Bytes()
		chunks := (len(file) + size - 1) / size
		var frames [][]byte
		var pbBody int
		for off := 0; off < len(file); off += size {
			chunk := file[off:min(off+size, len(file))]
			frames = append(frames, chunk)
			m := &filev1.UploadRequest{Data: chunk}
			if off == 0 {
				m.Filename = filename
			}
			pbBody += proto.Size(m)
		}
		summary := core.UploadSummary{Filename: filename, Bytes: int64(len(file)), Chunks: int64(chunks), SHA256: wantSum}
		js, _ := json.Marshal(summary)
		pbBody += proto.Size(protoconv.UploadSummary(summary))
		for _, sr := range streamRows(d, p == d.uploadChunks[len(d.uploadChunks)-1]) {
			c := sr.conc
			for _, v := range clientStreamVariants {
				t := start(b, v, env{svc: svc, net: sr.net, conc: c, floor: &tcpFloor{mode: "upload"}})
				b.Run(sr.name(v, p), func(b *testing.B) {
					b.SetBytes(int64(len(file)))
					r := measure(b, t, c, func(int) (worker, error) {
						if t.c == nil {
							tc, err := t.dialTCP()
							if err != nil {
								return worker{}, err
							}
							end := append(frames[:len(frames):len(frames)], nil)
							return worker{op: func() error {
								if err := tc.send(end...); err != nil {
									return err
								}
								got, err := tc.recv()
								if err != nil {
									return err
								}
								if string(got) != wantSum {
									return fmt.Errorf("tcp floor sha256 %s, want %s", got, wantSum)
								}
								return nil
							}, done: tc.close}, nil
						}
						return worker{op: func() error {
							s, err := t.c.Upload(ctx, filename, bytes.NewReader(file), size)
							if err != nil {
								return err
							}
							if s.Bytes != int64(len(file)) || s.SHA256 != wantSum {
								return fmt.Errorf("upload summary %d bytes sha256 %s, want %d bytes %s", s.Bytes, s.SHA256, len(file), wantSum)
							}
							return nil
						}}, nil
					})
					r.perSecond(b, float64(chunks*b.N), "chunks/s")
					body := len(file) + len(js)
					if v == vTCP || v == vGRPC {
						body = pbBody
					}
					t.reportBody(b, int64(body))
				})
				t.close()
			}
		}
	}
}

// BenchmarkBidi sends chat messages and waits for each one's
// acknowledgement, matched by the echoed sequence number: one op is one
// round trip, p50-ns and p99-ns are per-message round-trip times, msgs/s
// counts round trips per second over all sessions (conc is the number of
// sessions, each in its own room).
func BenchmarkBidi(b *testing.B) {
	d := set()
	svc := newService(b)
	ctx := context.Background()
	var runs atomic.Int64
	for _, p := range d.chatPayloads {
		text := string(bytes.Repeat([]byte{'x'}, p.Bytes()))
		msgPB, err := proto.Marshal(protoconv.ToChatMessage(core.ChatMessage{Room: "bench-0-0", Seq: 1, Text: text}))
		if err != nil {
			b.Fatal(err)
		}
		ackPB, err := proto.Marshal(&chatv1.ChatEvent{Kind: chatv1.ChatEvent_KIND_ACK, Room: "bench-0-0", Seq: 1, From: benchUser})
		if err != nil {
			b.Fatal(err)
		}
		for _, sr := range streamRows(d, p == d.chatPayloads[0]) {
			c := sr.conc
			for _, v := range bidiVariants {
				t := start(b, v, env{svc: svc, net: sr.net, conc: c, floor: &tcpFloor{mode: "unary", resp: ackPB}})
				b.Run(sr.name(v, p), func(b *testing.B) {
					run := runs.Add(1)
					r := measure(b, t, c, func(w int) (worker, error) {
						if t.c == nil {
							tc, err := t.dialTCP()
							if err != nil {
								return worker{}, err
							}
							return worker{op: func() error {
								if err := tc.send(msgPB); err != nil {
									return err
								}
								got, err := tc.recv()
								if err != nil {
									return err
								}
								if !bytes.Equal(got, ackPB) {
									return errors.New("tcp floor answered another ack")
								}
								return nil
							}, done: tc.close}, nil
						}
						sess, err := t.c.Chat(ctx)
						if err != nil {
							return worker{}, err
						}
						room := fmt.Sprintf("bench-%d-%d", run, w)
						var seq uint64
						return worker{op: func() error {
							seq++
							if err := sess.Send(core.ChatMessage{Room: room, Seq: seq, Text: text}); err != nil {
								return err
							}
							ev, err := sess.Recv()
							if err != nil {
								return err
							}
							if ev.Kind != core.EventAck || ev.Seq != seq || ev.Room != room {
								return fmt.Errorf("got %s seq %d in %q, want ack of seq %d in %q", ev.Kind, ev.Seq, ev.Room, seq, room)
							}
							return nil
						}, done: func() { endChat(sess) }}, nil
					})
					r.perSecond(b, float64(b.N), "msgs/s")
				})
				t.close()
			}
		}
	}
}

// endChat ends a session cleanly: no more messages, then every event up to
// the server's end of the stream.
func endChat(s client.ChatSession) {
	defer s.Close()
	if s.CloseSend() != nil {
		return
	}
	for {
		if _, err := s.Recv(); err != nil {
			return // io.EOF, or the session failed: either way it is over
		}
	}
}
