#pragma once

// The in-memory index of exam summaries that answers every list, filter,
// count and aggregate without touching LMDB (which stays the source of
// truth; the index is rebuilt from it at start-up). Pure and single-threaded:
// owned by the exam store actor.

#include "actors/store/exam.hpp"
#include "actors/store/exam_filter.hpp"
#include "actors/store/interner.hpp"
#include "actors/store/stats_index.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace xrv::store {

/// One page of a query: the UIDs in order, and how many matched in all.
struct index_page {
  std::vector<std::string> uids;
  std::size_t total = 0;
};

/// One page of patients (their CNPs) and the number that matched.
struct patient_index_page {
  std::vector<std::string> cnps;
  std::size_t total = 0;
};

/// Exam summaries with filters, ordering, counts and aggregates.
class exam_index {
public:
  explicit exam_index(int severity_threshold);

  /// Adds or replaces a patient (exams refer to patients by CNP).
  void upsert_patient(const patient_record& p);

  /// Adds or replaces the summary of an exam.
  void upsert(const exam_record& e);

  /// Forgets an exam.
  void erase(std::string_view uid);

  /// Start-up loading: `upsert`s of new exams skip keeping the order until
  /// `end_bulk` sorts once (n log n instead of n² insertions).
  void begin_bulk(std::size_t expected_exams);

  /// Ends bulk loading; the index is ordered again.
  void end_bulk();

  /// Whether an exam is known, and its status.
  [[nodiscard]] std::optional<exam_status>
  status_of(std::string_view uid) const;

  /// The page of UIDs matching `f`, newest first (`created` descending, then
  /// UID). `user_role` lets `radiologist` match initials too.
  [[nodiscard]] index_page query(const exam_filter& f, bool user_role) const;

  /// Patients matching `f`, sorted by name (then CNP).
  [[nodiscard]] patient_index_page
  query_patients(const patient_filter& f) const;

  /// The UIDs of a patient's exams, newest first.
  [[nodiscard]] std::vector<std::string> exams_of(std::string_view cnp) const;

  /// The next exam to analyse: re-queued ones first (oldest re-queue first),
  /// then queued ones newest first, or oldest first when asked.
  [[nodiscard]] std::optional<std::string> next_work(bool oldest_first) const;

  /// Done exams without a radiologist report text created at or after
  /// `since` (epoch seconds), oldest first, at most `max`.
  [[nodiscard]] std::vector<std::string> awaiting_report(std::int64_t since,
                                                         std::size_t max) const;

  /// The oldest exam in `check` that is not in `leased`.
  [[nodiscard]] std::optional<std::string>
  next_check(const std::set<std::string>& leased) const;

  /// Number of exams in a status.
  [[nodiscard]] std::size_t count(exam_status s) const noexcept;

  /// Number of exams.
  [[nodiscard]] std::size_t size() const noexcept {
    return order_.size();
  }

  /// Radiologist severities 0..10 with their exam counts.
  [[nodiscard]] std::array<std::size_t, 11> rad_severity_histogram() const {
    return rad_severity_;
  }

  /// Radiologist summaries (case-folded) with their exam counts.
  [[nodiscard]] std::map<std::string, std::size_t> diagnostics() const;

  /// Radiologist names (as first seen) with their exam counts.
  [[nodiscard]] std::map<std::string, std::size_t> radiologists() const;

  /// The statistics as of `now` (local seconds, stats.hpp): read from
  /// incrementally kept aggregates, never by scanning exams.
  [[nodiscard]] stats_snapshot statistics(std::int64_t now) const;

  /// `done` exams whose AI report was created in the last 7 days.
  [[nodiscard]] std::uint64_t success_7d(std::int64_t now) const {
    return stats_.success_7d(now);
  }

