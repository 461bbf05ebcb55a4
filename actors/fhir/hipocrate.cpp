#include "actors/fhir/hipocrate.hpp"

#include "actors/system/ini.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace xrv::fhir::hipocrate {

namespace {

namespace json = boost::json;
using config::lower;
using config::strip;

// A JSON value as Python's str() would show an id: strings as they are,
// integers in decimal; empty for anything else.
std::string id_text(const json::value* v) {
  if (v == nullptr)
    return {};
  if (v->is_string())
    return std::string{v->as_string()};
  if (v->is_int64())
    return std::to_string(v->as_int64());
  if (v->is_uint64())
    return std::to_string(v->as_uint64());
  return {};
}

std::string text_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string{v->as_string()}
                                        : std::string{};
}

std::optional<json::object> parse_object(std::string_view body) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  return std::move(v.as_object());
}

// The `display` of the first element of a list, if the list is non-empty.
std::string first_display(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_array() || v->as_array().empty())
    return {};
  const auto& first = v->as_array().front();
  return first.is_object() ? text_at(first.as_object(), "display")
                           : std::string{};
}

bool non_empty_list(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() && !v->as_array().empty();
}

patient_fields fields_of(const json::object& patient) {
  patient_fields p = patient_of(patient);
  p.id = id_text(patient.if_contains("id"));
  // §5.3: a birth date is taken only in the form YYYY-MM-DD.
  return p;
}

} // namespace

std::string exam_type(std::string_view modality) {
  const auto m = lower(modality);
  if (m == "cr" || m == "dx")
    return "radio";
  if (m == "ct")
    return "ct";
  if (m == "mr")
    return "irm";
  if (m == "us")
    return "eco";
  if (m == "rf")
    return "rads";
  return "radio";
}

std::string search_name(std::string_view dicom_name) {
  if (dicom_name.find('^') == std::string_view::npos)
    return strip(dicom_name);
  std::string parts[3];
  std::size_t start = 0;
  for (auto& part : parts) {
    if (start > dicom_name.size())
      break;
    const auto caret = dicom_name.find('^', start);
    part = strip(dicom_name.substr(start, caret - start));
    start = caret == std::string_view::npos ? dicom_name.size() + 1 : caret + 1;
  }
  return strip(parts[0] + " " + parts[1] + " " + parts[2]);
}

patient_decision by_cnp(long status, std::string_view body, bool cnp_valid) {
  patient_decision d;
  if (status != 200) {
    d.detail = "patient search by CNP answered HTTP " + std::to_string(status);
    return d;
  }
  auto o = parse_object(body);
  if (!o) {
    d.detail = "patient search by CNP answered no JSON object";
    return d;
  }
  const auto kind = text_at(*o, "resourceType");
  if (kind == "Patient") {
    d.step = patient_step::found;
    d.patient = fields_of(*o);
    return d;
  }
  if (kind == "Bundle" && o->contains("entry")) {
    std::vector<const json::object*> patients;
    if (const auto* e = o->if_contains("entry"); e->is_array())
      for (const auto& entry : e->as_array())
        if (entry.is_object())
          if (const auto* r = entry.as_object().if_contains("resource");
              r != nullptr && r->is_object()
              && text_at(r->as_object(), "resourceType") == "Patient")
            patients.push_back(&r->as_object());
    if (patients.empty()) {
      d.detail = "patient search by CNP found a Bundle without patients";
      return d;
    }
    if (!cnp_valid) {
      d.step = patient_step::stop;
      d.detail = "several patients for an invalid CNP";
      return d;
    }
    const auto* best = *std::max_element(
      patients.begin(), patients.end(),
      [](const json::object* a, const json::object* b) {
        return id_text(a->if_contains("id")) < id_text(b->if_contains("id"));
      });
    d.step = patient_step::found;
    d.patient = fields_of(*best);
    return d;
  }
  if (kind == "OperationOutcome") {
    bool information_only = true;
    if (const auto* issues = o->if_contains("issue");
        issues && issues->is_array())
      for (const auto& i : issues->as_array())
        if (!i.is_object()
            || text_at(i.as_object(), "severity") != "information")
          information_only = false;
    d.detail = "patient search by CNP: OperationOutcome " + outcome_summary(*o);
    if (!information_only)
      d.step = patient_step::stop;
    return d;
  }
  d.detail = "patient search by CNP answered an unexpected resource";
  return d;
}

patient_decision by_name(long status, std::string_view body) {
  patient_decision d;
  d.step = patient_step::stop;
  auto o = status == 200 ? parse_object(body) : std::nullopt;
  if (!o) {
    d.detail = "patient search by name failed";
    return d;
  }
  const auto kind = text_at(*o, "resourceType");
  if (kind == "Patient") {
    d.step = patient_step::found;
    d.patient = fields_of(*o);
  } else if (kind == "Bundle") {
    d.detail = "several patients for the name, selecting no one";
  } else {
    d.detail = "patient search by name found nothing";
  }
  return d;
}

std::optional<request_pick> service_request(long status,
                                            std::string_view body) {
  auto o = status == 200 ? parse_object(body) : std::nullopt;
  if (!o || text_at(*o, "resourceType") != "Bundle")
    return std::nullopt;
  const auto* entries = o->if_contains("entry");
  if (entries == nullptr || !entries->is_array())
    return std::nullopt;
  std::vector<const json::object*> found;
  for (const auto& entry : entries->as_array())
    if (entry.is_object())
      if (const auto* r = entry.as_object().if_contains("resource");
          r != nullptr && r->is_object()
          && text_at(r->as_object(), "resourceType") == "ServiceRequest"
          && !id_text(r->as_object().if_contains("id")).empty())
        found.push_back(&r->as_object());
  if (found.size() != 1)
    return std::nullopt;
  request_pick pick;
  pick.id = id_text(found.front()->if_contains("id"));
  if (non_empty_list(*found.front(), "supportingInfo"))
    pick.justification = first_display(*found.front(), "supportingInfo");
  else if (non_empty_list(*found.front(), "reason"))
    pick.justification = first_display(*found.front(), "reason");
  return pick;
}

std::optional<report_pick> report(long status, std::string_view body,
                                  std::string_view fhir_type,
                                  std::string_view region) {
  auto o = status == 200 ? parse_object(body) : std::nullopt;
  if (!o || text_at(*o, "resourceType") != "DiagnosticReport"
      || !non_empty_list(*o, "presentedForm"))
    return std::nullopt;
  const auto& forms = o->at("presentedForm").as_array();
  const json::object* form = nullptr;
  if (forms.size() == 1) {
    form = forms.front().if_object();
  } else {
    for (const auto& f : forms)
      if (f.is_object()
          && lower(text_at(f.as_object(), "type")) == lower(fhir_type)
          && lower(text_at(f.as_object(), "region")) == lower(region)) {
        form = &f.as_object();
        break;
      }
  }
  if (form == nullptr)
    return std::nullopt;
  report_pick pick;
  pick.text = strip(text_at(*form, "data"));
  if (pick.text.empty())
    return std::nullopt;
  pick.radiologist = first_display(*o, "resultsInterpreter");
  return pick;
}

bool reusable_request_id(std::string_view id) {
  const auto s = strip(id);
  long long n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  return ec == std::errc{} && ptr == s.data() + s.size() && n > 0;
}

} // namespace xrv::fhir::hipocrate
