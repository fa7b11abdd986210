// The gRPC half of the C++ client: libgrpc++ and generated stubs.
#include <grpcpp/grpcpp.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/util/json_util.h>

#include "auth/v1/auth.grpc.pb.h"
#include "chat/v1/chat.grpc.pb.h"
#include "client.h"
#include "file/v1/file.grpc.pb.h"
#include "transaction/v1/transaction.grpc.pb.h"

json grpc_libraries() {
  return {"libgrpc++ " + grpc::Version(),
          "libprotobuf " + google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION)};
}

// as_json is the message in protobuf's JSON mapping, zero values included.
static json as_json(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = true;
  opts.preserve_proto_field_names = true;
  std::string s;
  if (!google::protobuf::util::MessageToJsonString(m, &s, opts).ok()) return {{"error", "cannot print as JSON"}};
  return json::parse(s);
}

static json failure(const grpc::Status& s) {
  return {{"error", {{"code", static_cast<int>(s.error_code())}, {"message", s.error_message()}}}};
}

// Context carries a call's deadline and, given a token, its bearer header.
struct Context : grpc::ClientContext {
  explicit Context(const std::string& token = "") {
    set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(kDeadlineSeconds));
    if (!token.empty()) AddMetadata("authorization", "Bearer " + token);
  }
};

// unary makes one call and returns the answer or the failure.
template <typename Stub, typename Req, typename Resp>
static json unary(Stub* stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                  const Req& req, const std::string& token = "") {
  Context ctx(token);
  Resp resp;
  grpc::Status s = (stub->*method)(&ctx, req, &resp);
  return s.ok() ? as_json(resp) : failure(s);
}

json grpc_calls(const std::string& addr, const json& plan, const std::string& data) {
  json out;
  auto ch = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  auto auth = auth::v1::AuthService::NewStub(ch);
  auto txs = transaction::v1::TransactionService::NewStub(ch);
  auto files = file::v1::FileService::NewStub(ch);
  auto chat = chat::v1::ChatService::NewStub(ch);
  using Auth = auth::v1::AuthService::Stub;
  using Txs = transaction::v1::TransactionService::Stub;

  const std::string user = plan["user"], password = plan["password"], bad = plan["bad_token"];
  auth::v1::ValidateUserRequest login;
  login.set_username(user);
  login.set_password(password);
  out["validate_user"] = unary(auth.get(), &Auth::ValidateUser, login);
  login.set_password(password + "-wrong");
  out["validate_user_wrong_password"] = unary(auth.get(), &Auth::ValidateUser, login);
  const std::string token = out["validate_user"].value("token", "");
  auth::v1::ValidateTokenRequest check;
  check.set_token(token);
  out["validate_token"] = unary(auth.get(), &Auth::ValidateToken, check);
  auth::v1::ValidateTokenRequest check_bad;
  check_bad.set_token(bad);
  out["validate_token_bad"] = unary(auth.get(), &Auth::ValidateToken, check_bad);

  transaction::v1::GetTransactionRequest get;
  get.set_id(plan["transaction_id"].get<std::string>());
  out["get_transaction"] = unary(txs.get(), &Txs::GetTransaction, get, token);
  out["get_transaction_bad_token"] = unary(txs.get(), &Txs::GetTransaction, get, bad);
  get.set_id(plan["unknown_id"].get<std::string>());
  out["get_transaction_unknown"] = unary(txs.get(), &Txs::GetTransaction, get, token);

  // Server streaming: the feed's record ids, in order.
  {
    transaction::v1::ListTransactionsRequest req;
    req.set_account_id(plan["account"].get<std::string>());
    req.set_payload(plan["payload"].get<std::string>());
    req.set_limit(plan["limit"]);
    Context ctx(token);
    auto reader = txs->ListTransactions(&ctx, req);
    json ids = json::array();
    transaction::v1::Transaction tx;
    while (reader->Read(&tx)) ids.push_back(tx.id());
    grpc::Status s = reader->Finish();
    out["list_transactions"] = s.ok() ? json{{"count", ids.size()}, {"ids", ids}} : failure(s);
    out["list_transactions"]["count"] = ids.size();
  }

  // Client streaming: one message a chunk, the filename in the first.
  {
    Context ctx(token);
    file::v1::UploadSummary summary;
    auto writer = files->Upload(&ctx, &summary);
    const size_t chunk = plan["upload_chunk"];
    for (size_t off = 0; off < data.size(); off += chunk) {
      file::v1::UploadRequest req;
      if (off == 0) req.set_filename(plan["filename"].get<std::string>());
      req.set_data(data.substr(off, chunk));
      if (!writer->Write(req)) break;  // the call ended; Finish says why
    }
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    out["upload"] = s.ok() ? as_json(summary) : failure(s);
  }

  // Bidirectional streaming: every message, half-close, every event.
  {
    Context ctx(token);
    auto stream = chat->Chat(&ctx);
    for (int seq = 1; seq <= plan["chat_messages"].get<int>(); seq++) {
      chat::v1::ChatMessage m;
      m.set_room(plan["room"].get<std::string>());
      m.set_seq(seq);
      m.set_text(chat_text(seq, plan));
      if (!stream->Write(m)) break;
    }
    stream->WritesDone();
    json events = json::array();
    chat::v1::ChatEvent ev;
    while (stream->Read(&ev)) events.push_back(as_json(ev));
    grpc::Status s = stream->Finish();
    out["chat"] = s.ok() ? json{{"events", events}} : failure(s);
    out["chat"]["events"] = events;
  }

  out["unary_rate"] = unary_rate(plan, [&] {
    Context ctx;
    auth::v1::ValidateTokenResponse resp;
    grpc::Status s = auth->ValidateToken(&ctx, check, &resp);
    if (!s.ok()) throw std::runtime_error("ValidateToken in the unary loop: " + s.error_message());
  });
  return out;
}
