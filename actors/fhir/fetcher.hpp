#pragma once

#include "actors/fhir/backoff.hpp"
#include "actors/fhir/fetcher_actor.hpp"
#include "actors/fhir/worker.hpp"
#include "actors/store/store_actor.hpp"
#include "actors/system/config.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <deque>
#include <string>
#include <vector>

namespace xrv::fhir {

/// What the fetcher needs to know.
struct fetcher_config {
  worker_config worker;
  bool configured = false; // FHIR_URL is set
  bool enabled = false;    // ENABLE_HIS: the steady round runs
  int lookback_days = 14;
  std::chrono::seconds poll_interval{60};
  std::chrono::seconds health_interval{60};
  backoff_policy backoff;
  std::size_t max_candidates = 5000; // exams considered per round
  std::size_t max_manual = 100;      // /api/getrad requests waiting
};

/// The fetcher's slice of the configuration.
[[nodiscard]] fetcher_config fetcher_settings(const config::app_config& cfg);

struct fetcher_state {
  static inline const char* name = "fhir-fetcher";
  fetcher_config cfg;
  store_actor store;
  worker_actor worker;
  bool healthy = false;
  std::string detail = "not probed yet";
  bool probing = false;
  std::uint64_t probe_generation = 0;
  std::chrono::seconds probe_backoff{0};
  /// Exams awaiting their report, oldest first (the last round's list).
  std::vector<std::string> candidates;
  backoff_table backoff;
  std::deque<std::string> manual; // /api/getrad, first come first served
  bool busy = false;              // a lookup is in flight
  bool listing = false;           // a candidate list is being asked for
};

/// The fetcher's behaviour; it spawns its detached worker (linked).
fetcher_actor::behavior_type
fetcher(fetcher_actor::stateful_pointer<fetcher_state> self, fetcher_config cfg,
        store_actor store);

} // namespace xrv::fhir
