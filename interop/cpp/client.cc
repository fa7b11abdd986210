// client.cc calls the Go REST and gRPC servers from C++, for
// interop_test.go.
//
// Usage: client <rest-url> <grpc-addr> < plan.json
//
// grpc_calls.cc uses libgrpc++ with stubs that protoc and grpc_cpp_plugin
// generated from proto/ at test time; rest_calls.cc uses libcurl and
// nlohmann-json, plus websocket.cc for the chat (libcurl 7.88 has no
// WebSocket client). This file holds what both share: the plan, the upload
// data and the printed result. A call that failed is {"error": ...}, so
// that the Go test, not this program, decides what is expected.
#include <openssl/evp.h>

#include <iostream>

#include "client.h"

// upload_data is the upload file: byte i is (i*131 + 17) mod 251.
static std::string upload_data(size_t n) {
  std::string b(n, '\0');
  for (size_t i = 0; i < n; i++) b[i] = static_cast<char>((i * 131 + 17) % 251);
  return b;
}

static std::string sha256_hex(const std::string& data) {
  unsigned char sum[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), sum, &n, EVP_sha256(), nullptr);
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < n; i++) {
    hex += digits[sum[i] >> 4];
    hex += digits[sum[i] & 15];
  }
  return hex;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " <rest-url> <grpc-addr> < plan.json\n";
    return 2;
  }
  const json plan = json::parse(std::cin);
  const std::string data = upload_data(plan["upload_bytes"]);
  const json out = {
      {"runtime", std::string("g++ ") + __VERSION__ + ", C++" + std::to_string(__cplusplus / 100 % 100)},
      {"upload_sha256", sha256_hex(data)},
      {"libraries", {{"grpc", grpc_libraries()}, {"rest", rest_libraries()}}},
      {"grpc", grpc_calls(argv[2], plan, data)},
      {"rest", rest_calls(argv[1], plan, data)},
  };
  std::cout << out.dump() << "\n";
  return 0;
}
