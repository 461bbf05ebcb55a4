// The exam store actor on CAF's deterministic scheduler with a real LMDB in a
// temp folder: the work-queue flow, compare-and-set transitions, reviews,
// patient merging, and a restart that gives the same answers.

#include "actors/system/type_ids.hpp"
#include "storage/exam_repository.hpp"
#include "tests/actors/store_fixture.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

namespace xrv {

namespace {

using store::exam_status;

} // namespace

TEST_F(ExamStoreActor, IngestTakeFinishStoresTheAnalysis) {
  ASSERT_EQ(ingest("1.1", "2026-01-01 10:00:00").value(),
            ingest_outcome::queued);
  ASSERT_EQ(ingest("1.2", "2026-01-02 10:00:00").value(),
            ingest_outcome::queued);
  auto first = call<work_item>(atom::take::value, false);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->view.exam.uid, "1.2"); // newest first
  EXPECT_EQ(first->view.exam.status, exam_status::processing);
  store::ai_report ai;
  ai.text = "Right lower lobe consolidation.";
  ai.positive = 1;
  ai.severity = 7;
  auto done = call<store::exam_view>(atom::finish::value, std::string{"1.2"},
                                     ai, exam_status::done, std::string{});
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->exam.status, exam_status::done);
  EXPECT_EQ(done->exam.ai.severity, 7);
  auto counts = call<store_counts>(atom::counts::value).value();
  EXPECT_EQ(counts.queue, 1u);
  EXPECT_EQ(counts.done, 1u);
  // A re-sent image of a done exam is a duplicate, not reprocessed.
  EXPECT_EQ(ingest("1.2", "2026-01-02 10:00:00").value(),
            ingest_outcome::duplicate);
}

TEST_F(ExamStoreActor, RequeueWhileProcessingIsAConflict) {
  ASSERT_TRUE(ingest("1.1", "2026-01-01 10:00:00").has_value());
  ASSERT_TRUE(call<work_item>(atom::take::value, false).has_value());
  auto r = call<store::exam_view>(atom::requeue::value, std::string{"1.1"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::conflict);
  auto missing
    = call<store::exam_view>(atom::requeue::value, std::string{"9.9"});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, errc::not_found);
}

TEST_F(ExamStoreActor, RequeuedExamsAreTakenFirstAndAnnounced) {
  ASSERT_TRUE(ingest("1.1", "2026-01-01 10:00:00").has_value());
  ASSERT_TRUE(call<work_item>(atom::take::value, false).has_value());
  ASSERT_TRUE(call<store::exam_view>(atom::finish::value, std::string{"1.1"},
                                     store::ai_report{}, exam_status::error,
                                     std::string{"model timed out"})
                .has_value());
  ASSERT_TRUE(ingest("1.2", "2026-01-05 10:00:00").has_value());
  auto rq = call<store::exam_view>(atom::requeue::value, std::string{"1.1"});
  ASSERT_TRUE(rq.has_value());
  EXPECT_EQ(rq->exam.status, exam_status::requeue);
  EXPECT_EQ(call<work_item>(atom::take::value, false)->view.exam.uid, "1.1");
  ASSERT_FALSE(events_->events.empty());
  EXPECT_EQ(events_->events.back(),
            (std::pair<std::string, std::string>{"requeue", "1.1"}));
}

TEST_F(ExamStoreActor, ReviewRecordsVerdictAndReviewer) {
  ASSERT_TRUE(ingest("1.1", "2026-01-01 10:00:00").has_value());
  auto v = call<store::exam_view>(atom::review::value, std::string{"1.1"},
                                  false, std::string{"drhouse"});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->exam.rad.positive, 1);
  EXPECT_EQ(v->exam.rad.radiologist, "drhouse");
  EXPECT_EQ(v->exam.rad.severity, -1); // a review invents no severity
  EXPECT_FALSE(v->exam.rad.updated.empty());
  EXPECT_EQ(events_->events.back(),
            (std::pair<std::string, std::string>{"radreview", "1.1"}));
  auto agg = call<store_aggregates>(atom::aggregate::value).value();
  EXPECT_EQ(agg.radiologists.at("drhouse"), 1u);
}

