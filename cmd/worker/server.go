package main

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"google.golang.org/grpc"
	pb "google.golang.org/grpc/interop/grpc_testing"

	"restvsgrpc/bench/scenarios"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
	"restvsgrpc/restsvc"
)

// server is a running server role.
type server struct {
	name  string
	port  int
	usage *usage
	stop  func()
}

// checkCommon refuses what neither role can honour: CPU limits (the
// process's CPUs are the host's) and TLS.
func checkCommon(coreLimit int32, coreList []int32, sec *pb.SecurityParams) error {
	switch {
	case coreLimit != 0:
		return invalid("core_limit", "%d: this worker uses every CPU of its host; run it in a cgroup or with taskset instead", coreLimit)
	case len(coreList) > 0:
		return invalid("core_list", "%v: this worker uses every CPU of its host; run it in a cgroup or with taskset instead", coreList)
	case sec != nil:
		return invalid("security_params", "TLS is not supported; leave security_params unset")
	}
	return nil
}

// startServer validates the setup, listens and serves.
func startServer(setup *pb.ServerConfig, cfg config) (*server, error) {
	if err := checkCommon(setup.GetCoreLimit(), setup.GetCoreList(), setup.GetSecurityParams()); err != nil {
		return nil, err
	}
	if pc := setup.GetPayloadConfig(); pc != nil && pc.GetSimpleParams() == nil {
		return nil, invalid("payload_config", "only simple_params is supported")
	}
	var name string
	switch setup.GetServerType() {
	case pb.ServerType_SYNC_SERVER, pb.ServerType_ASYNC_SERVER:
		name = "BenchmarkService"
	case pb.ServerType_OTHER_SERVER:
		v, err := scenarios.ParseServerAPI(setup.GetOtherServerApi())
		if err != nil {
			return nil, invalid("other_server_api", "%v", err)
		}
		name = v
	default:
		return nil, invalid("server_type", "%v: want SYNC_SERVER, ASYNC_SERVER or OTHER_SERVER", setup.GetServerType())
	}

	port := int(setup.GetPort())
	if port == 0 {
		port = cfg.serverPort
	}
	lis, err := net.Listen("tcp", net.JoinHostPort(cfg.host, strconv.Itoa(port)))
	if err != nil {
		return nil, invalid("port", "%v", err)
	}
	s := &server{name: name, port: lis.Addr().(*net.TCPAddr).Port}
	switch name {
	case "BenchmarkService":
		gs := grpc.NewServer()
		pb.RegisterBenchmarkServiceServer(gs, benchmarkServer{})
		go gs.Serve(lis)
		s.stop = gs.Stop
	case variant.GRPC:
		svc, err := newService(cfg)
		if err != nil {
			lis.Close()
			return nil, err
		}
		gs := grpcsvc.NewServer(svc)
		go gs.Serve(lis)
		s.stop = gs.Stop
	default: // the REST variants: gin, with h2c for rest-h2c
		svc, err := newService(cfg)
		if err != nil {
			lis.Close()
			return nil, err
		}
		base, cut := context.WithCancel(context.Background())
		var opts []restsvc.ServerOption
		opts = append(opts, restsvc.WithBaseContext(base))
		if name == variant.RESTH2C {
			opts = append(opts, restsvc.WithH2C())
		}
		hs := restsvc.NewServer(restsvc.NewHandler(svc), opts...)
		go hs.Serve(restsvc.ReadAhead(lis)) // returns when stopped
		s.stop = func() { hs.Close(); cut() }
	}
	s.usage = newUsage()
	return s, nil
}

// newService is the core behind a variant, as cmd/server builds it with
// its default flags, and the benchmark user.
func newService(cfg config) (*core.Service, error) {
	svc, err := core.New(core.WithUser(cfg.user, cfg.password), core.WithBcryptCost(cfg.bcryptCost))
	if err != nil {
		return nil, fmt.Errorf("core: %w", err)
	}
	return svc, nil
}
