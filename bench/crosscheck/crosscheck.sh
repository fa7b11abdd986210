#!/usr/bin/env bash
# Cross-checks cmd/loadgen against the established load generators on the
# same warm server, on the calls the report measures:
#
#   GetTransaction at 100B, 1KiB and 64KiB, and ValidateToken (a small POST),
#   at 1, 64 and 1,000 concurrent calls, and on request the streams the
#   report's Streaming row measures (RPCS="ListTransactions Upload"): a feed
#   of STREAM_MSGS records, an upload of STREAM_MSGS chunks of the payload
#   class, each counted as one call by every driver; over
#   rest        wrk (HTTP/1.1, JSON; every record of a GetTransaction class
#               in turn and an upload's body chunked, a chunk per message,
#               as loadgen does)
#               and, at one caller on GetTransaction, bareloop: the least a
#               Go caller can do (one connection, pre-formatted requests, no
#               checks), the floor Go's scheduler and poller put under any
#               Go driver, loadgen included
#   rest-proto  wrk with "Accept: application/x-protobuf" (not ValidateToken)
#   rest-h2c    h2load (HTTP/2 cleartext, JSON)
#   grpc        h2load sending pre-encoded gRPC frames (an upload's messages
#               one after another in one request body), and ghz (unary)
# Bidirectional streams (the chat) have no independent driver here: none of
# wrk, h2load or ghz speaks WebSocket, and ghz's bidi sends are not paced
# like loadgen's chat.
#
# The server runs pinned to CPU 0 with GOMAXPROCS=1; every driver runs
# pinned to CPU 1 with one thread. Per condition and round, loadgen runs
# once per variant, before that variant's tools in odd rounds and after
# them in even ones (what runs first after a switch of variant weighs on
# both sides alike; ROUNDS=2 is one of each). Each row
# prints the mean rate of both, their ratio (and the lowest and highest of
# the per-round ratios), the p50/p99 of the last round side by side, the
# CPUs each driver used and the CPUs the server used under each, and the
# bound class of loadgen's last window (loadgen's own verdict: server-bound,
# client-bound or neither). It is a benchmark: nothing asserts the ratios.
#
# h2load counts an HTTP 200 as a success even when grpc-status is not 0, so
# before each gRPC row one call of the same frame is made with curl and its
# trailers checked, and after each h2load run the DATA bytes received are
# checked against a full response per successful call (an error answer is
# trailers only and carries none).
#
# Environment:
#   DURATION  measured window of each run (default 3s)
#   LONG_DURATION  the window of rows whose calls take long, 64KiB at
#             c >= 1000 (default 12s): every driver counts calls by a window
#             (loadgen those started in it, the tools those completed in
#             it), and with calls of ~1 s a 3 s window moves by a third
#   ROUNDS    runs of each driver per row (default 2)
#   RPCS      calls (default "GetTransaction ValidateToken"; also
#             ListTransactions, Upload)
#   STREAM_MSGS  records of a feed, chunks of an upload (default 100)
#   PAYLOADS  GetTransaction payload classes (default "100B 1KiB 64KiB")
#   CONCS     concurrencies (default "1 64 1000")
#   ROWS      variant:tool pairs (default "rest:wrk rest:bareloop
#             rest-proto:wrk rest-h2c:h2load grpc:h2load grpc:ghz")
#   H2_CONNS  connections of the HTTP/2 drivers, loadgen's and the tools'
#             alike (default 1; calls spread over them)
#   BIN       where binaries are built (default ./bin)
# The defaults run 87 rows in about 17 minutes. Missing tools are installed
# when possible (apt as root, go install for ghz); a row whose tool is
# missing is skipped and says so.
set -euo pipefail

