// The statistics aggregates of the exam index and their JSON on
// hand-computed fixtures: which exams count where, the time windows at
// their edges, incremental updates on replace/erase/birth-date changes, and
// the `user` role's initials.

#include "actors/store/exam_index.hpp"
#include "actors/store/stats_json.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace xrv::store {

namespace {

namespace json = boost::json;
constexpr int threshold = 5;

// "Now" of every fixture: 2026-03-15 12:30:00 local.
std::int64_t now() {
  return *stats::local_seconds("2026-03-15 12:30:00");
}

struct spec {
  std::string uid{}, created{}, region = "chest";
  exam_status status = exam_status::done;
  int ai = -1;  // AI positive (-1 not analysed)
  int rad = -1; // rad.positive
  std::string ai_stamp{};
  int latency = -1;
  std::string summary{}, radiologist{};
  int rad_severity = -1, rad_latency = -1;
  std::string cnp = "p1";
};

exam_record make(const spec& s) {
  exam_record e;
  e.uid = s.uid;
  e.cnp = s.cnp;
  e.created = s.created;
  e.region = s.region;
  e.status = s.status;
  if (s.ai >= 0) {
    e.ai.positive = s.ai;
    e.ai.severity = s.ai == 1 ? 7 : 2;
    e.ai.created = e.ai.updated = s.ai_stamp;
    e.ai.latency = s.latency;
  }
  e.rad.positive = s.rad;
  e.rad.summary = s.summary;
  e.rad.radiologist = s.radiologist;
  e.rad.severity = s.rad_severity;
  e.rad.latency = s.rad_latency;
  return e;
}

json::object point(const json::object& stats, const char* region,
                   const char* list, std::size_t i) {
  return stats.at(list).as_object().at(region).as_array().at(i).as_object();
}

} // namespace

TEST(StatsIndex, EmptyIndexGivesZerosNullsAndFullWindows) {
  exam_index ix(threshold);
  const auto s = ix.statistics(now());
  auto o = stats_json(s);
  EXPECT_EQ(json::serialize(o),
            R"({"total":0,"reviewed":0,"positive":0,"correct":0,"wrong":0,)"
            R"("mcc":0E0,"region":{},"trends":{},"monthly_trends":{},)"
            R"("avg_processing_time":0E0,"throughput":0E0,)"
            R"("error_stats":{"error":0,"ignore":0}})");
  auto ins = insights_json(s, false);
  const auto& ages = ins.at("age_distribution").as_object();
  EXPECT_EQ(ages.size(), 12u);
  EXPECT_TRUE(ages.at("unknown").as_object().at("positive_rate").is_null());
  EXPECT_TRUE(ages.at("unknown").as_object().at("positive_rate_ci").is_null());
  EXPECT_TRUE(ins.at("processing_times").as_object().empty());
  EXPECT_TRUE(radiologist_stats_json(s, true).empty());
  EXPECT_TRUE(diagnostic_stats_json(s).empty());
  auto trends = diagnostic_trends_json(s);
  EXPECT_EQ(trends.size(), 12u);
  EXPECT_TRUE(trends.contains("2025-04"));
  EXPECT_TRUE(trends.contains("2026-03"));
  EXPECT_EQ(radiologist_trends_json(s, false).size(), 12u);
  EXPECT_EQ(ix.success_7d(now()), 0u);
}

