#pragma once

/// AI DISPATCHER: one per OpenAI-compatible endpoint. Owns the endpoint's
/// slots (detached workers), probes its health and marks it down when calls
/// show an outage; the AI queue decides what to send it.

#include "actors/ai/messages.hpp"
#include "actors/system/type_ids.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

namespace xrv {

/// The typed interface of an AI dispatcher.
using dispatcher_actor = caf::typed_actor<
  // Analyses one exam on a free slot (not_available when every slot is busy).
  caf::replies_to<atom::analyse, ai::analysis_job>::with<ai::analysis_outcome>,
  // Runs one report tool on a free slot.
  caf::replies_to<atom::ai_text, ai::text_task,
                  std::string>::with<ai::text_outcome>,
  // Timer: probe the endpoint now (the number discards superseded timers).
  caf::reacts_to<atom::probe, std::uint64_t>,
  // Reports whether the endpoint is healthy.
  caf::replies_to<atom::health>::with<component_health>>;

} // namespace xrv
