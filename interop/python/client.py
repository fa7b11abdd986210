"""client.py calls the Go REST and gRPC servers from Python, for interop_test.go.

Usage: python3 client.py <rest-url> <grpc-addr> <stubs-dir> < plan.json

grpc_calls.py uses grpcio with stubs that python3-grpc-tools generated from
proto/ into <stubs-dir> at test time; rest_calls.py uses only the standard
library's http.client, plus the websockets package for the chat. This file
holds what both share: the plan, the upload data, the bounded unary loop
and the printed result. Answers are printed as they were decoded (gRPC's as
protobuf's JSON mapping); a call that failed is {"error": ...}, so that the
Go test, not this script, decides what is expected.
"""

import hashlib
import json
import sys
import time

DEADLINE_S = 30


def upload_data(n):
    """The upload file: byte i is (i*131 + 17) mod 251."""
    return bytes((i * 131 + 17) % 251 for i in range(n))


def chunks(b, size):
    return [b[off:off + size] for off in range(0, len(b), size)]


def unary_rate(call, seconds, max_calls):
    """Calls call() one at a time for about seconds (at most max_calls)."""
    n, start = 0, time.perf_counter()
    while n < max_calls and time.perf_counter() - start < seconds:
        call()
        n += 1
    return {"calls": n, "seconds": time.perf_counter() - start}


def main():
    rest_url, grpc_addr, stubs = sys.argv[1:4]
    sys.path.insert(0, stubs)
    import grpc_calls
    import rest_calls

    plan = json.load(sys.stdin)
    data = upload_data(plan["upload_bytes"])
    out = {
        "runtime": "Python " + sys.version.split()[0],
        "upload_sha256": hashlib.sha256(data).hexdigest(),
        "libraries": {"grpc": grpc_calls.libraries(), "rest": rest_calls.libraries()},
        "grpc": grpc_calls.calls(grpc_addr, plan, data),
        "rest": rest_calls.calls(rest_url, plan, data),
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
