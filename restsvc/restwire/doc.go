// Package restwire is the REST wire contract, written once: the routes and
// URL builders, media types, the error body and its core code ↔ HTTP status
// table, the feed framings (writer and reader), the chat frames and
// WebSocket subprotocols, and the size limits. restsvc writes with it and
// every REST client reads with it. It imports no gin and no server package,
// so that a client links neither.
//
// # Routes
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
//	                                (auth) -> 200, a feed of Transactions, flushed per record:
//	                                  Accept application/x-ndjson (default): one JSON object and "\n" each;
//	                                  Accept text/event-stream: SSE, "event: transaction\ndata: {json}\n\n" each;
//	                                  Accept application/x-protobuf: varint-length-delimited messages
//	                                  (as google.golang.org/protobuf/encoding/protodelim writes them).
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
// # Errors
//
// Errors are {"code","message"} JSON with the HTTP status of StatusOf; codes
// are core.Code names ("invalid_argument", "unauthenticated", "not_found",
// "too_large", ...). Malformed bodies are 400, bodies over the limit 413, an
// unsupported Content-Type 415 (code invalid_argument), a missing or bad
// token 401; a POST without Content-Type is JSON. An error after a feed has
// started ends it with a last record naming the error: an NDJSON line
// {"error":{"code","message"}}, an SSE "event: error" whose data is the
// error body, or, for protobuf feeds, the trailers X-Error-Code and
// X-Error-Message.
package restwire
