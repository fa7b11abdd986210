// client.h declares what the two halves of the C++ client share with its
// driver, client.cc.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

using json = nlohmann::json;

// How long any one call or stream may take: only a hung server reaches it.
constexpr int kDeadlineSeconds = 30;

// grpc_calls makes every call of the plan over gRPC (grpc_calls.cc).
json grpc_calls(const std::string& addr, const json& plan, const std::string& data);
json grpc_libraries();

// rest_calls makes every call of the plan over REST (rest_calls.cc).
json rest_calls(const std::string& base, const json& plan, const std::string& data);
json rest_libraries();

// unary_rate calls call() one at a time for about plan's rate_seconds, at
// most rate_max_calls times, and returns {"calls","seconds"}.
template <typename F>
json unary_rate(const json& plan, F call) {
  using clock = std::chrono::steady_clock;
  const double seconds = plan["rate_seconds"];
  const int max_calls = plan["rate_max_calls"];
  const auto start = clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
  int n = 0;
  while (n < max_calls && elapsed() < seconds) {
    call();
    n++;
  }
  return {{"calls", n}, {"seconds", elapsed()}};
}

// chat_text is message seq's text: "hello 3 from cpp".
inline std::string chat_text(int seq, const json& plan) {
  return "hello " + std::to_string(seq) + " from " + plan["chat_from"].get<std::string>();
}