DURATION=${DURATION:-3s}
LONG_DURATION=${LONG_DURATION:-12s}
ROUNDS=${ROUNDS:-2}
RPCS=${RPCS:-GetTransaction ValidateToken}
STREAM_MSGS=${STREAM_MSGS:-100}
PAYLOADS=${PAYLOADS:-100B 1KiB 64KiB}
CONCS=${CONCS:-1 64 1000}
ROWS=${ROWS:-rest:wrk rest:bareloop rest-proto:wrk rest-h2c:h2load grpc:h2load grpc:ghz}
H2_CONNS=${H2_CONNS:-1}
BIN=${BIN:-$PWD/bin}
GHZ_VERSION=v0.93.0
REST=127.0.0.1:18480
GRPC=127.0.0.1:18481
USER_PASS=crosscheck:crosscheck-pass
secs=${DURATION%s}
[[ $secs =~ ^[0-9]+$ ]] || { echo "crosscheck: DURATION=$DURATION: want whole seconds, e.g. 3s" >&2; exit 2; }
[[ ${LONG_DURATION%s} =~ ^[0-9]+$ ]] || { echo "crosscheck: LONG_DURATION=$LONG_DURATION: want whole seconds, e.g. 12s" >&2; exit 2; }
run_dur=$DURATION # the window of the row being run (cell sets it)

work=$(mktemp -d)
server_pid=
cleanup() {
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

# --- tools -----------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1; }
if { ! have wrk || ! have h2load || ! have curl; } && [[ $(id -u) == 0 ]] && have apt-get; then
	echo "installing wrk, nghttp2-client (h2load) and curl" >&2
	apt-get install -y wrk nghttp2-client curl >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 && apt-get install -y wrk nghttp2-client curl >/dev/null 2>&1; } || true
fi
have curl || { echo "crosscheck: curl is missing" >&2; exit 1; }
GHZ=$(command -v ghz || echo "$(go env GOPATH)/bin/ghz")
if [[ ! -x $GHZ ]] && [[ " $ROWS " == *" grpc:ghz "* ]]; then
	echo "installing ghz $GHZ_VERSION" >&2
	go install "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION" >/dev/null 2>&1 || true
fi
have taskset || { echo "crosscheck: taskset is missing (util-linux)" >&2; exit 1; }
[[ $(nproc) -ge 2 ]] || echo "crosscheck: fewer than 2 CPUs: server and drivers share one" >&2
cpu_server=0
cpu_driver=$(( $(nproc) > 1 ? 1 : 0 ))

# HTTP/1.1 drivers hold one connection per call in flight, and the server
# one per client connection: raise the open-file limit to fit the highest
# concurrency, or say which rows cannot run.
maxc=0
for c in $CONCS; do (( c > maxc )) && maxc=$c; done
need_fds=$(( maxc + 256 ))
if (( $(ulimit -n) < need_fds )); then
	ulimit -n "$need_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
fd_limit=$(ulimit -n)
if (( fd_limit < need_fds )); then
	echo "crosscheck: c=$maxc over HTTP/1.1 needs about $need_fds open files, but the limit is $fd_limit (hard $(ulimit -Hn)) and could not be raised: rest and rest-proto rows above c=$(( fd_limit - 256 )) are skipped" >&2
fi

# --- server ----------------------------------------------------------------
mkdir -p "$BIN"
go build -o "$BIN/server" ./cmd/server
go build -o "$BIN/loadgen" ./cmd/loadgen
go build -o "$BIN/frame" ./bench/crosscheck/frame
go build -o "$BIN/bareloop" ./bench/crosscheck/bareloop
# The server's readiness protocol (internal/serverproc): it writes -ready-file
# whole once it listens. Its login rate limits are off: every loadgen run
# logs the one user in from one address.
GOMAXPROCS=1 taskset -c $cpu_server "$BIN/server" -rest-addr $REST -grpc-addr $GRPC -user $USER_PASS -h2c \
	-login-user-burst 0 -login-addr-burst 0 \
	-ready-file "$work/ready.json" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do [[ -s $work/ready.json ]] && break; kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
[[ -s $work/ready.json ]] || { cat "$work/server.log" >&2; echo "crosscheck: the server did not become ready" >&2; exit 1; }

