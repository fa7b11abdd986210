package bench

import (
	"net"
	"testing"

	"restvsgrpc/internal/wirecount"
)

// BenchmarkOverhead measures what the measuring itself costs per op, to be
// read against the tcp floor's ns/op (BenchmarkUnary/.../variant=tcp/
// .../conc=1): part=loop is measure's loop around an empty op (the work
// split, two clock reads, one histogram record); part=conn-raw and
// part=conn-counted are one Read and one Write on a conn that does
// nothing, without and with wirecount's counting wrapper, so their
// difference is what counting adds to each socket call.
func BenchmarkOverhead(b *testing.B) {
	b.Run("part=loop", func(b *testing.B) {
		measure(b, nil, 1, func(int) (worker, error) {
			return worker{op: func() error { return nil }}, nil
		})
	})
	buf := make([]byte, 64)
	var raw net.Conn = nopConn{}
	var count wirecount.Counter
	var counted net.Conn = wirecount.NewConn(nopConn{}, &count)
	for _, tc := range []struct {
		name string
		c    net.Conn
	}{{"part=conn-raw", raw}, {"part=conn-counted", counted}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.c.Write(buf); err != nil {
					b.Fatal(err)
				}
				if _, err := tc.c.Read(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	if count.Total() == 0 {
		b.Fatal("the counted conn counted nothing")
	}
}

// nopConn reads and writes nothing, instantly.
type nopConn struct{ net.Conn }

func (nopConn) Read(p []byte) (int, error)  { return len(p), nil }
func (nopConn) Write(p []byte) (int, error) { return len(p), nil }
