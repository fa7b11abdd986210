package hostile_test

import (
	"io"
	"net"
	"testing"
	"time"

	"restvsgrpc/internal/hostile"
)

// TestSettingsFlood measures what an h2c SETTINGS flood costs each HTTP/2
// server: frames of one setting each, their acknowledgements read (Go's
// and grpc-go's servers stop a client that leaves them unread). It runs
// only with -redteam and asserts no cost, only that the server comes back:
// the figure it logs (process CPU per MB received, the attacker's own
// writing and reading included) is the README's input for a decision, not
// a limit. The report that asked for it measured about 0.45 s per MB.
func TestSettingsFlood(t *testing.T) {
	if !*redteam {
		t.Skip("a measurement: run with -redteam (make redteam)")
	}
	tg := serve(t, limits{})
	const mb = 16
	flood := hostile.SettingsFlood(mb << 20 / 15)
	for _, tt := range []struct{ name, addr string }{{"rest-h2c", tg.rest}, {"grpc", tg.grpc}} {
		t.Run(tt.name, func(t *testing.T) {
			base := hostile.Measure()
			c, err := hostile.DialH2(tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			acks := make(chan int64)
			_ = c.Conn().SetReadDeadline(time.Now().Add(time.Minute))
			go func() {
				n, _ := io.Copy(io.Discard, c.Conn())
				acks <- n
			}()
			cpu, start := hostile.CPUTime(), time.Now()
			err = c.Raw(flood)
			// Then end the stream: the server reads all, answers, closes.
			_ = c.Conn().(*net.TCPConn).CloseWrite()
			read := <-acks
			spent, took := hostile.CPUTime()-cpu, time.Since(start)
			t.Logf("%s: %d bytes of SETTINGS (%d frames) sent, write error %v; %d bytes back (an acknowledgement is 9) until the server closed; process CPU %v (%.2f s per MB) over %v",
				tt.name, len(flood), len(flood)/15, err, read, spent, spent.Seconds()*float64(1<<20)/float64(len(flood)), took)
			tg.recovered(t, base)
		})
	}
}
