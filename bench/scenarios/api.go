// Package scenarios holds the suite's runs as scenarios of grpc's
// distributed benchmark engine (grpc.testing.Scenario, proto3 JSON, for
// qps_json_driver and cmd/worker), and the syntax of the names by which a
// scenario asks a worker for one of our variants.
//
// A scenario of ours sets server_type OTHER_SERVER with other_server_api
// a variant (rest, rest-proto, rest-h2c, grpc), and client_type
// OTHER_CLIENT with other_client_api "VARIANT/RPC" or "VARIANT/RPC/CHECK":
//
//	grpc/GetTransaction
//	rest/ValidateToken/decode
//
// RPC is a call of bench/load (ValidateToken, GetTransaction, ValidateUser,
// ListTransactions, Upload, Chat) and CHECK the client mode (bytes, the
// default, or decode; see internal/client). The payload class comes
// from payload_config.simple_params: the larger of req_size and resp_size
// must be a class's size in bytes (100, 1024, 65536, 1048576), or 0 for
// the default class, 100B. The files are written by
// `go test ./bench/scenarios -update` and checked by the same test.
package scenarios

import (
	"fmt"
	"strings"

	"restvsgrpc/bench/load"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
)

// ClientAPI is what other_client_api names.
type ClientAPI struct {
	Variant string
	RPC     load.RPC
	Check   string // load.CheckBytes or load.CheckDecode
}

// String returns the API in the syntax ParseClientAPI reads, without the
// client mode when it is the default.
func (a ClientAPI) String() string {
	s := a.Variant + "/" + string(a.RPC)
	if a.Check != "" && a.Check != load.CheckBytes {
		s += "/" + a.Check
	}
	return s
}

// ParseClientAPI parses other_client_api.
func ParseClientAPI(s string) (ClientAPI, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return ClientAPI{}, fmt.Errorf("%q: want VARIANT/RPC or VARIANT/RPC/CHECK, e.g. grpc/GetTransaction", s)
	}
	v, err := ParseServerAPI(parts[0])
	if err != nil {
		return ClientAPI{}, err
	}
	rpc, err := load.ParseRPC(parts[1])
	if err != nil {
		return ClientAPI{}, err
	}
	a := ClientAPI{Variant: v, RPC: rpc, Check: load.CheckBytes}
	if len(parts) == 3 {
		if parts[2] != load.CheckBytes && parts[2] != load.CheckDecode {
			return ClientAPI{}, fmt.Errorf("client mode %q: want %s or %s", parts[2], load.CheckBytes, load.CheckDecode)
		}
		a.Check = parts[2]
	}
	return a, nil
}

// ParseServerAPI parses other_server_api: a variant.
func ParseServerAPI(s string) (string, error) {
	for _, v := range variant.All {
		if s == v {
			return v, nil
		}
	}
	return "", fmt.Errorf("variant %q: want one of %s", s, strings.Join(variant.All, ", "))
}

// PayloadOf maps a scenario's message sizes onto a payload class: the
// larger of the two must be a class's size in bytes exactly; 0 is the
// default class.
func PayloadOf(reqSize, respSize int32) (core.Payload, error) {
	n := int(max(reqSize, respSize))
	if n == 0 {
		return core.Payload100B, nil
	}
	var sizes []string
	for _, p := range core.Payloads {
		if p.Bytes() == n {
			return p, nil
		}
		sizes = append(sizes, fmt.Sprintf("%d (%s)", p.Bytes(), p))
	}
	return "", fmt.Errorf("%d bytes is no payload class: want 0 or one of %s", n, strings.Join(sizes, ", "))
}

// Sizes returns the req_size and resp_size that stand for payload p in a
// call of rpc: the direction in which the payload travels carries it.
func Sizes(rpc load.RPC, p core.Payload) (reqSize, respSize int32) {
	switch rpc {
	case load.Upload, load.Chat:
		return int32(p.Bytes()), 0
	}
	return 0, int32(p.Bytes())
}
