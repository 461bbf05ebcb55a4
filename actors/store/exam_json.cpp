#include "actors/store/exam_json.hpp"

#include "actors/store/definitions.hpp"
#include "actors/system/phi.hpp"

#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace xrv::store {

namespace {

// Unknown strings are stored empty and shown as null (spec/API.md §3).
boost::json::value text(std::string_view s) {
  if (s.empty())
    return nullptr;
  return boost::json::string{s};
}

// The spec's enum has no "unknown"; `O` (other) stands for it.
std::string_view sex_code(std::string_view sex) {
  if (sex == "M" || sex == "m")
    return "M";
  if (sex == "F" || sex == "f")
    return "F";
  return "O";
}

boost::json::value birthdate_json(std::string_view birthdate) {
  // Only a real date honours the `YYYY-MM-DD` contract.
  if (!parse_date(birthdate))
    return nullptr;
  return boost::json::string{birthdate};
}

boost::json::value name_json(std::string_view name, bool anonymise) {
  if (anonymise && !name.empty())
    return boost::json::string{patient_initials(name)};
  return text(name);
}

boost::json::value cnp_json(std::string_view cnp, bool anonymise) {
  if (anonymise && !cnp.empty())
    return boost::json::string{truncate_cnp(cnp)};
  return text(cnp);
}

boost::json::object ai_json(const ai_report& ai, int threshold) {
  boost::json::object o;
  o["text"] = text(ai.text);
  o["summary"] = text(ai.summary);
  o["created"] = text(ai.created);
  o["updated"] = text(ai.updated);
  o["positive"] = ai_positive(ai, threshold);
  o["severity"] = ai.severity;
  o["confidence"] = ai.confidence;
  o["model"] = text(ai.model);
  o["latency"] = ai.latency;
  return o;
}

boost::json::object rad_json(const rad_report& rad, bool anonymise) {
  boost::json::object o;
  o["text"] = text(rad.text);
  o["text_en"] = text(rad.text_en);
  o["positive"] = rad.positive;
  o["severity"] = rad.severity;
  o["summary"] = text(rad.summary);
  o["created"] = text(rad.created);
  o["updated"] = text(rad.updated);
  o["id"] = text(rad.id);
  o["type"] = text(rad.type);
  // Unlike the original (`Dr. NoName`), an unknown radiologist stays null.
  if (anonymise && !rad.radiologist.empty())
    o["radiologist"] = radiologist_initials(rad.radiologist);
  else
    o["radiologist"] = text(rad.radiologist);
  o["justification"] = text(rad.justification);
  o["model"] = text(rad.model);
  o["latency"] = rad.latency;
  return o;
}

} // namespace

boost::json::object exam_to_json(const exam_record& exam,
                                 const patient_record& patient, int threshold,
                                 bool anonymise) {
  // The exam carries the patient's key even when no patient row was joined.
  const std::string_view cnp = patient.cnp.empty() ? exam.cnp : patient.cnp;
  boost::json::object p;
  p["name"] = name_json(patient.name, anonymise);
  p["cnp"] = cnp_json(cnp, anonymise);
  p["id"] = text(patient.id);
  p["age"] = age_at(patient.birthdate, exam.created);
  p["birthdate"] = birthdate_json(patient.birthdate);
  p["sex"] = sex_code(patient.sex);
  if (patient.county >= 0)
    p["county"] = patient.county;
  else
    p["county"] = nullptr;

  boost::json::object e;
  e["created"] = text(exam.created);
  // DICOM forms of the exam time, `YYYYMMDD` and `HHMMSS`.
  if (parse_timestamp(exam.created)) {
    const std::string_view c = exam.created;
    e["date"] = std::string{c.substr(0, 4)} + std::string{c.substr(5, 2)}
                + std::string{c.substr(8, 2)};
    e["time"] = std::string{c.substr(11, 2)} + std::string{c.substr(14, 2)}
                + std::string{c.substr(17, 2)};
  } else {
    e["date"] = nullptr;
    e["time"] = nullptr;
  }
  e["protocol"] = text(exam.protocol);
  e["region"] = text(exam.region);
  e["status"] = to_string(exam.status);
  // Extension: why the exam is `error` or `ignore` (nothing fails silently).
  e["reason"] = text(exam.status_reason);
  e["type"] = text(exam.type);
  e["study"] = text(exam.study);
  e["series"] = text(exam.series);
  e["id"] = text(exam.id);

  boost::json::object report;
  report["ai"] = ai_json(exam.ai, threshold);
  report["rad"] = rad_json(exam.rad, anonymise);
  report["correct"] = correct(exam, threshold);
  report["reviewed"] = reviewed(exam.rad);

  boost::json::object o;
  o["uid"] = text(exam.uid);
  o["patient"] = std::move(p);
  o["exam"] = std::move(e);
  o["report"] = std::move(report);
  return o;
}

boost::json::object patient_to_json(const patient_record& patient,
                                    bool anonymise, std::string_view today) {
  boost::json::object o;
  o["cnp"] = cnp_json(patient.cnp, anonymise);
  o["id"] = text(patient.id);
  o["name"] = name_json(patient.name, anonymise);
  o["age"] = age_at(patient.birthdate, today);
  o["birthdate"] = birthdate_json(patient.birthdate);
  o["sex"] = sex_code(patient.sex);
  return o;
}

} // namespace xrv::store
