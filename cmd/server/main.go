// Command server serves the core services twice, over REST (gin) and over
// gRPC (grpc-go), from one process, for the restvsgrpc benchmarks and for
// trying them by hand:
//
//	go run ./cmd/server -rest-addr 127.0.0.1:8080 -grpc-addr 127.0.0.1:50051 -user alice:s3cret-pass
//
// It prints the addresses it listens on, then a machine-readable line
//
//	ready rest=http://127.0.0.1:8080 grpc=127.0.0.1:50051
//
// that scripts wait for, and shuts down gracefully on SIGINT or SIGTERM,
// exiting 0. Run it with -help for every flag. Exit status: 0 after a clean
// shutdown or -help, 2 for bad flags, 1 for any other failure (a busy port,
// an unreadable certificate, ...), always with a one-line message.
package main

import "restvsgrpc/internal/cli"

func main() { cli.Main("server", run) }
