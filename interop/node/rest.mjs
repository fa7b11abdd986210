// rest.mjs is the REST half of the Node client: Node's own fetch and
// WebSocket, no package.

import { DEADLINE_MS, chunks, unaryRate } from './client.mjs';

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

export async function restCalls(base, plan, data) {
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
  out.get_transaction_unknown = await restJSON(u('/v1/transactions/' + encodeURIComponent(plan.unknown_id)), { headers: bearer });

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
    const parts = chunks(data, plan.upload_chunk);
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

  out.unary_rate = await unaryRate(
    () => restJSON(u('/v1/auth/token/validate'), post({ token })),
    plan.rate_seconds,
    plan.rate_max_calls,
  );
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
        ws.send(JSON.stringify({ room: plan.room, seq, text: `hello ${seq} from ${plan.chat_from}` }));
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

