#pragma once

/// WEBSOCKET BROADCASTER: builds dashboard frames once and fans them out to
/// sessions.

#include "actors/store/store_actor.hpp"
#include "actors/system/type_ids.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

namespace xrv {

/// The typed interface of the WebSocket broadcaster. The dashboard issue adds
/// sessions and frames; until then events are accepted and dropped.
using broadcaster_actor = caf::typed_actor<
  // Announces a named event about one exam (radreview, requeue, ...).
  caf::reacts_to<atom::publish, std::string, store::exam_view>,
  // Reports whether the component works.
  caf::replies_to<atom::health>::with<component_health>>;

} // namespace xrv
