package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/cli"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/restsvc"
)

// config is the parsed command line.
type config struct {
	restAddr, grpcAddr string
	connectAddr        string
	gatewayAddr        string
	users              users
	tls, h2, h2c       bool
	certFile, keyFile  string
	writeCert          string
	seed               uint64
	work               time.Duration
	bcryptCost         int
	tokenKeyFile       string
	tokenTTL           time.Duration
	maxUpload          int64
	login              core.LoginLimits
	grace              time.Duration
	readyFile          string
	debugAddr          string
	reflection         bool
	limits             limits
	restJSON           jsonlib.Lib
	grpcCodec          string
	openFiles          int
}

// limits are what one client may hold of the servers.
type limits struct {
	maxHeaderBytes int
	maxStreams     int
	unaryTimeout   time.Duration
	stallTimeout   time.Duration
	handshake      time.Duration
	idle           time.Duration
	maxAge         time.Duration
	ageGrace       time.Duration
	budgetConn     int64
	budgetUser     int64
	connsPerAddr   int
	recvTimeout    time.Duration
}

type user struct{ name, password string }

// users is the repeatable -user flag.
type users []user

func (u *users) String() string {
	names := make([]string, len(*u))
	for i, x := range *u {
		names[i] = x.name + ":***"
	}
	return strings.Join(names, ",")
}

func (u *users) Set(s string) error {
	name, pw, ok := strings.Cut(s, ":")
	if !ok || name == "" || pw == "" {
		return errors.New(`want name:password`)
	}
	*u = append(*u, user{name, pw})
	return nil
}

const usageHeader = `Usage: server [flags]

Serves the auth, transaction, file and chat services over REST (gin,
HTTP/1.1 or h2c, JSON or protobuf bodies) and over gRPC (grpc-go) from one
process, with the same deterministic data set behind both. It prints the
addresses it listens on, then a line "ready rest=URL grpc=ADDR" for scripts,
and shuts down gracefully on SIGINT or SIGTERM.

Example:
  server -rest-addr 127.0.0.1:8080 -grpc-addr 127.0.0.1:50051 -user alice:s3cret-pass

Limits on what one client may hold (each a flag below, with its default):
headers of -max-header-bytes (decoded), -max-streams per HTTP/2 connection,
a unary REST request read and answered within -unary-timeout, any stream cut
after -stall-timeout without progress, gRPC handshakes within
-grpc-handshake-timeout, idle gRPC connections closed after -grpc-max-idle
and every gRPC connection after -grpc-max-age (+ -grpc-max-age-grace);
streamed answers queued for sending within -send-budget per connection and
-send-budget-user per user, on both servers (past them streams wait, and one
that makes no progress meanwhile is cut at -stall-timeout); a gRPC unary
request received within -grpc-recv-timeout of its headers; at most
-max-conns-per-addr connections open per client address (loopback exempt).

Flags:
`

// defaultConnsPerAddr caps one client address's open connections: far
// above what a browser (6 per host) or an HTTP/2 client (1) opens, room for
// a small NAT, and a bound on what one host can make the servers hold.
const defaultConnsPerAddr = 1024

