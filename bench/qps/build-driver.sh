#!/usr/bin/env bash
# Builds grpc's benchmark driver, qps_json_driver, which no package ships:
# from the Debian source package of the grpc that Debian's libgrpc++-dev
# installs (the same version, so that its test/cpp/qps sources compile and
# link against the system libraries), with g++ and no bazel.
#
# Usage: bash bench/qps/build-driver.sh [OUT]   (default OUT: bin/ of the repository)
#   writes OUT/qps_json_driver; make qps QPS_DRIVER=OUT/qps_json_driver runs it.
# Needs root and apt-get (Debian bookworm or later); prints one line and
# exits 3 where they are missing. Scratch files go to $WORK (default: a
# directory under ${TMPDIR:-/tmp}); JOBS compile jobs run at once.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$repo/bin}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "build-driver: needs root and apt-get (Debian's grpc source and libraries); not built" >&2
  exit 3
fi
WORK=${WORK:-${TMPDIR:-/tmp}/restvsgrpc-qpsdriver}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$WORK"
log=$WORK/build.log
: > "$log"
step() { echo "build-driver: $*" >&2; }
trap 'echo "build-driver: failed; the end of $log:" >&2; tail -20 "$log" >&2' ERR

step "installing the compiler, protoc and Debian's grpc C++ libraries"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >>"$log" 2>&1
apt-get install -y -q --no-install-recommends g++ pkgconf protobuf-compiler protobuf-compiler-grpc \
  libprotobuf-dev libgrpc++-dev libabsl-dev libre2-dev libssl-dev zlib1g-dev libc-ares-dev >>"$log" 2>&1

# The source of exactly the installed libraries' version.
ver=$(dpkg-query -W -f='${source:Version}' libgrpc++-dev)
upstream=${ver%-*}
src=$WORK/grpc-$upstream
if [ ! -f "$src/test/cpp/qps/qps_json_driver.cc" ]; then
  if ! apt-cache showsrc grpc 2>/dev/null | grep -qx "Version: $ver"; then
    # Source entries for the archive the machine already installs from:
    # its own deb entry, as deb-src (same mirror, same keyring).
    step "adding deb-src entries for the machine's Debian archive"
    list=/etc/apt/sources.list.d/restvsgrpc-src
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed -n '/^Types: *deb *$/,/^$/{s/^Types:.*/Types: deb-src/;p}' /etc/apt/sources.list.d/debian.sources > "$list.sources"
    elif [ -f /etc/apt/sources.list ]; then
      sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > "$list.list"
    fi
    apt-get update -q >>"$log" 2>&1
  fi
  step "fetching grpc $ver's source package"
  (cd "$WORK" && apt-get source -q --download-only "grpc=$ver" >>"$log" 2>&1)
  tar -xzf "$WORK/grpc_$upstream.orig.tar.gz" -C "$WORK"
fi

# grpc.testing's protos, as C++ with gRPC stubs.
gen=$WORK/gen
mkdir -p "$gen"
protos="benchmark_service control messages payloads report_qps_scenario_service stats worker_service"
sources=()
for p in $protos; do
  f=src/proto/grpc/testing/$p.proto
  if [ ! -f "$gen/${f%.proto}.grpc.pb.cc" ]; then
    protoc -I"$src" --cpp_out="$gen" --grpc_out="$gen" --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" "$src/$f"
  fi
  sources+=("$gen/${f%.proto}.pb.cc" "$gen/${f%.proto}.grpc.pb.cc")
done
# The driver, the in-process clients and servers its code links to, and
# the few test utilities they use. GRPC_PORT_ISOLATED_RUNTIME makes the
# test utilities pick free ports themselves, with no port server.
for f in \
  test/cpp/qps/qps_json_driver.cc test/cpp/qps/driver.cc test/cpp/qps/benchmark_config.cc \
  test/cpp/qps/report.cc test/cpp/qps/parse_json.cc test/cpp/qps/qps_worker.cc \
  test/cpp/qps/client_sync.cc test/cpp/qps/client_async.cc test/cpp/qps/client_callback.cc \
  test/cpp/qps/server_sync.cc test/cpp/qps/server_async.cc test/cpp/qps/server_callback.cc \
  test/cpp/qps/qps_server_builder.cc test/cpp/qps/usage_timer.cc \
  test/cpp/util/test_config_cc.cc test/cpp/util/create_test_channel.cc test/cpp/util/test_credentials_provider.cc \
  test/core/util/histogram.cc test/core/util/port_isolated_runtime_environment.cc test/core/util/test_config.cc \
  test/core/util/build.cc test/core/util/stack_tracer.cc test/core/event_engine/test_init.cc \
  test/core/end2end/data/client_certs.cc test/core/end2end/data/server1_cert.cc \
  test/core/end2end/data/server1_key.cc test/core/end2end/data/test_root_cert.cc; do
  sources+=("$src/$f")
done

step "compiling ${#sources[@]} files with $JOBS jobs"
export CXXFLAGS="-std=c++17 ${OPT:--O1} -g0 -w -DGRPC_PORT_ISOLATED_RUNTIME=1 -I$gen -I$src -I$src/third_party/upb -I$src/src/core/ext/upb-generated -I$src/third_party/xxhash"
export OBJ=$WORK/obj
mkdir -p "$OBJ"
objs=()
for s in "${sources[@]}"; do objs+=("$OBJ/$(echo "${s#"$WORK"/}" | tr / _).o"); done
# Each object is compiled once; a rerun compiles what is missing.
printf '%s\n' "${sources[@]}" | xargs -P "$JOBS" -I{} sh -c '
  o="$OBJ/$(echo "${1#"$2"/}" | tr / _).o"
  [ -f "$o" ] || { g++ $CXXFLAGS -c "$1" -o "$o.part" 2>>"$3" && mv "$o.part" "$o"; }' sh {} "$WORK" "$log"

step "linking $out/qps_json_driver"
# shellcheck disable=SC2046 # pkg-config's flags are words
g++ -o "$out/qps_json_driver" "${objs[@]}" -lgrpc++ -lgrpc -lgpr -laddress_sorting -lupb -lprotobuf \
  -lre2 -lssl -lcrypto -lz -lcares $(pkg-config --libs absl_flags absl_flags_parse absl_synchronization \
  absl_status absl_statusor absl_str_format absl_strings absl_time absl_random_random absl_debugging \
  absl_symbolize absl_failure_signal_handler absl_stacktrace) -lpthread
echo "build-driver: built $out/qps_json_driver (grpc $upstream)"
