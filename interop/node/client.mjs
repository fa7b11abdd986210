// client.mjs calls the Go REST and gRPC servers from Node.js, the way a
// Node developer would, for interop_test.go: grpc.mjs with @grpc/grpc-js and
// @grpc/proto-loader reading the repository's .proto files at run time (no
// generated code), rest.mjs with Node's own fetch and WebSocket. This file
// holds what both share: the plan, the upload data, the bounded unary loop
// and the printed result.
//
// Usage: node [--experimental-websocket] client.mjs <rest-url> <grpc-addr> < plan.json
//
// Node 20 and 21 need the flag for WebSocket (REST chat); without it the
// chat is recorded as skipped.
//
// The plan (JSON on standard input, written by the Go test) names the user,
// the records and the sizes to ask for. The script prints one JSON object:
// the results of every call, per transport, as Node decoded them (gRPC's in
// protobuf's JSON mapping). A call that fails is recorded as {"error": ...}
// instead of its answer, so that the Go test, not this script, decides what
// is expected.
//
// Upload data is made, not random, so the Go side can make the same bytes:
// byte i of the file is (i * 131 + 17) mod 251.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { grpcCalls, grpcLibraries } from './grpc.mjs';
import { restCalls } from './rest.mjs';

export const DEADLINE_MS = 30_000;

// uploadData returns the deterministic upload file of n bytes.
export function uploadData(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + 17) % 251;
  return b;
}

// chunks splits b into pieces of at most size bytes.
export function chunks(b, size) {
  const out = [];
  for (let off = 0; off < b.length; off += size) out.push(b.subarray(off, off + size));
  return out;
}

// unaryRate awaits call() one at a time for about seconds (at most
// maxCalls calls).
export async function unaryRate(call, seconds, maxCalls) {
  const start = performance.now();
  let n = 0;
  while (n < maxCalls && performance.now() - start < seconds * 1000) {
    await call();
    n++;
  }
  return { calls: n, seconds: (performance.now() - start) / 1000 };
}

async function main() {
  const [restURL, grpcAddr] = process.argv.slice(2);
  if (!restURL || !grpcAddr) {
    process.stderr.write('usage: node client.mjs <rest-url> <grpc-addr> < plan.json\n');
    process.exit(2);
  }
  const plan = JSON.parse(readFileSync(0, 'utf8'));
  const data = uploadData(plan.upload_bytes);
  const result = {
    runtime: 'Node.js ' + process.version,
    upload_sha256: createHash('sha256').update(data).digest('hex'),
    libraries: { grpc: grpcLibraries(), rest: [] },
    grpc: await grpcCalls(grpcAddr, plan, data),
    rest: await restCalls(restURL, plan, data),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  main().catch((err) => {
    process.stderr.write(`client.mjs: ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
