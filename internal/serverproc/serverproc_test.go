package serverproc_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"restvsgrpc/internal/serverproc"
)

// buildServer builds cmd/server into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds cmd/server")
	}
	bin := filepath.Join(t.TempDir(), "server")
	out, err := exec.Command("go", "build", "-o", bin, "restvsgrpc/cmd/server").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestStartStopRealServer(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	p, err := serverproc.Start(context.Background(), serverproc.Config{
		Bin:  bin,
		Args: []string{"-rest-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0", "-user", "u:a-long-password"},
		Env:  []string{"GOMAXPROCS=1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.REST, "http://127.0.0.1:") || !strings.HasPrefix(p.GRPC, "127.0.0.1:") || p.Debug == "" {
		t.Errorf("ready %+v, want loopback REST, gRPC and debug addresses", p.Ready)
	}
	resp, err := http.Get(p.Debug + "/debug/stats")
	if err != nil {
		t.Fatalf("the server said it was ready but does not answer: %v", err)
	}
	resp.Body.Close()
	if p.PID() <= 0 {
		t.Errorf("pid %d", p.PID())
	}
	if err := p.Stop(30 * time.Second); err != nil {
		t.Errorf("Stop: %v\n%s", err, p.Log())
	}
	select {
	case <-p.Done():
	default:
		t.Error("process still running after Stop")
	}
	if err := p.Stop(time.Second); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestStartFailures(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	for _, tc := range []struct {
		name string
		cfg  serverproc.Config
		want string
	}{
		{"bad flag: the server's own words are quoted", serverproc.Config{Bin: bin, Args: []string{"-no-such-flag"}}, "no-such-flag"},
		{"no binary", serverproc.Config{}, "no server binary"},
		{"missing binary", serverproc.Config{Bin: filepath.Join(t.TempDir(), "absent")}, "start server"},
		{"never ready", serverproc.Config{Bin: "sh", Args: []string{"-c", "exec sleep 30"}, ReadyTimeout: 300 * time.Millisecond}, "not ready after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := serverproc.Start(context.Background(), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestWriteReadyIsWhole(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ready.json")
	if err := serverproc.WriteReady(path, serverproc.Ready{REST: "http://127.0.0.1:1", GRPC: "127.0.0.1:2"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"rest":"http://127.0.0.1:1","grpc":"127.0.0.1:2","tls":false}`+"\n"; got != want {
		t.Errorf("ready file %q, want %q", got, want)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files left beside the ready file, want none", len(entries)-1)
	}
}
