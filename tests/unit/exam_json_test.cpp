#include "actors/store/exam_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using namespace xrv::store;

constexpr int threshold = 5;

std::vector<std::string> keys(const boost::json::object& o) {
  std::vector<std::string> out;
  for (const auto& kv : o)
    out.emplace_back(kv.key());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

const boost::json::object& obj(const boost::json::object& o,
                               std::string_view key) {
  return o.at(key).as_object();
}

patient_record full_patient() {
  patient_record p;
  p.cnp = "5150610123456";
  p.id = "P100";
  p.name = "POPESCU^ION-MIHAI";
  p.birthdate = "2015-06-10";
  p.sex = "M";
  p.county = 12;
  return p;
}

exam_record full_exam() {
  exam_record e;
  e.uid = "1.2.3.4";
  e.cnp = "5150610123456";
  e.created = "2024-03-05 07:08:09";
  e.protocol = "Torace AP";
  e.region = "chest";
  e.type = "CR";
  e.study = "1.2.3";
  e.series = "1.2.3.1";
  e.id = "ACC42";
  e.status = exam_status::done;
  e.ai.text = "Opacity in the right lower lobe.";
  e.ai.summary = "pneumonia";
  e.ai.created = "2024-03-05 07:09:00";
  e.ai.updated = "2024-03-05 07:09:30";
  e.ai.model = "medgemma";
  e.ai.positive = 1;
  e.ai.severity = 7;
  e.ai.confidence = 90;
  e.ai.latency = 30;
  e.rad.text = "Pneumonie lobară dreaptă.";
  e.rad.text_en = "Right lobar pneumonia.";
  e.rad.summary = "pneumonie";
  e.rad.created = "2024-03-05 09:00:00";
  e.rad.updated = "2024-03-05 09:10:00";
  e.rad.id = "777";
  e.rad.type = "radio";
  e.rad.radiologist = "Dr. Ion Ionescu";
  e.rad.justification = "Febră, tuse";
  e.rad.model = "medgemma";
  e.rad.positive = 1;
  e.rad.severity = 6;
  e.rad.latency = 12;
  return e;
}

// -- shape --------------------------------------------------------------------

TEST(ExamJson, EveryKeyIsPresentEvenWhenUnknown) {
  const auto o
    = exam_to_json(exam_record{}, patient_record{}, threshold, false);
  EXPECT_EQ(keys(o), sorted({"uid", "patient", "exam", "report"}));
  EXPECT_EQ(keys(obj(o, "patient")),
            sorted({"name", "cnp", "id", "age", "birthdate", "sex", "county"}));
  EXPECT_EQ(keys(obj(o, "exam")),
            sorted({"created", "date", "time", "protocol", "region", "status",
                    "reason", "type", "study", "series", "id"}));
  const auto& report = obj(o, "report");
  EXPECT_EQ(keys(report), sorted({"ai", "rad", "correct", "reviewed"}));
  EXPECT_EQ(keys(obj(report, "ai")),
            sorted({"text", "summary", "created", "updated", "positive",
                    "severity", "confidence", "model", "latency"}));
  EXPECT_EQ(keys(obj(report, "rad")),
            sorted({"text", "text_en", "positive", "severity", "summary",
                    "created", "updated", "id", "type", "radiologist",
                    "justification", "model", "latency"}));
}

TEST(ExamJson, UnknownValuesAreNullOrMinusOne) {
  const auto o
    = exam_to_json(exam_record{}, patient_record{}, threshold, false);
  const auto expected = boost::json::parse(R"({
    "uid": null,
    "patient": {"name": null, "cnp": null, "id": null, "age": -1,
                "birthdate": null, "sex": "O", "county": null},
    "exam": {"created": null, "date": null, "time": null, "protocol": null,
             "region": null, "status": "none", "reason": null, "type": null,
             "study": null,
             "series": null, "id": null},
    "report": {
      "ai": {"text": null, "summary": null, "created": null, "updated": null,
             "positive": -1, "severity": -1, "confidence": -1, "model": null,
             "latency": -1},
      "rad": {"text": null, "text_en": null, "positive": -1, "severity": -1,
              "summary": null, "created": null, "updated": null, "id": null,
              "type": null, "radiologist": null, "justification": null,
              "model": null, "latency": -1},
      "correct": -1,
      "reviewed": 0}})");
  EXPECT_EQ(boost::json::value(o), expected) << boost::json::serialize(o);
}

