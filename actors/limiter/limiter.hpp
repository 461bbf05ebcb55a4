#pragma once

#include "actors/limiter/limiter_actor.hpp"
#include "actors/limiter/token_bucket.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <utility>

namespace xrv {

/// Budgets of the rate limiter; 0 disables a class.
struct limiter_config {
  int api_per_minute = 60;
  int heavy_per_minute = 10;
  /// Bound on remembered (IP, class) pairs; idle full buckets are dropped.
  std::size_t max_clients = 100'000;
};

/// The clock the limiter reads (a parameter so tests control time).
using steady_now_fn = std::function<std::chrono::steady_clock::time_point()>;

struct limiter_state {
  static inline const char* name = "limiter";
  limiter_config cfg;
  steady_now_fn now;
  std::map<std::pair<std::string, std::uint8_t>, limiter::token_bucket> buckets;
};

/// Spawns with `sys.spawn(rate_limiter, cfg, now)`.
limiter_actor::behavior_type
rate_limiter(limiter_actor::stateful_pointer<limiter_state> self,
             limiter_config cfg, steady_now_fn now);

} // namespace xrv
