// Package gatewaysvc is the gateway variant's server: grpc-gateway's
// generated reverse proxy, REST+JSON outside, gRPC inside. It turns each
// HTTP request into a call of the grpc-go service (grpcsvc) over a client
// connection, as a deployment puts a gateway in front of a gRPC backend,
// so a call costs the gateway's transcoding plus the gRPC hop.
//
// The routes are the bindings of proto/gateway.yaml, for the calls a
// gateway carries over HTTP/1.1: AuthService's two unary calls and
// TransactionService's GetTransaction and ListTransactions (a stream of
// newline-separated {"result": ...} objects). Bodies are protojson, the
// answers' field names lowerCamelCase with unset fields written out
// (grpc-gateway's default marshaler); errors are a google.rpc.Status in
// JSON with the HTTP status grpc-gateway maps its code to. The
// Authorization header reaches the backend as its authorization metadata.
package gatewaysvc

import (
	"context"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"

	authv1 "restvsgrpc/gen/auth/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
)

// NewHandler returns the gateway over conn, a connection to the gRPC
// server; the caller owns and closes conn.
func NewHandler(conn grpc.ClientConnInterface) http.Handler {
	mux := runtime.NewServeMux()
	ctx := context.Background()
	// Registering a client cannot fail: the errors are the dialing
	// variants'.
	_ = authv1.RegisterAuthServiceHandlerClient(ctx, mux, authv1.NewAuthServiceClient(conn))
	_ = transactionv1.RegisterTransactionServiceHandlerClient(ctx, mux, transactionv1.NewTransactionServiceClient(conn))
	return mux
}
