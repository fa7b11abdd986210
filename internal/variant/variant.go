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
)

// All lists the four client variants of the matrix, in the report's order.
var All = []string{REST, RESTProto, RESTH2C, GRPC}

// Codecs lists the codec variants, each a twin of rest or grpc.
var Codecs = []string{RESTSonic, RESTGoJSON, GRPCVT}

// Clients lists every variant a client can call: the matrix, then the
// codec variants.
var Clients = append(append([]string(nil), All...), Codecs...)

// JSON returns the JSON library of a REST variant's bodies, as the
// server's -rest-json flag names it: "encoding/json", "sonic" or
// "go_json"; "" for a variant without JSON bodies.
func JSON(v string) string {
	switch v {
	case REST, RESTH2C, RESTSSE:
		return "encoding/json"
	case RESTSonic:
		return "sonic"
	case RESTGoJSON:
		return "go_json"
	}
	return ""
}

// IsGRPC reports whether v is called over grpc-go.
func IsGRPC(v string) bool { return v == GRPC || v == GRPCVT }

// Twin returns the matrix variant v is a codec variant of (rest or grpc),
// or v itself.
func Twin(v string) string {
	switch v {
	case RESTSonic, RESTGoJSON:
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
	case RESTSonic, RESTGoJSON:
		return []string{"-rest-json", JSON(v)}
	case GRPCVT:
		return []string{"-grpc-codec", "vt"}
	}
	return nil
}
