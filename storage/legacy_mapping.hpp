#pragma once

// The original Python backend's database rows (original-backend.md §3.2) and
// their pure mapping to our records: its conventions (§3.1-3.5) become ours.
// No SQLite here: `sqlite_import` reads the rows, the tests build them.

#include "actors/store/exam.hpp"
#include "actors/system/errors.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xrv::storage {

// -- the original's rows (SQLite is dynamically typed: any column may be NULL)

/// A `patients` row of the original database.
struct legacy_patient {
  std::int64_t row = 0;                 // SQLite rowid: names the row in notes
  std::optional<std::string> cnp;       // primary key (DICOM PatientID)
  std::optional<std::string> id;        // HIS/FHIR patient id, '' until found
  std::optional<std::string> name;      // DICOM PN form
  std::optional<std::string> birthdate; // YYYY-MM-DD, or any string
  std::optional<std::string> sex;       // M, F, O
};

/// An `ai_reports` row joined to its exam; timestamps are UTC.
struct legacy_ai_report {
  std::optional<std::string> created;
  std::optional<std::string> updated;
  std::optional<std::string> text;
  std::optional<std::int64_t> positive; // from `short`; never trusted
  std::optional<std::int64_t> confidence;
  std::optional<std::int64_t> severity;
  std::optional<std::string> summary;
  std::optional<std::string> model;
  std::optional<std::int64_t> latency;
};

/// A `rad_reports` row joined to its exam; timestamps are UTC.
struct legacy_rad_report {
  std::optional<std::string> id; // ServiceRequest id; "-1" = looked, not found
  std::optional<std::string> created;
  std::optional<std::string> updated;
  std::optional<std::string> text;
  std::optional<std::string> text_en; // missing column in older databases
  std::optional<std::int64_t> positive;
  std::optional<std::int64_t> severity; // -1 = not reviewed
  std::optional<std::string> summary;
  std::optional<std::string> type;
  std::optional<std::string> radiologist;
  std::optional<std::string> justification;
  std::optional<std::string> model;
  std::optional<std::int64_t> latency;
};

/// An `exams` row LEFT JOINed with its AI and radiologist reports.
struct legacy_exam {
  std::int64_t row = 0; // SQLite rowid: names the row when the uid cannot
  std::optional<std::string> uid;
  std::optional<std::string> cnp;
  std::optional<std::string> id;
  std::optional<std::string> created; // YYYY-MM-DD HH:MM:SS local time
  std::optional<std::string> protocol;
  std::optional<std::string> region;
  std::optional<std::string> type;
  std::optional<std::string> status;
  std::optional<std::string> study;
  std::optional<std::string> series;
  std::optional<legacy_ai_report> ai;   // nullopt: no ai_reports row
  std::optional<legacy_rad_report> rad; // nullopt: no rad_reports row
  /// `table.column` names whose stored value is not an integer although the
  /// column is (set by the reader; such a row is unmappable).
  std::vector<std::string> non_integer;
};

// -- the pure mapping ---------------------------------------------------------

/// A patient row as ours, with the non-fatal findings about it (values that
/// were dropped); the notes never contain a name, CNP or birth date.
struct mapped_patient {
  store::patient_record record;
  std::vector<std::string> notes;
};

/// Maps a `patients` row: an invalid sex or birth date becomes empty and is
/// noted; an empty or over-long cnp makes the row unmappable.
[[nodiscard]] result<mapped_patient>
map_legacy_patient(const legacy_patient& p);

/// Maps an exam row and its patient (`patient` null: no `patients` row, a
/// patient with only the cnp). The error detail is the reason the row cannot
/// be mapped, without the uid.
[[nodiscard]] result<std::pair<store::exam_record, store::patient_record>>
map_legacy(const legacy_exam& row, const legacy_patient* patient,
           int threshold);

/// A `YYYY-MM-DD HH:MM:SS` UTC timestamp (SQLite's CURRENT_TIMESTAMP) as
/// local time in the same form; nullopt when malformed.
[[nodiscard]] std::optional<std::string> utc_to_local(std::string_view utc);

} // namespace xrv::storage
