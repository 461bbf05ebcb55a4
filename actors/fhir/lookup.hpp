#pragma once

// Finding one exam's radiologist report on the FHIR server, for both
// dialects: the sequence of requests and what their answers mean. Pure
// apart from the transport it is given (the worker passes its curl client;
// the unit tests pass scripted answers).

#include "actors/fhir/resources.hpp"
#include "actors/fhir/settings.hpp"
#include "actors/net/http_client.hpp"

#include <functional>
#include <string>

namespace xrv::fhir {

/// Performs one HTTP request (blocking).
using transport
  = std::function<result<net::http_response>(const net::http_request&)>;

/// What the lookup needs to know of an exam.
struct exam_input {
  std::string uid;
  std::string cnp;
  std::string patient_name; // DICOM PN form
  std::string patient_id;   // known FHIR patient id, or empty
  std::string birthdate;    // known birth date, or empty
  std::string created;      // YYYY-MM-DD HH:MM:SS local
  std::string modality;     // CR, DX, ...
  std::string region;
  std::string request_id; // a stored ServiceRequest id, or empty
};

/// A radiologist report as it is stored (spec §3 `rad`).
struct found_report {
  std::string text;
  std::string radiologist;
  std::string justification;
  std::string id;   // the ServiceRequest id (else the report's)
  std::string type; // the FHIR exam type (hipocrate: radio, ct, ...)
};

enum class lookup_status : unsigned char {
  found,
  not_found, // not (yet) on the server: try again later
  failed,    // the server or its answer failed
};

struct lookup_outcome {
  lookup_status status = lookup_status::failed;
  /// Why not found or failed; never patient data.
  std::string detail;
  /// The server, not this exam, is at fault (no connection, timeout, 401,
  /// 403, 5xx): the fetcher pauses until the health probe succeeds.
  bool server_fault = false;
  /// The patient as the server knows them (enrichment), when looked up.
  patient_fields patient;
  found_report report;
  int requests = 0; // HTTP requests made
};

/// Looks for the report of `exam` (r4 or hipocrate as `s.kind` says).
[[nodiscard]] lookup_outcome
find_report(const settings& s, const exam_input& exam, const transport& send);

/// The health probe's verdict on an answer: healthy ⇔ 200.
[[nodiscard]] bool probe_ok(const result<net::http_response>& answer);

namespace detail {

/// One GET with its failure classified into `out` (returns nullopt then).
[[nodiscard]] std::optional<net::http_response> get(const settings& s,
                                                    const std::string& url,
                                                    const transport& send,
                                                    lookup_outcome& out);

/// The hipocrate flow (lookup_hipocrate.cpp).
[[nodiscard]] lookup_outcome find_hipocrate(const settings& s,
                                            const exam_input& exam,
                                            const transport& send);

} // namespace detail

} // namespace xrv::fhir