  /// Changes with every write; equal generations mean equal contents.
  [[nodiscard]] std::uint64_t generation() const noexcept {
    return generation_;
  }

private:
  struct summary {
    std::int64_t created = -1;     // epoch seconds, the sort key
    std::uint32_t patient = 0;     // index into patients_
    std::uint32_t region = 0;      // region_ids_ (case-folded)
    std::uint32_t diagnostic = 0;  // diag_ids_ (case-folded rad.summary)
    std::uint32_t radiologist = 0; // rad_ids_ (case-folded name)
    exam_status status = exam_status::none;
    std::int8_t ai_positive = -1;
    std::int8_t rad_positive = -1;
    std::int8_t ai_severity = -1;
    std::int8_t rad_severity = -1;
    std::int8_t confidence = -1;
    bool live = false;
    bool rad_text = false; // a radiologist report text is stored
  };

  struct patient_entry {
    std::string cnp;
    std::string name;        // for sorting
    std::string folded;      // name, CNP and id, case-folded, '\n'-separated
    std::string birthdate{}; // for the age at each exam (statistics)
  };

  struct order_less {
    const exam_index* self;
    bool operator()(std::uint32_t a, std::uint32_t b) const;
  };

  std::uint32_t patient_slot(const std::string& cnp);
  void set_stats_row(std::uint32_t slot, const exam_record& e);
  void reage_patient(std::uint32_t patient);
  void add_contributions(const summary& s, int sign);
  void insert_order(std::uint32_t slot);
  void remove_order(std::uint32_t slot);
  [[nodiscard]] bool
  matches_fast(const summary& s, const exam_filter& f,
               const std::vector<char>& region_ok,
               const std::vector<char>& patient_ok, std::uint32_t diag,
               const std::vector<char>& rad_ok, std::uint32_t status_mask,
               const std::vector<char>& uid_ok, std::uint32_t slot) const;

  int threshold_;
  std::vector<summary> slots_;
  std::deque<std::string> uids_; // stable addresses: by_uid_ keys view them
  std::unordered_map<std::string_view, std::uint32_t> by_uid_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<std::uint32_t> order_; // live slots, newest first
  std::vector<patient_entry> patients_;
  std::unordered_map<std::string, std::uint32_t> patient_by_cnp_;
  std::vector<std::set<std::pair<std::int64_t, std::uint32_t>>> by_patient_;
  interner region_ids_;
  interner diag_ids_;
  interner rad_ids_;
  std::vector<std::string> rad_display_; // by rad id: name as first seen
  std::vector<std::size_t> diag_counts_;
  std::vector<std::size_t> rad_counts_;
  std::array<std::size_t, 11> rad_severity_{};
  std::array<std::size_t, 8> status_counts_{};
  stats_index stats_;
  std::vector<stats_row> stats_rows_; // by slot: what each exam contributes
  // Work queues: (sequence, slot) for re-queue order, (created, slot) for
  // queued exams.
  std::set<std::pair<std::int64_t, std::uint32_t>> requeued_;
  std::set<std::pair<std::int64_t, std::uint32_t>> queued_;
  // Exams in `check` by (created, slot), for the report checks.
  std::set<std::pair<std::int64_t, std::uint32_t>> checks_;
  std::int64_t requeue_seq_ = 0;
  std::vector<std::int64_t> requeue_key_;
  // Patients sorted by (name, CNP); rebuilt lazily after changes.
  mutable std::vector<std::uint32_t> patient_order_;
  mutable bool patient_order_dirty_ = true;
  bool bulk_ = false;
  // Every UID in slot order, '\n'-separated, for substring search with one
  // memmem pass instead of a million small searches. `uid_offsets_[i]` is
  // where slot i starts; rebuilt lazily when a slot is erased or reused.
  mutable std::string uid_blob_;
  mutable std::vector<std::uint32_t> uid_offsets_;
  mutable bool uid_blob_dirty_ = true;
  void append_uid(std::uint32_t slot);
  [[nodiscard]] std::vector<char> uid_matches(const std::string& needle) const;

  // Recent filtered queries: their full, ordered match lists, valid while
  // no write changed the index. Dashboards repeat the same filters and page
  // through them, so most filtered requests skip the scan.
  struct cached_query {
    std::string key;
    std::uint64_t generation = 0;
    std::vector<std::uint32_t> slots;
  };

  std::uint64_t generation_ = 0;
  mutable std::vector<cached_query> cache_; // most recent last
  const cached_query& remember(cached_query entry) const;
  static constexpr std::size_t cache_entries = 8;
};

} // namespace xrv::store
