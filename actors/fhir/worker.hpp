#pragma once

// The FHIR fetcher's detached worker: the only place its blocking curl
// calls run, at a bounded request rate.

#include "actors/fhir/lookup.hpp"
#include "actors/system/type_ids.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <atomic>
#include <memory>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::fhir::exam_input)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::fhir::lookup_outcome)

namespace xrv::fhir {

/// The typed interface of the worker.
using worker_actor = caf::typed_actor<
  // Looks up one exam's report.
  caf::replies_to<atom::fetch, exam_input>::with<lookup_outcome>,
  // Probes the server; the health of "FHIR server".
  caf::replies_to<atom::probe>::with<component_health>>;

struct worker_config {
  settings fhir;
  int requests_per_minute = 60; // 0: unlimited
  /// Set at shutdown: stops transfers and rate waits.
  std::shared_ptr<std::atomic<bool>> cancel;
};

/// Spawn detached (blocking curl and rate waits hold only its thread).
worker_actor::behavior_type fhir_worker(worker_actor::pointer,
                                        worker_config cfg);

} // namespace xrv::fhir