token=$(curl -sf -X POST -H 'Content-Type: application/json' \
	-d "{\"username\":\"${USER_PASS%%:*}\",\"password\":\"${USER_PASS#*:}\"}" "http://$REST/v1/auth/validate" |
	sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[[ -n $token ]] || { echo "crosscheck: login failed" >&2; exit 1; }
auth="Authorization: Bearer $token"

# --- one condition's requests ----------------------------------------------
# prepare RPC PAYLOAD sets, for the tools: rest_url, rest_method, body files,
# the gRPC :path and frame, and the size of each answer (from one call made
# with curl, which also checks it succeeds).
prepare() {
	local rpc=$1 payload=$2
	local sizes=(-payload "$payload" -limit "$STREAM_MSGS" -chunks "$STREAM_MSGS")
	grpc_path=$("$BIN/frame" -rpc "$rpc" -path)
	body_type=application/json
	case $rpc in
	GetTransaction | ListTransactions)
		rest_url="http://$REST$("$BIN/frame" -rpc "$rpc" "${sizes[@]}" -rest-path)"
		rest_method=GET
		"$BIN/frame" -rpc "$rpc" "${sizes[@]}" >"$work/frame.bin"
		: >"$work/body.json"
		;;
	ValidateToken)
		rest_url="http://$REST/v1/auth/token/validate"
		rest_method=POST
		"$BIN/frame" -rpc "$rpc" -token "$token" >"$work/frame.bin"
		printf '{"token":"%s"}' "$token" >"$work/body.json"
		;;
	Upload)
		rest_url="http://$REST$("$BIN/frame" -rpc "$rpc" -rest-path)"
		rest_method=POST
		body_type=application/octet-stream
		"$BIN/frame" -rpc "$rpc" "${sizes[@]}" >"$work/frame.bin"
		"$BIN/frame" -rpc "$rpc" "${sizes[@]}" -rest-body >"$work/body.json"
		;;
	*) echo "crosscheck: no rpc $rpc (want GetTransaction, ValidateToken, ListTransactions or Upload)" >&2; exit 2 ;;
	esac
	{
		echo "wrk.method = \"$rest_method\""
		if [[ $rest_method == POST ]]; then
			echo "local f = assert(io.open(\"$work/body.json\", \"rb\"))"
			echo 'wrk.body = f:read("*a")'
			echo 'f:close()'
			echo "wrk.headers[\"Content-Type\"] = \"$body_type\""
		fi
		echo "wrk.headers[\"Authorization\"] = \"Bearer $token\""
		if [[ $rpc == GetTransaction ]]; then
			# Every record of the class in turn, as loadgen's callers
			# fetch them: one record over and over is another working
			# set for the server's caches.
			local last
			last=$("$BIN/frame" -rpc "$rpc" -payload "$payload" -index 1000000 -rest-path 2>&1 | sed -n 's/.* records 0 to \([0-9]*\).*/\1/p' || true)
			echo 'local paths = {'
			for i in $(seq 0 "${last:-0}"); do "$BIN/frame" -rpc "$rpc" -payload "$payload" -index "$i" -rest-path; done >"$work/paths.txt"
			sed 's/.*/"&",/' "$work/paths.txt"
			echo '}'
			# Formatted once, at the first call (headers are all set by
			# then), so that wrk does no Lua work per request.
			echo 'local reqs, i = nil, 0'
			echo 'request = function()'
			echo '  if not reqs then reqs = {}; for k, p in ipairs(paths) do reqs[k] = wrk.format(nil, p) end end'
			echo '  i = i % #reqs + 1'
			echo '  return reqs[i]'
			echo 'end'
		fi
		if [[ $rpc == Upload ]]; then
			# The body goes chunked, one chunk per message, as loadgen's
			# (and net/http's, for a body of unknown length): the server
			# reads a chunked body chunk by chunk, a sized one in larger
			# reads, so a sized body would be another request.
			echo "local n, chunks = $STREAM_MSGS, {}"
			echo 'local size = math.floor(#wrk.body / n)'
			echo 'for i = 0, n - 1 do chunks[#chunks + 1] = string.format("%x\r\n", size) .. wrk.body:sub(i * size + 1, (i + 1) * size) .. "\r\n" end'
			echo 'wrk.headers["Transfer-Encoding"] = "chunked"'
			echo 'local chunked = table.concat(chunks) .. "0\r\n\r\n"'
			echo 'wrk.body = nil'
			echo 'local req'
			echo 'request = function()'
			echo '  if not req then req = wrk.format(nil, nil, nil, nil) .. chunked end'
			echo '  return req'
			echo 'end'
		fi
	} >"$work/req.lua"
	cp "$work/req.lua" "$work/req-proto.lua"
	echo 'wrk.headers["Accept"] = "application/x-protobuf"' >>"$work/req-proto.lua"

	local data=() code
	[[ $rest_method == POST ]] && data=(-H "Content-Type: $body_type" --data-binary "@$work/body.json")
	code=$(curl -s -o "$work/rest.out" -w '%{http_code}' -H "$auth" "${data[@]}" "$rest_url")
	[[ $code == 200 ]] || { echo "crosscheck: $rpc over REST answered $code: $(head -c 300 "$work/rest.out")" >&2; exit 1; }
	code=$(curl -s --http2-prior-knowledge -o "$work/h2c.out" -w '%{http_code}' -H "$auth" "${data[@]}" "$rest_url")
	[[ $code == 200 ]] || { echo "crosscheck: $rpc over h2c answered $code" >&2; exit 1; }
	h2c_size=$(wc -c <"$work/h2c.out")
	if [[ $rpc == GetTransaction ]]; then
		code=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' -H "$auth" -H 'Accept: application/x-protobuf' "$rest_url")
		[[ $code == "200 application/x-protobuf"* ]] || { echo "crosscheck: $rpc with Accept protobuf answered $code" >&2; exit 1; }
	fi
	# The same frame h2load sends, once, with its trailers: grpc-status 0.
	curl -s --http2-prior-knowledge -D "$work/grpc.head" -o "$work/grpc.out" --data-binary "@$work/frame.bin" \
		-H 'content-type: application/grpc' -H 'te: trailers' -H "$auth" "http://$GRPC$grpc_path"
	grep -qi '^grpc-status: 0' "$work/grpc.head" ||
		{ echo "crosscheck: the gRPC frame of $rpc $payload did not succeed:" >&2; cat "$work/grpc.head" >&2; exit 1; }
	grpc_size=$(wc -c <"$work/grpc.out")
	(( grpc_size >= 5 )) || { echo "crosscheck: the gRPC answer of $rpc is $grpc_size bytes" >&2; exit 1; }
}

