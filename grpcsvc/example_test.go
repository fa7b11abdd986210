package grpcsvc_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	authv1 "restvsgrpc/gen/auth/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/core"
)

// A server on a loopback port, and a client that logs in and fetches one
// record with the bearer token in its call metadata.
func Example() {
	svc, err := core.New(core.WithUser("alice", "s3cret-pass"), core.WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		log.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := grpcsvc.NewServer(svc)
	go srv.Serve(lis)
	defer srv.Stop()

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()

	login, err := authv1.NewAuthServiceClient(conn).ValidateUser(ctx, &authv1.ValidateUserRequest{Username: "alice", Password: "s3cret-pass"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("logged in:", login.GetIsValid(), login.GetMessage())

	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+login.GetToken())
	tx, err := transactionv1.NewTransactionServiceClient(conn).GetTransaction(ctx, &transactionv1.GetTransactionRequest{Id: core.TransactionID(core.Payload1KiB, 42)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tx.GetId(), tx.GetAccountId(), tx.GetStatus(), len(tx.GetLineItems()), "line items")
	// Output:
	// logged in: true credentials accepted
	// tx-1KiB-000042 acct-0010 STATUS_AUTHORIZED 25 line items
}
