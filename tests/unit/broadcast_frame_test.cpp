// Dashboard frames (spec/API.md §6): every key in every frame, each event's
// documented payload, and anonymisation for `user` clients.

#include "actors/broadcast/frame.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace xrv::broadcast {

namespace {

store::exam_view sample_exam() {
  store::exam_view v;
  v.exam.uid = "1.2.3.4";
  v.exam.cnp = "1800101223344";
  v.exam.region = "chest";
  v.exam.status = store::exam_status::done;
  v.exam.ai.text = "Consolidation in the right lower lobe.";
  v.exam.ai.positive = 1;
  v.exam.ai.severity = 6;
  v.exam.ai.confidence = 80;
  v.exam.rad.positive = 0;
  v.exam.rad.radiologist = "Dr. Ion Popescu";
  v.exam.rad.text = "Normal chest.";
  v.exam.rad.justification = "cough";
  v.exam.rad.id = "SR-9";
  v.exam.rad.type = "RX torace";
  v.exam.rad.severity = 0;
  v.exam.rad.summary = "normal";
  v.patient.cnp = v.exam.cnp;
  v.patient.name = "POPESCU^ION-MIHAI";
  return v;
}

boost::json::object parse(const std::string& text) {
  return boost::json::parse(text).as_object();
}

} // namespace

TEST(BroadcastFrame, StateFrameCarriesEveryKeyAndNoEvent) {
  dashboard_state s;
  s.queue = 3;
  s.check = 1;
  s.error = 2;
  s.ignore = 4;
  s.success = 17;
  s.active_url = "http://llm:8080/v1";
  s.health = {{"pri", true}, {"sec", false}, {"3", true}};
  s.avg_latency = 2.5;
  s.min_latency = 1;
  s.max_latency = 4.25;
  s.next_query = "2026-11-24 10:00:00";
  s.fhir_enabled = true;
  s.fhir_health = true;
  auto f = parse(serialize_frame(s, nullptr));
  EXPECT_EQ(f.size(), 5U);
  EXPECT_TRUE(f.at("fhir").at("enabled").as_bool());
  EXPECT_TRUE(f.at("fhir").at("health").as_bool());
  EXPECT_FALSE(f.contains("event"));
  const auto& d = f.at("dashboard").as_object();
  EXPECT_EQ(d.at("queue_size").as_int64(), 3);
  EXPECT_EQ(d.at("check_queue_size").as_int64(), 1);
  EXPECT_TRUE(d.at("processing").is_null());
  EXPECT_EQ(d.at("error_count").as_int64(), 2);
  EXPECT_EQ(d.at("ignore_count").as_int64(), 4);
  EXPECT_EQ(d.at("success_count").as_int64(), 17);
  const auto& o = f.at("openai").as_object();
  EXPECT_EQ(o.at("url").as_string(), "http://llm:8080/v1");
  const auto& h = o.at("health").as_object();
  EXPECT_TRUE(h.at("pri").as_bool());
  EXPECT_FALSE(h.at("sec").as_bool());
  EXPECT_TRUE(h.at("3").as_bool());
  const auto& t = f.at("timings").as_object();
  EXPECT_DOUBLE_EQ(t.at("avg_latency").to_number<double>(), 2.5);
  EXPECT_EQ(t.at("min_latency").as_int64(), 1);
  EXPECT_DOUBLE_EQ(t.at("max_latency").to_number<double>(), 4.25);
  EXPECT_EQ(f.at("next_query").as_string(), "2026-11-24 10:00:00");
}

TEST(BroadcastFrame, NoActiveEndpointIsNullAndProcessingJoinsInitials) {
  dashboard_state s;
  s.processing = {"P.I.M.", "A.B."};
  auto f = parse(serialize_frame(s, nullptr));
  EXPECT_TRUE(f.at("openai").at("url").is_null());
  EXPECT_EQ(f.at("dashboard").at("processing").as_string(), "P.I.M., A.B.");
  EXPECT_EQ(f.at("next_query").as_string(), "Disabled");
}

TEST(BroadcastFrame, EventFrameNamesTheEventAndKeepsTheState) {
  dashboard_state s;
  s.queue = 9;
  event ev{"connected", {{"address", "10.0.0.7"}}};
  auto f = parse(serialize_frame(s, &ev));
  EXPECT_EQ(f.at("dashboard").at("queue_size").as_int64(), 9);
  EXPECT_EQ(f.at("event").at("name").as_string(), "connected");
  EXPECT_EQ(f.at("event").at("payload").at("address").as_string(), "10.0.0.7");
}

