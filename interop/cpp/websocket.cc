// A minimal RFC 6455 WebSocket client, hand-written because Debian's
// libcurl 7.88 has no WebSocket support. No extensions are offered, so no
// frame may set RSV bits; messages are at most kMaxMessage bytes.
#include "websocket.h"

#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <stdexcept>

#include "client.h"

namespace {

constexpr size_t kMaxMessage = 1 << 20;
constexpr size_t kMaxHandshake = 16 << 10;
enum Opcode { kContinuation = 0x0, kText = 0x1, kClose = 0x8, kPing = 0x9, kPong = 0xA };

std::string random_bytes(int n) {
  std::string b(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&b[0]), n) != 1) throw std::runtime_error("no random bytes");
  return b;
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(n);
  return out;
}

std::string sha1(const std::string& in) {
  unsigned char sum[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(in.data(), in.size(), sum, &n, EVP_sha1(), nullptr);
  return std::string(reinterpret_cast<char*>(sum), n);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

int dial(const std::string& host, const std::string& port) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw std::runtime_error("resolve " + host + ": " + gai_strerror(rc));
  int fd = -1;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) throw std::runtime_error("cannot connect to " + host + ":" + port);
  timeval tv{kDeadlineSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

void send_all(int fd, const std::string& b) {
  for (size_t off = 0; off < b.size();) {
    ssize_t n = send(fd, b.data() + off, b.size() - off, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    off += n;
  }
}

}  // namespace

WebSocket::WebSocket(const std::string& host, const std::string& port, const std::string& path,
                     const std::string& subprotocol, const std::vector<std::string>& headers)
    : fd_(dial(host, port)) {
  const std::string key = base64(random_bytes(16));
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Protocol: " + subprotocol + "\r\n";
  for (const auto& h : headers) req += h + "\r\n";
  send_all(fd_, req + "\r\n");

  size_t end;
  while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
    if (in_.size() > kMaxHandshake) throw std::runtime_error("handshake answer too long");
    fill();
  }
  const std::string head = in_.substr(0, end + 2);
  in_.erase(0, end + 4);  // what follows is frames already
  const std::string status = head.substr(0, head.find("\r\n"));
  if (status.rfind("HTTP/1.1 101", 0) != 0) throw std::runtime_error("handshake answered " + status);
  std::string accept;
  for (size_t at = head.find("\r\n") + 2, nl; (nl = head.find("\r\n", at)) != std::string::npos; at = nl + 2) {
    const std::string line = head.substr(at, nl - at);
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    if (name == "sec-websocket-accept") accept = value;
    if (name == "sec-websocket-protocol") protocol_ = value;
  }
  // The server proves it read this handshake: SHA-1 of the key and the
  // RFC's GUID.
  if (accept != base64(sha1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")))
    throw std::runtime_error("handshake has a wrong Sec-WebSocket-Accept: " + accept);
  if (protocol_ != subprotocol) throw std::runtime_error("server chose subprotocol '" + protocol_ + "'");
}

WebSocket::~WebSocket() {
  if (fd_ >= 0) close(fd_);
}

void WebSocket::send_text(const std::string& text) { write_frame(kText, text); }

// write_frame sends one final frame. A client masks every frame it sends,
// with a fresh random key, so that no proxy can be fed chosen bytes.
void WebSocket::write_frame(int opcode, const std::string& payload) {
  std::string f(1, static_cast<char>(0x80 | opcode));
  const uint64_t n = payload.size();
  if (n < 126) {
    f += static_cast<char>(0x80 | n);
  } else if (n <= 0xFFFF) {
    f += static_cast<char>(0x80 | 126);
    for (int shift = 8; shift >= 0; shift -= 8) f += static_cast<char>(n >> shift);
  } else {
    f += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) f += static_cast<char>(n >> shift);
  }
  const std::string mask = random_bytes(4);
  f += mask;
  for (size_t i = 0; i < n; i++) f += static_cast<char>(payload[i] ^ mask[i % 4]);
  send_all(fd_, f);
}

bool WebSocket::next(std::string* text) {
  text->clear();
  bool in_message = false;
  for (;;) {
    const std::string h = read_exact(2);
    const bool fin = h[0] & 0x80;
    const int opcode = h[0] & 0x0F;
    if (h[0] & 0x70) throw std::runtime_error("frame sets RSV bits, but no extension was agreed");
    if (h[1] & 0x80) throw std::runtime_error("the server masked a frame");
    uint64_t n = h[1] & 0x7F;
    if (n >= 126) {
      const std::string ext = read_exact(n == 126 ? 2 : 8);
      n = 0;
      for (unsigned char c : ext) n = n << 8 | c;
    }
    if (n > kMaxMessage || text->size() + n > kMaxMessage) throw std::runtime_error("message over the size limit");
    if (opcode >= kClose && (!fin || n > 125)) throw std::runtime_error("control frame fragmented or over 125 bytes");
    const std::string payload = read_exact(n);
    switch (opcode) {
      case kText:
      case kContinuation:
        if (in_message == (opcode == kText)) throw std::runtime_error("frame out of sequence");
        in_message = !fin;
        *text += payload;
        if (fin) return true;
        break;
      case kPing:
        write_frame(kPong, payload);
        break;
      case kPong:
        break;
      case kClose:
        // Echo the status, which completes the close handshake; the
        // server then ends the TCP connection.
        close_code = payload.size() >= 2 ? (static_cast<unsigned char>(payload[0]) << 8 | static_cast<unsigned char>(payload[1])) : 1005;
        close_reason = payload.size() > 2 ? payload.substr(2) : "";
        write_frame(kClose, payload.size() >= 2 ? payload.substr(0, 2) : "");
        return false;
      default:
        throw std::runtime_error("unexpected frame opcode " + std::to_string(opcode));
    }
  }
}

std::string WebSocket::read_exact(size_t n) {
  while (in_.size() < n) fill();
  std::string b = in_.substr(0, n);
  in_.erase(0, n);
  return b;
}

void WebSocket::fill() {
  char buf[16 << 10];
  ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n == 0) throw std::runtime_error("the server closed the connection without a close frame");
  if (n < 0) throw std::runtime_error("receive failed or timed out");
  in_.append(buf, n);
}
