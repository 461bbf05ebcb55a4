#pragma once

// Which exam the FHIR fetcher asks about next, and when an exam whose report
// is not there yet is asked about again: per-exam back-off, doubling from
// `first` up to `max`. Pure: the clock is a parameter.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xrv::fhir {

using steady_time = std::chrono::steady_clock::time_point;

struct backoff_policy {
  std::chrono::seconds first{900};
  std::chrono::seconds max{std::chrono::hours(12)};
};

/// One exam's misses so far and when it may be asked about again.
struct backoff_entry {
  int misses = 0;
  steady_time next{};
};

using backoff_table = std::map<std::string, backoff_entry>;

/// The wait after the `misses`-th miss (1-based): first · 2^(misses-1),
/// capped at max.
[[nodiscard]] std::chrono::seconds delay_after(int misses,
                                               const backoff_policy& p);

/// Records a miss of `uid` at `now`; returns the wait until the next try.
std::chrono::seconds record_miss(backoff_table& table, const std::string& uid,
                                 steady_time now, const backoff_policy& p);

/// The first of `candidates` (oldest first) that is due at `now`: never
/// tried, or its back-off has passed.
[[nodiscard]] std::optional<std::string>
next_due(const std::vector<std::string>& candidates, const backoff_table& table,
         steady_time now);

/// Forgets the exams that are no longer candidates (found, or out of the
/// look-back window), so the table stays bounded by the candidates.
void keep_only(backoff_table& table,
               const std::vector<std::string>& candidates);

} // namespace xrv::fhir