TEST(StatsIndex, OverviewCountsDoneExamsAndTheMatrixOverComparedOnes) {
  exam_index ix(threshold);
  const std::vector<spec> specs = {
    // TP today, analysed 3.5 h ago in 10 s.
    {"1", "2026-03-15 08:00:00", "chest", exam_status::done, 1, 1,
     "2026-03-15 09:00:00", 10},
    // TN yesterday, analysed in the oldest hour of the 24 h window.
    {"2", "2026-03-14 09:00:00", "Chest", exam_status::done, 0, 0,
     "2026-03-14 13:10:00", 20},
    // FP outside the 30 days, analysed just before the 24 h window and at
    // the first hour of the 7 days.
    {"3", "2026-02-10 10:00:00", "chest", exam_status::done, 1, 0,
     "2026-03-08 13:00:00", 30},
    // Analysed, not reviewed, no latency.
    {"4", "2026-03-15 11:00:00", "chest", exam_status::done, 0, -1,
     "2026-03-15 12:10:00"},
    // Reviewed, not analysed.
    {"5", "2026-03-01 10:00:00", "hand", exam_status::done, -1, 1},
    // Not done: nothing but nothing.
    {"6", "2026-03-15 10:00:00", "chest", exam_status::queued, 1, 1,
     "2026-03-15 10:00:00", 5},
    {"7", "2026-03-15 10:00:00", "chest", exam_status::error},
    {"8", "2026-03-15 10:00:00", "", exam_status::ignore},
    // TP outside the 12 months, analysed just before the 7 days.
    {"9", "2025-03-01 10:00:00", "skull", exam_status::done, 1, 1,
     "2026-03-08 12:59:59", 40},
  };
  for (const auto& s : specs)
    ix.upsert(make(s));
  const auto snap = ix.statistics(now());
  const auto o = stats_json(snap);
  EXPECT_EQ(o.at("total"), 6);
  EXPECT_EQ(o.at("reviewed"), 5);
  EXPECT_EQ(o.at("positive"), 3);
  EXPECT_EQ(o.at("correct"), 3);
  EXPECT_EQ(o.at("wrong"), 1);
  // tp 2, tn 1, fp 1: (2 - 0) / sqrt(3 * 2 * 2 * 1) = 0.577
  EXPECT_EQ(o.at("mcc"), 0.58);
  const auto& chest = o.at("region").as_object().at("chest").as_object();
  EXPECT_EQ(json::serialize(chest),
            R"({"total":4,"reviewed":3,"positive":2,"correct":2,"wrong":1,)"
            R"("tpos":1,"tneg":1,"fpos":1,"fneg":0,)"
            R"("sensitivity":1E2,"sensitivity_ci":[2.07E1,1E2],)"
            R"("specificity":5E1,"specificity_ci":[9.5E0,9.05E1],)"
            R"("ppv":5E1,"ppv_ci":[9.5E0,9.05E1],)"
            R"("npv":1E2,"npv_ci":[2.07E1,1E2],"mcc":5E-1})");
  const auto& hand = o.at("region").as_object().at("hand").as_object();
  EXPECT_EQ(hand.at("reviewed"), 1);
  EXPECT_TRUE(hand.at("sensitivity").is_null());
  EXPECT_EQ(hand.at("mcc"), 0.0);
  EXPECT_FALSE(o.at("region").as_object().contains("unknown"));
  // Trends: 30 days ending today, zeros filled; regions without exams in
  // the window absent.
  const auto& trends = o.at("trends").as_object();
  EXPECT_EQ(trends.size(), 2u); // chest, hand
  ASSERT_EQ(trends.at("chest").as_array().size(), 30u);
  EXPECT_EQ(json::serialize(point(o, "chest", "trends", 0)),
            R"({"date":"2026-02-14","total":0,"positive":0})");
  EXPECT_EQ(json::serialize(point(o, "chest", "trends", 28)),
            R"({"date":"2026-03-14","total":1,"positive":0})");
  EXPECT_EQ(json::serialize(point(o, "chest", "trends", 29)),
            R"({"date":"2026-03-15","total":2,"positive":1})");
  const auto& monthly = o.at("monthly_trends").as_object();
  EXPECT_FALSE(monthly.contains("skull"));
  ASSERT_EQ(monthly.at("chest").as_array().size(), 12u);
  EXPECT_EQ(json::serialize(point(o, "chest", "monthly_trends", 0)),
            R"({"month":"2025-04","total":0,"positive":0})");
  EXPECT_EQ(json::serialize(point(o, "chest", "monthly_trends", 10)),
            R"({"month":"2026-02","total":1,"positive":1})");
  EXPECT_EQ(json::serialize(point(o, "chest", "monthly_trends", 11)),
            R"({"month":"2026-03","total":3,"positive":1})");
  // Last 24 h (hours 2026-03-14 13:00 .. 2026-03-15 12:59): exams 1, 2, 4.
  EXPECT_EQ(o.at("avg_processing_time"), 15.0);
  EXPECT_EQ(o.at("throughput"), 0.13); // 3 / 24
  EXPECT_EQ(json::serialize(o.at("error_stats")), R"({"error":1,"ignore":1})");
  // Done with an AI report created in the last 168 hours: 1, 2, 3, 4.
  EXPECT_EQ(ix.success_7d(now()), 4u);
  EXPECT_EQ(snap.success_7d, 4u);
  // An hour later exam 3 leaves the 7 days and exam 2 the 24 h.
  const auto later = now() + 3600;
  EXPECT_EQ(ix.success_7d(later), 3u);
  EXPECT_EQ(stats_json(ix.statistics(later)).at("throughput"), 0.08);
  // Processing times per region, all time.
  const auto ins = insights_json(snap, false);
  EXPECT_EQ(json::serialize(ins.at("processing_times")),
            R"({"chest":{"avg":2E1,"min":10,"max":30,"count":3},)"
            R"("skull":{"avg":4E1,"min":40,"max":40,"count":1}})");
}

