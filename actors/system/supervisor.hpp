#pragma once

#include "actors/ai/ai_queue_actor.hpp"
#include "actors/ai/prompts.hpp"
#include "actors/broadcast/broadcaster_actor.hpp"
#include "actors/dicom/converter_actor.hpp"
#include "actors/dicom/query_actor.hpp"
#include "actors/dicom/receiver_actor.hpp"
#include "actors/fhir/fetcher_actor.hpp"
#include "actors/limiter/limiter_actor.hpp"
#include "actors/notify/notifier_actor.hpp"
#include "actors/store/exam_index.hpp"
#include "actors/store/store_actor.hpp"
#include "actors/system/config.hpp"
#include "storage/exam_repository.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <vector>

namespace xrv {

/// Handles of every long-lived actor, spawned by `start_actors`.
struct system_handles {
  store_actor store;
  receiver_actor receiver;
  std::vector<converter_actor> converters;
  query_actor query;
  /// The AI queue; it owns one dispatcher per endpoint.
  ai_queue_actor ai;
  fetcher_actor fetcher;
  broadcaster_actor broadcaster;
  notifier_actor notifier;
  limiter_actor limiter;
  /// Watches the others and logs when one ends unexpectedly.
  caf::actor supervisor;
};

/// Spawns every actor of the design with its slice of the configuration;
/// the store takes over the opened repository and its rebuilt index.
[[nodiscard]] system_handles
start_actors(caf::actor_system& sys, const config::app_config& cfg,
             std::shared_ptr<storage::exam_repository> repo,
             std::shared_ptr<store::exam_index> index,
             std::shared_ptr<const ai::prompt_set> prompts);

/// Stops the actors in dependency order (intake first, the store last) and
/// waits for them to finish.
void stop_actors(caf::actor_system& sys, system_handles& handles);

} // namespace xrv
