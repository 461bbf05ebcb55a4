#pragma once

// The exam and patient model of spec/API.md §3, as stored. Pure values: no
// CAF, no LMDB. Unknown strings are empty (shown as JSON null), unknown
// scores are -1.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xrv::store {

/// The exam status state machine (original-backend.md §1.10).
enum class exam_status : std::uint8_t {
  none = 0,
  queued = 1,
  processing = 2,
  done = 3,
  error = 4,
  ignore = 5,
  requeue = 6,
  check = 7,
};

/// The lower-case name used in JSON and filters.
[[nodiscard]] std::string_view to_string(exam_status s) noexcept;

/// Parses a status name (case-insensitive); nullopt when unknown.
[[nodiscard]] std::optional<exam_status> parse_status(std::string_view s);

/// A DICOM UID that may also name files: 1-64 characters of digits and dots,
/// no empty component (PS3.5 §9.1). Every UID from outside is checked with it.
[[nodiscard]] bool is_valid_uid(std::string_view uid);

/// A patient, keyed by `cnp` (the DICOM PatientID, normally a Romanian CNP).
struct patient_record {
  std::string cnp;
  std::string id;        // HIS/FHIR patient id; empty until known
  std::string name;      // DICOM PN form, e.g. "POPESCU^ION"
  std::string birthdate; // YYYY-MM-DD or empty
  std::string sex;       // "M", "F", "O" or empty
  int county = -1;       // CNP county code, -1 unknown
};

/// The AI's analysis of the image.
struct ai_report {
  std::string text;
  std::string summary;
  std::string created; // YYYY-MM-DD HH:MM:SS local time
  std::string updated;
  std::string model;
  int positive = -1;   // -1 not analysed, 0 no, 1 yes (from `short`)
  int severity = -1;   // 0..10
  int confidence = -1; // 0..100
  int latency = -1;    // seconds
};

/// The radiologist's verdict: from a dashboard review or the AI check of the
/// radiologist's FHIR report.
struct rad_report {
  std::string text;
  std::string text_en;
  std::string summary;
  std::string created;
  std::string updated;
  std::string id;   // FHIR ServiceRequest / report id
  std::string type; // FHIR exam type
  std::string radiologist;
  std::string justification;
  std::string model;
  int positive = -1; // -1 not reviewed, 0 normal, 1 abnormal
  int severity = -1; // 0..10
  int latency = -1;  // seconds
};

/// One exam: one SOP instance (an image).
struct exam_record {
  std::string uid;      // SOP Instance UID
  std::string cnp;      // the patient's key
  std::string created;  // YYYY-MM-DD HH:MM:SS, exam time (local)
  std::string protocol; // ProtocolName (or its fallbacks)
  std::string region;   // from the region rules; "unknown" when none matched
  std::string type;     // modality: CR, DX, ...
  std::string study;    // Study Instance UID
  std::string series;   // Series Instance UID
  std::string id;       // accession number / HIS exam id
  exam_status status = exam_status::none;
  std::string status_reason; // why it is `error` (or `ignore`)
  std::string received;      // when XRayVision received it (local time)
  int attempts = 0;          // AI attempts since the last success or re-queue
  ai_report ai;
  rad_report rad;
};

/// A patient with the summary of one exam joined in, as the API shows it.
struct exam_view {
  exam_record exam;
  patient_record patient;
};

} // namespace xrv::store
