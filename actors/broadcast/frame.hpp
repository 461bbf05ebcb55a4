#pragma once

// Dashboard frames of spec/API.md §6, built from plain values. Pure: no CAF,
// no sockets; the broadcaster serialises each frame once per role.

#include "actors/store/exam.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xrv::broadcast {

/// Everything a state frame shows.
struct dashboard_state {
  std::uint64_t queue = 0; // queued + requeue
  std::uint64_t check = 0;
  std::uint64_t error = 0;
  std::uint64_t ignore = 0;
  std::uint64_t success = 0; // done in the last 7 days
  /// Initials of the patients being analysed now (empty: none).
  std::vector<std::string> processing;
  /// The endpoint new work goes to first; empty when none is healthy.
  std::string active_url;
  /// Each configured endpoint's name and health, in configuration order.
  std::vector<std::pair<std::string, bool>> health;
  double avg_latency = 0;
  double min_latency = 0;
  double max_latency = 0;
  /// `YYYY-MM-DD HH:MM:SS` or `Disabled`.
  std::string next_query = "Disabled";
  /// Extension: whether reports are fetched from FHIR, and whether the FHIR
  /// server answers its health probe.
  bool fhir_enabled = false;
  bool fhir_health = false;

  friend bool operator==(const dashboard_state&, const dashboard_state&)
    = default;
};

/// A named event with its payload (already anonymised for its audience).
struct event {
  std::string name;
  boost::json::object payload;
};

/// The documented payload of an exam event, for an `admin` client or, with
/// `anonymise`, a `user` client; nullopt for a name that is not an exam
/// event.
[[nodiscard]] std::optional<boost::json::object>
exam_event_payload(std::string_view name, const store::exam_view& view,
                   int threshold, bool anonymise);

/// Whether the payload of this event differs between `admin` and `user`
/// clients (so it must be serialised twice).
[[nodiscard]] bool payload_depends_on_role(std::string_view name) noexcept;

/// The frame: every key of spec §6, and `event` when one triggered it.
[[nodiscard]] std::string serialize_frame(const dashboard_state& state,
                                          const event* ev);

} // namespace xrv::broadcast
