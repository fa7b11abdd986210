// client.mjs calls the Go REST and gRPC servers from Node.js, the way a
// Node developer would: @grpc/grpc-js with @grpc/proto-loader reading the
// repository's .proto files at run time (no generated code), and plain
// fetch and WebSocket for REST. It tests the "cross-language" claim for
// interop_test.go.
//
// Usage: node [--experimental-websocket] client.mjs <rest-url> <grpc-addr> < plan.json
//
// Node 20 and 21 need the flag for WebSocket (REST chat); without it the
// chat is recorded as skipped.
//
// The plan (JSON on standard input, written by the Go test) names the user,
// the records and the sizes to ask for. The script prints one JSON object:
// the results of every call, per transport, as Node decoded them. A call
// that fails is recorded as {"error": ...} instead of its answer, so that
// the Go test, not this script, decides what is expected.
//
// Upload data is made, not random, so the Go side can make the same bytes:
// byte i of the file is (i * 131 + 17) mod 251.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const DEADLINE_MS = 30_000;

// uploadData returns the deterministic upload file of n bytes.
function uploadData(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + 17) % 251;
  return b;
}

// chunks splits b into pieces of at most size bytes.
function chunks(b, size) {
  const out = [];
  for (let off = 0; off < b.length; off += size) out.push(b.subarray(off, off + size));
  return out;
}

// protoFiles lists proto/**/*.proto, relative to the proto directory.
function protoFiles(root) {
  return readdirSync(root, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.proto'))
    .sort();
}

// grpcError is how a failed gRPC call is recorded.
function grpcError(err) {
  return { error: { code: err.code, code_name: grpc.status[err.code], message: err.details } };
}

// unary calls a unary method and resolves to its answer or recorded error.
function unary(client, method, req, md = new grpc.Metadata()) {
  return new Promise((resolve) => {
    client[method](req, md, { deadline: Date.now() + DEADLINE_MS }, (err, res) => {
      resolve(err ? grpcError(err) : res);
    });
  });
}

// onceEnded resolves when a call's stream ends, with the error if it failed.
function onceEnded(call) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (err) => {
      if (!done) {
        done = true;
        resolve(err);
      }
    };
    call.on('error', (err) => finish(err));
    call.on('end', () => finish(null));
  });
}

async function grpcCalls(addr, plan) {
  const root = fileURLToPath(new URL('../../proto/', import.meta.url));
  const files = protoFiles(root);
  const def = protoLoader.loadSync(files, {
    includeDirs: [root],
    keepCase: true, // snake_case names, as in the .proto files and REST's JSON
    longs: String, // int64 and uint64 as decimal strings: no precision lost
    enums: String, // enum values by name
    defaults: true, // absent scalars as their zero values, as in proto3
  });
  const pkg = grpc.loadPackageDefinition(def);
  const creds = grpc.credentials.createInsecure();
  const auth = new pkg.auth.v1.AuthService(addr, creds);
  const txs = new pkg.transaction.v1.TransactionService(addr, creds);
  const files_ = new pkg.file.v1.FileService(addr, creds);
  const chat = new pkg.chat.v1.ChatService(addr, creds);
  const out = { proto_files: files };
  try {
    out.validate_user = await unary(auth, 'ValidateUser', { username: plan.user, password: plan.password });
    out.validate_user_wrong_password = await unary(auth, 'ValidateUser', {
      username: plan.user,
      password: plan.password + '-wrong',
    });
    const token = out.validate_user.token ?? '';
    out.validate_token = await unary(auth, 'ValidateToken', { token });
    out.validate_token_bad = await unary(auth, 'ValidateToken', { token: plan.bad_token });

    const md = new grpc.Metadata();
    md.add('authorization', 'Bearer ' + token);
    const badMD = new grpc.Metadata();
    badMD.add('authorization', 'Bearer ' + plan.bad_token);

    out.get_transaction = await unary(txs, 'GetTransaction', { id: plan.transaction_id }, md);
    out.get_transaction_bad_token = await unary(txs, 'GetTransaction', { id: plan.transaction_id }, badMD);

    // Server streaming: count the records of the feed and keep their ids.
    {
      const call = txs.ListTransactions(
        { account_id: plan.account, payload: plan.payload, limit: plan.limit, interval_ms: 0 },
        md,
        { deadline: Date.now() + DEADLINE_MS },
      );
      const ids = [];
      call.on('data', (tx) => ids.push(tx.id));
      const err = await onceEnded(call);
      out.list_transactions = err ? { ...grpcError(err), count: ids.length } : { count: ids.length, ids };
    }

    // Client streaming: the file in chunks, one message each; the filename
    // travels in the first message only.
    {
      const data = uploadData(plan.upload_bytes);
      const summary = await new Promise((resolve) => {
        const call = files_.Upload(md, { deadline: Date.now() + DEADLINE_MS }, (err, res) => {
          resolve(err ? grpcError(err) : res);
        });
        chunks(data, plan.upload_chunk).forEach((c, i) => {
          call.write(i === 0 ? { filename: plan.filename, data: c } : { data: c });
        });
        call.end();
      });
      out.upload = summary;
    }

    // Bidirectional streaming: send every message, half-close, and read
    // the events until the server ends the call.
    {
      const call = chat.Chat(md, { deadline: Date.now() + DEADLINE_MS });
      const events = [];
      call.on('data', (ev) => events.push(ev));
      const ended = onceEnded(call);
      for (let seq = 1; seq <= plan.chat_messages; seq++) {
        call.write({ room: plan.room, seq: String(seq), text: `hello ${seq} from node` });
      }
      call.end();
      const err = await ended;
      out.chat = err ? { ...grpcError(err), events } : { events };
    }
  } finally {
    for (const c of [auth, txs, files_, chat]) c.close();
  }
  return out;
}

