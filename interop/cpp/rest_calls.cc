// The REST half of the C++ client: libcurl, nlohmann-json for the bodies,
// and websocket.cc for the chat.
#include <curl/curl.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <memory>

#include "client.h"
#include "websocket.h"

json rest_libraries() {
  return {std::string("libcurl ") + curl_version_info(CURLVERSION_NOW)->version,
          "nlohmann-json " + std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_MINOR) +
              "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH),
          std::string("OpenSSL libcrypto ") + OpenSSL_version(OPENSSL_VERSION_STRING) + " (WebSocket handshake)"};
}

namespace {

using Headers = std::initializer_list<std::string>;

size_t append(char* p, size_t size, size_t n, void* to) {
  static_cast<std::string*>(to)->append(p, size * n);
  return size * n;
}

// Http is one curl handle, so that every call reuses its connection.
class Http {
 public:
  explicit Http(std::string base) : base_(std::move(base)), h_(curl_easy_init()) {}
  ~Http() {
    curl_easy_cleanup(h_);
    curl_slist_free_all(headers_);
  }

  // start readies the handle for one request; the header lines live until
  // the next.
  CURL* start(const std::string& path, Headers headers) {
    curl_easy_reset(h_);
    curl_slist_free_all(headers_);
    headers_ = nullptr;
    for (const auto& l : headers) headers_ = curl_slist_append(headers_, l.c_str());
    curl_easy_setopt(h_, CURLOPT_URL, (base_ + path).c_str());
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(h_, CURLOPT_TIMEOUT, static_cast<long>(kDeadlineSeconds));
    return h_;
  }

  // perform runs the request readied by start: "" or why it failed.
  std::string perform() {
    CURLcode rc = curl_easy_perform(h_);
    return rc == CURLE_OK ? "" : curl_easy_strerror(rc);
  }

  // answer is the JSON answer in body, or the status and documented
  // {"code","message"} of an error.
  json answer(const std::string& body) {
    json v = json::parse(body, nullptr, false);
    if (status() == 200 && !v.is_discarded()) return v;
    if (!v.is_object()) v = {{"message", body}};
    return {{"error", {{"status", status()}, {"code", v.value("code", "")}, {"message", v.value("message", "")}}}};
  }

  // finish runs the request and returns its answer, body being where the
  // write callback put it.
  json finish(const std::string& body) {
    std::string err = perform();
    return err.empty() ? answer(body) : json{{"error", {{"message", err}}}};
  }

  json send(const std::string& path, Headers headers, const std::string* post = nullptr) {
    std::string body;
    CURL* h = start(path, headers);
    if (post) curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, post->c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    return finish(body);
  }

  json post(const std::string& path, const json& v) {
    const std::string body = v.dump();
    return send(path, {"Content-Type: application/json"}, &body);
  }

  std::string escape(const std::string& s) {
    std::unique_ptr<char, decltype(&curl_free)> e(curl_easy_escape(h_, s.c_str(), static_cast<int>(s.size())), curl_free);
    return e.get();
  }

  long status() {
    long code = 0;
    curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &code);
    return code;
  }

  std::string content_type() {
    char* ct = nullptr;
    curl_easy_getinfo(h_, CURLINFO_CONTENT_TYPE, &ct);
    return ct ? ct : "";
  }

 private:
  std::string base_;
  CURL* h_;
  curl_slist* headers_ = nullptr;
};

// Feed reads an NDJSON feed as it streams in: each complete line is one
// record, or {"error": ...} ending a feed that failed after it started.
struct Feed {
  explicit Feed(Http* h) : http(h) {}
  Http* http;
  std::string partial, body;
  json ids = json::array(), failed;

  static size_t write(char* p, size_t size, size_t n, void* self) {
    auto* f = static_cast<Feed*>(self);
    if (f->http->status() != 200) return append(p, size, n, &f->body);  // an error body, read whole
    f->partial.append(p, size * n);
    for (size_t nl; (nl = f->partial.find('\n')) != std::string::npos; f->partial.erase(0, nl + 1)) f->line(f->partial.substr(0, nl));
    return size * n;
  }

  void line(const std::string& l) {
    if (l.find_first_not_of(" \r\t") == std::string::npos) return;
    json rec = json::parse(l, nullptr, false);
    if (!rec.is_object())
      failed = {{"message", "a feed line is not a JSON object: " + l}};
    else if (rec.contains("error"))
      failed = rec["error"];
    else
      ids.push_back(rec["id"]);
  }
};

// Source hands libcurl the upload one chunk at a time, as the body of a
// chunked request.
struct Source {
  const std::string& data;
  size_t chunk, off = 0;

