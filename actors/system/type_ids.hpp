#pragma once

// The one CAF type-ID block of XRayVision: every atom and every message type.
// Atom texts are unique and at most 10 characters (CAF 0.17).

#include "actors/system/errors.hpp"

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include <cstdint>
#include <string>

namespace xrv {

/// Whether a component is up; every actor answers `atom::health` with it.
struct component_health {
  std::string name;
  bool available = false;
  std::string detail;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, component_health& x) {
  return f(caf::meta::type_name("component_health"), x.name, x.available,
           x.detail);
}

/// Converts an error value into a `caf::error` of the `xrv` category.
[[nodiscard]] caf::error to_caf_error(const error& err);

/// Converts any `caf::error` back into an error value (CAF's own errors such
/// as a request timeout map onto the closest code).
[[nodiscard]] error from_caf_error(const caf::error& err);

/// The category atom of our errors inside `caf::error`.
constexpr caf::atom_value error_category = caf::atom("xrv");

} // namespace xrv

CAF_BEGIN_TYPE_ID_BLOCK(xrv, caf::first_custom_type_id)

  CAF_ADD_ATOM(xrv, xrv::atom, acquire, "acquire")
  CAF_ADD_ATOM(xrv, xrv::atom, aggregate, "aggregate")
  CAF_ADD_ATOM(xrv, xrv::atom, convert, "convert")
  CAF_ADD_ATOM(xrv, xrv::atom, counts, "counts")
  CAF_ADD_ATOM(xrv, xrv::atom, finish, "finish")
  CAF_ADD_ATOM(xrv, xrv::atom, get, "get")
  CAF_ADD_ATOM(xrv, xrv::atom, ingest, "ingest")
  CAF_ADD_ATOM(xrv, xrv::atom, list, "list")
  CAF_ADD_ATOM(xrv, xrv::atom, patient, "patient")
  CAF_ADD_ATOM(xrv, xrv::atom, patients, "patients")
  CAF_ADD_ATOM(xrv, xrv::atom, publish, "publish")
  CAF_ADD_ATOM(xrv, xrv::atom, requeue, "requeue")
  CAF_ADD_ATOM(xrv, xrv::atom, review, "review")
  CAF_ADD_ATOM(xrv, xrv::atom, take, "take")
  CAF_ADD_ATOM(xrv, xrv::atom, health, "health")
  CAF_ADD_ATOM(xrv, xrv::atom, stop, "stop")
  CAF_ADD_ATOM(xrv, xrv::atom, tick, "tick")
  // -- query scheduler (actors/dicom/query_actor.hpp) --
  CAF_ADD_ATOM(xrv, xrv::atom, query, "query")
  CAF_ADD_ATOM(xrv, xrv::atom, next_query, "next_query")
  CAF_ADD_ATOM(xrv, xrv::atom, query_done, "query_done")
  CAF_ADD_ATOM(xrv, xrv::atom, studies, "studies")
  // -- statistics (actors/store/stats_index.hpp) --
  CAF_ADD_ATOM(xrv, xrv::atom, stats, "stats")

  // -- AI pipeline (actors/ai) and notifier (actors/notify) --
  CAF_ADD_ATOM(xrv, xrv::atom, analyse, "analyse")
  CAF_ADD_ATOM(xrv, xrv::atom, ai_text, "ai_text")
  CAF_ADD_ATOM(xrv, xrv::atom, probe, "probe")
  CAF_ADD_ATOM(xrv, xrv::atom, endpoint, "endpoint")
  CAF_ADD_ATOM(xrv, xrv::atom, work, "work")
  CAF_ADD_ATOM(xrv, xrv::atom, ai_state, "ai_state")
  CAF_ADD_ATOM(xrv, xrv::atom, retry, "retry")
  CAF_ADD_ATOM(xrv, xrv::atom, pump, "pump")
  CAF_ADD_ATOM(xrv, xrv::atom, notify, "notify")

  // -- WebSocket broadcaster (actors/broadcast) --
  CAF_ADD_ATOM(xrv, xrv::atom, subscribe, "subscribe")
  CAF_ADD_ATOM(xrv, xrv::atom, peers, "peers")

  // -- FHIR fetcher (actors/fhir) and the radiologist report's check --
  CAF_ADD_ATOM(xrv, xrv::atom, fetch, "fetch")
  CAF_ADD_ATOM(xrv, xrv::atom, rad_report, "rad_report")
  CAF_ADD_ATOM(xrv, xrv::atom, awaiting, "awaiting")
  CAF_ADD_ATOM(xrv, xrv::atom, take_check, "take_check")
  CAF_ADD_ATOM(xrv, xrv::atom, checked, "checked")

  CAF_ADD_TYPE_ID(xrv, (xrv::component_health))

CAF_END_TYPE_ID_BLOCK(xrv)
