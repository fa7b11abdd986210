// Package interop tests the article's "cross-language" claim: that gRPC
// suits microservices because clients in other languages can call a service
// from its .proto files alone.
//
// Its test starts the real REST and gRPC servers of this module on loopback
// and runs node/client.mjs, a Node.js client written the way a Node
// developer would write it: @grpc/grpc-js with @grpc/proto-loader reading
// proto/**/*.proto at run time (no generated code), and the fetch built
// into Node for REST. The client makes every kind of call over both
// transports (unary login and token check, a record by id, the server
// stream or NDJSON feed, a client-streamed or chunked upload and, over
// gRPC, a bidirectional chat) and prints what it received as one JSON
// object. The test compares that with what internal/core returns for the
// same calls: the same fields of every record, the same SHA-256 of the
// upload, and the same error for a bad token (HTTP 401, gRPC
// UNAUTHENTICATED), each transport's status coming from its one mapping
// function.
//
// REST chat is not part of it: it runs over WebSocket, which Node 20 offers
// only behind --experimental-websocket, and the standard WebSocket API it
// follows has no way to send the Authorization header the route requires.
//
// The test needs node (20 or later) on PATH and the client's packages
// installed, which `make interop-deps` does (npm ci in node/, from the
// committed lockfile); without either it skips and says why. `make test`
// runs interop-deps first whenever node is installed.
//
// The package holds no code; this file documents it.
package interop
