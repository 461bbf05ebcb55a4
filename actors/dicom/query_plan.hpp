#pragma once

// What a query/retrieve run asks the PACS and which answers it retrieves:
// pure logic (no CAF, no DCMTK); the clock and the time zone are parameters.
// Fixes the original's Q/R bugs (original-backend.md §2.7, §9.4 item 18): a
// STUDY-level query filters on ModalitiesInStudy, asks for StudyInstanceUID,
// and its date range covers every day of the window.

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xrv::dicom {

/// A local calendar date and time, as DICOM DA and TM values mean it.
struct civil_time {
  int year = 1970;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;

  friend auto operator<=>(const civil_time&, const civil_time&) = default;
};

/// Turns an instant into civil time in some zone.
using to_civil_fn
  = std::function<civil_time(std::chrono::system_clock::time_point)>;

/// The host's local time (localtime_r).
[[nodiscard]] civil_time local_civil(std::chrono::system_clock::time_point t);

/// The span a run covers, [from, to], in local time.
struct query_window {
  civil_time from;
  civil_time to;
};

/// The window [now - span, now]; `to_civil` picks the zone.
[[nodiscard]] query_window
make_window(std::chrono::system_clock::time_point now,
            std::chrono::seconds span,
            const to_civil_fn& to_civil = local_civil);

/// A DICOM DA range `YYYYMMDD-YYYYMMDD` covering every day the window
/// touches (both days when it spans midnight, all days of a long window).
[[nodiscard]] std::string study_date_range(const query_window& w);

/// One element of a C-FIND identifier: an empty value is a return key.
struct find_key {
  std::uint16_t group = 0;
  std::uint16_t element = 0;
  std::string keyword;
  std::string value;
};

/// The STUDY-level (Study Root) C-FIND identifier for the window: matching
/// on StudyDate and ModalitiesInStudy `CR\DX`; StudyTime stays an empty
/// return key, since `select_in_window` filters precisely afterwards.
[[nodiscard]] std::vector<find_key> study_find_keys(const query_window& w);

/// What one C-FIND answer says about a study. PatientID is asked for (PACS
/// conformance) but deliberately not kept: it may be a CNP.
struct study_answer {
  std::string study_uid;
  std::string study_date; // DA as returned (may be empty)
  std::string study_time; // TM as returned (may be empty)
  int instances = -1;     // NumberOfStudyRelatedInstances; -1 unknown
};

/// Parses a DA value (`YYYYMMDD`, or legacy `YYYY.MM.DD`); nullopt when it
/// is not a valid date.
[[nodiscard]] std::optional<civil_time> parse_da(std::string_view da);

/// Adds a TM value (`HH`, `HHMM`, `HHMMSS[.ffffff]`, or legacy `HH:MM:SS`)
/// to a date; nullopt when it is not a valid time.
[[nodiscard]] std::optional<civil_time> with_tm(civil_time date,
                                                std::string_view tm);

/// Whether an answer falls in the window. Without a usable date it is kept
/// (the PACS matched our range, we cannot tell better); with a date only,
/// the day must be in the window; with both, the study must not start
/// before the window. A study later today than `to` is kept: a modality
/// clock running ahead must not hide a study.
[[nodiscard]] bool in_window(const study_answer& a, const query_window& w);

/// The studies to retrieve, and why the others were dropped.
struct study_selection {
  std::vector<study_answer> studies;
  std::size_t found = 0;    // answers received
  std::size_t invalid = 0;  // without a valid StudyInstanceUID
  std::size_t repeated = 0; // the same study answered twice
  std::size_t outside = 0;  // outside the window
  std::size_t known = 0;    // already in the exam store
};

/// Keeps each valid study once, in answer order, if it is in the window.
[[nodiscard]] study_selection
select_in_window(std::vector<study_answer> answers, const query_window& w);

/// Drops the studies whose UID is in `known`.
void drop_known(study_selection& s, const std::vector<std::string>& known);

/// The delay before the next scheduled run: `interval` scaled by a factor
/// in [0.7, 1.3] chosen by `random01` in [0, 1] (clamped); at least 1 s.
[[nodiscard]] std::chrono::milliseconds
next_delay(std::chrono::seconds interval, double random01);

/// How far back a scheduled run looks: one hour, or twice the interval when
/// that is longer (so a jittered gap never leaves a hole), at most 168 h.
[[nodiscard]] std::chrono::seconds
scheduled_span(std::chrono::seconds interval);

} // namespace xrv::dicom
