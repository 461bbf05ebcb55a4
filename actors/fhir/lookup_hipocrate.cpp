// The hipocrate dialect's lookup: the original's requests in its order
// (original-backend.md §5.2, §5.4).

#include "actors/dicom/cnp.hpp"
#include "actors/fhir/hipocrate.hpp"
#include "actors/fhir/lookup.hpp"
#include "actors/fhir/request.hpp"
#include "actors/net/encoding.hpp"

namespace xrv::fhir::detail {

lookup_outcome find_hipocrate(const settings& s, const exam_input& exam,
                              const transport& send) {
  lookup_outcome out;
  // 1. The patient: the stored id, else by CNP, else by name.
  std::string patient_id = exam.patient_id;
  if (patient_id.empty() || exam.birthdate.empty()) {
    auto res
      = get(s, make_url(s, "/fhir/Patient", {{"q", exam.cnp}}), send, out);
    if (!res)
      return out;
    auto d = hipocrate::by_cnp(res->status, res->body,
                               dicom::validate_cnp(exam.cnp).valid);
    if (d.step == hipocrate::patient_step::try_name) {
      const auto name = hipocrate::search_name(exam.patient_name);
      if (!name.empty()) {
        res = get(s, make_url(s, "/fhir/Patient", {{"q", name}}), send, out);
        if (!res)
          return out;
        d = hipocrate::by_name(res->status, res->body);
      }
    }
    if (d.step == hipocrate::patient_step::found) {
      out.patient = d.patient;
      if (patient_id.empty())
        patient_id = d.patient.id;
    }
    if (patient_id.empty()) {
      out.status = lookup_status::not_found;
      out.detail = d.detail.empty() ? "no FHIR patient" : d.detail;
      return out;
    }
  }
  // 2. The service request: a stored id is reused (without justification).
  const auto type = hipocrate::exam_type(exam.modality);
  hipocrate::request_pick request;
  if (hipocrate::reusable_request_id(exam.request_id)) {
    request.id = exam.request_id;
  } else {
    query_params q{{"patient", patient_id}, {"dt", exam.created}};
    if (!type.empty())
      q.emplace_back("type", type);
    if (!exam.region.empty())
      q.emplace_back("region", exam.region);
    auto res = get(s, make_url(s, "/fhir/ServiceRequest", q), send, out);
    if (!res)
      return out;
    auto pick = hipocrate::service_request(res->status, res->body);
    if (!pick) {
      out.status = lookup_status::not_found;
      out.detail = "service request missing";
      return out;
    }
    request = std::move(*pick);
  }
  // 3. The report: the request id is the report id.
  auto res
    = get(s,
          make_url(
            s, "/fhir/DiagnosticReport/" + net::percent_encode(request.id), {}),
          send, out);
  if (!res)
    return out;
  auto report = hipocrate::report(res->status, res->body, type, exam.region);
  if (!report) {
    out.status = lookup_status::not_found;
    out.detail = "no report for the service request yet";
    return out;
  }
  out.status = lookup_status::found;
  out.report.text = std::move(report->text);
  out.report.radiologist = std::move(report->radiologist);
  out.report.justification = std::move(request.justification);
  out.report.id = std::move(request.id);
  out.report.type = type;
  return out;
}

} // namespace xrv::fhir::detail
