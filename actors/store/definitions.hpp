#pragma once

// The one place that derives values from a stored exam (spec/API.md §3: AI
// positive, reviewed, correct; age at exam time) and decides the exam status
// transitions. Every endpoint, index and statistic uses these functions.
// Pure: no clock (times are parameters), no CAF, no LMDB.

#include "actors/store/exam.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xrv::store {

// -- derived values (spec/API.md §3) ------------------------------------------

/// AI positive: `ai.positive` (0/1) when the model answered `short`; else, by
/// severity, 1 when `ai.severity >= threshold`, 0 when 0 <= severity <
/// threshold; -1 when not analysed.
[[nodiscard]] int ai_positive(const ai_report& ai, int threshold) noexcept;

/// Whether the AI has analysed the image (`ai_positive` != -1).
[[nodiscard]] bool ai_analysed(const ai_report& ai, int threshold) noexcept;

/// 1 when the exam has a radiologist verdict (`rad.positive` != -1), else 0.
[[nodiscard]] int reviewed(const rad_report& rad) noexcept;

/// -1 unless both AI-analysed and reviewed; then 1 when the AI positive equals
/// `rad.positive`, else 0.
[[nodiscard]] int correct(const exam_record& exam, int threshold) noexcept;

// -- dates and local times ----------------------------------------------------

/// A calendar date (proleptic Gregorian).
struct civil_date {
  int year = 0;
  int month = 0; // 1..12
  int day = 0;   // 1..31
};

/// A stored local timestamp, without a time zone.
struct civil_time {
  civil_date date;
  int hour = 0;   // 0..23
  int minute = 0; // 0..59
  int second = 0; // 0..59
};

/// Parses exactly `YYYY-MM-DD` (a real date: month lengths and leap years
/// checked); nullopt otherwise.
[[nodiscard]] std::optional<civil_date> parse_date(std::string_view text);

/// Parses exactly `YYYY-MM-DD HH:MM:SS` (a real date, 00:00:00..23:59:59);
/// nullopt otherwise.
[[nodiscard]] std::optional<civil_time> parse_timestamp(std::string_view text);

/// Whole years between `birthdate` (`YYYY-MM-DD`) and the date of
/// `exam_created` (`YYYY-MM-DD HH:MM:SS`, or just `YYYY-MM-DD`, e.g. today's
/// date); -1 when either is missing or malformed or the exam precedes birth.
/// Someone born on 29 February turns a year older on 1 March in common years.
[[nodiscard]] int age_at(std::string_view birthdate,
                         std::string_view exam_created);

/// Seconds since the epoch of a `YYYY-MM-DD HH:MM:SS` local timestamp (the
/// process's time zone, DST decided by `mktime`); -1 when malformed.
[[nodiscard]] std::int64_t to_epoch_seconds(std::string_view local_timestamp);

/// `epoch` as a `YYYY-MM-DD HH:MM:SS` local timestamp; empty when the time
/// cannot be represented.
[[nodiscard]] std::string format_local(std::int64_t epoch);

// -- status state machine -----------------------------------------------------
//
// The original's state machine (original-backend.md §1.10) with its races
// closed: the store applies every change as compare-and-set, asking
// `can_transition(current, wanted)`. Events and the transitions they may make:
//
//   event                          from                              to
//   ingest (new / re-sent image)   (no row), none, error, ignore     queued
//   worker picks the newest        queued, requeue, check            processing
//   analysis or check ends         processing                        see below
//   start-up reset                 processing                        queued
//   POST /api/requeue              none, queued, done, error,        requeue
//                                  ignore, requeue, check
//   radiologist report (FHIR)      none, done, error, ignore, check  check
//   the report's AI check ends     check                             done
//
// Everything else is refused. In particular:
// - `processing` is left only through `after_processing`, whose answer the
//   store writes as is (it may be `requeue` or `check`, which the table
//   refuses from `processing`). A re-queue request while `processing` is
//   refused (409, spec/API.md §5); the original's "any -> requeue" let the
//   worker's final write overwrite it.
// - A radiologist report that arrives while `processing`, `queued` or
//   `requeue` does not change the status (the original switched a queued exam
//   to `check`, so its image was never analysed, and a `check` written during
//   processing was overwritten by `done`): the store keeps a pending check for
//   the exam and applies it with `after_processing` when the analysis ends.
// - Re-queuing a `check` exam re-analyses the image but does not classify the
//   radiologist's report; the store keeps a pending check for it too.
// - A re-sent image of an exam that is `done`, `queued`, `requeue`,
//   `processing` or `check` is a duplicate: not re-queued, so an awaited check
//   is not lost.
// - Same-status writes are refused except `requeue -> requeue` and
//   `check -> check` (repeating the request, or a newer radiologist report,
//   is not an error).

/// Whether the event that wants `to` may change an exam that is `from` (see
/// the table above).
[[nodiscard]] bool can_transition(exam_status from, exam_status to) noexcept;

/// Whether a radiologist report awaits its AI check (translation and
/// classification): it has text and no severity yet. Durable, unlike a
/// pending check, so an exam analysed after a restart is still checked.
[[nodiscard]] bool needs_check(const rad_report& rad) noexcept;

/// The status to store when processing ends with `result` (`done`, `error`,
/// `ignore`, or `queued` for the start-up reset; anything else counts as
/// `error`), given the events deferred meanwhile. A pending re-queue wins
/// (`requeue`); else a pending check gives `check`, except after the start-up
/// reset, which must re-analyse first (`queued`). The caller clears the pending
/// flag whose status is returned and keeps the other for the next end.
// HTTP re-queues are refused while processing, so `requeue_pending` is only
// set by internal re-queues the store chooses to defer rather than refuse.
[[nodiscard]] exam_status after_processing(exam_status result,
                                           bool requeue_pending,
                                           bool check_pending) noexcept;

} // namespace xrv::store