# --- drivers ---------------------------------------------------------------
# Each prints "RATE P50_US P99_US DRIVER_CPUS SERVER_CPUS [BOUND]"; a tool's
# CPUs are measured over its whole run (bash's time for its own, the
# server's from /proc/PID/stat), loadgen's over its window.
pin() { GOMAXPROCS=1 taskset -c $cpu_driver "$@"; }
clk_tck=$(getconf CLK_TCK)
server_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }

# to_us converts a latency with its unit (wrk: 1.23ms, 456.00us, 1.2s; ghz: 1.2ms) to µs.
to_us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1000; else if (v ~ /s$/) f = 1e6; else f = 1; printf "%.0f", n * f }'; }

# timed NAME CMD... runs CMD pinned, its stdout in $work/NAME.out, and sets
# tool_cpus and tool_srv (CPUs used by it and by the server meanwhile).
timed() {
	local name=$1 t0 times
	shift
	t0=$(server_ticks)
	TIMEFORMAT='%R %U %S'
	{ time pin "$@" >"$work/$name.out" 2>"$work/$name.err"; } 2>"$work/$name.time" ||
		{ echo "crosscheck: $name failed: $(tail -3 "$work/$name.err")" >&2; }
	times=$(tail -1 "$work/$name.time")
	read -r tool_cpus tool_srv < <(awk -v t="$times" -v d=$(( $(server_ticks) - t0 )) -v hz="$clk_tck" \
		'BEGIN { split(t, a, " "); if (a[1] <= 0) a[1] = 1e-9; printf "%.2f %.2f\n", (a[2] + a[3]) / a[1], d / hz / a[1] }')
}

run_loadgen() { # variant rpc payload c
	local conns=0 addr=$REST payload=$3
	[[ $payload == - ]] && payload=100B
	[[ $1 == rest-h2c || $1 == grpc ]] && conns=$(( H2_CONNS < $4 ? H2_CONNS : $4 ))
	[[ $1 == grpc ]] && addr=$GRPC
	if ! pin "$BIN/loadgen" -variant "$1" -target "$addr" -rpc "$2" -payload "$payload" -stream-msgs "$STREAM_MSGS" -c "$4" -conns $conns -user $USER_PASS \
		-duration "$run_dur" -warmup 1s -server-pid $server_pid -bench -progress off >"$work/loadgen.out" 2>"$work/loadgen.err"; then
		echo "crosscheck: loadgen $1 $2 $3 c=$4 failed: $(tail -3 "$work/loadgen.err")" >&2
		echo "0 - - - - failed"
		return
	fi
	awk '$1 == "bound" { b = $2; sub(":", "", b) }
		/^BenchmarkLoad/ { for (i = 1; i <= NF; i++) { u = $(i+1); if (u == "req/s") r = $i; if (u == "p50-ns") p = $i; if (u == "p99-ns") q = $i
			if (u == "client-busy") cb = $i; if (u == "server-busy") sb = $i } }
		END { printf "%.0f %.0f %.0f %.2f %.2f %s\n", r, p / 1000, q / 1000, cb, sb, (b == "" ? "?" : b) }' "$work/loadgen.out"
}

