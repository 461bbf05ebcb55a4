#pragma once

/// AI WORKER: one slot of a dispatcher. A detached actor that makes one
/// blocking chat-completions call at a time (DESIGN: blocking curl only in
/// detached actors) and turns the answer into an outcome.

#include "actors/ai/messages.hpp"
#include "actors/ai/prompts.hpp"
#include "actors/ai/request.hpp"
#include "actors/system/config.hpp"
#include "actors/system/type_ids.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <atomic>
#include <memory>
#include <string>

namespace xrv::ai {

/// What every worker of an endpoint needs.
struct worker_config {
  config::ai_endpoint_config endpoint;
  std::shared_ptr<const prompt_set> prompts;
  sampling params;
  std::string images_dir;
  /// Set when the dispatcher ends: an in-flight call stops at once.
  std::shared_ptr<std::atomic<bool>> cancel;
};

using worker_actor = caf::typed_actor<
  // Analyses one exam's image.
  caf::replies_to<atom::analyse, analysis_job>::with<analysis_outcome>,
  // Runs one report tool on a text.
  caf::replies_to<atom::ai_text, text_task, std::string>::with<text_outcome>,
  // Probes `<base>/models`: healthy when it answers 200.
  caf::replies_to<atom::probe>::with<endpoint_state>>;

/// The worker's behaviour; spawn it detached.
worker_actor::behavior_type ai_worker(worker_actor::pointer self,
                                      worker_config cfg);

} // namespace xrv::ai
