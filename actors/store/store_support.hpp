#pragma once

// Helpers shared by the exam store's handler files (not a public API).

#include "actors/store/exam_store.hpp"

#include <caf/error.hpp>

#include <string>

namespace xrv::store_support {

/// The store's clock as `YYYY-MM-DD HH:MM:SS` local time.
[[nodiscard]] std::string stamp(const exam_store_state& st);

/// The store's clock as local seconds (stats.hpp), for the statistics.
[[nodiscard]] std::int64_t local_now(const exam_store_state& st);

/// An error of ours as a CAF error reply.
[[nodiscard]] caf::error fail_with(errc code, std::string detail);

/// An exam and its patient from LMDB (the source of truth).
[[nodiscard]] result<store::exam_view> load(const exam_store_state& st,
                                            const std::string& uid);

/// Writes the exam durably, then updates the index: the index never shows a
/// state LMDB does not have.
[[nodiscard]] result<void> save(exam_store_state& st,
                                const store::exam_record& e);

/// The dashboard counters, from the index.
[[nodiscard]] store_counts counts_of(const exam_store_state& st);

/// Tells the broadcaster the counters when a write changed them, so that
/// every frame (and the event frames that follow a write) shows them
/// without asking.
void announce_counts(exam_store_state& st);

/// Announces an event about one exam to the broadcaster.
void publish(exam_store_state& st, const char* event,
             const store::exam_view& view);

/// Tells the work listener (the AI queue) that exams wait; once until it
/// takes again, so a burst of ingests is one message.
void signal_work(exam_store_state& st);

/// Takes the next exam to analyse, with the patient's other exams.
[[nodiscard]] result<work_item> take_work(exam_store_state& st,
                                          bool oldest_first);

/// Ends processing (see `atom::finish` in store_actor.hpp).
[[nodiscard]] result<store::exam_view> finish_work(exam_store_state& st,
                                                   const std::string& uid,
                                                   const store::ai_report& ai,
                                                   store::exam_status result,
                                                   const std::string& reason);

/// Re-queues exams the AI failed on (`error` with attempts) whose error is
/// at least `age` old; returns how many.
[[nodiscard]] result<std::uint64_t> retry_errors(exam_store_state& st,
                                                 std::chrono::seconds age);

// -- radiologist reports (report_flow.cpp) --

/// Done exams without a report text since a local time (`atom::awaiting`).
[[nodiscard]] std::vector<std::string>
awaiting_report(const exam_store_state& st, const std::string& since,
                std::uint32_t max);

/// Stores what FHIR found (see `atom::rad_report` in store_actor.hpp).
[[nodiscard]] result<store::exam_view>
store_report(exam_store_state& st, const std::string& uid,
             const store::patient_record& fhir_patient,
             const store::rad_report& found);

/// Leases the oldest exam in `check` (see `atom::take_check`).
[[nodiscard]] result<store::exam_view> take_check(exam_store_state& st);

/// Ends a check lease (see `atom::checked`).
[[nodiscard]] result<store::exam_view>
end_check(exam_store_state& st, const std::string& uid,
          const store::rad_report& verdict, check_end how);

} // namespace xrv::store_support
