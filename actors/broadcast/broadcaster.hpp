#pragma once

#include "actors/broadcast/broadcaster_actor.hpp"
#include "actors/broadcast/frame.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace xrv {

struct broadcaster_config {
  /// AI severity from which an exam counts as positive (spec §3).
  int severity_threshold = 5;
  /// How often the counters are refreshed: the most state frames per
  /// second a burst of changes can cause is 1 / sync_interval.
  std::chrono::milliseconds sync_interval{500};
  /// A state frame goes out at least this often (spec §6: ≤ 30 s).
  std::chrono::seconds heartbeat{25};
  /// Whether radiologist reports are fetched (ENABLE_HIS and FHIR_URL).
  bool fhir_enabled = false;
  /// Each question to the store, the query scheduler or the FHIR fetcher.
  std::chrono::seconds ask_timeout{2};
};

struct broadcaster_state {
  struct subscriber {
    broadcast::client_ptr conn;
    bool user = false;
  };

  broadcaster_config cfg;
  broadcast_peers peers;
  std::vector<subscriber> clients;
  /// Joined while the counters were being refreshed: they get their
  /// `connected` frame with fresh counters.
  std::vector<std::pair<subscriber, std::string>> joining;
  broadcast::dashboard_state current;
  std::optional<broadcast::dashboard_state> sent;
  /// Ticks since the last frame went out (heartbeat).
  std::uint64_t idle_ticks = 0;
  std::uint64_t ticks = 0;
  bool refreshing = false;
  bool refresh_failed = false; // logged once until it works again

  static inline const char* name = "broadcaster";
};

/// The broadcaster: one serialisation per frame (two when an event's payload
/// differs for `user` clients), fanned out to every client's own queue.
broadcaster_actor::behavior_type
broadcaster(broadcaster_actor::stateful_pointer<broadcaster_state> self,
            broadcaster_config cfg);

} // namespace xrv