TEST(StatsIndex, ReplacingAndErasingExamsUpdatesEveryAggregate) {
  exam_index ix(threshold);
  ix.upsert(make({"1", "2026-03-15 08:00:00", "chest", exam_status::done, 1, 1,
                  "2026-03-15 09:00:00", 10}));
  ix.upsert(make({"2", "2026-03-15 08:00:00", "chest", exam_status::done, 1, 0,
                  "2026-03-15 09:00:00", 30}));
  ix.upsert(make({"3", "2026-03-15 08:00:00", "chest", exam_status::done, 0, 0,
                  "2026-03-15 09:00:00", 20}));
  auto times = [&] {
    return json::serialize(
      insights_json(ix.statistics(now()), false).at("processing_times"));
  };
  EXPECT_EQ(times(), R"({"chest":{"avg":2E1,"min":10,"max":30,"count":3}})");
  ix.erase("2");
  EXPECT_EQ(times(), R"({"chest":{"avg":1.5E1,"min":10,"max":20,"count":2}})");
  // Re-queued: leaves every `done` figure, and comes back when done again.
  auto e1 = make({"1", "2026-03-15 08:00:00", "chest", exam_status::done, 1, 1,
                  "2026-03-15 09:00:00", 10});
  e1.status = exam_status::requeue;
  ix.upsert(e1);
  auto o = stats_json(ix.statistics(now()));
  EXPECT_EQ(o.at("total"), 1);
  EXPECT_EQ(o.at("correct"), 1);
  EXPECT_EQ(ix.success_7d(now()), 1u);
  e1.status = exam_status::done;
  e1.ai.positive = 0;
  ix.upsert(e1);
  o = stats_json(ix.statistics(now()));
  EXPECT_EQ(o.at("total"), 2);
  EXPECT_EQ(o.at("correct"), 1); // 3 (TN)
  EXPECT_EQ(o.at("wrong"), 1);   // 1 is now a FN
  EXPECT_EQ(o.at("region").as_object().at("chest").as_object().at("fneg"), 1);
  ix.erase("1");
  ix.erase("3");
  EXPECT_EQ(ix.statistics(now()), exam_index(threshold).statistics(now()));
}

