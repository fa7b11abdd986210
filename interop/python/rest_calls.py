"""The REST half of the Python client: http.client, and websockets for chat."""

import asyncio
import http.client
import json
import urllib.parse

import websockets

import client


def libraries():
    return ["websockets " + websockets.version.version]


def answer(resp):
    """The JSON answer, or the status and {"code","message"} of an error."""
    body = resp.read()
    if resp.status != 200:
        try:
            e = json.loads(body)
        except ValueError:
            e = {"message": body.decode(errors="replace")}
        return {"error": {"status": resp.status, "code": e.get("code"), "message": e.get("message")}}
    return json.loads(body)


def calls(base, plan, data):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=client.DEADLINE_S)
    out = {}

    def do(method, path, body=None, headers=None):
        conn.request(method, path, body=body, headers=headers or {})
        return answer(conn.getresponse())

    def post(path, v, headers=None):
        return do("POST", path, json.dumps(v), {"Content-Type": "application/json", **(headers or {})})

    out["validate_user"] = post("/v1/auth/validate", {"username": plan["user"], "password": plan["password"]})
    out["validate_user_wrong_password"] = post("/v1/auth/validate", {"username": plan["user"], "password": plan["password"] + "-wrong"})
    token = out["validate_user"].get("token", "")
    out["validate_token"] = post("/v1/auth/token/validate", {"token": token})
    out["validate_token_bad"] = post("/v1/auth/token/validate", {"token": plan["bad_token"]})

    bearer = {"Authorization": "Bearer " + token}
    tx = "/v1/transactions/" + urllib.parse.quote(plan["transaction_id"], safe="")
    out["get_transaction"] = do("GET", tx, headers=bearer)
    out["get_transaction_bad_token"] = do("GET", tx, headers={"Authorization": "Bearer " + plan["bad_token"]})
    out["get_transaction_unknown"] = do("GET", "/v1/transactions/" + urllib.parse.quote(plan["unknown_id"], safe=""), headers=bearer)

    # The NDJSON feed, read line by line as it streams in; a line
    # {"error": ...} ends a feed that failed after it started.
    q = urllib.parse.urlencode({"account": plan["account"], "payload": plan["payload"], "limit": plan["limit"]})
    conn.request("GET", "/v1/transactions?" + q, headers={**bearer, "Accept": "application/x-ndjson"})
    resp = conn.getresponse()
    if resp.status != 200:
        out["list_transactions"] = answer(resp)
    else:
        ids, failed = [], None
        for line in resp:
            if line.strip():
                rec = json.loads(line)
                if "error" in rec:
                    failed = rec["error"]
                else:
                    ids.append(rec["id"])
        out["list_transactions"] = ({"error": failed, "count": len(ids)} if failed else
                                    {"count": len(ids), "ids": ids, "content_type": resp.getheader("Content-Type")})

    # A streamed upload: an iterable body sent with chunked encoding.
    path = "/v1/files?" + urllib.parse.urlencode({"filename": plan["filename"]})
    conn.request("POST", path, body=iter(client.chunks(data, plan["upload_chunk"])),
                 headers={**bearer, "Content-Type": "application/octet-stream"}, encode_chunked=True)
    out["upload"] = answer(conn.getresponse())
    out["upload_body"] = "streamed"

    out["chat"] = asyncio.run(chat(base.replace("http", "ws", 1) + "/v1/chat", token, plan))

    check = json.dumps({"token": token})
    out["unary_rate"] = client.unary_rate(
        lambda: do("POST", "/v1/auth/token/validate", check, {"Content-Type": "application/json"}),
        plan["rate_seconds"], plan["rate_max_calls"])
    conn.close()
    return out


async def chat(url, token, plan):
    """Chat over WebSocket, subprotocol json: one text frame a message, an
    empty frame to say there are no more, then the events until a close."""
    events = []
    async with websockets.connect(url, subprotocols=["json"], extra_headers={"Authorization": "Bearer " + token},
                                  open_timeout=client.DEADLINE_S) as ws:
        for seq in range(1, plan["chat_messages"] + 1):
            await ws.send(json.dumps({"room": plan["room"], "seq": seq, "text": "hello %d from %s" % (seq, plan["chat_from"])}))
        await ws.send("")
        try:
            while True:
                events.append(json.loads(await asyncio.wait_for(ws.recv(), client.DEADLINE_S)))
        except websockets.ConnectionClosedOK:
            pass
        except websockets.ConnectionClosed as e:
            return {"error": {"code": e.code, "reason": e.reason}, "events": events}
        return {"protocol": ws.subprotocol, "events": events}