run_wrk() { # script c
	timed wrk wrk -t1 -c "$2" -d "$run_dur" --timeout 10s --latency -s "$work/$1" "$rest_url"
	local out=$work/wrk.out rate p50 p99
	rate=$(awk '/^Requests\/sec/ { print $2 }' "$out")
	p50=$(awk '$1 == "50%" { print $2 }' "$out")
	p99=$(awk '$1 == "99%" { print $2 }' "$out")
	grep -E 'Non-2xx|Socket errors' "$out" >&2 && echo "crosscheck: wrk saw errors (above)" >&2
	echo "${rate%.*} $(to_us "$p50") $(to_us "$p99") $tool_cpus $tool_srv"
}

run_bareloop() { # one caller, GetTransaction's paths in turn
	timed bareloop "$BIN/bareloop" -addr "$REST" -paths "$work/paths.txt" -authorization "Bearer $token" -duration "$run_dur"
	local rate p50 p99
	read -r rate p50 p99 <"$work/bareloop.out" || true
	echo "${rate:-0} ${p50:--} ${p99:--} $tool_cpus $tool_srv"
}

# h2load_run ADDR SIZE ARGS... runs h2load for DURATION over H2_CONNS
# connections and checks that every successful call received SIZE bytes
# of DATA (a gRPC error is trailers only; calls cut at the end may add
# partial answers, so at most c errors could hide behind them).
h2load_run() {
	local addr=$1 size=$2 c=$3
	shift 3
	local conns=$(( H2_CONNS < c ? H2_CONNS : c ))
	timed h2load h2load -t1 -c $conns -m $(( (c + conns - 1) / conns )) -D "${run_dur%s}" --log-file="$work/h2load.log" \
		-H "$auth" "$@" "http://$addr"
	local out=$work/h2load.out ok data rate
	ok=$(awk '/^requests:/ { print $8 }' "$out")
	data=$(awk '/^traffic:/ { v = $(NF-1); gsub(/[()]/, "", v); print v }' "$out")
	grep -q ' 0 failed, 0 errored, 0 timeout' "$out" || echo "crosscheck: h2load saw failures: $(grep '^requests:' "$out")" >&2
	if [[ -n $ok && -n $data ]] && (( data < ok * size )); then
		echo "crosscheck: h2load received $data DATA bytes for $ok successes of $size bytes: $(( (ok * size - data) / size )) or more calls failed" >&2
	fi
	rate=$(awk '/^finished in/ { gsub(",", ""); print $4 }' "$out")
	# Percentiles of the response times h2load logs per request (µs).
	read -r p50 p99 < <(cut -f3 "$work/h2load.log" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- -"; exit }
		i = int(NR * 0.50); if (i < 1) i = 1; j = int(NR * 0.99); if (j < 1) j = 1; print v[i], v[j] }')
	echo "${rate%.*} $p50 $p99 $tool_cpus $tool_srv"
}

run_h2load_rest() { # c
	local body=()
	[[ $rest_method == POST ]] && body=(-d "$work/body.json" -H "content-type: $body_type")
	h2load_run "$REST${rest_url#http://$REST}" "$h2c_size" "$1" "${body[@]}"
}

run_h2load_grpc() { # c
	h2load_run "$GRPC$grpc_path" "$grpc_size" "$1" -d "$work/frame.bin" -H 'content-type: application/grpc' -H 'te: trailers'
}

