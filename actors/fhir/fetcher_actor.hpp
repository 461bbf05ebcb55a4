#pragma once

/// FHIR FETCHER: finds radiologist reports and patient data on the hospital
/// FHIR server: a steady round over the done exams still without a report
/// (oldest first, per-exam back-off), manual fetches, a health probe.

#include "actors/system/type_ids.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

namespace xrv {

/// The typed interface of the FHIR fetcher.
using fetcher_actor = caf::typed_actor<
  // POST /api/getrad: looks up one exam's report now, in the background;
  // answers the message, not_found (unknown exam), not_available (no FHIR).
  caf::replies_to<atom::fetch, std::string>::with<std::string>,
  // Timer: a round over the exams that await their report.
  caf::reacts_to<atom::tick>,
  // Timer: probe the server (the number discards superseded timers).
  caf::reacts_to<atom::probe, std::uint64_t>,
  // Reports whether the FHIR server answers (the /metadata probe).
  caf::replies_to<atom::health>::with<component_health>>;

} // namespace xrv
