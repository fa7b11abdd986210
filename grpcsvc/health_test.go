package grpcsvc_test

import (
	"slices"
	"testing"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"

	authv1 "restvsgrpc/gen/auth/v1"
	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
)

var ourServices = []string{
	authv1.AuthService_ServiceDesc.ServiceName,
	chatv1.ChatService_ServiceDesc.ServiceName,
	filev1.FileService_ServiceDesc.ServiceName,
	transactionv1.TransactionService_ServiceDesc.ServiceName,
}

func TestHealth(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	hc := healthpb.NewHealthClient(f.conn)
	for _, name := range append([]string{""}, ourServices...) {
		t.Run("service="+name, func(t *testing.T) {
			t.Parallel()
			r, err := hc.Check(ctxTimeout(t), &healthpb.HealthCheckRequest{Service: name})
			if err != nil {
				t.Fatal(err) // no token: health is public
			}
			if r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				t.Errorf("Check(%q) = %v, want SERVING", name, r.GetStatus())
			}
		})
	}
}

func TestReflection(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	stream, err := reflectionv1.NewServerReflectionClient(f.conn).ServerReflectionInfo(ctxTimeout(t))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.CloseSend()

	ask := func(req *reflectionv1.ServerReflectionRequest) *reflectionv1.ServerReflectionResponse {
		t.Helper()
		if err := stream.Send(req); err != nil {
			t.Fatal(err)
		}
		r, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if e := r.GetErrorResponse(); e != nil {
			t.Fatalf("reflection error: %v", e)
		}
		return r
	}

	r := ask(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{}})
	var got []string
	for _, s := range r.GetListServicesResponse().GetService() {
		got = append(got, s.GetName())
	}
	want := append(slices.Clone(ourServices), healthpb.Health_ServiceDesc.ServiceName, reflectionv1.ServerReflection_ServiceDesc.ServiceName)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("ListServices = %v, missing %q", got, w)
		}
	}

	// A tool such as grpcurl then asks for each service's file descriptor.
	for _, name := range ourServices {
		r := ask(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: name}})
		if n := len(r.GetFileDescriptorResponse().GetFileDescriptorProto()); n == 0 {
			t.Errorf("FileContainingSymbol(%q): no file descriptors", name)
		}
	}
}
