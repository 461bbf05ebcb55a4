#pragma once

/// QUERY SCHEDULER: periodic and on-demand C-FIND/C-MOVE/C-GET against the
/// PACS.

#include "actors/system/type_ids.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

namespace xrv {

/// What one query/retrieve run did, as its worker reports it.
struct query_report {
  std::uint64_t run = 0;       // the run's number
  bool reached = false;        // an association with the PACS was made
  std::string problem;         // why the run stopped early; empty when it ran
  std::uint64_t found = 0;     // C-FIND answers
  std::uint64_t outside = 0;   // answers outside the window (or invalid)
  std::uint64_t known = 0;     // studies the store already had
  std::uint64_t retrieved = 0; // studies retrieved without failure
  std::uint64_t failed = 0;    // studies whose retrieval failed
  std::uint64_t completed_subops = 0;
  std::uint64_t failed_subops = 0;
  std::uint64_t warning_subops = 0;
};

} // namespace xrv

// Stays inside the process: never serialised.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xrv::query_report)

namespace xrv {

/// The typed interface of the query scheduler.
using query_actor = caf::typed_actor<
  // Starts a run over the last `hours` (1..168) in the background; answers
  // the accepted message, `conflict` while a run is going on.
  caf::replies_to<atom::query, std::int32_t>::with<std::string>,
  // When the next scheduled run starts ("YYYY-MM-DD HH:MM:SS") or
  // "Disabled" (--no-query).
  caf::replies_to<atom::next_query>::with<std::string>,
  // Reports whether the component works (false after a run that failed to
  // reach the PACS, with the reason).
  caf::replies_to<atom::health>::with<component_health>,
  // Internal: the timer of scheduled runs.
  caf::reacts_to<atom::tick>,
  // Internal: a worker reports the end of its run.
  caf::reacts_to<atom::query_done, query_report>>;

} // namespace xrv