TEST(StatsIndex, RadiologistsDiagnosesAndInitials) {
  exam_index ix(threshold);
  std::vector<spec> specs = {
    {"1", "2026-03-10 08:00:00", "chest", exam_status::done, 1, 1, "", -1,
     "Pneumonia", "Dr. Ion Popescu", 8, 60},
    {"2", "2026-03-11 08:00:00", "Chest", exam_status::done, 0, 1, "", -1,
     "pneumonia", "Ioana Pop", 6, 120},
    {"3", "2026-01-05 08:00:00", "hand", exam_status::check, 1, 1, "", -1,
     "fracture", "dr. ion popescu", -1},
    {"4", "2024-01-05 08:00:00", "chest", exam_status::done, -1, 0, "", -1,
     "pneumonia", "Maria Ionescu", 0, 30},
  };
  for (const auto& s : specs)
    ix.upsert(make(s));
  const auto snap = ix.statistics(now());
  const auto admin = radiologist_stats_json(snap, false);
  ASSERT_EQ(admin.size(), 3u);
  const auto& pop = admin.at("Dr. Ion Popescu").as_object();
  // Exams 1 and 3 (case-folded name): 3 is not done, so only 1 compared.
  EXPECT_EQ(json::serialize(pop),
            R"({"reports":2,"reviewed":2,"agree_with_ai":1,"ai_compared":1,)"
            R"("ai_accuracy":1E2,"ai_accuracy_ci":[2.07E1,1E2],)"
            R"("avg_severity":8E0,"top_diagnostics":{"fracture":1,)"
            R"("pneumonia":1},"avg_report_latency":6E1})");
  // `user`: "Dr. Ion Popescu" and "Ioana Pop" are both "Dr. I.P.": merged.
  const auto user = radiologist_stats_json(snap, true);
  ASSERT_EQ(user.size(), 2u);
  const auto& ip = user.at("Dr. I.P.").as_object();
  EXPECT_EQ(ip.at("reports"), 3);
  EXPECT_EQ(ip.at("agree_with_ai"), 1);
  EXPECT_EQ(ip.at("ai_compared"), 2);
  EXPECT_EQ(ip.at("ai_accuracy"), 50.0);
  EXPECT_EQ(ip.at("avg_severity"), 7.0);
  EXPECT_EQ(ip.at("avg_report_latency"), 90.0);
  EXPECT_EQ(json::serialize(ip.at("top_diagnostics")),
            R"({"pneumonia":2,"fracture":1})");
  EXPECT_TRUE(user.contains("Dr. M.I."));
  const auto serial = json::serialize(user)
                      + json::serialize(radiologist_trends_json(snap, true))
                      + json::serialize(insights_json(snap, true));
  EXPECT_EQ(serial.find("Popescu"), std::string::npos);
  EXPECT_EQ(serial.find("Ioana"), std::string::npos);
  EXPECT_EQ(serial.find("Maria"), std::string::npos);
  // Monthly trends: every month of the window; exam 4 is outside it.
  const auto trends = radiologist_trends_json(snap, true);
  EXPECT_EQ(json::serialize(trends.at("2026-03")), R"({"Dr. I.P.":2})");
  EXPECT_EQ(json::serialize(trends.at("2026-01")), R"({"Dr. I.P.":1})");
  EXPECT_EQ(json::serialize(trends.at("2025-12")), "{}");
  const auto metrics = insights_json(snap, false).at("radiologist_metrics");
  EXPECT_EQ(json::serialize(metrics.at("Maria Ionescu")),
            R"({"reports":1,"avg_severity":0E0,"avg_latency":3E1})");

  const auto diag = diagnostic_stats_json(snap);
  ASSERT_EQ(diag.size(), 2u);
  const auto& pn = diag.at("pneumonia").as_object();
  EXPECT_EQ(pn.at("reports"), 3);
  EXPECT_EQ(pn.at("avg_severity"), 4.7); // (8 + 6 + 0) / 3
  EXPECT_EQ(pn.at("ai_compared"), 2);    // 1 TP, 2 FN; 4 not analysed
  EXPECT_EQ(pn.at("ai_accuracy"), 50.0);
  EXPECT_EQ(pn.at("sensitivity"), 50.0);
  EXPECT_EQ(pn.at("ppv"), 100.0);
  EXPECT_TRUE(pn.at("specificity").is_null());
  EXPECT_EQ(json::serialize(pn.at("top_regions")), R"({"chest":3})");
  EXPECT_EQ(pn.at("first_seen"), "2024-01-05 08:00:00");
  EXPECT_EQ(pn.at("last_seen"), "2026-03-11 08:00:00");
  const auto& fr = diag.at("fracture").as_object();
  EXPECT_EQ(fr.at("ai_compared"), 0); // `check`, not done
  EXPECT_TRUE(fr.at("ai_accuracy").is_null());
  EXPECT_TRUE(fr.at("avg_severity").is_null());
  const auto dt = diagnostic_trends_json(snap);
  EXPECT_EQ(json::serialize(dt.at("2026-03")), R"({"pneumonia":2})");
  EXPECT_EQ(json::serialize(dt.at("2026-01")), R"({"fracture":1})");
  // Erasing the newest pneumonia moves last_seen back.
  ix.erase("2");
  const auto after = diagnostic_stats_json(ix.statistics(now()));
  EXPECT_EQ(after.at("pneumonia").as_object().at("last_seen"),
            "2026-03-10 08:00:00");
}

