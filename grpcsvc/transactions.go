package grpcsvc

import (
	"context"

	"google.golang.org/grpc"

	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
)

// transactionServer implements TransactionService.
type transactionServer struct {
	transactionv1.UnimplementedTransactionServiceServer
	svc *core.Service
}

func (s transactionServer) GetTransaction(ctx context.Context, req *transactionv1.GetTransactionRequest) (*transactionv1.Transaction, error) {
	t, err := s.svc.GetTransaction(ctx, req.GetId())
	if err != nil {
		return nil, Status(err)
	}
	return protoconv.Transaction(t), nil
}

// ListTransactions streams the feed; a client that cancels ends the
// stream's context, which stops the core's loop. Each record waits for
// send budget before its proto message is built.
func (s transactionServer) ListTransactions(req *transactionv1.ListTransactionsRequest, stream grpc.ServerStreamingServer[transactionv1.Transaction]) error {
	return Status(s.svc.ListTransactions(stream.Context(), protoconv.ListRequest(req), func(t *core.Transaction) error {
		if err := reserve(stream.Context()); err != nil {
			return err
		}
		return stream.Send(protoconv.Transaction(t))
	}))
}
