#pragma once

// The statistics aggregates, maintained incrementally: every exam contributes
// one `stats_row` (added on upsert, subtracted before a change and on erase),
// so a request reads counters and small time-bucketed maps instead of
// scanning exams. `snapshot` copies what the six statistics endpoints show,
// for a given "now", in time proportional to the number of regions,
// diagnoses and radiologists (not exams). Pure and single-threaded: owned by
// the exam index. Definitions: stats.hpp.

#include "actors/store/exam.hpp"
#include "actors/store/stats.hpp"

#include <array>
#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xrv::store {

/// What one exam contributes to the statistics. Ids are the exam index's
/// interned, case-folded names (0: none).
struct stats_row {
  static constexpr std::int64_t no_time = INT64_MIN;
  static constexpr std::int32_t no_hour = INT32_MIN;
  // Packed into 48 bytes: a million exams keep a million rows.
  std::int64_t created = no_time;         // local seconds of exam.created
  std::int32_t ai_updated_hour = no_hour; // local hour key of ai.updated
  std::int32_t ai_created_hour = no_hour; // local hour key of ai.created
  std::int32_t ai_latency = -1;
  std::int32_t rad_latency = -1;
  std::uint32_t region = 0;
  std::uint32_t diagnostic = 0;
  std::uint32_t radiologist = 0;
  exam_status status = exam_status::none;
  std::int8_t ai_positive = -1;
  std::int8_t rad_positive = -1;
  std::int8_t rad_severity = -1;
  std::uint8_t age_bucket = 11; // stats::age_labels index

  [[nodiscard]] bool has_created() const noexcept {
    return created != no_time;
  }

  bool operator==(const stats_row&) const = default;
};

/// The row of an exam; `age_years` is the patient's age at the exam date.
[[nodiscard]] stats_row make_stats_row(const exam_record& e, int threshold,
                                       std::uint32_t region,
                                       std::uint32_t diagnostic,
                                       std::uint32_t radiologist,
                                       int age_years);

/// Counts over `done` exams: how many, reviewed, AI-positive, the matrix.
struct done_counts {
  std::uint64_t total = 0, reviewed = 0, positive = 0;
  stats::confusion cm;
  void add(const stats_row& row, int sign);
  bool operator==(const done_counts&) const = default;
};

/// Sums over the exams of a diagnosis or a radiologist (any status; the
/// matrix over `done` ones).
struct verdict_sums {
  std::uint64_t reports = 0, reviewed = 0;
  stats::confusion cm;
  double severity_sum = 0; // rad.severity >= 0
  std::uint64_t severity_n = 0;
  void add(const stats_row& row, int sign);
  verdict_sums& operator+=(const verdict_sums& o);
  bool operator==(const verdict_sums&) const = default;
};

/// One point of a trend: a day or month key and its counts.
struct trend_point {
  std::int64_t key = 0;
  std::uint64_t total = 0;
  std::uint64_t positive = 0;
  bool operator==(const trend_point&) const = default;
};

/// AI latencies (seconds) of a group.
struct latency_figures {
  std::uint64_t count = 0;
  double sum = 0;
  std::int64_t min = 0;
  std::int64_t max = 0;
  bool operator==(const latency_figures&) const = default;
};

/// A region over `done` exams.
struct region_figures {
  std::string name;
  done_counts counts;
  std::vector<trend_point> days;   // the window's days with exams, ascending
  std::vector<trend_point> months; // the window's months with exams
  latency_figures latency;         // all time, ai.latency >= 0
  bool operator==(const region_figures&) const = default;
};

/// A diagnosis (case-folded rad.summary) over every exam with it.
struct diagnosis_figures {
  std::string name;
  verdict_sums sums;
  std::vector<std::pair<std::string, std::uint64_t>> top_regions; // <= 5
  std::optional<std::int64_t> first_seen, last_seen; // local seconds
  std::map<std::int64_t, std::uint64_t> months;      // window months
  bool operator==(const diagnosis_figures&) const = default;
};

