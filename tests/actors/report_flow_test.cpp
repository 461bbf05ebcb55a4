// The exam store's radiologist report flow: exams awaiting a report, FHIR
// enrichment that never overwrites, reports stored while analysed, check
// leases, and a check that survives a restart.

#include "tests/actors/store_fixture.hpp"

namespace xrv {

namespace {

using store::exam_status;

class ReportFlow : public ExamStoreActor {
protected:
  // An analysed exam of the test patient.
  void analysed(const std::string& uid, const std::string& created) {
    ASSERT_TRUE(ingest(uid, created).has_value());
    ASSERT_TRUE(call<work_item>(atom::take::value, false).has_value());
    ASSERT_TRUE(call<store::exam_view>(atom::finish::value, uid,
                                       store::ai_report{}, exam_status::done,
                                       std::string{})
                  .has_value());
  }

  result<store::exam_view> report(const std::string& uid,
                                  store::patient_record p = {},
                                  const std::string& text = "SCD libere.") {
    p.cnp = "1900101400004";
    store::rad_report r;
    r.text = text;
    r.radiologist = "Dr. X";
    r.id = "sr1";
    r.type = "radio";
    return call<store::exam_view>(atom::rad_report::value, uid, p, r);
  }

  std::vector<std::string> awaiting() {
    return call<std::vector<std::string>>(atom::awaiting::value,
                                          std::string{"2025-12-01 00:00:00"},
                                          std::uint32_t{10})
      .value();
  }

  bool published(const std::string& name, const std::string& uid) const {
    return std::find(events_->events.begin(), events_->events.end(),
                     std::pair{name, uid})
           != events_->events.end();
  }
};

TEST_F(ReportFlow, AwaitingListsDoneExamsWithoutReportOldestFirst) {
  analysed("1.2", "2026-01-02 10:00:00");
  analysed("1.1", "2026-01-01 10:00:00");
  ASSERT_TRUE(ingest("1.3", "2026-01-03 10:00:00").has_value()); // queued
  EXPECT_EQ(awaiting(), (std::vector<std::string>{"1.1", "1.2"}));
  EXPECT_EQ(call<std::vector<std::string>>(atom::awaiting::value,
                                           std::string{"2026-01-02 00:00:00"},
                                           std::uint32_t{10})
              .value(),
            std::vector<std::string>{"1.2"});
  ASSERT_TRUE(report("1.1").has_value());
  EXPECT_EQ(awaiting(), std::vector<std::string>{"1.2"});
}

TEST_F(ReportFlow, EnrichmentFillsOnlyEmptyFields) {
  analysed("1.1", "2026-01-01 10:00:00");
  store::patient_record fhir;
  fhir.id = "P1";
  fhir.birthdate = "1990-01-01";
  auto v = report("1.1", fhir, "");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->patient.id, "P1");
  EXPECT_EQ(v->patient.birthdate, "1990-01-01");
  EXPECT_EQ(v->exam.status, exam_status::done); // no report, no check
  fhir.id = "P2";
  fhir.birthdate = "";
  v = report("1.1", fhir, "");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->patient.id, "P1");
  EXPECT_EQ(v->patient.birthdate, "1990-01-01");
  EXPECT_FALSE(published("radreport", "1.1"));
}

TEST_F(ReportFlow, ReportGoesToCheckLeasedOnceThenDone) {
  analysed("1.1", "2026-01-01 10:00:00");
  auto v = report("1.1");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->exam.status, exam_status::check);
  EXPECT_EQ(v->exam.rad.text, "SCD libere.");
  EXPECT_TRUE(published("radreport", "1.1"));
  auto lease = call<store::exam_view>(atom::take_check::value);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->exam.uid, "1.1");
  auto again = call<store::exam_view>(atom::take_check::value);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, errc::not_found);
  store::rad_report verdict;
  verdict.positive = 1;
  verdict.severity = 6;
  verdict.summary = "pneumonia";
  verdict.text_en = "Clear sinuses.";
  verdict.model = "m";
  verdict.latency = 3;
  auto done = call<store::exam_view>(atom::checked::value, std::string{"1.1"},
                                     verdict, check_end::classified);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->exam.status, exam_status::done);
  EXPECT_EQ(done->exam.rad.positive, 1);
  EXPECT_EQ(done->exam.rad.severity, 6);
  EXPECT_EQ(done->exam.rad.text_en, "Clear sinuses.");
  EXPECT_EQ(done->exam.rad.radiologist, "Dr. X");
  EXPECT_TRUE(published("radcheck", "1.1"));
}

TEST_F(ReportFlow, ReportDuringTheAnalysisIsCheckedAfterIt) {
  ASSERT_TRUE(ingest("1.1", "2026-01-01 10:00:00").has_value());
  ASSERT_TRUE(call<work_item>(atom::take::value, false).has_value());
  auto v = report("1.1");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->exam.status, exam_status::processing);
  auto done = call<store::exam_view>(atom::finish::value, std::string{"1.1"},
                                     store::ai_report{}, exam_status::done,
                                     std::string{});
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->exam.status, exam_status::check);
}

TEST_F(ReportFlow, LeasedCheckIsHandedOutAgainAfterARestart) {
  analysed("1.1", "2026-01-01 10:00:00");
  ASSERT_TRUE(report("1.1").has_value());
  ASSERT_TRUE(call<store::exam_view>(atom::take_check::value).has_value());
  stop();
  start();
  auto lease = call<store::exam_view>(atom::take_check::value);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->exam.status, exam_status::check);
  // Giving up ends in done, unclassified: never stuck in check.
  auto end = call<store::exam_view>(atom::checked::value, std::string{"1.1"},
                                    store::rad_report{}, check_end::failed);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->exam.status, exam_status::done);
  EXPECT_EQ(end->exam.rad.positive, -1);
  EXPECT_EQ(call<store_counts>(atom::counts::value).value().check, 0U);
}

} // namespace

} // namespace xrv