// restError is how a failed REST call is recorded: the status and the
// documented {"code","message"} body.
async function restError(res) {
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { message: text };
  }
  return { error: { status: res.status, code: body.code, message: body.message } };
}

// restJSON sends one request and resolves to the JSON answer or the
// recorded error.
async function restJSON(url, init = {}) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(DEADLINE_MS) });
  if (!res.ok) return restError(res);
  return res.json();
}

function post(body, headers = {}) {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

async function restCalls(base, plan) {
  const out = {};
  const u = (path) => new URL(path, base).toString();

  out.validate_user = await restJSON(u('/v1/auth/validate'), post({ username: plan.user, password: plan.password }));
  out.validate_user_wrong_password = await restJSON(
    u('/v1/auth/validate'),
    post({ username: plan.user, password: plan.password + '-wrong' }),
  );
  const token = out.validate_user.token ?? '';
  out.validate_token = await restJSON(u('/v1/auth/token/validate'), post({ token }));
  out.validate_token_bad = await restJSON(u('/v1/auth/token/validate'), post({ token: plan.bad_token }));

  const bearer = { Authorization: 'Bearer ' + token };
  const tx = u('/v1/transactions/' + encodeURIComponent(plan.transaction_id));
  out.get_transaction = await restJSON(tx, { headers: bearer });
  out.get_transaction_bad_token = await restJSON(tx, { headers: { Authorization: 'Bearer ' + plan.bad_token } });

  // The NDJSON feed: one JSON object a line, read as the body streams in. A
  // line {"error": ...} ends a feed that failed after it started.
  {
    const q = new URLSearchParams({ account: plan.account, payload: plan.payload, limit: String(plan.limit) });
    const res = await fetch(u('/v1/transactions?' + q), {
      headers: { ...bearer, Accept: 'application/x-ndjson' },
      signal: AbortSignal.timeout(DEADLINE_MS),
    });
    if (!res.ok) {
      out.list_transactions = await restError(res);
    } else {
      const ids = [];
      let failed = null;
      let rest = '';
      const decoder = new TextDecoder();
      const line = (l) => {
        if (l === '') return;
        const rec = JSON.parse(l);
        if (rec.error) failed = rec.error;
        else ids.push(rec.id);
      };
      for await (const piece of res.body) {
        rest += decoder.decode(piece, { stream: true });
        let nl;
        while ((nl = rest.indexOf('\n')) >= 0) {
          line(rest.slice(0, nl));
          rest = rest.slice(nl + 1);
        }
      }
      line(rest + decoder.decode());
      out.list_transactions = failed
        ? { error: failed, count: ids.length }
        : { count: ids.length, ids, content_type: res.headers.get('content-type') };
    }
  }

  // A streamed upload: the body is a ReadableStream of the same chunks as
  // the gRPC upload, which fetch sends with chunked transfer encoding
  // (duplex: 'half' is what fetch requires of a streamed request body).
  {
    const parts = chunks(uploadData(plan.upload_bytes), plan.upload_chunk);
    const body = new ReadableStream({
      pull(controller) {
        const c = parts.shift();
        if (c) controller.enqueue(new Uint8Array(c));
        else controller.close();
      },
    });
    out.upload = await restJSON(u('/v1/files?' + new URLSearchParams({ filename: plan.filename })), {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'application/octet-stream' },
      body,
      duplex: 'half',
    });
    out.upload_body = 'streamed';
  }

  // Chat over WebSocket, subprotocol "json": one text frame a message,
  // an empty frame to say there are no more, then the events still due and
  // a close with 1000. Node 20 has WebSocket only behind
  // --experimental-websocket (global from Node 22); the Authorization
  // header goes in the headers option of Node's WebSocket, which the
  // browser API lacks.
  if (typeof WebSocket === 'undefined') {
    out.chat = { skipped: 'this node has no global WebSocket: run it with --experimental-websocket' };
  } else {
    out.chat = await restChat(u('/v1/chat').replace(/^http/, 'ws'), token, plan);
  }
  return out;
}

function restChat(url, token, plan) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { protocols: ['json'], headers: { Authorization: 'Bearer ' + token } });
    const events = [];
    const timer = setTimeout(() => ws.close(), DEADLINE_MS);
    let failure = null;
    ws.onopen = () => {
      for (let seq = 1; seq <= plan.chat_messages; seq++) {
        ws.send(JSON.stringify({ room: plan.room, seq, text: `hello ${seq} from node` }));
      }
      ws.send('');
    };
    ws.onmessage = (m) => events.push(JSON.parse(m.data));
    ws.onerror = (e) => {
      failure = String(e.message ?? e);
    };
    ws.onclose = (e) => {
      clearTimeout(timer);
      const closed = { code: e.code, reason: e.reason };
      resolve(e.code === 1000 ? { protocol: ws.protocol, events, closed } : { error: { ...closed, failure }, events });
    };
  });
}

async function main() {
  const [restURL, grpcAddr] = process.argv.slice(2);
  if (!restURL || !grpcAddr) {
    process.stderr.write('usage: node client.mjs <rest-url> <grpc-addr> < plan.json\n');
    process.exit(2);
  }
  const plan = JSON.parse(readFileSync(0, 'utf8'));
  const data = uploadData(plan.upload_bytes);
  const version = (name) => JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url))).version;
  const result = {
    node: process.version,
    grpc_js: version('@grpc/grpc-js'),
    proto_loader: version('@grpc/proto-loader'),
    upload_sha256: createHash('sha256').update(data).digest('hex'),
    grpc: await grpcCalls(grpcAddr, plan),
    rest: await restCalls(restURL, plan),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err) => {
  process.stderr.write(`client.mjs: ${err?.stack ?? err}\n`);
  process.exit(1);
});
