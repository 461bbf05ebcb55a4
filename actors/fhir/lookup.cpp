#include "actors/fhir/lookup.hpp"

#include "actors/fhir/hipocrate.hpp"
#include "actors/fhir/request.hpp"
#include "actors/store/definitions.hpp"

namespace xrv::fhir {

namespace {

constexpr std::int64_t day_s = 86400;

// A failure that is the server's (every exam would fail alike).
bool server_status(long status) {
  return status == 401 || status == 403 || status == 404 || status == 429
         || status >= 500;
}

// Every resource of a search, following `next` links (same origin only).
std::optional<std::vector<boost::json::object>>
search(const settings& s, std::string url, std::string_view type,
       const transport& send, lookup_outcome& out) {
  std::vector<boost::json::object> all;
  for (int page = 0; page < s.max_pages && !url.empty(); ++page) {
    auto res = detail::get(s, url, send, out);
    if (!res)
      return std::nullopt;
    auto bundle = read_bundle(res->body, type);
    if (!bundle) {
      out.status = lookup_status::failed;
      out.detail = std::string{type} + " search: " + bundle.error().detail;
      return std::nullopt;
    }
    for (auto& r : bundle->resources)
      all.push_back(std::move(r));
    url = follow_link(s, bundle->next);
  }
  return all;
}

// The DiagnosticReports matching `params` (a page size added).
std::optional<std::vector<report_fields>> search_reports(const settings& s,
                                                         query_params params,
                                                         const transport& send,
                                                         lookup_outcome& out) {
  params.emplace_back("_count", std::to_string(s.page_size));
  auto found = search(s, make_url(s, "/DiagnosticReport", params),
                      "DiagnosticReport", send, out);
  if (!found)
    return std::nullopt;
  std::vector<report_fields> reports;
  for (const auto& r : *found)
    reports.push_back(report_of(r));
  return reports;
}

std::string day_of(std::int64_t epoch) {
  return store::format_local(epoch).substr(0, 10);
}

lookup_outcome find_r4(const settings& s, const exam_input& exam,
                       const transport& send) {
  lookup_outcome out;
  const auto exam_time = store::to_epoch_seconds(exam.created);
  if (exam_time < 0) {
    out.detail = "the exam time is unknown";
    return out;
  }
  // 1. The patient, by the CNP as an identifier.
  std::string patient_id = exam.patient_id;
  if (patient_id.empty() || exam.birthdate.empty()) {
    const auto value = s.identifier_system.empty()
                         ? exam.cnp
                         : s.identifier_system + "|" + exam.cnp;
    auto found = search(s, make_url(s, "/Patient", {{"identifier", value}}),
                        "Patient", send, out);
    if (!found)
      return out;
    if (found->size() > 1) {
      out.status = lookup_status::not_found;
      out.detail
        = std::to_string(found->size()) + " FHIR patients share the identifier";
      return out;
    }
    if (found->size() == 1) {
      out.patient = patient_of(found->front());
      if (patient_id.empty())
        patient_id = out.patient.id;
    }
    if (patient_id.empty()) {
      out.status = lookup_status::not_found;
      out.detail = "no FHIR patient with this identifier";
      return out;
    }
  }
  const auto subject = "Patient/" + patient_id;
  const std::int64_t window = std::int64_t{s.match_hours} * 3600;
  // 2. The request near the exam time.
  auto requests = search(s,
                         make_url(s, "/ServiceRequest",
                                  {{"subject", subject},
                                   {"_sort", "-authored"},
                                   {"_count", std::to_string(s.page_size)}}),
                         "ServiceRequest", send, out);
  if (!requests)
    return out;
  std::vector<request_fields> fields;
  for (const auto& r : *requests)
    fields.push_back(request_of(r));
  const auto request = nearest_request(fields, exam_time, window);
  // 3. Its report, or a report of the patient near the exam time.
  std::optional<report_fields> report;
  if (request) {
    auto reports = search_reports(
      s, {{"based-on", "ServiceRequest/" + request->id}}, send, out);
    if (!reports)
      return out;
    report = newest_signed(*reports);
  }
  if (!report) {
    auto reports
      = search_reports(s,
                       {{"subject", subject},
                        {"date", "ge" + day_of(exam_time - window - day_s)},
                        {"date", "le" + day_of(exam_time + window + day_s)}},
                       send, out);
    if (!reports)
      return out;
    report = nearest_signed(*reports, exam_time, window,
                            request ? std::string_view{request->id}
                                    : std::string_view{});
  }
  if (!report) {
    out.status = lookup_status::not_found;
    out.detail = request ? "no signed report for the request yet"
                         : "no request or signed report near the exam time";
    return out;
  }
  out.status = lookup_status::found;
  out.report.text = report->text;
  out.report.radiologist = report->radiologist;
  out.report.justification = request ? request->justification : std::string{};
  out.report.id = request ? request->id : report->id;
  out.report.type = hipocrate::exam_type(exam.modality);
  return out;
}

} // namespace

namespace detail {

std::optional<net::http_response> get(const settings& s, const std::string& url,
                                      const transport& send,
                                      lookup_outcome& out) {
  ++out.requests;
  auto res = send(get_request(s, url));
  if (!res) {
    out.status = lookup_status::failed;
    out.server_fault = true;
    out.detail = "FHIR request failed: " + res.error().detail;
    return std::nullopt;
  }
  if (s.kind == dialect::r4 && res->status != 200) {
    out.status = lookup_status::failed;
    out.server_fault = server_status(res->status);
    out.detail = "FHIR server answered HTTP " + std::to_string(res->status);
    return std::nullopt;
  }
  if (s.kind == dialect::hipocrate && server_status(res->status)
      && res->status != 404) {
    // The facade's "not found" answers are its own; these are the server's.
    out.status = lookup_status::failed;
    out.server_fault = true;
    out.detail = "FHIR server answered HTTP " + std::to_string(res->status);
    return std::nullopt;
  }
  return std::move(*res);
}

} // namespace detail

lookup_outcome find_report(const settings& s, const exam_input& exam,
                           const transport& send) {
  return s.kind == dialect::hipocrate ? detail::find_hipocrate(s, exam, send)
                                      : find_r4(s, exam, send);
}

bool probe_ok(const result<net::http_response>& answer) {
  return answer && answer->status == 200;
}

} // namespace xrv::fhir
