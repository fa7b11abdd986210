#!/usr/bin/env bash
# Cross-checks cmd/loadgen against the established load generators on the
# same warm server: wrk (rest), h2load (rest-h2c) and ghz (grpc), at 64
# concurrent calls and at 1, all calling ValidateToken (a small POST).
#
# The server runs pinned to CPU 0 with GOMAXPROCS=1; every driver runs
# pinned to CPU 1 with one thread. The drivers alternate, ROUNDS times
# each, and the script prints, per row, the mean throughput of each, their
# ratio (and the lowest and highest ratio of the rounds, each a loadgen run
# and the tool's run right after it), and the p50/p99 latencies of the last
# round side by side.
#
# Environment: DURATION (default 5s), ROUNDS (default 3), BIN (default
# ./bin). Missing tools are installed when possible (apt as root, go
# install for ghz); a row whose tool is missing is skipped and says so.
set -euo pipefail

DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
BIN=${BIN:-$PWD/bin}
GHZ_VERSION=v0.93.0
REST=127.0.0.1:18480
GRPC=127.0.0.1:18481
USER_PASS=crosscheck:crosscheck-pass
secs=${DURATION%s}

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
if [[ ! -x $GHZ ]]; then
	echo "installing ghz $GHZ_VERSION" >&2
	go install "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION" >/dev/null 2>&1 || true
fi
have taskset || { echo "crosscheck: taskset is missing (util-linux)" >&2; exit 1; }
[[ $(nproc) -ge 2 ]] || echo "crosscheck: fewer than 2 CPUs: server and drivers share one" >&2
cpu_server=0
cpu_driver=$(( $(nproc) > 1 ? 1 : 0 ))

# --- server ----------------------------------------------------------------
mkdir -p "$BIN"
go build -o "$BIN/server" ./cmd/server
go build -o "$BIN/loadgen" ./cmd/loadgen
# The server's readiness protocol (internal/serverproc): it writes -ready-file
# whole once it listens.
GOMAXPROCS=1 taskset -c $cpu_server "$BIN/server" -rest-addr $REST -grpc-addr $GRPC -user $USER_PASS -h2c \
	-ready-file "$work/ready.json" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do [[ -s $work/ready.json ]] && break; kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
[[ -s $work/ready.json ]] || { cat "$work/server.log" >&2; echo "crosscheck: the server did not become ready" >&2; exit 1; }

token=$(curl -sf -X POST -H 'Content-Type: application/json' \
	-d "{\"username\":\"${USER_PASS%%:*}\",\"password\":\"${USER_PASS#*:}\"}" "http://$REST/v1/auth/validate" |
	sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[[ -n $token ]] || { echo "crosscheck: login failed" >&2; exit 1; }
body="{\"token\":\"$token\"}"
printf '%s' "$body" >"$work/body.json"
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA

# --- drivers: each prints "RATE P50_US P99_US" -----------------------------
pin() { GOMAXPROCS=1 taskset -c $cpu_driver "$@"; }

# to_us converts a latency with its unit (wrk: 1.23ms, 456.00us, 1.2s) to µs.
to_us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1000; else if (v ~ /s$/) f = 1e6; else f = 1; printf "%.0f", n * f }'; }

loadgen() { # variant addr c
	pin "$BIN/loadgen" -variant "$1" -target "$2" -c "$3" -conns "$4" -rpc ValidateToken -user $USER_PASS \
		-duration "$DURATION" -warmup 1s -server-pid $server_pid -bench -progress off |
		awk '/^BenchmarkLoad/ { for (i = 1; i <= NF; i++) { u = $(i+1); if (u == "req/s") r = $i; if (u == "p50-ns") p = $i; if (u == "p99-ns") q = $i
				if (u == "client-cpu-ns/op") cc = $i; if (u == "server-cpu-ns/op") sc = $i }
			printf "%.0f %.0f %.0f %.2f %.2f\n", r, p / 1000, q / 1000, cc * r / 1e9, sc * r / 1e9 }'
}

run_wrk() { # c
	local out
	out=$(pin wrk -t1 -c "$1" -d "$DURATION" --latency -s "$work/post.lua" "http://$REST/v1/auth/token/validate")
	local rate p50 p99
	rate=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
	p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
	p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
	grep -q 'Non-2xx' <<<"$out" && { echo "crosscheck: wrk saw errors" >&2; }
	echo "${rate%.*} $(to_us "$p50") $(to_us "$p99")"
}

