#pragma once

// Builds SQLite files with exactly the original Python backend's schema
// (original-backend.md §3.2), for the import-sqlite tests. Every column can
// be set; std::nullopt stores NULL. Field defaults mirror the schema's
// column defaults, so a default-constructed struct stores what the original
// stored for a column it did not supply. Failures throw std::runtime_error.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xrv::test {

/// A timestamp field holding this text stores SQLite's CURRENT_TIMESTAMP
/// (UTC now), as the original's column defaults did.
inline constexpr std::string_view current_timestamp = "CURRENT_TIMESTAMP";

/// A `patients` row.
struct original_patient {
  /// PRIMARY KEY: the DICOM PatientID, normally a Romanian CNP (any string).
  std::optional<std::string> cnp;
  /// The HIS/FHIR patient id; the original wrote '' until it was found.
  std::optional<std::string> id = "";
  /// The DICOM PN form, e.g. "POPESCU^ION".
  std::optional<std::string> name;
  /// `YYYY-MM-DD`; the original could store other strings here.
  std::optional<std::string> birthdate;
  /// CHECK: 'M', 'F', 'O' (or NULL).
  std::optional<std::string> sex;
};

/// An `exams` row.
struct original_exam {
  /// PRIMARY KEY: the SOP Instance UID.
  std::optional<std::string> uid;
  /// FOREIGN KEY patients(cnp).
  std::optional<std::string> cnp;
  /// Unused by the original (NULL).
  std::optional<std::string> id;
  /// `YYYY-MM-DD HH:MM:SS`, local time (from SeriesDate/SeriesTime).
  std::optional<std::string> created;
  /// ProtocolName.
  std::optional<std::string> protocol;
  /// The region rule's name, or the lower-cased protocol when none matched.
  std::optional<std::string> region;
  /// The modality; always 'CR' in practice.
  std::optional<std::string> type = "CR";
  /// DEFAULT 'none': none, queued, requeue, processing, done, error, ignore,
  /// check (nothing checks it).
  std::optional<std::string> status = "none";
  /// Study Instance UID.
  std::optional<std::string> study;
  /// Series Instance UID.
  std::optional<std::string> series;
};

/// An `ai_reports` row.
struct original_ai_report {
  /// PRIMARY KEY, FOREIGN KEY exams(uid); nullopt: the row's exam uid.
  std::optional<std::string> uid;
  /// UTC `YYYY-MM-DD HH:MM:SS`; DEFAULT CURRENT_TIMESTAMP.
  std::optional<std::string> created = std::string{current_timestamp};
  /// UTC `YYYY-MM-DD HH:MM:SS`; DEFAULT CURRENT_TIMESTAMP.
  std::optional<std::string> updated = std::string{current_timestamp};
  /// The model's report.
  std::optional<std::string> text;
  /// CHECK -1, 0, 1: 1 when the model said `short: "yes"`; DEFAULT -1.
  std::optional<std::int64_t> positive = -1;
  /// CHECK -1..100; DEFAULT -1.
  std::optional<std::int64_t> confidence = -1;
  /// CHECK -1..10 (-1 unknown); DEFAULT -1.
  std::optional<std::int64_t> severity = -1;
  /// One to three words.
  std::optional<std::string> summary;
  /// The model name the LLM server reported.
  std::optional<std::string> model;
  /// Whole seconds of the LLM call; DEFAULT -1.
  std::optional<std::int64_t> latency = -1;
};

/// A `rad_reports` row.
struct original_rad_report {
  /// PRIMARY KEY, FOREIGN KEY exams(uid); nullopt: the row's exam uid.
  std::optional<std::string> uid;
  /// The FHIR ServiceRequest id; "-1" marks "looked for, not found".
  std::optional<std::string> id;
  /// UTC `YYYY-MM-DD HH:MM:SS`; DEFAULT CURRENT_TIMESTAMP.
  std::optional<std::string> created = std::string{current_timestamp};
  /// UTC `YYYY-MM-DD HH:MM:SS`; DEFAULT CURRENT_TIMESTAMP.
  std::optional<std::string> updated = std::string{current_timestamp};
  /// The radiologist's report (Romanian).
  std::optional<std::string> text;
  /// Its LLM translation.
  std::optional<std::string> text_en;
  /// CHECK -1, 0, 1: the LLM classification, or a dashboard review's
  /// verdict (0 normal, 1 abnormal); DEFAULT -1.
  std::optional<std::int64_t> positive = -1;
  /// CHECK -1..10; -1 means not yet reviewed/checked; DEFAULT -1.
  std::optional<std::int64_t> severity = -1;
  /// The diagnosis in a few words (lower case).
  std::optional<std::string> summary;
  /// The FHIR exam type (`radio`...).
  std::optional<std::string> type;
  /// FHIR resultsInterpreter, or the dashboard user after a manual review.
  std::optional<std::string> radiologist;
  /// The clinical indication from the ServiceRequest.
  std::optional<std::string> justification;
  /// MODEL_NAME of the check.
  std::optional<std::string> model;
  /// Seconds the check's LLM call took; DEFAULT -1.
  std::optional<std::int64_t> latency = -1;
};

/// One exam with its patient and reports; any part may be left out. Parts
/// are written as the original did, with INSERT OR REPLACE, so several rows
/// may carry the same patient.
struct original_row {
  std::optional<original_patient> patient;
  std::optional<original_exam> exam;
  std::optional<original_ai_report> ai;
  std::optional<original_rad_report> rad;
};

/// How the rows are written.
struct original_db_options {
  /// PRAGMA foreign_keys, ON in the original; off to store exams without a
  /// patient or reports without an exam.
  bool foreign_keys = true;
  /// Off (PRAGMA ignore_check_constraints) to store values the CHECK
  /// constraints forbid, as an older or hand-edited database may hold.
  bool check_constraints = true;
};

/// The original's CREATE TABLE and CREATE INDEX statements (§3.2).
[[nodiscard]] std::string_view original_schema_sql();

/// Creates `file` (replacing it) with the original schema and `rows`: all
/// patients first, then exams, AI reports and radiologist reports.
void create_original_db(const std::filesystem::path& file,
                        const std::vector<original_row>& rows,
                        const original_db_options& options = {});

/// Runs `sql` (one or more statements) on `file`, creating it if needed.
void exec_sql(const std::filesystem::path& file, std::string_view sql);

} // namespace xrv::test
