package main

import (
	"errors"
	"flag"
	"io"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"restvsgrpc/internal/cli"
)

// config is the parsed command line.
type config struct {
	driverPort int
	serverPort int
	host       string
	user       string
	password   string
	bcryptCost int
}

// defaultUser is the benchmark account of both roles when -user is not
// given: a server worker creates it, a client worker logs in with it. It
// guards nothing but benchmark data; give -user on a shared network.
const defaultUser = "bench:bench-worker-pw"

const usageHeader = `Usage: worker [flags]

A worker of grpc's distributed benchmark engine (grpc.testing.WorkerService),
driven by grpc's qps_json_driver or grpc/test-infra's LoadTest controller.
Flags may also be written --name=value, as grpc's scripts pass them.

Server role (ServerConfig):
  ASYNC_SERVER, SYNC_SERVER   grpc's BenchmarkService (stock scenarios)
  OTHER_SERVER                other_server_api: rest, rest-proto, rest-h2c or grpc,
                              the suite's services on one port (gin or grpc-go),
                              with a user made from -user
Client role (ClientConfig):
  SYNC_CLIENT, ASYNC_CLIENT   grpc's BenchmarkService, rpc_type UNARY or STREAMING
  OTHER_CLIENT                other_client_api: VARIANT/RPC[/CHECK], e.g.
                              grpc/GetTransaction, rest/ValidateToken/decode;
                              RPC one of ValidateToken, GetTransaction, ValidateUser,
                              ListTransactions, Upload, Chat; CHECK the client mode,
                              bytes (default) or decode
  Both: load_params closed_loop or poisson (offered_load: calls/s of this worker),
  client_channels connections, outstanding_rpcs_per_channel calls in flight on
  each, messages_per_stream (stream messages per call for OTHER_CLIENT,
  default 100; ping-pongs per stream for STREAMING, 0 unlimited).
  OTHER_CLIENT payload: the larger of payload_config.simple_params req_size
  and resp_size is a payload class in bytes: 100, 1024, 65536 or 1048576
  (0 is 100B). Latencies are from each call's send to its answer.
Refused with InvalidArgument: core_limit or core_list, TLS (security_params),
bytebuf or complex payloads, unknown names; the worker stays up.

Flags:
`

// parseFlags parses args. -help prints the usage on stdout and returns
// flag.ErrHelp; a bad command line returns a cli.UsageError.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.IntVar(&cfg.driverPort, "driver_port", 10000, "`port` the driver connects to (0 picks a free one)")
	fs.IntVar(&cfg.serverPort, "server_port", 0, "`port` of the server role when the scenario gives none (0 picks a free one)")
	fs.StringVar(&cfg.host, "host", "", "`address` to listen on (empty: every interface)")
	fs.StringVar(&cfg.user, "user", defaultUser, "`name:password` of the benchmark user the server role creates and the client role logs in with")
	fs.IntVar(&cfg.bcryptCost, "bcrypt-cost", bcrypt.DefaultCost, "bcrypt `cost` of the server role's password hash, as cmd/server's flag")
	if err := cli.Parse(fs, usageHeader, args, stdout); err != nil {
		return cfg, err
	}
	name, pw, ok := strings.Cut(cfg.user, ":")
	switch {
	case !ok || name == "" || pw == "":
		return cfg, cli.UsageError{Err: errors.New("-user: want name:password")}
	case cfg.bcryptCost < bcrypt.MinCost || cfg.bcryptCost > bcrypt.MaxCost:
		return cfg, cli.Usagef("-bcrypt-cost %d: want %d to %d", cfg.bcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	case cfg.driverPort < 0 || cfg.driverPort > 65535:
		return cfg, cli.Usagef("-driver_port %d: want 0 to 65535", cfg.driverPort)
	case cfg.serverPort < 0 || cfg.serverPort > 65535:
		return cfg, cli.Usagef("-server_port %d: want 0 to 65535", cfg.serverPort)
	}
	cfg.user, cfg.password = name, pw
	return cfg, nil
}