  static size_t read(char* p, size_t size, size_t n, void* self) {
    auto* s = static_cast<Source*>(self);
    const size_t k = std::min({size * n, s->chunk, s->data.size() - s->off});
    std::copy_n(s->data.data() + s->off, k, p);
    s->off += k;
    return k;  // 0 ends the body
  }
};

// chat runs the chat over WebSocket, subprotocol json: one text frame a
// message, an empty frame to say there are no more, then the events until
// the server closes.
json chat(const std::string& base, const std::string& token, const json& plan) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  char *host = nullptr, *port = nullptr;
  if (curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) || curl_url_get(u.get(), CURLUPART_HOST, &host, 0) ||
      curl_url_get(u.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT))
    return {{"error", {{"message", "cannot parse " + base}}}};
  const std::string h = host, p = port;
  curl_free(host);
  curl_free(port);
  json events = json::array();
  try {
    WebSocket ws(h, p, "/v1/chat", "json", {"Authorization: Bearer " + token});
    for (int seq = 1; seq <= plan["chat_messages"].get<int>(); seq++)
      ws.send_text(json{{"room", plan["room"]}, {"seq", seq}, {"text", chat_text(seq, plan)}}.dump());
    ws.send_text("");
    for (std::string m; ws.next(&m);) events.push_back(json::parse(m));
    json closed = {{"code", ws.close_code}, {"reason", ws.close_reason}};
    if (ws.close_code != 1000) return {{"error", closed}, {"events", events}};
    return {{"protocol", ws.protocol()}, {"events", events}, {"closed", closed}};
  } catch (const std::exception& e) {
    return {{"error", {{"message", e.what()}}}, {"events", events}};
  }
}

}  // namespace

json rest_calls(const std::string& base, const json& plan, const std::string& data) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  json out;
  {
    Http http(base);
    const std::string user = plan["user"], password = plan["password"], bad = plan["bad_token"];
    out["validate_user"] = http.post("/v1/auth/validate", {{"username", user}, {"password", password}});
    out["validate_user_wrong_password"] = http.post("/v1/auth/validate", {{"username", user}, {"password", password + "-wrong"}});
    const std::string token = out["validate_user"].value("token", "");
    out["validate_token"] = http.post("/v1/auth/token/validate", {{"token", token}});
    out["validate_token_bad"] = http.post("/v1/auth/token/validate", {{"token", bad}});

    const std::string bearer = "Authorization: Bearer " + token;
    const std::string tx = "/v1/transactions/" + http.escape(plan["transaction_id"]);
    out["get_transaction"] = http.send(tx, {bearer});
    out["get_transaction_bad_token"] = http.send(tx, {"Authorization: Bearer " + bad});
    out["get_transaction_unknown"] = http.send("/v1/transactions/" + http.escape(plan["unknown_id"]), {bearer});

    {
      const std::string q = "?account=" + http.escape(plan["account"]) + "&payload=" + http.escape(plan["payload"]) +
                            "&limit=" + std::to_string(plan["limit"].get<int>());
      Feed feed(&http);
      CURL* h = http.start("/v1/transactions" + q, {bearer, "Accept: application/x-ndjson"});
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Feed::write);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &feed);
      if (std::string err = http.perform(); !err.empty()) {
        out["list_transactions"] = {{"error", {{"message", err}}}, {"count", feed.ids.size()}};
      } else if (http.status() != 200) {
        out["list_transactions"] = http.answer(feed.body);
      } else {
        feed.line(feed.partial);
        out["list_transactions"] = feed.failed.is_null()
                                       ? json{{"count", feed.ids.size()}, {"ids", feed.ids}, {"content_type", http.content_type()}}
                                       : json{{"error", feed.failed}, {"count", feed.ids.size()}};
      }
    }

    {
      // A streamed upload: no length is known ahead, so libcurl sends the
      // body with chunked transfer encoding. "Expect:" drops the 100-continue
      // round trip libcurl would otherwise wait for.
      Source src{data, plan["upload_chunk"].get<size_t>()};
      std::string body;
      CURL* h = http.start("/v1/files?filename=" + http.escape(plan["filename"]),
                           {bearer, "Content-Type: application/octet-stream", "Transfer-Encoding: chunked", "Expect:"});
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, Source::read);
      curl_easy_setopt(h, CURLOPT_READDATA, &src);
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
      out["upload"] = http.finish(body);
      out["upload_body"] = "streamed";
    }

    out["chat"] = chat(base, token, plan);

    const json check = {{"token", token}};
    out["unary_rate"] = unary_rate(plan, [&] {
      json r = http.post("/v1/auth/token/validate", check);
      if (r.contains("error")) throw std::runtime_error("ValidateToken in the unary loop: " + r["error"].dump());
    });
  }
  curl_global_cleanup();
  return out;
}
