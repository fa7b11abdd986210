// Package interop tests the article's "Language support: Good vs
// Excellent" claim from the side of the people who write the clients:
// gRPC clients come from the .proto files, REST clients from the REST
// twin's contract (restsvc/openapi.yaml, served at GET /v1/openapi.yaml).
//
// TestClients starts the real REST and gRPC servers of this module on
// loopback, once per language, and runs that language's two clients, each
// written with its ecosystem's standard stack:
//
//   - Go: the project's own clients (internal/client), generated stubs
//     for gRPC, net/http with restwire and coder/websocket for REST.
//   - JavaScript: node/grpc.mjs, @grpc/grpc-js with @grpc/proto-loader
//     reading proto/ at run time (no generated code); node/rest.mjs, Node's
//     own fetch and WebSocket. Needs node 20 or later; the packages are
//     installed from the committed lockfile (npm ci) when missing.
//   - Python: python/grpc_calls.py, grpcio with stubs that grpc_tools.protoc
//     generates from proto/ at test time; python/rest_calls.py, the standard
//     library's http.client plus websockets for the chat (the standard
//     library has no WebSocket client). Debian's python3-grpcio,
//     python3-grpc-tools and python3-websockets, installed with apt-get
//     when missing and the test runs as root.
//   - C++: cpp/grpc_calls.cc, libgrpc++ with stubs that protoc and
//     grpc_cpp_plugin generate from proto/ at test time; cpp/rest_calls.cc,
//     libcurl (a write callback reads the NDJSON feed as it streams in, a
//     read callback streams the chunked upload) and nlohmann-json, plus
//     cpp/websocket.cc, a hand-written RFC 6455 client for the chat
//     (Debian's libcurl 7.88 has no WebSocket support). Debian's g++,
//     pkg-config, protobuf-compiler(-grpc), libprotobuf-dev, libgrpc++-dev,
//     libcurl4-openssl-dev, libssl-dev and nlohmann-json3-dev, installed with
//     apt-get when missing and the test runs as root. The build (a few
//     minutes of g++ on a busy 2-CPU machine) is kept in the user's cache
//     directory (restvsgrpc/interop-cpp/<hash>) under a hash of the
//     sources, the protos, the flags and the tool versions, so that later
//     runs reuse it.
//
// A language whose toolchain cannot be had skips with one line saying why.
// Every client makes every call of all four call kinds on both transports:
// the login (right and wrong password), the token check (good and bad
// token), a record by id, the same with a bad token and with an unknown id,
// the server-streamed feed (NDJSON over REST), the client-streamed upload
// (a chunked request body over REST, which the server checks it received
// as such) and the bidirectional chat (a WebSocket over REST). It prints
// what it received as one JSON object, gRPC answers in protobuf's JSON
// mapping, and the test checks it against what internal/core returns for
// the same calls, as the conformance suite does: the same records, the
// same record ids in order, the same SHA-256 of the upload (computed by the
// client's own library too), acks echoing each seq, and the same error
// for a bad token (HTTP 401, UNAUTHENTICATED) and an unknown id (HTTP 404,
// NOT_FOUND). Then each client calls ValidateToken one call at a time,
// single-threaded, for about a second, and reports how many calls it made.
//
// # The result file
//
// With INTEROP_RESULT=file (cmd/report sets it) the test writes, however it
// ends, the JSON of internal/report.Interop for the Language support row:
//
//	{"measured_by": "go test ./interop -run TestClients",
//	 "clients": [{
//	   "language": "Python 3.11.2",           // the language and its runtime
//	   "transport": "grpc",                   // or "rest"
//	   "client": "generated",                 // "generated", "loaded" (stubs built from the
//	                                          // .proto files at run time) or "hand-written"
//	   "stubs": "...",                        // the same in words
//	   "libraries": ["grpcio 1.51.1", ...],   // packages beyond the runtime, with versions
//	   "files": ["interop/python/grpc_calls.py"],
//	   "hand_written_lines": 65,              // counted by the test from files
//	   "kinds": {"unary": true, "server-stream": true, "client-stream": true, "bidi": true},
//	   "unary_calls": 750, "unary_seconds": 1.0, "unary_calls_per_second": 750,
//	   "skipped": ""                          // why the language did not run, if it did not
//	 }, ...]}
//
// There is one entry per language and transport. kinds says, per call
// kind, whether every check of that kind passed. hand_written_lines counts
// the lines of the transport's client file(s) that are neither blank nor
// comment-only (docstrings count); the shared driver of each language
// (plan, upload data, output) is not counted on either side. Go's REST
// count includes the whole of restsvc/restwire, the contract the server
// writes with too, and Go's gRPC count internal/client/grpc.go and
// grpcwire's code mapping. unary_calls_per_second is a small, noisy
// figure of the client stack on a shared machine, reported, never
// asserted; the Go clients share their process with the servers.
//
// The package holds no code; this file documents it.
package interop