TEST(BroadcastFrame, ProcessingStartShowsInitialsOnly) {
  auto p = exam_event_payload("processing_start", sample_exam(), 7, false);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->at("uid").as_string(), "1.2.3.4");
  EXPECT_EQ(p->at("patient").as_string(), "P.I.M.");
  EXPECT_EQ(p->at("region").as_string(), "chest");
  EXPECT_EQ(p->size(), 3U);
}

TEST(BroadcastFrame, NewExamCarriesPositiveReviewedAndSeverity) {
  auto p = exam_event_payload("new_exam", sample_exam(), 7, false);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->at("uid").as_string(), "1.2.3.4");
  EXPECT_TRUE(p->at("positive").as_bool()); // `short` yes wins over severity
  EXPECT_TRUE(p->at("reviewed").as_bool());
  EXPECT_EQ(p->at("severity").as_int64(), 6);
}

TEST(BroadcastFrame, ErrorNamesMaxRetriesAndKeepsTheDetail) {
  auto v = sample_exam();
  v.exam.status = store::exam_status::error;
  v.exam.status_reason = "max_retries: HTTP 500 from pri";
  auto p = exam_event_payload("error", v, 7, false);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->at("reason").as_string(), "max_retries");
  EXPECT_EQ(p->at("detail").as_string(), "HTTP 500 from pri");
  v.exam.status_reason = "cannot render: no pixel data";
  p = exam_event_payload("error", v, 7, false);
  EXPECT_EQ(p->at("reason").as_string(), "cannot render: no pixel data");
}

TEST(BroadcastFrame, RadreviewIsTheExamObjectAnonymisedForUsers) {
  auto admin = exam_event_payload("radreview", sample_exam(), 7, false);
  auto user = exam_event_payload("radreview", sample_exam(), 7, true);
  ASSERT_TRUE(admin && user);
  EXPECT_EQ(admin->at("uid").as_string(), "1.2.3.4");
  EXPECT_EQ(admin->at("patient").at("name").as_string(), "POPESCU^ION-MIHAI");
  EXPECT_EQ(user->at("patient").at("name").as_string(), "P.I.M.");
  EXPECT_EQ(user->at("patient").at("cnp").as_string(), "1800101...");
  EXPECT_TRUE(payload_depends_on_role("radreview"));
}

TEST(BroadcastFrame, RadreportShowsRadiologistInitialsToUsers) {
  auto admin = exam_event_payload("radreport", sample_exam(), 7, false);
  auto user = exam_event_payload("radreport", sample_exam(), 7, true);
  ASSERT_TRUE(admin && user);
  const auto& rep = admin->at("rad_report").as_object();
  EXPECT_EQ(rep.at("text").as_string(), "Normal chest.");
  EXPECT_EQ(rep.at("radiologist").as_string(), "Dr. Ion Popescu");
  EXPECT_EQ(rep.at("justification").as_string(), "cough");
  EXPECT_EQ(rep.at("id").as_string(), "SR-9");
  EXPECT_EQ(rep.at("type").as_string(), "RX torace");
  EXPECT_EQ(user->at("rad_report").at("radiologist").as_string(), "Dr. I.P.");
  EXPECT_TRUE(payload_depends_on_role("radreport"));
}

TEST(BroadcastFrame, RadcheckAndRequeuePayloads) {
  auto c = exam_event_payload("radcheck", sample_exam(), 7, false);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->at("positive").as_bool());
  EXPECT_EQ(c->at("severity").as_int64(), 0);
  EXPECT_EQ(c->at("summary").as_string(), "normal");
  EXPECT_TRUE(c->contains("confidence"));
  auto r = exam_event_payload("requeue", sample_exam(), 7, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("status").as_string(), "requeue");
  EXPECT_FALSE(payload_depends_on_role("requeue"));
  EXPECT_FALSE(payload_depends_on_role("new_exam"));
}

TEST(BroadcastFrame, UnknownEventHasNoPayload) {
  EXPECT_FALSE(exam_event_payload("bogus", sample_exam(), 7, false));
}

} // namespace xrv::broadcast
