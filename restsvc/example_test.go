package restsvc_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
)

// Example serves the REST service on loopback, logs in and reads a
// transaction with the rest variant's client.
func Example() {
	svc, err := core.New(core.WithUser("alice", "s3cret-pass"), core.WithBcryptCost(4))
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := restsvc.NewServer(restsvc.NewHandler(svc))
	go srv.Serve(ln)
	defer srv.Close()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := client.NewREST("http://"+ln.Addr().String(), &http.Client{Transport: tr})
	ctx := context.Background()
	login, err := c.ValidateUser(ctx, "alice", "s3cret-pass")
	if err != nil {
		log.Fatal(err)
	}
	c.SetToken(login.Token)
	tx, err := c.GetTransaction(ctx, core.TransactionID(core.Payload100B, 3))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(login.IsValid, login.Message)
	fmt.Println(tx.ID, tx.AccountID, c.LastProto())
	// Output:
	// true credentials accepted
	// tx-100B-000003 acct-0003 HTTP/1.1
}
