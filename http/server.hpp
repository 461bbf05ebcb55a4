#pragma once

// The HTTP listener. Beast stays inside server.cpp: this header is all the
// rest of the program sees of it.

#include "actors/broadcast/client.hpp"
#include "actors/system/errors.hpp"
#include "http/message.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace xrv::http {

/// Dashboard WebSocket clients: how far one may fall behind, and how long it
/// may stay silent.
struct ws_limits {
  /// Frames and bytes a client may have waiting before it is disconnected
  /// as too slow.
  std::size_t queue_frames = 256;
  std::size_t queue_bytes = std::size_t{8} << 20;
  /// A ping after half of this without traffic from the client, and the
  /// connection closed when the rest passes without an answer.
  std::chrono::seconds idle_timeout{60};
};

/// Listener settings; the limits follow Beast's advanced server example.
struct server_options {
  std::string bind = "0.0.0.0";
  unsigned short port = 8000;
  int threads = 1;
  std::size_t body_limit = std::size_t{1} << 20; // 413 above this
  std::size_t header_limit = 16 * 1024;
  std::chrono::seconds read_timeout{30}; // idle keep-alive and slow clients
  std::size_t max_connections = 10'000;
  ws_limits ws;
};

/// Receives each parsed request; answers through the responder.
using request_handler = std::function<void(request, responder)>;

/// What to do with a WebSocket upgrade request.
struct upgrade_decision {
  /// When set, this answer is sent instead of the handshake.
  std::optional<response> refusal;
  /// Called with the connection once the handshake has completed.
  std::function<void(broadcast::client_ptr)> on_open;
};

/// Decides on each WebSocket upgrade request (authentication, origin).
using upgrade_handler = std::function<upgrade_decision(const request&)>;

/// An HTTP/1.1 server on its own I/O threads.
class server {
public:
  server(server_options opts, request_handler handler,
         upgrade_handler upgrade = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds, listens and starts the I/O threads; returns the bound port.
  [[nodiscard]] result<unsigned short> start();

  /// Stops accepting, lets requests in flight finish (up to `grace`), then
  /// closes every connection and joins the I/O threads.
  void stop(std::chrono::milliseconds grace);

  /// The listener's state, shared with its sessions (defined in server.cpp).
  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace xrv::http
