#include "actors/broadcast/frame.hpp"

#include "actors/store/definitions.hpp"
#include "actors/store/exam_json.hpp"
#include "actors/system/phi.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstdint>
#include <string>

namespace xrv::broadcast {

namespace {

boost::json::value text_or_null(std::string_view s) {
  if (s.empty())
    return nullptr;
  return boost::json::string{s};
}

// `error` names the reason: "max_retries" for an exam the AI failed on too
// often (the detail goes in the extension key `detail`), else the error text.
boost::json::object error_payload(const store::exam_record& e) {
  boost::json::object p;
  p["uid"] = e.uid;
  constexpr std::string_view max_retries = "max_retries";
  if (e.status_reason.starts_with(max_retries)) {
    p["reason"] = max_retries;
    std::string_view rest{e.status_reason};
    rest.remove_prefix(max_retries.size());
    if (rest.starts_with(": "))
      rest.remove_prefix(2);
    p["detail"] = text_or_null(rest);
  } else {
    p["reason"]
      = e.status_reason.empty() ? std::string{"error"} : e.status_reason;
  }
  return p;
}

boost::json::object radreport_payload(const store::exam_record& e,
                                      bool anonymise) {
  const auto& r = e.rad;
  boost::json::object rep;
  rep["text"] = text_or_null(r.text);
  if (anonymise && !r.radiologist.empty())
    rep["radiologist"] = radiologist_initials(r.radiologist);
  else
    rep["radiologist"] = text_or_null(r.radiologist);
  rep["justification"] = text_or_null(r.justification);
  rep["id"] = text_or_null(r.id);
  rep["type"] = text_or_null(r.type);
  boost::json::object p;
  p["uid"] = e.uid;
  p["rad_report"] = std::move(rep);
  return p;
}

// Seconds to the millisecond; whole numbers as integers (Boost.JSON writes
// every double in exponent form, 0 as `0E0`).
boost::json::value seconds(double s) {
  const double ms = std::round(s * 1000.0);
  if (std::fmod(ms, 1000.0) == 0.0)
    return static_cast<std::int64_t>(ms / 1000.0);
  return ms / 1000.0;
}

} // namespace

bool payload_depends_on_role(std::string_view name) noexcept {
  return name == "radreview" || name == "radreport";
}

std::optional<boost::json::object>
exam_event_payload(std::string_view name, const store::exam_view& view,
                   int threshold, bool anonymise) {
  const auto& e = view.exam;
  boost::json::object p;
  if (name == "processing_start") {
    p["uid"] = e.uid;
    // Initials for every role: the frame may be on a screen anyone sees.
    p["patient"] = patient_initials(view.patient.name);
    p["region"] = text_or_null(e.region);
  } else if (name == "new_exam") {
    p["uid"] = e.uid;
    p["positive"] = store::ai_positive(e.ai, threshold) == 1;
    p["reviewed"] = store::reviewed(e.rad) == 1;
    p["severity"] = e.ai.severity;
  } else if (name == "error") {
    p = error_payload(e);
  } else if (name == "radreview") {
    p = store::exam_to_json(e, view.patient, threshold, anonymise);
  } else if (name == "radreport") {
    p = radreport_payload(e, anonymise);
  } else if (name == "radcheck") {
    p["uid"] = e.uid;
    p["positive"] = e.rad.positive == 1;
    p["severity"] = e.rad.severity;
    p["summary"] = text_or_null(e.rad.summary);
    // The check of a report has no confidence of its own (the CHK prompt
    // does not ask for one): the key is kept, with null.
    p["confidence"] = nullptr;
  } else if (name == "requeue") {
    p["uid"] = e.uid;
    p["status"] = "requeue";
  } else {
    return std::nullopt;
  }
  return p;
}

std::string serialize_frame(const dashboard_state& s, const event* ev) {
  boost::json::object dash;
  dash["queue_size"] = s.queue;
  dash["check_queue_size"] = s.check;
  if (s.processing.empty()) {
    dash["processing"] = nullptr;
  } else {
    std::string joined;
    for (const auto& p : s.processing)
      joined += (joined.empty() ? "" : ", ") + p;
    dash["processing"] = joined;
  }
  dash["error_count"] = s.error;
  dash["ignore_count"] = s.ignore;
  dash["success_count"] = s.success;

  boost::json::object health;
  for (const auto& [name, up] : s.health)
    health[name] = up;
  boost::json::object openai;
  openai["url"] = text_or_null(s.active_url);
  openai["health"] = std::move(health);

  boost::json::object timings;
  timings["avg_latency"] = seconds(s.avg_latency);
  timings["min_latency"] = seconds(s.min_latency);
  timings["max_latency"] = seconds(s.max_latency);

  boost::json::object frame;
  frame["dashboard"] = std::move(dash);
  frame["openai"] = std::move(openai);
  frame["timings"] = std::move(timings);
  frame["next_query"] = s.next_query;
  // Extension key (clients tolerate unknown keys): the FHIR server's health.
  frame["fhir"] = boost::json::object{{"enabled", s.fhir_enabled},
                                      {"health", s.fhir_health}};
  if (ev != nullptr)
    frame["event"]
      = boost::json::object{{"name", ev->name}, {"payload", ev->payload}};
  return boost::json::serialize(frame);
}

} // namespace xrv::broadcast
