#pragma once

// One dashboard WebSocket connection (Beast). Its own translation unit, so
// that http/server.cpp stays about HTTP; only the server creates sessions.

#include "actors/broadcast/client.hpp"
#include "http/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace xrv::http {

/// Completes the WebSocket handshake of `req` on `socket` and serves the
/// connection: server to client only, each client with its own bounded
/// queue. `on_open` receives the connection once the handshake is done;
/// `connections` counts it while it lives.
void start_ws_session(
  boost::asio::ip::tcp::socket socket,
  boost::beast::http::request<boost::beast::http::string_body> req,
  ws_limits limits, std::shared_ptr<std::atomic<std::size_t>> connections,
  std::string client_ip, std::function<void(broadcast::client_ptr)> on_open);

} // namespace xrv::http
