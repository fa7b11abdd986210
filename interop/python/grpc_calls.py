"""The gRPC half of the Python client: grpcio and generated stubs."""

import grpc
from google.protobuf import json_format

from auth.v1 import auth_pb2, auth_pb2_grpc
from chat.v1 import chat_pb2, chat_pb2_grpc
from file.v1 import file_pb2, file_pb2_grpc
from transaction.v1 import transaction_pb2, transaction_pb2_grpc

import client


def libraries():
    import google.protobuf
    return ["grpcio " + grpc.__version__, "protobuf " + google.protobuf.__version__]


def as_json(m):
    """The message in protobuf's JSON mapping, zero values included."""
    return json_format.MessageToDict(m, preserving_proto_field_name=True, including_default_value_fields=True)


def failure(e):
    return {"error": {"code": e.code().value[0], "message": e.details()}}


def unary(method, req, md=None):
    try:
        return as_json(method(req, metadata=md, timeout=client.DEADLINE_S))
    except grpc.RpcError as e:
        return failure(e)


def calls(addr, plan, data):
    out = {}
    with grpc.insecure_channel(addr) as ch:
        auth = auth_pb2_grpc.AuthServiceStub(ch)
        txs = transaction_pb2_grpc.TransactionServiceStub(ch)
        files = file_pb2_grpc.FileServiceStub(ch)
        chat = chat_pb2_grpc.ChatServiceStub(ch)

        out["validate_user"] = unary(auth.ValidateUser, auth_pb2.ValidateUserRequest(username=plan["user"], password=plan["password"]))
        out["validate_user_wrong_password"] = unary(
            auth.ValidateUser, auth_pb2.ValidateUserRequest(username=plan["user"], password=plan["password"] + "-wrong"))
        token = out["validate_user"].get("token", "")
        out["validate_token"] = unary(auth.ValidateToken, auth_pb2.ValidateTokenRequest(token=token))
        out["validate_token_bad"] = unary(auth.ValidateToken, auth_pb2.ValidateTokenRequest(token=plan["bad_token"]))

        md = [("authorization", "Bearer " + token)]
        bad_md = [("authorization", "Bearer " + plan["bad_token"])]
        get = transaction_pb2.GetTransactionRequest
        out["get_transaction"] = unary(txs.GetTransaction, get(id=plan["transaction_id"]), md)
        out["get_transaction_bad_token"] = unary(txs.GetTransaction, get(id=plan["transaction_id"]), bad_md)
        out["get_transaction_unknown"] = unary(txs.GetTransaction, get(id=plan["unknown_id"]), md)

        # Server streaming: the feed's record ids, in order.
        ids = []
        try:
            req = transaction_pb2.ListTransactionsRequest(account_id=plan["account"], payload=plan["payload"], limit=plan["limit"])
            for tx in txs.ListTransactions(req, metadata=md, timeout=client.DEADLINE_S):
                ids.append(tx.id)
            out["list_transactions"] = {"count": len(ids), "ids": ids}
        except grpc.RpcError as e:
            out["list_transactions"] = {**failure(e), "count": len(ids)}

        # Client streaming: one message a chunk, the filename in the first.
        def requests():
            for i, c in enumerate(client.chunks(data, plan["upload_chunk"])):
                yield file_pb2.UploadRequest(filename=plan["filename"] if i == 0 else "", data=c)
        out["upload"] = unary(files.Upload, requests(), md)

        # Bidirectional streaming: every message, half-close, every event.
        def messages():
            for seq in range(1, plan["chat_messages"] + 1):
                yield chat_pb2.ChatMessage(room=plan["room"], seq=seq, text="hello %d from %s" % (seq, plan["chat_from"]))
        events = []
        try:
            for ev in chat.Chat(messages(), metadata=md, timeout=client.DEADLINE_S):
                events.append(as_json(ev))
            out["chat"] = {"events": events}
        except grpc.RpcError as e:
            out["chat"] = {**failure(e), "events": events}

        check = auth_pb2.ValidateTokenRequest(token=token)
        out["unary_rate"] = client.unary_rate(lambda: auth.ValidateToken(check, timeout=client.DEADLINE_S), plan["rate_seconds"], plan["rate_max_calls"])
    return out
