#pragma once

/// WEBSOCKET BROADCASTER: builds dashboard frames once and fans them out to
/// sessions.

#include "actors/store/store_actor.hpp"
#include "actors/system/type_ids.hpp"

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

} // namespace xrv

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::ai_status)

namespace xrv {

/// The typed interface of the WebSocket broadcaster. The dashboard issue adds
/// sessions and frames; until then events are accepted and dropped.
using broadcaster_actor = caf::typed_actor<
  // Announces a named event about one exam (radreview, requeue, ...).
  caf::reacts_to<atom::publish, std::string, store::exam_view>,
  // The AI endpoints' health, the latency figures and what is being
  // analysed (sent when they change).
  caf::reacts_to<atom::ai_state, ai_status>,
  // Reports whether the component works.
  caf::replies_to<atom::health>::with<component_health>>;

} // namespace xrv
