#pragma once

// The JSON of the six statistics endpoints (spec/API.md §4) from a
// stats_snapshot. Every ratio is a percentage with one decimal or null, and
// comes with its 95 % Wilson interval as `<name>_ci: [lo, hi]` (null when
// undefined). With `anonymise` (role `user`) radiologists are keyed by their
// initials; radiologists sharing initials are merged.

#include "actors/store/stats_index.hpp"

#include <boost/json/object.hpp>

namespace xrv::store {

/// `/api/stats`.
[[nodiscard]] boost::json::object stats_json(const stats_snapshot& s);

/// `/api/stats/radiologists`.
[[nodiscard]] boost::json::object
radiologist_stats_json(const stats_snapshot& s, bool anonymise);

/// `/api/stats/radiologists/monthly_trends`: `{"YYYY-MM": {name: count}}`,
/// every month of the window present.
[[nodiscard]] boost::json::object
radiologist_trends_json(const stats_snapshot& s, bool anonymise);

/// `/api/stats/diagnostics`.
[[nodiscard]] boost::json::object
diagnostic_stats_json(const stats_snapshot& s);

/// `/api/diagnostics/monthly_trends`: the 10 summaries most frequent over
/// the window, `{"YYYY-MM": {summary: count}}`, every month present.
[[nodiscard]] boost::json::object
diagnostic_trends_json(const stats_snapshot& s);

/// `/api/stats/insights`.
[[nodiscard]] boost::json::object insights_json(const stats_snapshot& s,
                                                bool anonymise);

} // namespace xrv::store
