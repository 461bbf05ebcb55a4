#pragma once

#include "http/context.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

#include <memory>
#include <string_view>

namespace xrv::http {

/// Name of the session cookie (spec §1).
inline constexpr std::string_view session_cookie = "xrv_session";

/// The request pipeline in front of every handler: rate limit, authenticate,
/// route, authorise, then the handler. Beast-free; called on I/O threads.
class front_door {
public:
  explicit front_door(context_ptr ctx);

  /// Answers `req` through `done` (now or later, from any thread).
  void handle(request req, responder done) const;

  /// Decides on a WebSocket upgrade: only `/ws`, authenticated by the
  /// session cookie or Basic, and same-origin when the client names an
  /// origin (spec §6). An accepted client is subscribed to the broadcaster.
  [[nodiscard]] upgrade_decision upgrade(const request& req) const;

  /// The routing table (for the OpenAPI consistency test).
  [[nodiscard]] const router& routes() const noexcept {
    return *router_;
  }

private:
  // The user of a request's session cookie or Basic credentials.
  [[nodiscard]] std::optional<principal> authenticate(const request& req,
                                                      bool& from_basic) const;

  context_ptr ctx_;
  // Shared so that callbacks still pending at shutdown keep their route alive.
  std::shared_ptr<const router> router_;
};

/// Whether an `Origin` header names the same host and port as `Host` (an
/// empty origin counts as same-origin: only browsers send one).
[[nodiscard]] bool same_origin(std::string_view origin, std::string_view host);

/// Builds the full routing table of the contract.
[[nodiscard]] router build_router(const context_ptr& ctx);

} // namespace xrv::http
