// Package variant names the benchmark's variants once: the ways the same
// services are called, crossing transport (HTTP/1.1, HTTP/2) with encoding
// (JSON, protobuf).
package variant

// The variants.
const (
	REST      = "rest"       // gin, HTTP/1.1, JSON
	RESTProto = "rest-proto" // gin, HTTP/1.1, protobuf bodies
	RESTH2C   = "rest-h2c"   // gin, HTTP/2 (cleartext, or h2 with TLS), JSON
	GRPC      = "grpc"       // grpc-go
	// RESTSSE is rest with its feed as server-sent events, a row of the
	// streaming comparison rather than a client of its own.
	RESTSSE = "rest-sse"
)

// All lists the four client variants, in the report's order.
var All = []string{REST, RESTProto, RESTH2C, GRPC}