run_h2load() { # c: one connection carrying c streams, as loadgen's rest-h2c
	local out
	out=$(pin h2load -t1 -c1 -m "$1" -D "$secs" --warm-up-time=1 -d "$work/body.json" \
		-H 'content-type: application/json' -H "authorization: Bearer $token" "http://$REST/v1/auth/token/validate")
	grep -q ' 0 failed, 0 errored' <<<"$out" || echo "crosscheck: h2load saw failures" >&2
	# h2load reports the mean and sd of request times, not percentiles.
	local rate mean
	rate=$(awk '/^finished in/ { gsub(",", ""); print $4 }' <<<"$out")
	mean=$(awk '/^time for request:/ { print $6 }' <<<"$out")
	echo "${rate%.*} $(to_us "$mean") -"
}

run_ghz() { # c
	local out
	out=$(pin "$GHZ" --insecure --cpus 1 --connections 1 -c "$1" -z "$DURATION" \
		--call auth.v1.AuthService.ValidateToken -d "$body" $GRPC)
	local rate p50 p99
	rate=$(awk '/Requests\/sec:/ { print $2 }' <<<"$out")
	p50=$(awk '/ 50 % in/ { print $4 $5 }' <<<"$out")
	p99=$(awk '/ 99 % in/ { print $4 $5 }' <<<"$out")
	echo "${rate%.*} $(to_us "$p50") $(to_us "$p99")"
}

# --- rows ------------------------------------------------------------------
printf '%-9s %3s  %-7s %9s %9s %6s %-11s %-20s %-20s %-13s\n' variant c tool "loadgen/s" "tool/s" ratio "(rounds)" "p50 µs loadgen|tool" "p99 µs loadgen|tool" "CPUs cli|srv"
row() { # variant addr c conns tool-name tool-function target-ratio
	local variant=$1 addr=$2 c=$3 conns=$4 name=$5 fn=$6 want=$7
	if ! have "${name/ghz/$GHZ}"; then
		printf '%-9s %3s  %-7s skipped: %s is not installed\n' "$variant" "$c" "$name" "$name"
		return
	fi
	local lsum=0 tsum=0 l t ratios=""
	for _ in $(seq "$ROUNDS"); do
		l=$(loadgen "$variant" "$addr" "$c" "$conns")
		t=$($fn "$c")
		lsum=$((lsum + ${l%% *}))
		tsum=$((tsum + ${t%% *}))
		ratios+="$(awk -v a="${l%% *}" -v b="${t%% *}" 'BEGIN { printf "%.2f ", (b > 0 ? a / b : 0) }')"
	done
	local spread
	spread=$(tr ' ' '\n' <<<"$ratios" | sed '/^$/d' | sort -n | sed -n '1p;$p' | paste -sd- -)
	read -r _ lp50 lp99 lcpu scpu <<<"$l"
	read -r _ tp50 tp99 <<<"$t"
	local ratio
	ratio=$(awk -v a=$lsum -v b=$tsum 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	local verdict=""
	[[ $c == 64 ]] && verdict=$(awk -v r="$ratio" -v w="$want" 'BEGIN { print (r >= w ? "target ≥" w "× met" : "target ≥" w "× MISSED") }')
	printf '%-9s %3s  %-7s %9d %9d %6s %-11s %-20s %-20s %-13s %s\n' "$variant" "$c" "$name" $((lsum / ROUNDS)) $((tsum / ROUNDS)) "$ratio" "($spread)" \
		"$lp50|$tp50" "$lp99|$tp99" "$lcpu|$scpu" "$verdict"
}
steal0=$(awk '/^cpu / { print $9 }' /proc/stat)
start=$(date +%s)
for c in 64 1; do
	row rest "$REST" $c 0 wrk run_wrk 1.0
	row rest-h2c "$REST" $c 1 h2load run_h2load 1.0
	row grpc "$GRPC" $c 1 ghz run_ghz 1.5
done
steal1=$(awk '/^cpu / { print $9 }' /proc/stat)
elapsed=$(( $(date +%s) - start ))
awk -v s=$((steal1 - steal0)) -v t=$elapsed -v d="$DURATION" -v r="$ROUNDS" -v l="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
	printf "steal %.3f CPUs on average over %ds; load average %s; each figure the mean of %s rounds of %s\n", s / 100 / (t > 0 ? t : 1), t, l, r, d
	print "h2load reports a mean and no percentiles: its column shows the mean under p50. CPUs: loadgen'"'"'s own and the server'"'"'s, in the last loadgen round."
}'
