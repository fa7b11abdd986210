// Package bench holds the go test benchmarks of the REST and gRPC twins:
// codec benchmarks, and end-to-end benchmarks of every call kind over real
// servers on loopback, against two floors. The package has no API; its
// benchmarks are its product, and their names and units are a contract that
// benchstat and the report generator (internal/report) read.
//
// # Running
//
//	make bench                      # default set, COUNT=10 interleaved passes, BENCHTIME=1s
//	make bench BENCH=Unary COUNT=3  # a -bench regexp, fewer passes
//	make bench BENCH='^BenchmarkUnary$/^rpc=GetTransaction$ ^BenchmarkBidi$'
//	                                # several regexps, space-separated
//	BENCH_SET=full make bench       # every dimension value
//	make compare                    # benchstat of the newest raw file
//	go test -run='^$' -bench=. -benchtime=1x -short ./bench  # the CI smoke: every benchmark once
//
// make bench builds the test binary once and runs it COUNT times, one pass
// over all selected benchmarks each (so variants interleave in time and a
// burst of CPU steal hits them alike), appending to
// results/raw/bench-<UTC date>.txt, which starts with provenance lines
// (commit:, go:, cpu:, gomaxprocs:, date:, benchset:, benchtime:) that
// benchfmt reads as configuration. make compare runs the benchstat pinned
// in go.mod on the newest raw file, variants as columns with rest as the
// baseline (VARIANTS sets the columns and their order), and the codec
// benchmarks with codecs as columns; it writes the tables beside the raw
// file as <name>.benchstat.txt. Use COUNT of 6 or more: benchstat needs 6
// samples for a confidence interval. A -bench regexp with more
// slash-separated elements than a name has levels does not match that
// name, so a row cannot be excluded by an element past its last level:
// select broadly and filter with benchstat -filter (e.g. '-/net:/./').
//
// The default set (no BENCH_SET) keeps the rows that carry the report's
// headline: ValidateToken and GetTransaction at 1 KiB, concurrency 1 and
// 64, for every variant and both floors; one payload sweep (100 B, 1 KiB,
// 64 KiB at concurrency 1); lan and wan, TLS, 100 µs of server work, 4
// HTTP/2 connections and gzip once each, on unary GetTransaction at 1 KiB;
// one row per stream kind on loopback (a 1 KiB feed, an upload in 1 KiB
// chunks, 100 B chat); the codecs at the three payloads; the login: 174
// benchmarks, 68 of them codec ones. One pass (make bench COUNT=1,
// BENCHTIME=1s, the test binary's build included) took 4 min 16 s on the
// 2-CPU reference machine while other work shared it (load average 1.0 to
// 1.9); the machine is shared, so expect some spread. The default make
// bench (10 passes) therefore takes about 45 minutes, and COUNT=6
// BENCHTIME=500ms is a shorter run that still gives benchstat its
// confidence intervals. Under -short the smoke set runs (short streams,
// small files). BENCH_SET=full adds concurrency 16 and 256, the payload
// sweep at every concurrency, the 1 MiB payload, server work of 10 µs and
// 1 ms, server streams of every record size, 64 KiB upload chunks, the
// streams over lan and wan, 16 concurrent streams, larger uploads, 1 KiB
// chat and more gzip payloads.
//
// # An example
//
// From a short real run on the 2-CPU reference machine while other
// processes shared it (hence the wide intervals), raw output in
// results/raw/bench-20261124T193442Z.txt:
//
//	make bench COUNT=6 BENCHTIME=500ms BENCH='^BenchmarkUnary$/^rpc=GetTransaction$/./^payload=1KiB$/^conc=(1|64)$ ^BenchmarkServerStream$/./^payload=1KiB$/^conc=1$'
//	go tool benchstat -filter '-/net:/./ -/tls:/./ -/gzip:/./ -/work:/./ -/conns:/./ .unit:(sec/op OR p50-ns OR wire-B/op OR msgs/s)' \
//		-col '/variant@(rest grpc)' results/raw/bench-20261124T193442Z.txt
//
//	                                                │      rest      │                grpc                 │
//	                                                │     sec/op     │    sec/op     vs base               │
//	Unary/rpc=GetTransaction/payload=1KiB/conc=1-2     161.0µ ± 133%   114.5µ ± 48%  -28.86% (p=0.041 n=6)
//	Unary/rpc=GetTransaction/payload=1KiB/conc=64-2   190.60µ ±  93%   86.13µ ± 42%        ~ (p=0.093 n=6)
//	ServerStream/payload=1KiB/conc=1-2                 49.26m ± 150%   21.66m ± 32%  -56.03% (p=0.002 n=6)
//	geomean                                            1.148m          597.8µ        -47.91%
//
//	                                                │      rest      │                grpc                 │
//	                                                │    p50-sec     │   p50-sec     vs base               │
//	Unary/rpc=GetTransaction/payload=1KiB/conc=1-2    114.94µ ±  99%   63.44µ ± 79%  -44.81% (p=0.041 n=6)
//	Unary/rpc=GetTransaction/payload=1KiB/conc=64-2    8.540m ±  76%   3.233m ± 88%  -62.15% (p=0.026 n=6)
//	ServerStream/payload=1KiB/conc=1-2                 48.43m ± 110%   20.77m ± 30%  -57.12% (p=0.002 n=6)
//	geomean                                            3.623m          1.621m        -55.26%
//
//	                                                │     rest     │                grpc                 │
//	                                                │  wire-B/op   │  wire-B/op    vs base               │
//	Unary/rpc=GetTransaction/payload=1KiB/conc=1-2    2.742Ki ± 0%   1.207Ki ± 0%  -55.98% (p=0.002 n=6)
//	Unary/rpc=GetTransaction/payload=1KiB/conc=64-2   2.742Ki ± 0%   1.118Ki ± 0%  -59.22% (p=0.002 n=6)
//	ServerStream/payload=1KiB/conc=1-2                2.325Mi ± 0%   1.010Mi ± 0%  -56.56% (p=0.002 n=6)
//	geomean                                           26.16Ki        11.18Ki       -57.28%
//
//	                                   │     rest     │                 grpc                 │
//	                                   │    msgs/s    │    msgs/s     vs base                │
//	ServerStream/payload=1KiB/conc=1-2   20.73k ± 61%   46.18k ± 42%  +122.74% (p=0.002 n=6)
//
// A "~" is benchstat saying that the difference is not significant at this
// level of noise; verdicts need COUNT=10 on a quiet machine.
//
// # Names
//
// Sub-benchmark names carry their dimensions as key=value, so that
// benchstat -col /variant compares transports row by row:
//
//	BenchmarkCodec/msg=Transaction/codec=json/op=encode/payload=1KiB
//	BenchmarkUnary/rpc=GetTransaction/variant=grpc/payload=1KiB/conc=64
//	BenchmarkUnary/rpc=ValidateToken/variant=rest/conc=1
//	BenchmarkUnary/rpc=GetTransaction/variant=rest-h2/payload=1KiB/conc=1/tls=on
//	BenchmarkServerStream/variant=rest-sse/payload=1KiB/conc=1/net=wan
//	BenchmarkClientStream/variant=grpc/payload=64KiB/conc=1
//	BenchmarkBidi/variant=rest-proto/payload=100B/conc=1
//	BenchmarkValidateUser/variant=core/conc=1
//	BenchmarkOverhead/part=loop
//
// The keys: rpc (ValidateToken, GetTransaction); variant; payload (100B,
// 1KiB, 64KiB, 1MiB: the record class for transactions, the chunk size
// for uploads, the text size for chat); conc (concurrent workers: callers,
// streams, or chat sessions); and, only where not at their default,
// conns (HTTP/2 connections shared round-robin, default 1), tls=on,
// gzip=on, net (lan, wan; default loopback) and work (server CPU per call:
// 10us, 100us, 1ms; default none).
//
// The variants: rest (gin, HTTP/1.1, JSON; NDJSON for the server stream,
// a chunked POST for the upload, a WebSocket with JSON frames for chat),
// rest-proto (the same with protobuf bodies, a varint-delimited protobuf
// stream, binary WebSocket frames), rest-sse (the server stream as
// Server-Sent Events), rest-h2c (the gin handler over HTTP/2 cleartext),
// rest-h2 (the same over TLS, negotiated by ALPN; tls=on rows only), grpc
// (grpc-go), and two floors: tcp (length-prefixed frames of the very
// protobuf bytes grpc carries, over raw TCP, no encoding or decoding) and
// nethttp (the unary routes on a plain http.ServeMux, the same JSON and
// bearer check as rest, no gin; served and called exactly like rest).
// BenchmarkValidateUser adds core: the core called directly, no transport.
// It logs one user in thousands of times a second from one address, so it
// sets the core's login limits itself (benchLoginLimits): the per-username
// and per-address rate limits off, the compare slots at their default (one
// per CPU), which its one worker never waits for. A refused login is an
// error that fails the benchmark, never a fast row.
//
// # Metrics
//
//	ns/op      wall time of the timed part divided by b.N (with conc
//	           workers, the inverse of throughput, not a latency)
//	p50-ns     median latency of one op (benchstat shows p50-sec)
//	p99-ns     99th percentile latency of one op (benchstat: p99-sec)
//	wire-B/op  bytes on the server's sockets, both directions, per op:
//	           headers, HTTP/2 frames, WebSocket frames and TLS records
//	           included (internal/wirecount)
//	body-B/op  bytes of the encoded messages per op in the variant's own
//	           encoding (request and response bodies; before gzip),
//	           computed from the expected messages; for grpc checked
//	           against grpc-go's own count (stats.Handler) within 1%
//	cpu-ns/op  CPU time (user and system) of the whole process per op:
//	           client, server and runtime together; on net=lan rows it
//	           includes the simulated network's clock (see below)
//	msgs/s     records per second (ServerStream) or round trips per
//	           second (Bidi), over all workers
//	msgs/op    records in one server stream
//	ttfm-ns    median time from the call to the first streamed record
//	chunks/s   upload chunks per second
//	MB/s       from SetBytes: encoded bytes for Codec; file bytes for
//	           ClientStream; records' protobuf size for ServerStream (the
//	           same for every variant, so it is proportional to msgs/s)
//	B/op, allocs/op  from -benchmem: client and server together, as both
//	           run in the test process; on shaped rows (net=lan, wan)
//	           also the simulated network's copy of every chunk it
//	           delays, a few allocations per socket read and write
//
// # Honesty rules the code enforces
//
// Every response is decoded by the variant's real client (internal/client)
// and checked (ids, sizes, the upload's SHA-256, the chat ack's sequence
// number); the first error fails the benchmark, so an error path is never
// timed. Each worker makes one untimed warm-up call. The protocol is
// checked twice: the REST client reports every response's protocol and the
// server's listener sniffs each connection's first bytes for the HTTP/2
// preface (under TLS only the former and grpc-go's own ALPN check apply);
// a mismatch fails the benchmark. Bodies are drained and closed by the
// client, and a benchmark fails if connections are opened during the timed
// part beyond one spare per worker: HTTP/1.1 keep-alive must work. With
// gzip=on, a REST answer or a grpc message sent uncompressed fails the
// row. A
// result must time at least as many ops as it has workers: the testing
// package's first probe runs one op, and when that op outlasts -benchtime
// (a net=wan call takes 41 ms, past -benchtime=20ms) it is the result, one
// call on one of conc workers, so conc=64 would read as the throughput of
// conc=1; such a row fails (except under -short) and asks for a longer
// -benchtime or -benchtime=Nx with N of at least conc. Nothing is asserted
// about timings.
//
// # What the numbers include
//
// Client and server share the process and its CPUs, so every figure is the
// cost of both ends; cmd/loadgen measures them as separate processes. The
// network profiles shape the server's side of each connection (both
// directions, half the RTT each, paced at the bandwidth) through
// internal/netsim; lan's 0.25 ms one-way delays rely on a clock goroutine
// that yields the CPU while waiting, because this machine's timers fire
// about 1 ms late. With gzip=on, grpc compresses requests and responses
// (grpc-go's gzip compressor), while REST compresses responses only, with a
// net/http gzip middleware as a gin user would add (Go's transport asks for
// gzip and decompresses transparently). BenchmarkOverhead measures the
// measuring: the worker loop with its clock reads and histogram record, and
// the counting conn's cost per socket call.
package bench
