// Package variant names the benchmark's variants once: the ways the same
// services are called, crossing transport (HTTP/1.1, HTTP/2) with encoding
// (JSON, protobuf) and, for the codec variants, the library that encodes.
package variant

// The variants.
const (
	REST      = "rest"       // gin, HTTP/1.1, JSON (encoding/json)
	RESTProto = "rest-proto" // gin, HTTP/1.1, protobuf bodies
	RESTH2C   = "rest-h2c"   // gin, HTTP/2 (cleartext, or h2 with TLS), JSON
	GRPC      = "grpc"       // grpc-go, protobuf-go
	// RESTSSE is rest with its feed as server-sent events, a row of the
	// streaming comparison rather than a client of its own.
	RESTSSE = "rest-sse"

	// The codec variants: rest and grpc with a faster library on both
	// sides, the format and the transport unchanged.
	RESTSonic  = "rest-sonic"   // rest, JSON by bytedance/sonic (gin's sonic tag)
	RESTGoJSON = "rest-go_json" // rest, JSON by goccy/go-json (gin's go_json tag)
	GRPCVT     = "grpc-vt"      // grpc, protobuf by vtprotobuf's generated code
	// RESTJSONv2 is rest with encoding/json/v2, in a build with
	// GOEXPERIMENT=jsonv2 only (Codecs lists it there).
	RESTJSONv2 = "rest-jsonv2"

	// The middle ways: one contract (proto/) served as REST-like HTTP/1.1
	// calls. The connect ones are connect-go's clients of one connect-go
	// handler (cmd/server -connect-addr), which also answers gRPC; gateway is
	// grpc-gateway's REST+JSON in front of the grpc server (-gateway-addr).
	ConnectJSON  = "connect-json"  // Connect protocol, HTTP/1.1, JSON (protojson)
	ConnectProto = "connect-proto" // Connect protocol, HTTP/1.1, protobuf
	GRPCWeb      = "grpc-web"      // gRPC-Web, HTTP/1.1, protobuf, by connect-go
	Gateway      = "gateway"       // grpc-gateway: REST+JSON, HTTP/1.1, then gRPC inside
)

// All lists the four client variants of the matrix, in the report's order.
var All = []string{REST, RESTProto, RESTH2C, GRPC}

// Codecs lists the codec variants of this build, each a twin of rest or
// grpc.
var Codecs = append(append([]string{RESTSonic, RESTGoJSON}, experimental...), GRPCVT)

// Experiment returns the GOEXPERIMENT a build needs for variant v, ""
// for none.
func Experiment(v string) string {
	if v == RESTJSONv2 {
		return "jsonv2"
	}
	return ""
}

// Libraries lists the variants that compare libraries, in run order: rest's
// codec variants, rest, grpc, then grpc's (rest-sonic, rest-go_json, rest,
// grpc, grpc-vt). rest and grpc sit together because one server serves
// both; each codec variant needs a server of its own (ServerFlags).
var Libraries = func() []string {
	var rest, grpc []string
	for _, v := range Codecs {
		if Twin(v) == REST {
			rest = append(rest, v)
		} else {
			grpc = append(grpc, v)
		}
	}
	return append(append(rest, REST, GRPC), grpc...)
}()

// Middle lists the middle ways.
var Middle = []string{ConnectJSON, ConnectProto, GRPCWeb, Gateway}

// MiddleCompared lists the variants of the report's Middle ways section:
// rest and grpc, then the middle ways between them.
var MiddleCompared = append([]string{REST, GRPC}, Middle...)

// Clients lists every variant a client can call: the matrix, the codec
// variants, then the middle ways.
var Clients = append(append(append([]string(nil), All...), Codecs...), Middle...)

// IsConnect reports whether v is called with connect-go's client.
func IsConnect(v string) bool { return v == ConnectJSON || v == ConnectProto || v == GRPCWeb }

// Unsupported returns why variant v cannot make calls of kind ("unary",
// "server-stream", "client-stream" or "bidi"), or "" when it can.
func Unsupported(v, kind string) string {
	switch {
	case IsConnect(v) && kind == "bidi":
		return v + " runs over HTTP/1.1, whose request and answer cannot flow at once: connect-go needs HTTP/2 for a bidi stream"
	case v == Gateway && kind == "client-stream":
		return "grpc-gateway would take the client stream as one body of newline-separated JSON messages (base64 data), not what a REST client sends: no binding in proto/gateway.yaml"
	case v == Gateway && kind == "bidi":
		return "grpc-gateway carries a bidi stream over HTTP/1.1 half-duplex only: no binding in proto/gateway.yaml"
	}
	return ""
}

// JSON returns the JSON library of a REST variant's bodies, as the
// server's -rest-json flag names it: "encoding/json", "sonic", "go_json"
// or "jsonv2"; "" for a variant without JSON bodies.
func JSON(v string) string {
	switch v {
	case REST, RESTH2C, RESTSSE:
		return "encoding/json"
	case RESTSonic:
		return "sonic"
	case RESTGoJSON:
		return "go_json"
	case RESTJSONv2:
		return "jsonv2"
	}
	return ""
}

// IsGRPC reports whether v is called over grpc-go.
func IsGRPC(v string) bool { return v == GRPC || v == GRPCVT }

// Twin returns the matrix variant v is a codec variant of (rest or grpc),
// or v itself.
func Twin(v string) string {
	switch v {
	case RESTSonic, RESTGoJSON, RESTJSONv2:
		return REST
	case GRPCVT:
		return GRPC
	}
	return v
}

// ServerFlags returns the cmd/server flags that make its servers answer as
// variant v: the codec variants need a server of their own library.
func ServerFlags(v string) []string {
	switch v {
	case RESTSonic, RESTGoJSON, RESTJSONv2:
		return []string{"-rest-json", JSON(v)}
	case GRPCVT:
		return []string{"-grpc-codec", "vt"}
	case ConnectJSON, ConnectProto, GRPCWeb:
		return []string{"-connect-addr", "127.0.0.1:0"}
	case Gateway:
		return []string{"-gateway-addr", "127.0.0.1:0"}
	}
	return nil
}
