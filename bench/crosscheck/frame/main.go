// Command frame prints one gRPC request as it travels in a DATA frame: the
// 5-byte prefix (compressed flag, big-endian length) and the protobuf
// message, encoded with the generated types. The crosscheck hands it to
// h2load -d, which then sends pre-encoded gRPC calls:
//
//	go run ./bench/crosscheck/frame -rpc GetTransaction -payload 1KiB >get.bin
//	go run ./bench/crosscheck/frame -rpc GetTransaction -path
//
// -path prints the call's HTTP/2 :path instead, and -rest-path the REST
// route of the same call (GetTransaction only), so that every tool asks
// for the same record.
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/cli"
	"restvsgrpc/internal/core"
)

func main() { cli.Main("frame", run) }

func run(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("frame", flag.ContinueOnError)
	rpc := fs.String("rpc", "GetTransaction", "`call`: GetTransaction or ValidateToken")
	payload := fs.String("payload", "100B", "payload `class` of the record GetTransaction fetches")
	index := fs.Int("index", 0, "`index` of the record within its class")
	token := fs.String("token", "", "the token ValidateToken checks")
	path := fs.Bool("path", false, "print the call's gRPC :path instead of the frame")
	restPath := fs.Bool("rest-path", false, "print GetTransaction's REST path instead of the frame")
	if err := cli.Parse(fs, "Usage: frame [flags]\n\nPrints one length-prefixed gRPC request message (or its :path).\n\nFlags:\n", args, stdout); err != nil {
		return err
	}
	p, err := core.ParsePayload(*payload)
	if err != nil {
		return cli.UsageError{Err: err}
	}
	if *index < 0 || *index >= p.Records() {
		return cli.Usagef("-index %d: class %s has records 0 to %d", *index, p, p.Records()-1)
	}
	id := core.TransactionID(p, *index)
	var (
		msg    proto.Message
		method string
	)
	switch *rpc {
	case "GetTransaction":
		msg, method = &transactionv1.GetTransactionRequest{Id: id}, transactionv1.TransactionService_GetTransaction_FullMethodName
	case "ValidateToken":
		if *token == "" && !*path {
			return cli.Usagef("ValidateToken needs -token")
		}
		msg, method = &authv1.ValidateTokenRequest{Token: *token}, authv1.AuthService_ValidateToken_FullMethodName
	default:
		return cli.Usagef("-rpc %q: want GetTransaction or ValidateToken", *rpc)
	}
	switch {
	case *restPath:
		if *rpc != "GetTransaction" {
			return cli.Usagef("-rest-path: GetTransaction only")
		}
		_, err = fmt.Fprintf(stdout, "/v1/transactions/%s\n", id)
		return err
	case *path:
		_, err = fmt.Fprintln(stdout, method)
		return err
	}
	b, err := proto.Marshal(msg)
	if err != nil {
		return err
	}
	framed := make([]byte, 5, 5+len(b))
	binary.BigEndian.PutUint32(framed[1:], uint32(len(b)))
	_, err = stdout.Write(append(framed, b...))
	return err
}
