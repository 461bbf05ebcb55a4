#pragma once

#include "actors/ai/ai_queue_actor.hpp"
#include "actors/ai/dispatcher_actor.hpp"
#include "actors/ai/worker.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xrv::ai {

/// Settings of one dispatcher.
struct dispatcher_config {
  std::size_t index = 0; // position in the configured endpoints
  worker_config worker;
  std::chrono::seconds health_interval{60};
  /// First re-probe delay after an outage, doubling up to health_interval.
  std::chrono::milliseconds down_backoff{1000};
};

struct dispatcher_state {
  static inline const char* name = "ai-dispatcher";
  dispatcher_config cfg;
  ai_queue_actor queue;
  std::vector<worker_actor> idle;
  worker_actor prober;
  bool healthy = false;
  bool probing = false;
  std::string detail = "not probed yet";
  std::chrono::milliseconds backoff{0};
  std::uint64_t probe_generation = 0;
};

/// Spawns `cfg.worker.endpoint.slots` workers and a prober (detached,
/// linked), probes at once, then every health interval (sooner while down).
dispatcher_actor::behavior_type
dispatcher(dispatcher_actor::stateful_pointer<dispatcher_state> self,
           dispatcher_config cfg, ai_queue_actor queue);

} // namespace xrv::ai
