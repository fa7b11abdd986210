// Command frame prints one gRPC request as it travels in a DATA frame: the
// 5-byte prefix (compressed flag, big-endian length) and the protobuf
// message, encoded with the generated types. The crosscheck hands it to
// h2load -d, which then sends pre-encoded gRPC calls:
//
//	go run ./bench/crosscheck/frame -rpc GetTransaction -payload 1KiB >get.bin
//	go run ./bench/crosscheck/frame -rpc GetTransaction -path
//
// -path prints the call's HTTP/2 :path instead, and -rest-path the REST
// route of the same call, so that every tool asks for the same record. The
// streams are framed too: ListTransactions's one request (the feed of
// -limit records of account 0, as loadgen's one caller asks for it), and
// Upload's -chunks messages of -payload bytes each, one after another, as
// h2load sends them in one request body; -rest-body prints Upload's REST
// body, the same bytes unframed.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/cli"
	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc/restwire"
)

// uploadName is the file the crosscheck's uploads name.
const uploadName = "crosscheck.bin"

func main() { cli.Main("frame", run) }

func run(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("frame", flag.ContinueOnError)
	rpc := fs.String("rpc", "GetTransaction", "`call`: GetTransaction, ValidateToken, ListTransactions or Upload")
	payload := fs.String("payload", "100B", "payload `class` of the record GetTransaction fetches, of ListTransactions's records and of each Upload chunk")
	limit := fs.Int("limit", 100, "`records` of a ListTransactions feed")
	chunks := fs.Int("chunks", 100, "`messages` of an Upload")
	restBody := fs.Bool("rest-body", false, "print Upload's REST body instead of the frames")
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
	if *limit < 1 || *chunks < 1 {
		return cli.Usagef("-limit %d, -chunks %d: want at least 1", *limit, *chunks)
	}
	id := core.TransactionID(p, *index)
	var (
		msg    proto.Message
		method string
	)
	switch *rpc {
	case "ListTransactions":
		req := core.ListRequest{AccountID: core.AccountID(0), Payload: string(p), Limit: *limit}
		if *restPath {
			_, err = fmt.Fprintln(stdout, restwire.ListPath(req))
			return err
		}
		msg = &transactionv1.ListTransactionsRequest{AccountId: req.AccountID, Payload: req.Payload, Limit: int32(req.Limit)}
		method = transactionv1.TransactionService_ListTransactions_FullMethodName
	case "Upload":
		data := bytes.Repeat([]byte("x"), p.Bytes())
		switch {
		case *restPath:
			_, err = fmt.Fprintln(stdout, restwire.UploadPath(uploadName))
			return err
		case *restBody:
			_, err = stdout.Write(bytes.Repeat(data, *chunks))
			return err
		case *path:
			_, err = fmt.Fprintln(stdout, filev1.FileService_Upload_FullMethodName)
			return err
		}
		var out []byte
		for i := range *chunks {
			m := &filev1.UploadRequest{Data: data}
			if i == 0 {
				m.Filename = uploadName
			}
			if out, err = appendFrame(out, m); err != nil {
				return err
			}
		}
		_, err = stdout.Write(out)
		return err
	case "GetTransaction":
		msg, method = &transactionv1.GetTransactionRequest{Id: id}, transactionv1.TransactionService_GetTransaction_FullMethodName
	case "ValidateToken":
		if *token == "" && !*path {
			return cli.Usagef("ValidateToken needs -token")
		}
		msg, method = &authv1.ValidateTokenRequest{Token: *token}, authv1.AuthService_ValidateToken_FullMethodName
	default:
		return cli.Usagef("-rpc %q: want GetTransaction, ValidateToken, ListTransactions or Upload", *rpc)
	}
	switch {
	case *restBody:
		return cli.Usagef("-rest-body: Upload only")
	case *restPath:
		if *rpc != "GetTransaction" {
			return cli.Usagef("-rest-path: not for ValidateToken (its route is fixed)")
		}
		_, err = fmt.Fprintf(stdout, "/v1/transactions/%s\n", id)
		return err
	case *path:
		_, err = fmt.Fprintln(stdout, method)
		return err
	}
	framed, err := appendFrame(nil, msg)
	if err != nil {
		return err
	}
	_, err = stdout.Write(framed)
	return err
}

// appendFrame appends m with its 5-byte gRPC prefix (uncompressed, length).
func appendFrame(out []byte, m proto.Message) ([]byte, error) {
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	out = append(out, 0, 0, 0, 0, 0)
	binary.BigEndian.PutUint32(out[len(out)-4:], uint32(len(b)))
	return append(out, b...), nil
}
