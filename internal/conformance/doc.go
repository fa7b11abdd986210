// Package conformance holds no code of its own: its tests prove that the
// REST and gRPC services are twins. The same cases — every RPC and call
// kind, happy paths and errors — run against every variant (rest,
// rest-proto, rest-h2c, grpc) over real loopback servers and must give the
// same domain results and the same error codes. The one table that maps
// core error codes to HTTP statuses and gRPC codes is pinned here too.
package conformance