run_ghz() { # rpc payload c
	local call data
	case $1 in
	GetTransaction) call=transaction.v1.TransactionService.GetTransaction data="{\"id\":\"${rest_url##*/}\"}" ;;
	ValidateToken) call=auth.v1.AuthService.ValidateToken data="{\"token\":\"$token\"}" ;;
	esac
	local conns=$(( H2_CONNS < $3 ? H2_CONNS : $3 ))
	timed ghz "$GHZ" --insecure --cpus 1 --connections $conns -c "$3" -z "$run_dur" --call "$call" -d "$data" \
		--metadata "{\"authorization\":\"Bearer $token\"}" $GRPC
	local out=$work/ghz.out ok total p50 p99 bad
	ok=$(awk '$1 == "[OK]" { print $2 }' "$out")
	total=$(awk '$1 == "Total:" { print $2 $3 }' "$out")
	p50=$(awk '/ 50 % in/ { print $4 $5 }' "$out")
	p99=$(awk '/ 99 % in/ { print $4 $5 }' "$out")
	# ghz closes its connection at the end of -z with calls in flight: up to
	# c of them end Unavailable; anything else is an error.
	bad=$(awk '/^Status code distribution:/ { s = 1; next } s && NF == 0 { s = 0 } s && $1 != "[OK]" { n += $2 } END { print n + 0 }' "$out")
	(( bad > $3 )) && echo "crosscheck: ghz saw $bad failed calls: $(grep -A5 '^Error distribution' "$out" | tr -s ' \n' ' ')" >&2
	echo "$(awk -v n="${ok:-0}" -v t="$(to_us "${total:-0}")" 'BEGIN { printf "%.0f", (t > 0 ? n / t * 1e6 : 0) }') $(to_us "$p50") $(to_us "$p99") $tool_cpus $tool_srv"
}

# --- rows ------------------------------------------------------------------
fmt='%-14s %-5s %5s %-10s %-8s %9s %9s %6s %-11s %-13s %-15s %-11s %-11s %-12s %s\n'
printf "$fmt" rpc payload c variant tool "loadgen/s" "tool/s" ratio "(rounds)" "p50 µs l|t" "p99 µs l|t" "CPUs l|t" "srv CPUs l|t" "bound" ""
want_row() { [[ " $ROWS " == *" $1 "* ]]; }
tool_bin() { case $1 in ghz) echo "$GHZ" ;; bareloop) echo "$BIN/bareloop" ;; *) echo "$1" ;; esac; }

