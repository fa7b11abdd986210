// websocket.h declares a WebSocket client small enough to read in one go:
// RFC 6455 over one plain TCP connection, as the REST chat needs it.
#pragma once

#include <string>
#include <vector>

// WebSocket is one client connection: the opening handshake, masked text
// frames out, text frames in, pings answered, and the close handshake.
// Every failure throws std::runtime_error.
class WebSocket {
 public:
  // WebSocket connects to host:port and upgrades GET path, offering the
  // subprotocol and sending the extra "Name: value" header lines.
  WebSocket(const std::string& host, const std::string& port, const std::string& path,
            const std::string& subprotocol, const std::vector<std::string>& headers);
  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  // protocol is the subprotocol the server chose.
  const std::string& protocol() const { return protocol_; }
  void send_text(const std::string& text);
  // next reads the next text message into *text; it returns false once the
  // server has closed, with close_code and close_reason set.
  bool next(std::string* text);

  int close_code = 0;
  std::string close_reason;

 private:
  void write_frame(int opcode, const std::string& payload);
  std::string read_exact(size_t n);
  void fill();

  int fd_ = -1;
  std::string in_;  // bytes received but not yet used
  std::string protocol_;
};
