#pragma once

// FHIR R4 resource mapping: reading searchset Bundles, and the fields the
// fetcher uses from Patient, ServiceRequest and DiagnosticReport. Pure: JSON
// text in, plain values out; times are parameters.

#include "actors/system/errors.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xrv::fhir {

/// The resources of one searchset page and its `next` link.
struct bundle_page {
  std::vector<boost::json::object> resources; // of the asked type only
  std::string next;                           // empty on the last page
};

/// Parses a search answer. A Bundle without `entry` is an empty page; an
/// OperationOutcome is an error carrying its summary (`fhir_error`); a body
/// that is not JSON (a truncated answer) or another resource is a
/// parse_error. Only entries whose resourceType is `type` are kept.
[[nodiscard]] result<bundle_page> read_bundle(std::string_view body,
                                              std::string_view type);

/// `"<severity>: <code | 'no code'>"` per issue, joined by "; ": the
/// original's summary (original-backend.md §5.1) with the issue code in place
/// of `diagnostics`, which may echo patient data into the log.
[[nodiscard]] std::string outcome_summary(const boost::json::object& outcome);

/// Seconds since the epoch of a FHIR date or dateTime: with a zone offset
/// or `Z` exact; without one, local time; a date alone is local midnight;
/// `YYYY` and `YYYY-MM` are the first day. nullopt when malformed.
[[nodiscard]] std::optional<std::int64_t>
parse_fhir_time(std::string_view text);

/// What a Patient gives us.
struct patient_fields {
  std::string id;
  std::string birthdate; // YYYY-MM-DD, or empty when absent or partial
};

[[nodiscard]] patient_fields patient_of(const boost::json::object& patient);

/// What a ServiceRequest gives us.
struct request_fields {
  std::string id;
  std::string status;
  std::optional<std::int64_t> time; // authoredOn, else occurrence
  /// reasonCode texts (or codings' display), else reasonReference display,
  /// else supportingInfo display; several joined by "; ".
  std::string justification;
};

[[nodiscard]] request_fields request_of(const boost::json::object& request);

/// What a DiagnosticReport gives us.
struct report_fields {
  std::string id;
  std::string status;
  std::optional<std::int64_t> effective; // effectiveDateTime / Period.start
  std::optional<std::int64_t> issued;
  std::vector<std::string> based_on; // references, e.g. "ServiceRequest/7"
  /// presentedForm decoded by contentType (HTML reduced to text), else
  /// conclusion; trimmed.
  std::string text;
  /// resultsInterpreter[].display, else performer[].display (the first).
  std::string radiologist;
};

[[nodiscard]] report_fields report_of(const boost::json::object& report);

/// Whether a report is signed: status final, amended, corrected or appended.
[[nodiscard]] bool is_signed(const report_fields& r);

/// The readable text of HTML: tags dropped (script and style with their
/// content), block ends and <br> as line breaks, entities decoded, runs of
/// blanks collapsed.
[[nodiscard]] std::string html_to_text(std::string_view html);

/// The ServiceRequest nearest to the exam time within `window_s` seconds
/// (entered-in-error and revoked ones skipped); ties go to the greater id.
[[nodiscard]] std::optional<request_fields>
nearest_request(const std::vector<request_fields>& requests,
                std::int64_t exam_time, std::int64_t window_s);

/// The report of a ServiceRequest among several (`based-on` search): signed,
/// with text; the newest issued wins (then effective, then the greater id),
/// so a corrected report replaces the first one.
[[nodiscard]] std::optional<report_fields>
newest_signed(const std::vector<report_fields>& reports);

/// The report of an exam found by patient and date: signed, with text,
/// effective within `window_s` of the exam time, not based on another
/// request than `request_id` (when known); nearest first, then as
/// `newest_signed`.
[[nodiscard]] std::optional<report_fields>
nearest_signed(const std::vector<report_fields>& reports,
               std::int64_t exam_time, std::int64_t window_s,
               std::string_view request_id);

} // namespace xrv::fhir
