#pragma once

// WebSocket clients for the e2e tests: one that reads every frame on a
// background thread, and one that completes the handshake and then never
// reads (a stalled browser).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xrv::test {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// A reading client of `ws://127.0.0.1:<port><target>`.
class ws_client {
public:
  /// Connects; `status` is the HTTP status of the handshake answer (101 on
  /// success) and the client is null when it was refused.
  static std::unique_ptr<ws_client> connect(unsigned short port,
                                            const header_list& headers,
                                            int& status,
                                            const std::string& target = "/ws");

  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// The next text frame, waiting up to `timeout`; nullopt on the deadline
  /// or once the connection has ended and every frame was taken.
  std::optional<std::string> next(std::chrono::milliseconds timeout);

  /// Whether the server has ended the connection.
  [[nodiscard]] bool closed() const;

  struct impl;

private:
  explicit ws_client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// A client that shakes hands with a tiny receive buffer and then reads
/// nothing until `drain`.
class stalled_ws_client {
public:
  /// Connects and completes the handshake; false when refused.
  bool connect(unsigned short port, const header_list& headers);

  ~stalled_ws_client();

  /// Reads everything the server sent until it closes the connection or
  /// `timeout` passes; answers the bytes read and whether the server closed.
  std::pair<std::size_t, bool> drain(std::chrono::milliseconds timeout);

private:
  int fd_ = -1;
};

} // namespace xrv::test