// parseFlags parses args. -help prints the usage on stdout and returns
// flag.ErrHelp; a bad command line returns a cli.UsageError.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.StringVar(&cfg.restAddr, "rest-addr", "127.0.0.1:8080", "`address` of the REST server (host:port; port 0 picks a free one; empty disables REST)")
	fs.StringVar(&cfg.grpcAddr, "grpc-addr", "127.0.0.1:50051", "`address` of the gRPC server (host:port; port 0 picks a free one; empty disables gRPC)")
	fs.StringVar(&cfg.connectAddr, "connect-addr", "", "`address` of the connect-go server (Connect protocol with JSON or protobuf, gRPC and gRPC-Web; HTTP/1.1 and h2c; cleartext): the connect-json, connect-proto and grpc-web variants; empty disables it")
	fs.StringVar(&cfg.gatewayAddr, "gateway-addr", "", "`address` of the grpc-gateway (REST+JSON over HTTP/1.1, cleartext) in front of this process's gRPC server, reached over loopback: the gateway variant; needs -grpc-addr; empty disables it")
	fs.Var(&cfg.users, "user", "create a user, as `name:password` (repeatable); with none, user demo gets a random password printed at start")
	fs.BoolVar(&cfg.tls, "tls", false, "serve both with TLS 1.3: gRPC over h2, REST over HTTPS (HTTP/1.1 unless -h2); a self-signed certificate for 127.0.0.1 and localhost is made at start unless -cert and -key are given")
	fs.StringVar(&cfg.certFile, "cert", "", "TLS certificate `file` (PEM); implies -tls, needs -key")
	fs.StringVar(&cfg.keyFile, "key", "", "TLS private key `file` (PEM); implies -tls, needs -cert")
	fs.StringVar(&cfg.writeCert, "write-cert", "", "with -tls, write the serving certificate (PEM) to `file`, for clients to trust (curl --cacert, grpcurl -cacert)")
	fs.BoolVar(&cfg.h2, "h2", false, "with -tls, offer HTTP/2 on the REST server too (ALPN h2, then http/1.1)")
	fs.BoolVar(&cfg.h2c, "h2c", false, "serve REST over HTTP/2 cleartext as well as HTTP/1.1 (the rest-h2c variant); not with -tls")
	restJSON := fs.String("rest-json", jsonlib.Std.Name, "JSON `library` of the REST bodies: encoding/json (gin's default), sonic or go_json, as gin's build tags of those names choose (the rest-sonic and rest-go_json variants), or jsonv2 (encoding/json/v2, the rest-jsonv2 variant) in a build with GOEXPERIMENT=jsonv2 (GOEXPERIMENT=jsonv2 go build ./cmd/server)")
	fs.StringVar(&cfg.grpcCodec, "grpc-codec", "proto", "gRPC `codec`: proto (protobuf-go) or vt (vtprotobuf's generated MarshalVT and UnmarshalVT, the grpc-vt variant); the wire is protobuf either way")
	fs.Uint64Var(&cfg.seed, "seed", 1, "`seed` of the deterministic transaction data set")
	fs.DurationVar(&cfg.work, "work", 0, "CPU work added to every call and streamed message (e.g. 50us), to weigh transport against real work")
	fs.IntVar(&cfg.bcryptCost, "bcrypt-cost", bcrypt.DefaultCost, fmt.Sprintf("bcrypt `cost` of password hashes (%d to %d); login costs far more than any transport at the default", bcrypt.MinCost, bcrypt.MaxCost))
	fs.StringVar(&cfg.tokenKeyFile, "token-key-file", "", "`file` holding the HMAC key that signs tokens (at least 16 bytes; trailing newlines ignored); without it a random key is made, so tokens do not survive a restart")
	fs.DurationVar(&cfg.tokenTTL, "token-ttl", time.Hour, "how long issued tokens stay valid")
	fs.Int64Var(&cfg.maxUpload, "max-upload", 1<<30, "largest upload in `bytes`")
	cfg.login = core.DefaultLoginLimits()
	fs.IntVar(&cfg.login.Concurrent, "login-concurrency", cfg.login.Concurrent, "password compares (logins) that may run at once, by default one per CPU (GOMAXPROCS); 0: no limit")
	fs.IntVar(&cfg.login.Queue, "login-queue", cfg.login.Queue, "logins that may wait for a compare slot, by default four per CPU; past it a login is refused at once (REST 429 with Retry-After, gRPC Unavailable)")
	fs.IntVar(&cfg.login.PerUser.Burst, "login-user-burst", cfg.login.PerUser.Burst, "logins one username (known or not) may attempt at once before -login-user-every applies; 0: no per-username limit")
	fs.DurationVar(&cfg.login.PerUser.Every, "login-user-every", cfg.login.PerUser.Every, "after the burst, one more login per username per this `interval`")
	fs.IntVar(&cfg.login.PerAddr.Burst, "login-addr-burst", cfg.login.PerAddr.Burst, "logins one client address (IPv6 by /64) may attempt at once before -login-addr-every applies; 0: no per-address limit (behind a proxy every client has the proxy's address)")
	fs.DurationVar(&cfg.login.PerAddr.Every, "login-addr-every", cfg.login.PerAddr.Every, "after the burst, one more login per address per this `interval`")
	fs.IntVar(&cfg.login.Tracked, "login-tracked", cfg.login.Tracked, "usernames, and addresses, the login rate limits remember (memory stays bounded: past it one is forgotten)")
	fs.DurationVar(&cfg.grace, "grace", 10*time.Second, "on SIGINT/SIGTERM, how long in-flight calls and streams may run before they are cut")
	fs.StringVar(&cfg.readyFile, "ready-file", "", "once listening, write the addresses as JSON to `file` (written whole, by rename)")
	fs.BoolVar(&cfg.reflection, "reflection", true, "serve gRPC server reflection (lists every service and message to anyone; on for grpcurl in development, turn it off in production)")
	l := &cfg.limits
	fs.IntVar(&l.maxHeaderBytes, "max-header-bytes", restsvc.MaxHeaderBytes, "largest request headers in `bytes`, on both servers (over HTTP/2: the header list as decoded, so HPACK references cannot inflate it)")
	fs.IntVar(&cfg.openFiles, "open-files", 0, "raise the open-file limit to `count` at start (every HTTP/1.1 client holds one socket, e.g. callers plus 1000), the hard limit too where the server may (as root); it fails saying what to change when the machine refuses; 0 keeps the limit Go starts with (the hard limit)")
	fs.IntVar(&l.maxStreams, "max-streams", int(grpcsvc.DefaultMaxConcurrentStreams), "most concurrent streams (calls) one HTTP/2 connection may carry, on both servers (`count`); more are refused")
	fs.DurationVar(&l.unaryTimeout, "unary-timeout", restsvc.UnaryTimeout, "REST: time to read a whole request, body included, and write its answer; feeds, uploads and chat are bound by -stall-timeout instead (0: none)")
	fs.DurationVar(&l.stallTimeout, "stall-timeout", restsvc.DefaultStallTimeout, "a stream that makes no progress this long is cut: a feed, chat WebSocket or gRPC stream whose client stopped reading, a REST upload whose client stopped sending (gRPC closes the connection, REST over HTTP/2 resets the stream)")
	fs.DurationVar(&l.handshake, "grpc-handshake-timeout", grpcsvc.DefaultConnectionTimeout, "gRPC: time a new connection may take for TLS and the HTTP/2 preface (REST: -unary-timeout and a 5s header timeout)")
	fs.DurationVar(&l.idle, "grpc-max-idle", grpcsvc.DefaultMaxConnectionIdle, "gRPC: close a connection that carries no call this long (REST closes idle keep-alive connections after 120s)")
	fs.DurationVar(&l.maxAge, "grpc-max-age", grpcsvc.DefaultMaxConnectionAge, "gRPC: send GOAWAY to a connection this old (±10% jitter), so that no connection lives forever (0: never)")
	fs.DurationVar(&l.ageGrace, "grpc-max-age-grace", grpcsvc.DefaultMaxConnectionAgeGrace, "gRPC: after GOAWAY for age, how long calls in flight may run before the connection is closed (0: forever)")
	fs.Int64Var(&l.budgetConn, "send-budget", grpcsvc.DefaultSendBudget, "most answer `bytes` one connection may have queued for sending (gRPC: messages; REST: feed records encoded and not yet written), on each server; past it its streams wait (0: no limit)")
	fs.Int64Var(&l.budgetUser, "send-budget-user", grpcsvc.DefaultSendBudget, "most answer `bytes` one user may have queued for sending over all its connections, on each server (0: no limit)")
	fs.IntVar(&l.connsPerAddr, "max-conns-per-addr", defaultConnsPerAddr, "most connections one client address (IPv6 by /64) may hold open at once over all the servers (`count`); past it a new one is closed at once; loopback clients are not counted (the benchmarks open up to 10,000); 0: no limit (behind a proxy every client has its address)")
	fs.DurationVar(&l.recvTimeout, "grpc-recv-timeout", grpcsvc.DefaultRecvTimeout, "gRPC: time a unary call's request may take to arrive after its headers; past it the connection is closed (0: none)")
	fs.StringVar(&cfg.debugAddr, "debug-addr", "", "`address` serving runtime figures as JSON (/debug/stats: goroutines, heap, uploads, calls begun per server) and pprof (/debug/pprof/), e.g. for a soak test; empty disables it; keep it on loopback")
	if err := cli.Parse(fs, usageHeader, args, stdout); err != nil {
		return cfg, err
	}
	var err error
	if cfg.restJSON, err = jsonlib.ByName(*restJSON); err != nil {
		return cfg, cli.Usagef("-rest-json: %v", err)
	}
	if cfg.grpcCodec != "proto" && cfg.grpcCodec != "vt" {
		return cfg, cli.Usagef("-grpc-codec %q: want proto or vt", cfg.grpcCodec)
	}
	if (cfg.certFile == "") != (cfg.keyFile == "") {
		return cfg, cli.Usagef("-cert and -key go together")
	}
	if cfg.certFile != "" {
		cfg.tls = true
	}
	switch {
	case cfg.restAddr == "" && cfg.grpcAddr == "" && cfg.connectAddr == "":
		return cfg, cli.Usagef("-rest-addr, -grpc-addr and -connect-addr are all empty: nothing to serve")
	case cfg.gatewayAddr != "" && cfg.grpcAddr == "":
		return cfg, cli.Usagef("-gateway-addr needs -grpc-addr: the gateway calls this process's gRPC server")
	case (cfg.connectAddr != "" || cfg.gatewayAddr != "") && cfg.tls:
		return cfg, cli.Usagef("-connect-addr and -gateway-addr serve cleartext only; not with -tls")
	case cfg.h2c && cfg.tls:
		return cfg, cli.Usagef("-h2c is HTTP/2 without TLS; with -tls use -h2")
	case cfg.h2 && !cfg.tls:
		return cfg, cli.Usagef("-h2 needs -tls (for cleartext HTTP/2 use -h2c)")
	case cfg.writeCert != "" && !cfg.tls:
		return cfg, cli.Usagef("-write-cert needs -tls")
	case cfg.bcryptCost < bcrypt.MinCost || cfg.bcryptCost > bcrypt.MaxCost:
		return cfg, cli.Usagef("-bcrypt-cost %d: want %d to %d", cfg.bcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	case cfg.work < 0:
		return cfg, cli.Usagef("-work %v: must not be negative", cfg.work)
	case cfg.tokenTTL <= 0:
		return cfg, cli.Usagef("-token-ttl %v: must be positive", cfg.tokenTTL)
	case cfg.maxUpload <= 0:
		return cfg, cli.Usagef("-max-upload %d: must be positive", cfg.maxUpload)
	case cfg.login.Concurrent < 0 || cfg.login.Queue < 0 || cfg.login.Tracked < 0 || cfg.login.PerUser.Burst < 0 || cfg.login.PerAddr.Burst < 0:
		return cfg, cli.Usagef("-login-concurrency, -login-queue, -login-tracked and the -login-*-burst flags must not be negative")
	case cfg.login.PerUser.Burst > 0 && cfg.login.PerUser.Every <= 0:
		return cfg, cli.Usagef("-login-user-every %v: must be positive with -login-user-burst", cfg.login.PerUser.Every)
	case cfg.login.PerAddr.Burst > 0 && cfg.login.PerAddr.Every <= 0:
		return cfg, cli.Usagef("-login-addr-every %v: must be positive with -login-addr-burst", cfg.login.PerAddr.Every)
	case (cfg.login.PerUser.Burst > 0 || cfg.login.PerAddr.Burst > 0) && cfg.login.Tracked == 0:
		return cfg, cli.Usagef("-login-tracked must be positive while a login rate limit is on")
	case cfg.grace < 0:
		return cfg, cli.Usagef("-grace %v: must not be negative", cfg.grace)
	case l.maxHeaderBytes < 4<<10:
		return cfg, cli.Usagef("-max-header-bytes %d: want at least 4096", l.maxHeaderBytes)
	case cfg.openFiles < 0:
		return cfg, cli.Usagef("-open-files %d: must not be negative", cfg.openFiles)
	case l.maxStreams < 1 || l.maxStreams > 1<<20:
		return cfg, cli.Usagef("-max-streams %d: want 1 to %d", l.maxStreams, 1<<20)
	case l.stallTimeout <= 0 || l.handshake <= 0 || l.idle <= 0:
		return cfg, cli.Usagef("-stall-timeout, -grpc-handshake-timeout and -grpc-max-idle must be positive")
	case l.unaryTimeout < 0 || l.maxAge < 0 || l.ageGrace < 0:
		return cfg, cli.Usagef("-unary-timeout, -grpc-max-age and -grpc-max-age-grace must not be negative")
	case l.budgetConn < 0 || l.budgetUser < 0 || l.recvTimeout < 0 || l.connsPerAddr < 0:
		return cfg, cli.Usagef("-send-budget, -send-budget-user, -grpc-recv-timeout and -max-conns-per-addr must not be negative")
	}
	return cfg, nil
}

// readTokenKey reads the -token-key-file.
func readTokenKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	return []byte(strings.TrimRight(string(b), "\r\n")), nil
}
