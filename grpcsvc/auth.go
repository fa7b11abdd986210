package grpcsvc

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	authv1 "restvsgrpc/gen/auth/v1"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
)

// publicServices need no bearer token; every other service does.
var publicServices = map[string]bool{
	authv1.AuthService_ServiceDesc.ServiceName:                 true,
	healthpb.Health_ServiceDesc.ServiceName:                    true,
	reflectionv1.ServerReflection_ServiceDesc.ServiceName:      true,
	reflectionv1alpha.ServerReflection_ServiceDesc.ServiceName: true,
}

// isPublic reports whether fullMethod ("/package.Service/Method") belongs to
// a public service.
func isPublic(fullMethod string) bool {
	svc, _, ok := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	return ok && publicServices[svc]
}

type subjectKey struct{}

// subjectOf returns the authenticated caller set by the interceptors.
func subjectOf(ctx context.Context) string {
	s, _ := ctx.Value(subjectKey{}).(string)
	return s
}

// authenticator is the one interceptor pair that checks bearer tokens.
type authenticator struct{ svc *core.Service }

func (a authenticator) check(ctx context.Context, fullMethod string) (context.Context, error) {
	if isPublic(fullMethod) {
		return ctx, nil
	}
	sub, err := a.svc.Authenticate(bearer(ctx))
	if err != nil {
		return nil, Status(err)
	}
	return context.WithValue(ctx, subjectKey{}, sub), nil
}

// bearer returns the token of the "authorization" metadata (see
// core.BearerToken), or "" when there is none.
func bearer(ctx context.Context) string {
	vals := metadata.ValueFromIncomingContext(ctx, grpcwire.MetadataAuthorization)
	if len(vals) == 0 {
		return ""
	}
	return core.BearerToken(vals[0])
}

func (a authenticator) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, err := a.check(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (a authenticator) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, err := a.check(ss.Context(), info.FullMethod)
	if err != nil {
		return err
	}
	if ctx == ss.Context() {
		return handler(srv, ss)
	}
	return handler(srv, authedStream{ServerStream: ss, ctx: ctx})
}

// authedStream carries the authenticated context into a stream handler.
type authedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s authedStream) Context() context.Context { return s.ctx }

// authServer implements AuthService.
type authServer struct {
	authv1.UnimplementedAuthServiceServer
	svc *core.Service
}

func (s authServer) ValidateUser(ctx context.Context, req *authv1.ValidateUserRequest) (*authv1.ValidateUserResponse, error) {
	r, err := s.svc.ValidateUser(ctx, peerAddr(ctx), req.GetUsername(), req.GetPassword())
	if err != nil {
		return nil, Status(err)
	}
	return protoconv.UserResult(r), nil
}

// peerAddr is the client's network address, for the core's per-address
// login limit, or "" when the transport knows none.
func peerAddr(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		return p.Addr.String()
	}
	return ""
}

func (s authServer) ValidateToken(ctx context.Context, req *authv1.ValidateTokenRequest) (*authv1.ValidateTokenResponse, error) {
	r, err := s.svc.ValidateToken(ctx, req.GetToken())
	if err != nil {
		return nil, Status(err)
	}
	return protoconv.TokenResult(r), nil
}
