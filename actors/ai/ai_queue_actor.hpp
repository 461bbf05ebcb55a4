#pragma once

/// AI QUEUE: pulls exams from the store while an endpoint has a free slot,
/// sends them to the dispatchers, retries with back-off and failover, stores
/// the results and announces them; serves the report tools.

#include "actors/ai/messages.hpp"
#include "actors/system/type_ids.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

namespace xrv {

/// The typed interface of the AI queue.
using ai_queue_actor = caf::typed_actor<
  // From the store: exams wait for analysis.
  caf::reacts_to<atom::work>,
  // From a dispatcher: its endpoint's health changed.
  caf::reacts_to<atom::endpoint, ai::endpoint_state>,
  // Timer: ask the store to re-queue old errors (ERROR_RETRY_MINUTES).
  caf::reacts_to<atom::retry>,
  // Timer: one exam's back-off ended.
  caf::reacts_to<atom::retry, std::string>,
  // A report tool (/api/check, /api/analyse, /api/translate): the response
  // body, or invalid_input (400), parse_error (502), not_available (503).
  caf::replies_to<atom::ai_text, ai::text_task, std::string>::with<std::string>,
  // Reports whether any endpoint is healthy.
  caf::replies_to<atom::health>::with<component_health>>;

} // namespace xrv
