// Package interop tests the article's "cross-language" claim: that gRPC
// suits microservices because clients in other languages can call a service
// from its .proto files alone.
//
// Its test starts the real REST and gRPC servers of this module on loopback
// and runs node/client.mjs, a Node.js client written the way a Node
// developer would write it: @grpc/grpc-js with @grpc/proto-loader reading
// proto/**/*.proto at run time (no generated code), and Node's own fetch
// and WebSocket for REST. The client makes every kind of call over both
// transports: the unary login and token check, a record by id, the server
// stream (NDJSON feed), the client-streamed upload (a chunked request body
// over REST, which the test checks the server received as such) and the
// bidirectional chat (WebSocket over REST). It prints what it received as
// one JSON object, and the test compares that with what internal/core
// returns for the same calls: the same fields of every record, the same
// record ids in the feeds, the same SHA-256 of the upload (computed by
// Node's crypto too), acks echoing each seq, and the same error for a bad
// token (HTTP 401, gRPC UNAUTHENTICATED), each transport's status coming
// from its one mapping function.
//
// The test needs node (20 or later; 20 and 21 run with
// --experimental-websocket) on PATH and the client's packages installed,
// which `make interop-deps` does (npm ci in node/, from the committed
// lockfile); without either it skips and says why. `make test` runs
// interop-deps first whenever node is installed, so CI runs the test.
//
// The package holds no code; this file documents it.
package interop
