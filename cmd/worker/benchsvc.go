package main

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	pb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"
)

// maxBenchPayload bounds the response a BenchmarkService request may ask
// for, so that one small request cannot make the server allocate without
// limit (grpc's default receive limit, 4 MiB).
const maxBenchPayload = 4 << 20

// benchmarkServer is grpc's BenchmarkService: every answer carries a
// payload of the size the request asks for.
type benchmarkServer struct {
	pb.UnimplementedBenchmarkServiceServer
}

func answer(req *pb.SimpleRequest) (*pb.SimpleResponse, error) {
	n := req.GetResponseSize()
	if n < 0 || n > maxBenchPayload {
		return nil, status.Errorf(codes.InvalidArgument, "response_size %d: want 0 to %d", n, maxBenchPayload)
	}
	return &pb.SimpleResponse{Payload: &pb.Payload{Type: pb.PayloadType_COMPRESSABLE, Body: make([]byte, n)}}, nil
}

// UnaryCall answers one request.
func (benchmarkServer) UnaryCall(_ context.Context, req *pb.SimpleRequest) (*pb.SimpleResponse, error) {
	return answer(req)
}

// StreamingCall answers each request of the stream (ping-pong).
func (benchmarkServer) StreamingCall(stream grpc.BidiStreamingServer[pb.SimpleRequest, pb.SimpleResponse]) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		resp, err := answer(req)
		if err != nil {
			return err
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
}

// StreamingFromClient reads requests until the client is done, then
// answers the last one.
func (benchmarkServer) StreamingFromClient(stream grpc.ClientStreamingServer[pb.SimpleRequest, pb.SimpleResponse]) error {
	var last *pb.SimpleRequest
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		last = req
	}
	resp, err := answer(last)
	if err != nil {
		return err
	}
	return stream.SendAndClose(resp)
}

// StreamingFromServer answers the one request over and over until the
// client goes away.
func (benchmarkServer) StreamingFromServer(req *pb.SimpleRequest, stream grpc.ServerStreamingServer[pb.SimpleResponse]) error {
	resp, err := answer(req)
	if err != nil {
		return err
	}
	for stream.Context().Err() == nil {
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
	return nil
}

// StreamingBothWays reads requests and sends answers independently until
// the client is done.
func (benchmarkServer) StreamingBothWays(stream grpc.BidiStreamingServer[pb.SimpleRequest, pb.SimpleResponse]) error {
	req, err := stream.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
	resp, err := answer(req)
	if err != nil {
		return err
	}
	recvDone := make(chan error, 1)
	go func() {
		for {
			if _, err := stream.Recv(); err != nil {
				recvDone <- err
				return
			}
		}
	}()
	for {
		select {
		case err := <-recvDone:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		default:
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
}