TEST(ExamJson, FullExamForAnAdmin) {
  const auto o = exam_to_json(full_exam(), full_patient(), threshold, false);
  const auto expected = boost::json::parse(R"({
    "uid": "1.2.3.4",
    "patient": {"name": "POPESCU^ION-MIHAI", "cnp": "5150610123456",
                "id": "P100", "age": 8, "birthdate": "2015-06-10",
                "sex": "M", "county": 12},
    "exam": {"created": "2024-03-05 07:08:09", "date": "20240305",
             "time": "070809", "protocol": "Torace AP", "region": "chest",
             "status": "done", "reason": null, "type": "CR", "study": "1.2.3",
             "series": "1.2.3.1", "id": "ACC42"},
    "report": {
      "ai": {"text": "Opacity in the right lower lobe.",
             "summary": "pneumonia", "created": "2024-03-05 07:09:00",
             "updated": "2024-03-05 07:09:30", "positive": 1, "severity": 7,
             "confidence": 90, "model": "medgemma", "latency": 30},
      "rad": {"text": "Pneumonie lobară dreaptă.",
              "text_en": "Right lobar pneumonia.", "positive": 1,
              "severity": 6, "summary": "pneumonie",
              "created": "2024-03-05 09:00:00",
              "updated": "2024-03-05 09:10:00", "id": "777", "type": "radio",
              "radiologist": "Dr. Ion Ionescu",
              "justification": "Febră, tuse", "model": "medgemma",
              "latency": 12},
      "correct": 1,
      "reviewed": 1}})");
  EXPECT_EQ(boost::json::value(o), expected) << boost::json::serialize(o);
}

// -- anonymisation ------------------------------------------------------------

TEST(ExamJson, UserSeesInitialsAndTruncatedCnp) {
  const auto o = exam_to_json(full_exam(), full_patient(), threshold, true);
  const auto& p = obj(o, "patient");
  EXPECT_EQ(p.at("name"), "P.I.M.");
  EXPECT_EQ(p.at("cnp"), "5150610...");
  const auto& rad = obj(obj(o, "report"), "rad");
  EXPECT_EQ(rad.at("radiologist"), "Dr. I.I.");
}

TEST(ExamJson, AnonymisationChangesNothingElse) {
  auto admin = exam_to_json(full_exam(), full_patient(), threshold, false);
  auto user = exam_to_json(full_exam(), full_patient(), threshold, true);
  for (auto* o : {&admin, &user}) {
    auto& p = (*o)["patient"].as_object();
    p.erase("name");
    p.erase("cnp");
    (*o)["report"].as_object()["rad"].as_object().erase("radiologist");
  }
  EXPECT_EQ(admin, user);
}

TEST(ExamJson, UnknownRadiologistStaysNullForUsers) {
  auto e = full_exam();
  e.rad.radiologist.clear();
  auto p = full_patient();
  p.name.clear();
  const auto o = exam_to_json(e, p, threshold, true);
  EXPECT_TRUE(obj(obj(o, "report"), "rad").at("radiologist").is_null());
  EXPECT_TRUE(obj(o, "patient").at("name").is_null());
}

TEST(ExamJson, CnpFallsBackToTheExamsKey) {
  auto p = full_patient();
  p.cnp.clear();
  const auto o = exam_to_json(full_exam(), p, threshold, true);
  EXPECT_EQ(obj(o, "patient").at("cnp"), "5150610...");
}

// -- derived values -----------------------------------------------------------

TEST(ExamJson, AgeIsAtTheExamDateAcrossABirthday) {
  auto e = full_exam();
  const auto p = full_patient(); // born 2015-06-10
  e.created = "2020-06-09 23:59:59";
  EXPECT_EQ(obj(exam_to_json(e, p, threshold, false), "patient").at("age"), 4);
  e.created = "2020-06-10 00:00:00";
  EXPECT_EQ(obj(exam_to_json(e, p, threshold, false), "patient").at("age"), 5);
}

TEST(ExamJson, DateAndTimeSplitFromCreated) {
  auto e = full_exam();
  e.created = "2023-12-31 23:59:58";
  const auto o = exam_to_json(e, full_patient(), threshold, false);
  EXPECT_EQ(obj(o, "exam").at("date"), "20231231");
  EXPECT_EQ(obj(o, "exam").at("time"), "235958");
}