TEST_F(ExamStoreActor, NewImageDoesNotWipeKnownPatientData) {
  store::patient_record p{"1900101400004", "HIS-77", "POPESCU^ION",
                          "1990-01-01",    "M",      40};
  ASSERT_TRUE(ingest("1.1", "2026-01-01 10:00:00", p).has_value());
  store::patient_record sparse{"1900101400004", "", "POPESCU^ION", "", "", -1};
  ASSERT_TRUE(ingest("1.2", "2026-01-02 10:00:00", sparse).has_value());
  auto d
    = call<patient_detail>(atom::patient::value, std::string{"1900101400004"});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->patient.id, "HIS-77");
  EXPECT_EQ(d->patient.birthdate, "1990-01-01");
  EXPECT_EQ(d->exams, (std::vector<std::string>{"1.2", "1.1"}));
}

TEST_F(ExamStoreActor, RestartGivesSameAnswersAndRequeuesInterruptedWork) {
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(ingest("1." + std::to_string(i),
                       "2026-01-" + std::to_string(10 + i % 20) + " 10:00:00")
                  .has_value());
  ASSERT_TRUE(call<store::exam_view>(atom::review::value, std::string{"1.3"},
                                     true, std::string{"a"})
                .has_value());
  auto taken = call<work_item>(atom::take::value, false);
  ASSERT_TRUE(taken.has_value()); // left processing: a crash in the middle
  store::exam_filter f;
  f.limit = 100;
  auto before = call<exam_page>(atom::list::value, f, false).value();
  stop();
  start();
  EXPECT_EQ(reset_count_, 1u);
  auto after = call<exam_page>(atom::list::value, f, false).value();
  ASSERT_EQ(after.total, before.total);
  for (std::size_t i = 0; i < after.exams.size(); ++i) {
    EXPECT_EQ(after.exams[i].exam.uid, before.exams[i].exam.uid);
    EXPECT_EQ(after.exams[i].exam.rad.positive,
              before.exams[i].exam.rad.positive);
  }
  store::exam_filter processing;
  processing.statuses = {exam_status::processing};
  EXPECT_EQ(call<exam_page>(atom::list::value, processing, false)->total, 0u);
  auto again = call<store::exam_view>(atom::get::value, taken->view.exam.uid);
  EXPECT_EQ(again->exam.status, exam_status::queued);
}

TEST_F(ExamStoreActor, MaintenanceBacksUpAndPurgesOldFailures) {
  // The test clock stands at the end of 2025.
  ASSERT_TRUE(ingest("1.1", "2020-01-01 10:00:00").has_value());
  ASSERT_TRUE(ingest("1.2", "2025-12-20 10:00:00").has_value());
  ASSERT_TRUE(ingest("1.3", "2020-01-02 10:00:00").has_value());
  for (const char* uid : {"1.2", "1.3"}) {
    auto taken = call<work_item>(atom::take::value, false);
    ASSERT_EQ(taken->view.exam.uid, uid);
    ASSERT_TRUE(call<store::exam_view>(atom::finish::value, std::string{uid},
                                       store::ai_report{}, exam_status::error,
                                       std::string{"unreadable"})
                  .has_value());
  }
  fs::create_directories(dir_ / "images");
  for (const char* f : {"1.3.png", "1.3.dcm", "1.2.png", "1.1.png"})
    std::ofstream{dir_ / "images" / f} << "x";
  caf::anon_send(store_, atom::tick::value);
  sched_->run();
  // Old and failed: gone with its files. Recent failure and old queued exam:
  // kept.
  auto gone = call<store::exam_view>(atom::get::value, std::string{"1.3"});
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, errc::not_found);
  EXPECT_FALSE(fs::exists(dir_ / "images" / "1.3.png"));
  EXPECT_FALSE(fs::exists(dir_ / "images" / "1.3.dcm"));
  EXPECT_TRUE(
    call<store::exam_view>(atom::get::value, std::string{"1.2"}).has_value());
  EXPECT_TRUE(
    call<store::exam_view>(atom::get::value, std::string{"1.1"}).has_value());
  EXPECT_TRUE(fs::exists(dir_ / "images" / "1.2.png"));
  // The backup runs in its own thread: poll for the file.
  const auto deadline
    = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool found = false;
  while (!found && std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator{dir_ / "backup", ec})
      found = found || e.path().extension() == ".mdb";
    if (!found)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(found) << "no backup written";
  // The copy opens as a database with the same exams.
  fs::path restored = dir_ / "restored";
  fs::create_directories(restored);
  for (const auto& e : fs::directory_iterator{dir_ / "backup"})
    if (e.path().extension() == ".mdb")
      fs::copy_file(e.path(), restored / "data.mdb");
  auto copy = storage::exam_repository::open(restored);
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(copy->exam_count().value(), 2u);
}

