// grpc.mjs is the gRPC half of the Node client: @grpc/grpc-js, with
// @grpc/proto-loader reading proto/**/*.proto at run time.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import { DEADLINE_MS, chunks, unaryRate } from './client.mjs';

// grpcLibraries names the packages this half imports, with their versions.
export function grpcLibraries() {
  const version = (name) => JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url))).version;
  return ['@grpc/grpc-js ' + version('@grpc/grpc-js'), '@grpc/proto-loader ' + version('@grpc/proto-loader')];
}

// protoJSON turns proto-loader's timestamps ({seconds, nanos}) into the
// RFC 3339 strings of protobuf's JSON mapping, which the Go test reads.
function protoJSON(v) {
  if (Array.isArray(v)) return v.map(protoJSON);
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  if (keys.length === 2 && 'seconds' in v && 'nanos' in v) {
    const iso = new Date(Number(v.seconds) * 1000).toISOString().slice(0, 19);
    return iso + (v.nanos ? '.' + String(v.nanos).padStart(9, '0') : '') + 'Z';
  }
  return Object.fromEntries(keys.map((k) => [k, protoJSON(v[k])]));
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
  return { error: { code: err.code, message: err.details } };
}

// unary calls a unary method and resolves to its answer or recorded error.
function unary(client, method, req, md = new grpc.Metadata()) {
  return new Promise((resolve) => {
    client[method](req, md, { deadline: Date.now() + DEADLINE_MS }, (err, res) => {
      resolve(err ? grpcError(err) : protoJSON(res));
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

export async function grpcCalls(addr, plan, data) {
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
    out.get_transaction_unknown = await unary(txs, 'GetTransaction', { id: plan.unknown_id }, md);

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
      const summary = await new Promise((resolve) => {
        const call = files_.Upload(md, { deadline: Date.now() + DEADLINE_MS }, (err, res) => {
          resolve(err ? grpcError(err) : protoJSON(res));
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
      call.on('data', (ev) => events.push(protoJSON(ev)));
      const ended = onceEnded(call);
      for (let seq = 1; seq <= plan.chat_messages; seq++) {
        call.write({ room: plan.room, seq: String(seq), text: `hello ${seq} from ${plan.chat_from}` });
      }
      call.end();
      const err = await ended;
      out.chat = err ? { ...grpcError(err), events } : { events };
    }

    out.unary_rate = await unaryRate(() => unary(auth, 'ValidateToken', { token }), plan.rate_seconds, plan.rate_max_calls);
  } finally {
    for (const c of [auth, txs, files_, chat]) c.close();
  }
  return out;
}

