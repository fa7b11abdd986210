// Package bench holds the go test benchmarks of the REST and gRPC twins:
// codec benchmarks and end-to-end benchmarks over real loopback servers.
// See the benchmark files for the matrix; run them with make bench.
package bench
