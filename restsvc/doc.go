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
// The routes, media types, error bodies, feed framings and chat frames are
// those of package restwire, which this package writes with and every
// client reads with; its package comment is the contract.
package restsvc