// -- AI work queue ------------------------------------------------------

TEST_F(ExamStoreActor, TakeBringsThePatientsOtherExams) {
  ASSERT_TRUE(ingest("1.1", "2025-12-01 10:00:00").has_value());
  ASSERT_TRUE(ingest("1.2", "2025-12-10 10:00:00").has_value());
  store::patient_record other{"2900101400008", "", "", "", "F", -1};
  ASSERT_TRUE(ingest("2.1", "2025-12-05 10:00:00", other).has_value());
  auto item = call<work_item>(atom::take::value, false);
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->view.exam.uid, "1.2");
  ASSERT_EQ(item->history.size(), 1U); // not itself, not another patient
  EXPECT_EQ(item->history[0].uid, "1.1");
}

TEST_F(ExamStoreActor, DoneDeletesTheDicomUnlessKept) {
  fs::create_directories(dir_ / "images");
  for (const char* f : {"1.1.dcm", "1.2.dcm", "1.1.png"})
    std::ofstream{dir_ / "images" / f} << "x";
  ASSERT_TRUE(ingest("1.1", "2025-12-01 10:00:00").has_value());
  ASSERT_TRUE(call<work_item>(atom::take::value, false).has_value());
  ASSERT_TRUE(call<store::exam_view>(atom::finish::value, std::string{"1.1"},
                                     store::ai_report{}, exam_status::done,
                                     std::string{})
                .has_value());
  EXPECT_FALSE(fs::exists(dir_ / "images" / "1.1.dcm"));
  EXPECT_TRUE(fs::exists(dir_ / "images" / "1.1.png"));
  stop();
  keep_dicom_ = true;
  start();
  ASSERT_TRUE(ingest("1.2", "2025-12-01 10:00:00").has_value());
  ASSERT_TRUE(call<work_item>(atom::take::value, false).has_value());
  ASSERT_TRUE(call<store::exam_view>(atom::finish::value, std::string{"1.2"},
                                     store::ai_report{}, exam_status::done,
                                     std::string{})
                .has_value());
  EXPECT_TRUE(fs::exists(dir_ / "images" / "1.2.dcm"));
}

TEST_F(ExamStoreActor, ErroredExamsAreRetriedAfterTheDelayButNotBadImages) {
  store::exam_record bad;
  bad.uid = "1.9";
  bad.cnp = "1900101400004";
  bad.created = "2025-12-01 10:00:00";
  bad.status = exam_status::error; // the converter could not render it
  bad.status_reason = "cannot render";
  store::patient_record p{"1900101400004", "", "", "", "", -1};
  ASSERT_TRUE(call<ingest_outcome>(atom::ingest::value, bad, p).has_value());
  ASSERT_TRUE(ingest("1.1", "2025-12-01 10:00:00").has_value());
  ASSERT_TRUE(call<work_item>(atom::take::value, false).has_value());
  auto failed = call<store::exam_view>(atom::finish::value, std::string{"1.1"},
                                       store::ai_report{}, exam_status::error,
                                       std::string{"max_retries: timeout"});
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->exam.attempts, 1);
  EXPECT_EQ(call<std::uint64_t>(atom::retry::value, 3600).value(), 0U);
  *clock_ += std::chrono::minutes(59);
  EXPECT_EQ(call<std::uint64_t>(atom::retry::value, 3600).value(), 0U);
  *clock_ += std::chrono::minutes(1);
  EXPECT_EQ(call<std::uint64_t>(atom::retry::value, 3600).value(), 1U);
  auto again = call<store::exam_view>(atom::get::value, std::string{"1.1"});
  EXPECT_EQ(again->exam.status, exam_status::queued);
  EXPECT_EQ(again->exam.attempts, 0);
  EXPECT_TRUE(again->exam.status_reason.empty());
  auto still = call<store::exam_view>(atom::get::value, std::string{"1.9"});
  EXPECT_EQ(still->exam.status, exam_status::error);
}

