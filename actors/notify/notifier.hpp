#pragma once

#include "actors/notify/notifier_actor.hpp"
#include "actors/system/config.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <cstddef>

namespace xrv {

/// What the notifier needs to know.
struct notifier_config {
  bool enabled = false; // ENABLE_NTFY / --enable-ntfy
  config::notifications_config ntfy;
  int max_attempts = 3; // per notification, the first one included
  std::chrono::milliseconds retry_delay{1000}; // doubles after each failure
  std::size_t max_pending = 100;               // waiting to be sent or retried
  std::chrono::milliseconds timeout{10000};    // one whole POST
};

/// Spawns the notifier detached: its blocking curl calls hold only its own
/// thread. Failed posts are logged and retried; they never reach the caller.
notifier_actor spawn_notifier(caf::actor_system& sys, notifier_config cfg);

} // namespace xrv
