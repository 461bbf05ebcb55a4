#pragma once

// The original's "Hipocrate" facade (original-backend.md §5): its field
// extraction and patient choice, exactly. Pure: status and body in, plain
// values out.

#include "actors/fhir/resources.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace xrv::fhir::hipocrate {

/// `translate_exam_type_to_fhir`: CR/DX radio, CT ct, MR irm, US eco,
/// RF rads, anything else radio (case-insensitive).
[[nodiscard]] std::string exam_type(std::string_view modality);

/// `format_patient_name_for_fhir` (§5.7): `LAST^FIRST^MIDDLE` becomes
/// "LAST FIRST MIDDLE" (parts trimmed, the whole trimmed); other names are
/// trimmed.
[[nodiscard]] std::string search_name(std::string_view dicom_name);

/// What a patient search answer leads to (§5.2).
enum class patient_step : unsigned char {
  found,    // `patient` holds the Patient
  stop,     // no patient, and no name search either
  try_name, // continue with the name search
};

struct patient_decision {
  patient_step step = patient_step::try_name;
  patient_fields patient;
  std::string detail; // why not found, for the log (no patient data)
};

/// The search by CNP: a Patient is it; a Bundle with Patient entries is,
/// for a valid CNP, the one with the greatest id compared as a string, and
/// for an invalid CNP nothing (stop); an OperationOutcome of only
/// `information` issues, a Bundle without Patients or anything else (a
/// non-200 too) continues with the name.
[[nodiscard]] patient_decision by_cnp(long status, std::string_view body,
                                      bool cnp_valid);

/// The search by name: only a Patient answer is taken; a Bundle (several
/// patients) or anything else stops.
[[nodiscard]] patient_decision by_name(long status, std::string_view body);

/// The ServiceRequest search answer: exactly one ServiceRequest with an id
/// in a Bundle, with its justification (`supportingInfo[0].display`, else
/// `reason[0].display`, else empty); nullopt otherwise.
struct request_pick {
  std::string id;
  std::string justification;
};

[[nodiscard]] std::optional<request_pick>
service_request(long status, std::string_view body);

/// The report read `DiagnosticReport/<request id>`: 200, a
/// DiagnosticReport with a non-empty presentedForm; of several forms the
/// first whose non-standard `type` and `region` equal (case-insensitive)
/// `fhir_type` and `region`. Text = the form's `data` as plain text,
/// trimmed (never base64-decoded: the facade sends text); radiologist =
/// resultsInterpreter[0].display. nullopt when any step fails or the text is
/// empty.
struct report_pick {
  std::string text;
  std::string radiologist;
};

[[nodiscard]] std::optional<report_pick> report(long status,
                                                std::string_view body,
                                                std::string_view fhir_type,
                                                std::string_view region);

/// Whether a stored request id may be reused instead of searching: it
/// parses as an integer > 0 (§5.4 step 4).
[[nodiscard]] bool reusable_request_id(std::string_view id);

} // namespace xrv::fhir::hipocrate
