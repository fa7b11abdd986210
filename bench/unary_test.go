package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/netsim"
	"restvsgrpc/internal/protoconv"
)

var (
	unaryVariants = []string{vTCP, vNetHTTP, vREST, vRESTProto, vRESTH2C, vGRPC}
	// Under TLS, HTTP/2 REST is negotiated by ALPN: rest-h2.
	unaryTLSVariants = []string{vTCP, vNetHTTP, vREST, vRESTProto, vRESTH2, vGRPC}
	// The connections dimension is HTTP/2's: HTTP/1.1 opens one per
	// worker anyway.
	unaryConnsVariants = []string{vRESTH2C, vGRPC}
	// gzip has no floor: the floors do no encoding work.
	unaryGzipVariants = []string{vREST, vRESTProto, vRESTH2C, vGRPC}
)

// unaryRow is one row of the unary matrix; the variants are its columns.
type unaryRow struct {
	rpc      string
	payload  core.Payload // GetTransaction only
	conc     int
	conns    int // HTTP/2 connections, when more than 1
	net      netsim.Profile
	work     time.Duration
	tls      bool
	gzip     bool
	variants []string
}

func (r unaryRow) name(variant string) string {
	s := "rpc=" + r.rpc + "/variant=" + variant
	if r.payload != "" {
		s += "/payload=" + string(r.payload)
	}
	s += fmt.Sprintf("/conc=%d", r.conc)
	if r.conns > 1 {
		s += fmt.Sprintf("/conns=%d", r.conns)
	}
	if r.tls {
		s += "/tls=on"
	}
	if r.gzip {
		s += "/gzip=on"
	}
	if r.net.Shapes() {
		s += "/net=" + r.net.Name
	}
	if r.work > 0 {
		s += "/work=" + durationName(r.work)
	}
	return s
}

// unaryRows is the unary matrix of d: ValidateToken and GetTransaction at
// 1 KiB at every concurrency, the other payloads at d.sweepConcs, on
// loopback; then each further dimension on its own, at 1 KiB.
func unaryRows(d dims) []unaryRow {
	var rows []unaryRow
	base := unaryRow{rpc: "GetTransaction", payload: core.Payload1KiB, net: netsim.Loopback, variants: unaryVariants}
	for _, c := range d.concs {
		r := base
		r.rpc, r.payload, r.conc = "ValidateToken", "", c
		rows = append(rows, r)
	}
	for _, p := range d.payloads {
		concs := d.sweepConcs
		if p == core.Payload1KiB {
			concs = d.concs
		}
		for _, c := range concs {
			r := base
			r.payload, r.conc = p, c
			rows = append(rows, r)
		}
	}
	for _, n := range d.nets {
		prof, err := netsim.ByName(n)
		if err != nil {
			panic(err)
		}
		for _, c := range d.concs {
			r := base
			r.net, r.conc = prof, c
			rows = append(rows, r)
		}
	}
	for _, w := range d.works {
		r := base
		r.conc, r.work = d.concs[0], w
		rows = append(rows, r)
	}
	for _, n := range d.conns {
		r := base
		r.conc, r.conns, r.variants = d.concs[len(d.concs)-1], n, unaryConnsVariants
		rows = append(rows, r)
	}
	if d.tls {
		for _, c := range d.concs {
			r := base
			r.conc, r.tls, r.variants = c, true, unaryTLSVariants
			rows = append(rows, r)
		}
	}
	for _, p := range d.gzipPayloads {
		r := base
		r.payload, r.conc, r.gzip, r.variants = p, d.concs[0], true, unaryGzipVariants
		rows = append(rows, r)
	}
	return rows
}

// BenchmarkUnary calls ValidateToken and GetTransaction over every variant
// and its floors. ns/op is wall time per call divided by concurrency
// (b.N calls by conc workers); p50-ns and p99-ns are per-call latencies;
// wire-B/op counts both directions on the server's sockets; body-B/op is
// the request and response bodies in the variant's encoding.
func BenchmarkUnary(b *testing.B) {
	d := set()
	services := map[time.Duration]*core.Service{0: newService(b)}
	for _, r := range unaryRows(d) {
		svc := services[r.work]
		if svc == nil {
			svc = newService(b, core.WithWork(r.work))
			services[r.work] = svc
		}
		u, err := newUnaryCall(svc, r)
		if err != nil {
			b.Fatal(err)
		}
		for _, v := range r.variants {
			t := start(b, v, env{svc: svc, net: r.net, conc: r.conc, conns: r.conns, tls: r.tls, gzip: r.gzip,
				floor: &tcpFloor{mode: "unary", resp: u.respPB}})
			b.Run(r.name(v), func(b *testing.B) {
				measure(b, t, r.conc, u.worker(t))
				t.reportBody(b, int64(u.bodyBytes(v)))
			})
			t.close()
		}
	}
}

// unaryCall is one unary call with its expected answer, in every encoding.
type unaryCall struct {
	rpc            string
	token          string
	want           *core.Transaction // GetTransaction
	reqPB, respPB  []byte
	reqJS, respJS  []byte
	restHasReqBody bool
}

