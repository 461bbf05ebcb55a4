#pragma once

/// WEBSOCKET BROADCASTER: builds dashboard frames once and fans them out to
/// sessions.

#include "actors/broadcast/client.hpp"
#include "actors/dicom/query_actor.hpp"
#include "actors/fhir/fetcher_actor.hpp"
#include "actors/store/store_actor.hpp"
#include "actors/system/type_ids.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>
#include <utility>
#include <vector>

namespace xrv {

/// The AI side of the dashboard frame (spec §6 `openai` and `timings`).
struct ai_status {
  /// The endpoint new work goes to first; empty when none is healthy.
  std::string active_url;
  /// Each configured endpoint's name ("pri", "sec", "3", ...) and health.
  std::vector<std::pair<std::string, bool>> health;
  /// AI call latencies of the last 24 h, in seconds (0 when none).
  double avg_latency = 0;
  double min_latency = 0;
  double max_latency = 0;
  /// Initials of the patients being analysed now.
  std::vector<std::string> processing;
};

/// The actors whose state the frames show; spawned after the broadcaster,
/// so they are handed over in a message.
struct broadcast_peers {
  store_actor store;
  query_actor query;
  fetcher_actor fetcher;
};

} // namespace xrv

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::ai_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::broadcast_peers)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::broadcast::client_ptr)

namespace xrv {

/// The typed interface of the WebSocket broadcaster.
using broadcaster_actor = caf::typed_actor<
  // Announces a named event about one exam (radreview, requeue, ...).
  caf::reacts_to<atom::publish, std::string, store::exam_view>,
  // The AI endpoints' health, the latency figures and what is being
  // analysed (sent when they change).
  caf::reacts_to<atom::ai_state, ai_status>,
  // A new dashboard client: its connection, whether it has the `user` role
  // (payloads anonymised) and its address (for the `connected` event).
  caf::reacts_to<atom::subscribe, broadcast::client_ptr, bool, std::string>,
  // The store (counters) and the query scheduler (next query time).
  caf::reacts_to<atom::peers, broadcast_peers>,
  // The store's counters, sent by the store whenever a write changes them.
  caf::reacts_to<atom::counts, store_counts>,
  // Timer: refreshes the counters and sends a state frame when something
  // changed, or as the heartbeat.
  caf::reacts_to<atom::tick>,
  // Reports whether the component works (and how many clients it has).
  caf::replies_to<atom::health>::with<component_health>>;

} // namespace xrv