TEST_F(ExamStoreActor, GivenBackExamsWaitWithoutCountingAnAttempt) {
  ASSERT_TRUE(ingest("1.1", "2025-12-01 10:00:00").has_value());
  ASSERT_TRUE(call<work_item>(atom::take::value, false).has_value());
  auto back = call<store::exam_view>(atom::finish::value, std::string{"1.1"},
                                     store::ai_report{}, exam_status::queued,
                                     std::string{"no AI endpoint is up"});
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->exam.status, exam_status::queued);
  EXPECT_EQ(back->exam.attempts, 0);
  EXPECT_EQ(call<work_item>(atom::take::value, false)->view.exam.uid, "1.1");
}

// -- query scheduler: known studies --------------------------------------

TEST_F(ExamStoreActor, KnownStudiesComeFromStoredAndNewlyIngestedExams) {
  auto with_study = [&](const std::string& uid, const std::string& study) {
    store::exam_record e;
    e.uid = uid;
    e.cnp = "1900101400004";
    e.created = "2026-01-01 10:00:00";
    e.region = "chest";
    e.study = study;
    store::patient_record p;
    p.cnp = e.cnp;
    return call<ingest_outcome>(atom::ingest::value, e, p);
  };
  using uids = std::vector<std::string>;
  ASSERT_TRUE(with_study("1.1", "9.1").has_value());
  // The first question loads the studies with one scan.
  EXPECT_EQ(call<uids>(atom::studies::value, uids{"9.1", "9.2", "9.3"}),
            uids{"9.1"});
  // Later ingests keep them current.
  ASSERT_TRUE(with_study("1.2", "9.2").has_value());
  ASSERT_TRUE(with_study("1.3", "9.2").has_value());
  EXPECT_EQ(call<uids>(atom::studies::value, uids{"9.3", "9.2", "9.1"}),
            (uids{"9.2", "9.1"}));
  EXPECT_EQ(call<uids>(atom::studies::value, uids{}), uids{});
  // After a restart they come from LMDB again.
  stop();
  start();
  EXPECT_EQ(call<uids>(atom::studies::value, uids{"9.1", "9.2", "9.3"}),
            (uids{"9.1", "9.2"}));
}

// -- end query scheduler ------------------------------------------------

} // namespace xrv

namespace xrv {

// success_7d counts done exams by when their AI report was created, on the
// store's clock; the statistics snapshot follows writes and the clock.
TEST_F(ExamStoreActor, SuccessCountAndStatisticsFollowTheClock) {
  auto finish_one = [this](const std::string& uid) {
    ASSERT_TRUE(ingest(uid, "2025-12-30 10:00:00").has_value());
    ASSERT_TRUE(call<work_item>(atom::take::value, false).has_value());
    store::ai_report ai;
    ai.positive = 1;
    ai.severity = 7;
    ai.latency = 12;
    ASSERT_TRUE(call<store::exam_view>(atom::finish::value, uid, ai,
                                       exam_status::done, std::string{})
                  .has_value());
  };
  finish_one("1.1");
  *clock_ += std::chrono::hours(24 * 3);
  finish_one("1.2");
  auto counts = [this] {
    return call<store_counts>(atom::counts::value).value();
  };
  EXPECT_EQ(counts().done, 2u);
  EXPECT_EQ(counts().success_7d, 2u);
  auto stats = call<stats_ptr>(atom::stats::value).value();
  EXPECT_EQ(stats->counts.total, 2u);
  EXPECT_EQ(stats->counts.positive, 2u);
  EXPECT_EQ(stats->recent_count, 1u); // 1.2 only: 1.1 was 3 days ago
  EXPECT_EQ(stats->success_7d, 2u);
  // Five days later the first analysis is 8 days old.
  *clock_ += std::chrono::hours(24 * 5);
  EXPECT_EQ(counts().success_7d, 1u);
  auto later = call<stats_ptr>(atom::stats::value).value();
  EXPECT_EQ(later->success_7d, 1u);
  EXPECT_EQ(later->recent_count, 0u);
  // A write invalidates the cached snapshot at once.
  ASSERT_TRUE(call<store::exam_view>(atom::review::value, std::string{"1.2"},
                                     true, std::string{"drhouse"})
                .has_value());
  auto reviewed = call<stats_ptr>(atom::stats::value).value();
  EXPECT_EQ(reviewed->counts.reviewed, 1u);
  EXPECT_EQ(reviewed->counts.cm.fp, 1u);
  // Re-queued, it no longer counts as a success.
  ASSERT_TRUE(call<store::exam_view>(atom::requeue::value, std::string{"1.2"})
                .has_value());
  EXPECT_EQ(counts().success_7d, 0u);
}

} // namespace xrv