/// A radiologist over every exam naming them. Sums, so that radiologists
/// shown under the same initials can be merged.
struct radiologist_figures {
  std::string name; // as first seen
  verdict_sums sums;
  double latency_sum = 0; // rad.latency >= 0
  std::uint64_t latency_n = 0;
  std::map<std::string, std::uint64_t> diagnoses;
  std::map<std::int64_t, std::uint64_t> months; // window months
  radiologist_figures& operator+=(const radiologist_figures& o);
  bool operator==(const radiologist_figures&) const = default;
};

/// An age bucket over `done` exams.
struct age_figures {
  std::uint64_t total = 0, positive = 0, reviewed = 0, rad_positive = 0;
  bool operator==(const age_figures&) const = default;
};

/// Everything the statistics endpoints show, as of `now`.
struct stats_snapshot {
  std::int64_t now = 0; // local seconds
  done_counts counts;
  std::vector<region_figures> regions; // by name
  std::uint64_t recent_count = 0;      // analysed in the last 24 h
  std::uint64_t recent_latency_n = 0;  // ... with a latency
  double recent_latency_sum = 0;
  std::uint64_t error = 0, ignore = 0;
  std::uint64_t success_7d = 0;
  std::vector<diagnosis_figures> diagnoses;      // by name
  std::vector<radiologist_figures> radiologists; // by name
  std::array<age_figures, stats::age_labels.size()> ages{};
  bool operator==(const stats_snapshot&) const = default;
};

/// Names of interned ids, for the snapshot.
using name_of = std::function<std::string(std::uint32_t)>;

/// The incremental aggregates.
class stats_index {
public:
  /// Counts (+1) or uncounts (-1) an exam's row.
  void add(const stats_row& row, int sign);

  /// Start-up loading: `add`s only count new exams, and sorting waits for
  /// `end_bulk` (n log n instead of n² insertions).
  void begin_bulk() noexcept {
    bulk_ = true;
  }

  /// Ends bulk loading.
  void end_bulk();

  /// `done` exams whose AI report was created in the last 7 days (the
  /// current local hour and the 167 before, `now` in local seconds).
  [[nodiscard]] std::uint64_t success_7d(std::int64_t now) const;

  /// The figures as of `now` (local seconds).
  [[nodiscard]] stats_snapshot snapshot(std::int64_t now, const name_of& region,
                                        const name_of& diagnosis,
                                        const name_of& radiologist) const;

private:
  struct day_counts {
    std::uint64_t total = 0, positive = 0;
  };

  struct region_acc {
    done_counts counts;
    std::map<std::int64_t, day_counts> days, months;
    std::map<std::int32_t, std::uint64_t> latencies; // seconds -> exams
  };

  struct diagnosis_acc {
    verdict_sums sums;
    std::map<std::uint32_t, std::uint64_t> regions;
    // Exam times (local seconds), sorted: 8 bytes an exam, where a map node
    // would take 64; writes mostly add the newest time, at the end.
    std::vector<std::int64_t> seen;
    std::map<std::int64_t, std::uint64_t> months;
  };

  struct radiologist_acc {
    verdict_sums sums;
    double latency_sum = 0;
    std::uint64_t latency_n = 0;
    std::map<std::uint32_t, std::uint64_t> diagnoses;
    std::map<std::int64_t, std::uint64_t> months;
  };

  struct hour_acc { // sums only: one small node per hour of history
    std::uint64_t count = 0, latency_n = 0;
    std::int64_t latency_sum = 0;
  };

  void add_done(const stats_row& row, int sign);
  void add_diagnosis(const stats_row& row, int sign);
  void add_radiologist(const stats_row& row, int sign);

  done_counts done_;
  std::uint64_t error_ = 0, ignore_ = 0;
  std::vector<region_acc> regions_;
  std::vector<diagnosis_acc> diagnoses_;
  std::vector<radiologist_acc> radiologists_;
  std::map<std::int64_t, hour_acc> analysed_;       // by hour of ai.updated
  std::map<std::int64_t, std::uint64_t> succeeded_; // by hour of ai.created
  std::array<age_figures, stats::age_labels.size()> ages_{};
  bool bulk_ = false;
};

} // namespace xrv::store
