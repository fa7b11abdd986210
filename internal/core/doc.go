// Package core holds the behaviour of the auth, transaction, file and chat
// services, once, free of any transport. The gin service (restsvc) and the
// grpc-go service (grpcsvc) are thin adapters over it: they decode a request,
// call a method here, encode the answer and map a core Error to a status with
// one function each. Nothing here imports gin or grpc, so whatever differs
// between the two services in a benchmark is the transport and the encoding,
// never the work done.
package core
