#pragma once

// The definitions of every statistic (issue 8, spec/API.md §4), in one pure
// module: the confusion matrix and its ratios, Wilson intervals, MCC,
// averages, the local-time keys of the trend windows and the age buckets.
// No CAF, no LMDB, no clock: "now" is always a parameter.
//
// Which exams count where (the store's aggregates follow this):
// - `done` exams: totals, `reviewed` (rad.positive != -1), `positive` (AI
//   positive), trends and processing times.
// - The confusion matrix (and `correct`/`wrong`, `agree_with_ai`,
//   `ai_accuracy`) counts `done` exams that are both AI-analysed and
//   reviewed; AI positive against rad.positive.
// - Radiologist and diagnosis figures count every exam naming the
//   radiologist / with the summary, whatever its status; their confusion
//   matrices follow the rule above.
// - Trends key exams by the local date of `exam.created`; the 24 h figures
//   by the local hour of `ai.updated` (the analysis that measured the
//   latency); `success_7d` by the local hour of `ai.created`.
// - Every time is the stored local timestamp taken as civil time, so days,
//   months and hours are consistently local (no UTC anywhere).
// - `avg_processing_time`: mean ai.latency (seconds) of the exams analysed in
//   the last 24 h; `throughput`: those exams / 24 (exams per hour). The
//   original's `count / (sum of latencies + 1) * 3600` measured the model's
//   speed, not the workload.
// - Age buckets: age in whole years at the exam date (definitions.hpp
//   age_at); `positive` there is AI-positive like everywhere, with the
//   radiologist's positives as the extension `rad_positive`.
// - Radiologist and diagnosis averages skip unknown (-1) severities and
//   latencies (the original counted -1 in them).

#include "actors/store/definitions.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xrv::store::stats {

/// True/false positives/negatives: AI positive against the radiologist.
struct confusion {
  std::uint64_t tp = 0;
  std::uint64_t tn = 0;
  std::uint64_t fp = 0;
  std::uint64_t fn = 0;

  /// Counts (sign +1) or uncounts (-1) one exam; nothing unless both
  /// `ai_positive` and `rad_positive` are 0 or 1.
  void add(int ai_positive, int rad_positive, int sign) noexcept;

  confusion& operator+=(const confusion& o) noexcept;
  bool operator==(const confusion&) const = default;

  [[nodiscard]] std::uint64_t compared() const noexcept {
    return tp + tn + fp + fn;
  }

  [[nodiscard]] std::uint64_t agree() const noexcept {
    return tp + tn;
  }
};

/// `num / den` as a percentage rounded to one decimal; nullopt when `den` is 0.
[[nodiscard]] std::optional<double> percent(std::uint64_t num,
                                            std::uint64_t den);

/// The 95 % Wilson score interval of `num / den` as percentages rounded to
/// one decimal ([lo, hi], clamped to 0..100); nullopt when `den` is 0.
[[nodiscard]] std::optional<std::array<double, 2>> wilson(std::uint64_t num,
                                                          std::uint64_t den);

/// The ratios of a confusion matrix (percentages, one decimal).
[[nodiscard]] std::optional<double> sensitivity(const confusion& c);
[[nodiscard]] std::optional<double> specificity(const confusion& c);
[[nodiscard]] std::optional<double> ppv(const confusion& c);
[[nodiscard]] std::optional<double> npv(const confusion& c);

/// Matthews correlation coefficient rounded to 2 decimals; 0 when any
/// marginal sum is 0 (undefined).
[[nodiscard]] double mcc(const confusion& c);

/// `sum / n` rounded to `decimals`; nullopt when `n` is 0.
[[nodiscard]] std::optional<double> average(double sum, std::uint64_t n,
                                            int decimals);

/// `x` rounded half away from zero to `decimals`.
[[nodiscard]] double round_to(double x, int decimals);

// -- local time keys ----------------------------------------------------------

/// Days since 1970-01-01 of a civil date (negative before).
[[nodiscard]] std::int64_t day_number(const civil_date& d) noexcept;

/// The civil date of a day number.
[[nodiscard]] civil_date from_day_number(std::int64_t days) noexcept;

/// Seconds since 1970-01-01 00:00:00 of a civil (local) time, ignoring time
/// zones: the key every stored timestamp is aggregated by.
[[nodiscard]] std::int64_t local_seconds(const civil_time& t) noexcept;

/// `local_seconds` of a stored `YYYY-MM-DD HH:MM:SS`; nullopt when malformed.
[[nodiscard]] std::optional<std::int64_t>
local_seconds(std::string_view timestamp);

/// `YYYY-MM-DD HH:MM:SS` of local seconds.
[[nodiscard]] std::string format_local_seconds(std::int64_t s);

/// The day, hour and month keys of local seconds.
[[nodiscard]] std::int64_t day_of(std::int64_t local_s) noexcept;
[[nodiscard]] std::int64_t hour_of(std::int64_t local_s) noexcept;
[[nodiscard]] std::int64_t month_of(std::int64_t local_s) noexcept;

/// `YYYY-MM-DD` of a day key; `YYYY-MM` of a month key (year * 12 + month-1).
[[nodiscard]] std::string day_text(std::int64_t day);
[[nodiscard]] std::string month_text(std::int64_t month);

/// Window lengths: trends per day over the last 30 days (today and the 29
/// before), per month over the last 12 (this month and the 11 before); the
/// "last 24 h" are the current local hour and the 23 before it; "the last 7
/// days" of `success_7d` the current hour and the 167 before it.
constexpr int trend_days = 30;
constexpr int trend_months = 12;
constexpr int recent_hours = 24;
constexpr int success_hours = 7 * 24;

// -- age buckets
// -----------------------------------------------------------------

/// Age bucket labels (spec §4): [lo, hi) years, `>18` from 18 on, `unknown`.
constexpr std::array<std::string_view, 12> age_labels{
  "0-1",   "1-2",   "2-4",   "4-6",   "6-8", "8-10",
  "10-12", "12-14", "14-16", "16-18", ">18", "unknown"};

/// The bucket (index into `age_labels`) of an age in whole years; -1 (unknown
/// birth date or exam date, or an exam before birth) is `unknown`.
[[nodiscard]] std::size_t age_bucket(int age_years) noexcept;

} // namespace xrv::store::stats