TEST(StatsIndex, DiagnosticTrendsKeepTheTenMostFrequentOfTheWindow) {
  exam_index ix(threshold);
  int n = 0;
  // Diagnosis k has k + 1 exams in 2026-02; "old" has 50 outside the window.
  for (int k = 0; k < 12; ++k)
    for (int i = 0; i <= k; ++i)
      ix.upsert(make({std::to_string(++n), "2026-02-03 10:00:00", "chest",
                      exam_status::done, -1, 1, "", -1,
                      "d" + std::to_string(100 + k), "R"}));
  for (int i = 0; i < 50; ++i)
    ix.upsert(make({std::to_string(++n), "2024-02-03 10:00:00", "chest",
                    exam_status::done, -1, 1, "", -1, "old", "R"}));
  const auto dt = diagnostic_trends_json(ix.statistics(now()));
  const auto& feb = dt.at("2026-02").as_object();
  EXPECT_EQ(feb.size(), 10u);
  EXPECT_FALSE(feb.contains("d100"));
  EXPECT_FALSE(feb.contains("d101"));
  EXPECT_FALSE(feb.contains("old"));
  EXPECT_EQ(feb.at("d111"), 12);
}

TEST(StatsIndex, AgeBucketsUseTheAgeAtTheExamAndFollowBirthDates) {
  exam_index ix(threshold);
  patient_record p{"p1", "", "POPESCU^ION", "2020-03-16", "M", -1};
  ix.upsert_patient(p);
  ix.upsert_patient({"p2", "", "X^Y", "", "F", -1});
  auto e = make({"1", "2026-03-15 08:00:00", "chest", exam_status::done, 1, 0});
  ix.upsert(e); // 5 years old the day before the birthday
  e.uid = "2";
  e.created = "2026-03-16 08:00:00"; // 6 on the day
  ix.upsert(e);
  e.uid = "3";
  e.cnp = "p2";
  ix.upsert(e);
  auto ages = [&] {
    return insights_json(ix.statistics(now()), false)
      .at("age_distribution")
      .as_object();
  };
  auto a = ages();
  EXPECT_EQ(a.at("4-6").as_object().at("total"), 1);
  EXPECT_EQ(a.at("6-8").as_object().at("total"), 1);
  EXPECT_EQ(json::serialize(a.at("unknown")),
            R"({"total":1,"positive":1,"reviewed":1,"rad_positive":0,)"
            R"("positive_rate":1E2,"positive_rate_ci":[2.07E1,1E2]})");
  // The FHIR birth date arrives later: every exam of the patient moves.
  p.birthdate = "2010-01-01";
  ix.upsert_patient(p);
  a = ages();
  EXPECT_EQ(a.at("4-6").as_object().at("total"), 0);
  EXPECT_EQ(a.at("6-8").as_object().at("total"), 0);
  EXPECT_EQ(a.at("16-18").as_object().at("total"), 2);
}

} // namespace xrv::store
