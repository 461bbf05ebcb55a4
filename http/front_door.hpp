#pragma once

#include "http/context.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

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

  /// The routing table (for the OpenAPI consistency test).
  [[nodiscard]] const router& routes() const noexcept {
    return *router_;
  }

private:
  context_ptr ctx_;
  // Shared so that callbacks still pending at shutdown keep their route alive.
  std::shared_ptr<const router> router_;
};

/// Builds the full routing table of the contract.
[[nodiscard]] router build_router(const context_ptr& ctx);

} // namespace xrv::http