# cell RPC PAYLOAD C runs ROUNDS rounds of every selected row of one condition.
cell() {
	local rpc=$1 payload=$2 c=$3 variant tool key round l t
	run_dur=$DURATION
	[[ $payload == 64KiB ]] && (( c >= 1000 )) && run_dur=$LONG_DURATION
	prepare "$rpc" "$payload"
	declare -A lsum=() tsum=() ratios=() last_l=() last_t=() skip=()
	local keys=()
	for key in $ROWS; do
		variant=${key%%:*} tool=${key#*:}
		[[ $variant == rest-proto && $rpc == ValidateToken ]] && continue
		[[ $tool == bareloop ]] && { [[ $rpc == GetTransaction ]] && (( c == 1 )) || continue; }
		keys+=("$key")
		if ! have "$(tool_bin "$tool")"; then skip[$key]="$tool is not installed"; fi
		if [[ $tool == ghz && $rpc != GetTransaction && $rpc != ValidateToken ]]; then skip[$key]="unary calls only"; fi
		if [[ $variant == rest || $variant == rest-proto ]] && (( c + 256 > fd_limit )); then skip[$key]="needs $((c + 256)) open files, limit $fd_limit"; fi
	done
	local variants=()
	for key in "${keys[@]}"; do
		[[ -n ${skip[$key]:-} ]] && continue
		[[ " ${variants[*]} " == *" ${key%%:*} "* ]] || variants+=("${key%%:*}")
	done
	for round in $(seq "$ROUNDS"); do
		for variant in "${variants[@]}"; do
			# loadgen runs once per variant and round, compared with each
			# tool of the variant: first in odd rounds, after the tools in
			# even ones, so that what runs first (a server just switched
			# from another variant's calls) weighs on both sides alike.
			(( round % 2 == 1 )) && l=$(run_loadgen "$variant" "$rpc" "$payload" "$c")
			declare -A got=()
			for key in "${keys[@]}"; do
				[[ ${key%%:*} != "$variant" || -n ${skip[$key]:-} ]] && continue
				tool=${key#*:}
				case $key in
				rest:wrk) got[$key]=$(run_wrk req.lua "$c") ;;
				rest:bareloop) got[$key]=$(run_bareloop) ;;
				rest-proto:wrk) got[$key]=$(run_wrk req-proto.lua "$c") ;;
				rest-h2c:h2load) got[$key]=$(run_h2load_rest "$c") ;;
				grpc:h2load) got[$key]=$(run_h2load_grpc "$c") ;;
				grpc:ghz) got[$key]=$(run_ghz "$rpc" "$payload" "$c") ;;
				*) echo "crosscheck: no row $key" >&2; exit 2 ;;
				esac
			done
			(( round % 2 == 0 )) && l=$(run_loadgen "$variant" "$rpc" "$payload" "$c")
			for key in "${!got[@]}"; do
				t=${got[$key]}
				lsum[$key]=$(( ${lsum[$key]:-0} + ${l%% *} ))
				tsum[$key]=$(( ${tsum[$key]:-0} + ${t%% *} ))
				ratios[$key]+="$(awk -v a="${l%% *}" -v b="${t%% *}" 'BEGIN { printf "%.2f ", (b > 0 ? a / b : 0) }')"
				last_l[$key]=$l last_t[$key]=$t
			done
			unset got
		done
	done
	for key in "${keys[@]}"; do
		variant=${key%%:*} tool=${key#*:}
		if [[ -n ${skip[$key]:-} ]]; then
			printf '%-14s %-5s %5s %-10s %-8s skipped: %s\n' "$rpc" "$payload" "$c" "$variant" "$tool" "${skip[$key]}"
			continue
		fi
		local lp50 lp99 lcpu lsrv bound tp50 tp99 tcpu tsrv ratio spread verdict="" want=1.0
		read -r _ lp50 lp99 lcpu lsrv bound <<<"${last_l[$key]}"
		read -r _ tp50 tp99 tcpu tsrv <<<"${last_t[$key]}"
		spread=$(tr ' ' '\n' <<<"${ratios[$key]}" | sed '/^$/d' | sort -n | sed -n '1p;$p' | paste -sd- -)
		ratio=$(awk -v a="${lsum[$key]}" -v b="${tsum[$key]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		[[ $tool == ghz ]] && want=2.0
		(( c >= 64 )) && verdict=$(awk -v r="$ratio" -v w="$want" 'BEGIN { print (r >= w ? "target ≥" w "× met" : "target ≥" w "× MISSED") }')
		printf "$fmt" "$rpc" "$payload" "$c" "$variant" "$tool" $(( lsum[$key] / ROUNDS )) $(( tsum[$key] / ROUNDS )) "$ratio" "($spread)" \
			"$lp50|$tp50" "$lp99|$tp99" "$lcpu|$tcpu" "$lsrv|$tsrv" "$bound" "$verdict"
	done
}

steal0=$(awk '/^cpu / { print $9 }' /proc/stat)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
for rpc in $RPCS; do
	payloads=$PAYLOADS
	[[ $rpc == ValidateToken ]] && payloads=-
	for payload in $payloads; do
		for c in $CONCS; do
			cell "$rpc" "$payload" "$c"
		done
	done
done
steal1=$(awk '/^cpu / { print $9 }' /proc/stat)
elapsed=$(( $(date +%s) - start ))
awk -v s=$((steal1 - steal0)) -v t=$elapsed -v d="$DURATION" -v r="$ROUNDS" -v l0="$load0" -v l="$(cut -d' ' -f1-3 /proc/loadavg)" -v hc="$H2_CONNS" 'BEGIN {
	printf "steal %.3f CPUs on average over %ds; load average %s at the start, %s at the end; each rate the mean of %s rounds of %s\n", s / 100 / (t > 0 ? t : 1), t, l0, l, r, d
	print "p50/p99 of the last round; h2load'"'"'s from its per-request log. CPUs: each driver'"'"'s own and the server'"'"'s meanwhile (loadgen over its window, a tool over its whole run), in the last round."
	print "bound: loadgen'"'"'s class of its last window. HTTP/2 drivers use " hc " connection(s) (H2_CONNS); HTTP/1.1 drivers one per call in flight. ValidateToken has no payload class (-)."
}'
