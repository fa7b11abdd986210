// Package restsvc serves the core services over HTTP with gin, the way a gin
// user writes them: bound Go structs, encoding/json, c.JSON. It is a thin
// adapter: decode, call internal/core, encode, map errors in one function.
//
// One handler serves three of the benchmark's variants:
//
//   - rest: HTTP/1.1 with JSON bodies;
//   - rest-proto: HTTP/1.1 with protobuf bodies, chosen per request by
//     Content-Type and Accept "application/x-protobuf";
//   - rest-h2c: the same handler over HTTP/2 cleartext (NewServer with WithH2C).
//
// # Wire contract
//
// JSON field names are snake_case, as in the .proto files. Every request to a
// route marked (auth) carries "Authorization: Bearer <token>", the token being
// one issued by POST /v1/auth/validate.
//
//	POST /v1/auth/validate          {"username","password"} -> 200 {"is_valid","message","token","expires_at"}
//	                                wrong credentials are 200 with is_valid false
//	POST /v1/auth/token/validate    {"token"} -> 200 {"is_valid","subject","expires_at","message"}
//	GET  /v1/transactions/{id}      (auth) -> 200 Transaction
//	GET  /v1/transactions?account=acct-0003&payload=1KiB&limit=100&interval_ms=0
//	                                (auth) -> 200, a stream of Transactions, flushed per record:
//	                                  Accept application/x-ndjson (default): one JSON object and "\n" each;
//	                                  Accept text/event-stream: SSE, "event: transaction\ndata: {json}\n\n" each;
//	                                  Accept application/x-protobuf: varint-length-delimited messages
//	                                  (google.golang.org/protobuf/encoding/protodelim).
//	POST /v1/files?filename=a.bin   (auth) streamed body (any Content-Type, usually chunked
//	                                application/octet-stream) -> 200 UploadSummary
//	GET  /v1/chat                   (auth) WebSocket. Subprotocol "json" (the default): text frames,
//	                                one ChatMessage / ChatEvent JSON object each; subprotocol "proto":
//	                                binary frames, one chat.v1 message each. A frame of the other
//	                                type closes the session with 1003 (unsupported data).
//	                                An empty frame from the client means it has no more messages
//	                                (half-close): the server sends the events still due, then
//	                                closes with 1000. A failed session closes with another status
//	                                (1008 bad input, 1009 too large, 1011 internal, ...) and the
//	                                reason "<code>: <message>" (code as in error bodies).
//	                                WebSocket runs over HTTP/1.1 in every variant, rest-h2c too.
//	GET  /healthz                   200 "ok"
//
// Protobuf bodies use the messages of gen/ (ValidateUserRequest, Transaction,
// UploadSummary, ...). Request bodies are JSON unless Content-Type is
// application/x-protobuf; answers are JSON unless Accept is
// application/x-protobuf.
//
// Errors are {"code","message"} JSON with the HTTP status of StatusOf; codes
// are core.Code names ("invalid_argument", "unauthenticated", "not_found",
// "too_large", ...). Malformed bodies are 400, bodies over the limit 413,
// an unsupported Content-Type 415 (code invalid_argument), a missing or bad
// token 401; a POST without Content-Type is JSON. An error after
// a stream has started ends it with a last record naming the error: an NDJSON
// line {"error":{"code","message"}}, an SSE "event: error", or, for protobuf
// streams, the trailer X-Error-Code / X-Error-Message.
package restsvc