TEST(ExamJson, MalformedCreatedGivesNullDateAndTime) {
  auto e = full_exam();
  e.created = "2023-12-31T23:59:58";
  const auto o = exam_to_json(e, full_patient(), threshold, false);
  EXPECT_EQ(obj(o, "exam").at("created"), "2023-12-31T23:59:58");
  EXPECT_TRUE(obj(o, "exam").at("date").is_null());
  EXPECT_TRUE(obj(o, "exam").at("time").is_null());
  EXPECT_EQ(obj(o, "patient").at("age"), -1);
}

TEST(ExamJson, AiPositiveFromSeverityWithoutShort) {
  auto e = full_exam();
  e.ai.positive = -1;
  e.ai.severity = 3;
  e.rad.positive = 1;
  const auto o = exam_to_json(e, full_patient(), threshold, false);
  const auto& report = obj(o, "report");
  EXPECT_EQ(obj(report, "ai").at("positive"), 0);
  EXPECT_EQ(report.at("correct"), 0);
  EXPECT_EQ(report.at("reviewed"), 1);
}

TEST(ExamJson, DashboardReviewWithoutSeverityCountsAsReviewed) {
  auto e = full_exam();
  e.rad = rad_report{};
  e.rad.positive = 0;
  e.rad.radiologist = "admin";
  const auto o = exam_to_json(e, full_patient(), threshold, false);
  const auto& report = obj(o, "report");
  EXPECT_EQ(report.at("reviewed"), 1);
  EXPECT_EQ(report.at("correct"), 0);
  EXPECT_EQ(obj(report, "rad").at("severity"), -1);
}

TEST(ExamJson, SexCountyAndBirthdateNormalised) {
  auto p = full_patient();
  const auto sex_of = [&](std::string s) {
    p.sex = std::move(s);
    return obj(exam_to_json(full_exam(), p, threshold, false), "patient")
      .at("sex");
  };
  EXPECT_EQ(sex_of("F"), "F");
  EXPECT_EQ(sex_of("m"), "M");
  EXPECT_EQ(sex_of("O"), "O");
  EXPECT_EQ(sex_of(""), "O");
  EXPECT_EQ(sex_of("X"), "O");
  p.county = 0;
  p.birthdate = "2015-02-30";
  const auto o = obj(exam_to_json(full_exam(), p, threshold, false), "patient");
  EXPECT_EQ(o.at("county"), 0);
  EXPECT_TRUE(o.at("birthdate").is_null());
  EXPECT_EQ(o.at("age"), -1);
}

TEST(ExamJson, StatusName) {
  auto e = full_exam();
  e.status = exam_status::requeue;
  EXPECT_EQ(
    obj(exam_to_json(e, full_patient(), threshold, false), "exam").at("status"),
    "requeue");
}

// -- patients -----------------------------------------------------------------

TEST(PatientJson, ObjectWithAgeAsOfToday) {
  const auto o = patient_to_json(full_patient(), false, "2025-06-09");
  const auto expected = boost::json::parse(R"({
    "cnp": "5150610123456", "id": "P100", "name": "POPESCU^ION-MIHAI",
    "age": 9, "birthdate": "2015-06-10", "sex": "M"})");
  EXPECT_EQ(boost::json::value(o), expected) << boost::json::serialize(o);
  EXPECT_EQ(patient_to_json(full_patient(), false, "2025-06-10").at("age"), 10);
}

TEST(PatientJson, AnonymisedForUsers) {
  const auto o = patient_to_json(full_patient(), true, "2025-06-10");
  EXPECT_EQ(o.at("name"), "P.I.M.");
  EXPECT_EQ(o.at("cnp"), "5150610...");
  EXPECT_EQ(o.at("id"), "P100");
  EXPECT_EQ(o.at("birthdate"), "2015-06-10");
}

TEST(PatientJson, UnknownValuesAreNull) {
  const auto o = patient_to_json(patient_record{}, true, "2025-06-10");
  const auto expected = boost::json::parse(R"({
    "cnp": null, "id": null, "name": null, "age": -1, "birthdate": null,
    "sex": "O"})");
  EXPECT_EQ(boost::json::value(o), expected) << boost::json::serialize(o);
}

} // namespace
