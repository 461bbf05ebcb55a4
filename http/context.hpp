#pragma once

#include "actors/system/config.hpp"
#include "actors/system/supervisor.hpp"
#include "http/auth.hpp"

#include <caf/actor_system.hpp>

#include <memory>
#include <string>

namespace xrv::http {

/// Everything a route handler may use; built once by main, then shared
/// read-only (the session table and authenticator lock internally).
struct app_context {
  caf::actor_system* sys = nullptr;
  system_handles actors;
  std::shared_ptr<const config::app_config> cfg;
  std::shared_ptr<authenticator> auth;
  std::shared_ptr<session_table> sessions;
  /// The OpenAPI document (static/spec.json), parsed once at start-up.
  std::string spec_json;
};

using context_ptr = std::shared_ptr<const app_context>;

} // namespace xrv::http