func newUnaryCall(svc *core.Service, r unaryRow) (*unaryCall, error) {
	tok, err := login(svc)
	if err != nil {
		return nil, err
	}
	u := &unaryCall{rpc: r.rpc, token: tok}
	var reqPB, respPB proto.Message
	var reqJS, respJS any
	switch r.rpc {
	case "ValidateToken":
		res, err := svc.ValidateToken(context.Background(), tok)
		if err != nil {
			return nil, err
		}
		reqPB, respPB = &authv1.ValidateTokenRequest{Token: tok}, protoconv.TokenResult(res)
		reqJS, respJS = jsonValidateToken{tok}, res
		u.restHasReqBody = true
	case "GetTransaction":
		id := core.TransactionID(r.payload, 0)
		if u.want, err = svc.GetTransaction(context.Background(), id); err != nil {
			return nil, err
		}
		reqPB, respPB = &transactionv1.GetTransactionRequest{Id: id}, protoconv.Transaction(u.want)
		respJS = u.want
	default:
		return nil, fmt.Errorf("unknown rpc %q", r.rpc)
	}
	if u.reqPB, err = proto.Marshal(reqPB); err != nil {
		return nil, err
	}
	if u.respPB, err = proto.Marshal(respPB); err != nil {
		return nil, err
	}
	if reqJS != nil {
		if u.reqJS, err = json.Marshal(reqJS); err != nil {
			return nil, err
		}
	}
	if u.respJS, err = json.Marshal(respJS); err != nil {
		return nil, err
	}
	return u, nil
}

// bodyBytes is what the variant's codec puts in the request and response
// bodies of one call (a REST GET has no request body).
func (u *unaryCall) bodyBytes(v string) int {
	switch v {
	case vTCP, vGRPC:
		return len(u.reqPB) + len(u.respPB)
	case vRESTProto:
		if u.restHasReqBody {
			return len(u.reqPB) + len(u.respPB)
		}
		return len(u.respPB)
	default:
		return len(u.reqJS) + len(u.respJS)
	}
}

// worker returns the worker maker of measure for target t.
func (u *unaryCall) worker(t *target) func(int) (worker, error) {
	ctx := context.Background()
	return func(w int) (worker, error) {
		if t.c == nil { // the tcp floor
			tc, err := t.dialTCP()
			if err != nil {
				return worker{}, err
			}
			return worker{op: func() error {
				if err := tc.send(u.reqPB); err != nil {
					return err
				}
				got, err := tc.recv()
				if err != nil {
					return err
				}
				if !bytes.Equal(got, u.respPB) {
					return fmt.Errorf("tcp floor answered %d bytes, want the %d sent", len(got), len(u.respPB))
				}
				return nil
			}, done: tc.close}, nil
		}
		c := t.client(w)
		switch u.rpc {
		case "ValidateToken":
			return worker{op: func() error {
				res, err := c.ValidateToken(ctx, u.token)
				if err != nil {
					return err
				}
				if !res.IsValid || res.Subject != benchUser {
					return fmt.Errorf("ValidateToken: got %+v, want valid for %q", res, benchUser)
				}
				return nil
			}}, nil
		default:
			return worker{op: func() error {
				got, err := c.GetTransaction(ctx, u.want.ID)
				if err != nil {
					return err
				}
				return sameTransaction(got, u.want)
			}}, nil
		}
	}
}

// sameTransaction is a cheap check that got is the record wanted.
func sameTransaction(got, want *core.Transaction) error {
	if got.ID != want.ID || got.AmountMinor != want.AmountMinor || len(got.LineItems) != len(want.LineItems) ||
		len(got.Metadata) != len(want.Metadata) || !got.CreatedAt.Equal(want.CreatedAt) {
		return fmt.Errorf("got transaction %s (%d items), want %s (%d items)", got.ID, len(got.LineItems), want.ID, len(want.LineItems))
	}
	return nil
}

// benchLoginLimits are the login limits of BenchmarkValidateUser: the
// rate limits off (it logs one user in from one address as fast as it can,
// which they exist to refuse), the compare slots and queue at their
// defaults. Its one worker never waits for a slot, and every answer is
// checked to be a valid login, so no refusal is ever measured.
func benchLoginLimits() core.LoginLimits {
	l := core.DefaultLoginLimits()
	l.PerUser, l.PerAddr = core.Rate{}, core.Rate{}
	return l
}

// BenchmarkValidateUser shows that the password hash, not the transport,
// dominates a login: variant=core calls the core directly, at the default
// bcrypt cost, and the transports add their cost on top of it. It runs
// under benchLoginLimits.
func BenchmarkValidateUser(b *testing.B) {
	svc := newService(b)
	ctx := context.Background()
	check := func(res any, valid bool, err error) error {
		if err != nil {
			return err
		}
		if !valid {
			return fmt.Errorf("ValidateUser rejected the benchmark user: %+v", res)
		}
		return nil
	}
	b.Run("variant=core/conc=1", func(b *testing.B) {
		measure(b, nil, 1, func(int) (worker, error) {
			return worker{op: func() error {
				res, err := svc.ValidateUser(ctx, "", benchUser, benchPW)
				return check(res, res.IsValid, err)
			}}, nil
		})
	})
	for _, v := range []string{vREST, vRESTProto, vRESTH2C, vGRPC} {
		t := start(b, v, env{svc: svc, net: netsim.Loopback, conc: 1})
		b.Run("variant="+v+"/conc=1", func(b *testing.B) {
			measure(b, t, 1, func(int) (worker, error) {
				return worker{op: func() error {
					res, err := t.c.ValidateUser(ctx, benchUser, benchPW)
					return check(res, res.IsValid, err)
				}}, nil
			})
		})
		t.close()
	}
}

// durationName writes d for a benchmark name in ASCII: 10us, 100us, 1ms.
func durationName(d time.Duration) string {
	switch {
	case d%time.Millisecond == 0:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	case d%time.Microsecond == 0:
		return fmt.Sprintf("%dus", d/time.Microsecond)
	}
	return fmt.Sprintf("%dns", d.Nanoseconds())
}
