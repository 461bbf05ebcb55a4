#include "actors/store/definitions.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace {

using namespace xrv::store;

constexpr int threshold = 5;

ai_report ai_with(int positive, int severity) {
  ai_report ai;
  ai.positive = positive;
  ai.severity = severity;
  return ai;
}

exam_record exam_with(int ai_pos, int ai_sev, int rad_pos) {
  exam_record e;
  e.ai = ai_with(ai_pos, ai_sev);
  e.rad.positive = rad_pos;
  return e;
}

// Sets TZ for one test and restores it afterwards; local-time functions are
// otherwise at the mercy of the machine's zone.
class scoped_tz {
public:
  explicit scoped_tz(const char* tz) {
    if (const char* old = std::getenv("TZ"))
      old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }

  scoped_tz(const scoped_tz&) = delete;
  scoped_tz& operator=(const scoped_tz&) = delete;

  ~scoped_tz() {
    if (old_)
      ::setenv("TZ", old_->c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

private:
  std::optional<std::string> old_;
};

// Romania: EET, EEST from the last Sunday of March 03:00 to the last Sunday
// of October 04:00. A POSIX rule, so no zoneinfo files are needed.
constexpr const char* bucharest = "EET-2EEST,M3.5.0/3,M10.5.0/4";

// -- AI positive, reviewed, correct -------------------------------------------

TEST(AiPositive, ShortYesWinsOverLowSeverity) {
  EXPECT_EQ(ai_positive(ai_with(1, 2), threshold), 1);
}

TEST(AiPositive, ShortNoWinsOverHighSeverity) {
  EXPECT_EQ(ai_positive(ai_with(0, 9), threshold), 0);
}

TEST(AiPositive, WithoutShortSeverityAtThresholdIsPositive) {
  EXPECT_EQ(ai_positive(ai_with(-1, 5), threshold), 1);
  EXPECT_EQ(ai_positive(ai_with(-1, 10), threshold), 1);
}

TEST(AiPositive, WithoutShortSeverityBelowThresholdIsNegative) {
  EXPECT_EQ(ai_positive(ai_with(-1, 4), threshold), 0);
  EXPECT_EQ(ai_positive(ai_with(-1, 0), threshold), 0);
}

TEST(AiPositive, NeitherShortNorSeverityIsNotAnalysed) {
  EXPECT_EQ(ai_positive(ai_with(-1, -1), threshold), -1);
  EXPECT_EQ(ai_positive(ai_report{}, threshold), -1);
  EXPECT_FALSE(ai_analysed(ai_report{}, threshold));
  EXPECT_TRUE(ai_analysed(ai_with(0, -1), threshold));
  EXPECT_TRUE(ai_analysed(ai_with(-1, 0), threshold));
}

TEST(AiPositive, ThresholdIsAParameter) {
  EXPECT_EQ(ai_positive(ai_with(-1, 3), 3), 1);
  EXPECT_EQ(ai_positive(ai_with(-1, 3), 4), 0);
}

TEST(Reviewed, ExactlyWhenRadPositiveIsKnown) {
  rad_report rad;
  EXPECT_EQ(reviewed(rad), 0);
  rad.positive = 0;
  EXPECT_EQ(reviewed(rad), 1);
  rad.positive = 1;
  EXPECT_EQ(reviewed(rad), 1);
}

TEST(Reviewed, SeverityAloneIsNotAReview) {
  rad_report rad;
  rad.severity = 7;
  EXPECT_EQ(reviewed(rad), 0);
}

TEST(Correct, MatrixOfAiAndRadiologist) {
  // Rows: AI -1/0/1 (by `short`); columns: radiologist -1/0/1.
  constexpr std::array<std::array<int, 3>, 3> expected{{
    {-1, -1, -1},
    {-1, 1, 0},
    {-1, 0, 1},
  }};
  for (int ai = -1; ai <= 1; ++ai)
    for (int rad = -1; rad <= 1; ++rad)
      EXPECT_EQ(correct(exam_with(ai, -1, rad), threshold),
                expected[static_cast<std::size_t>(ai + 1)]
                        [static_cast<std::size_t>(rad + 1)])
        << "ai " << ai << " rad " << rad;
}

TEST(Correct, UsesSeverityWhenTheModelGaveNoShort) {
  EXPECT_EQ(correct(exam_with(-1, 8, 1), threshold), 1);
  EXPECT_EQ(correct(exam_with(-1, 8, 0), threshold), 0);
  EXPECT_EQ(correct(exam_with(-1, 2, 0), threshold), 1);
}

TEST(Correct, ReviewedButUnanalysedIsUnknown) {
  // The original counted this as a disagreement (NULL AI severity).
  EXPECT_EQ(correct(exam_with(-1, -1, 0), threshold), -1);
}

// -- dates --------------------------------------------------------------------

TEST(ParseDate, AcceptsRealDatesOnly) {
  const auto d = parse_date("2016-02-29");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->year, 2016);
  EXPECT_EQ(d->month, 2);
  EXPECT_EQ(d->day, 29);
  EXPECT_FALSE(parse_date("2015-02-29"));
  EXPECT_FALSE(parse_date("1900-02-29"));
  EXPECT_TRUE(parse_date("2000-02-29"));
  EXPECT_FALSE(parse_date("2015-13-01"));
  EXPECT_FALSE(parse_date("2015-04-31"));
  EXPECT_FALSE(parse_date("2015-00-10"));
  EXPECT_FALSE(parse_date("20150610"));
  EXPECT_FALSE(parse_date("2015-6-10"));
  EXPECT_FALSE(parse_date("2015-06-10 "));
  EXPECT_FALSE(parse_date(""));
}

TEST(ParseTimestamp, RequiresTheStoredForm) {
  const auto t = parse_timestamp("2024-03-05 07:08:09");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->date.day, 5);
  EXPECT_EQ(t->hour, 7);
  EXPECT_EQ(t->minute, 8);
  EXPECT_EQ(t->second, 9);
  EXPECT_FALSE(parse_timestamp("2024-03-05T07:08:09"));
  EXPECT_FALSE(parse_timestamp("2024-03-05 24:00:00"));
  EXPECT_FALSE(parse_timestamp("2024-03-05 23:60:00"));
  EXPECT_FALSE(parse_timestamp("2024-03-05 23:59:60"));
  EXPECT_FALSE(parse_timestamp("2024-03-05 7:08:09"));
  EXPECT_FALSE(parse_timestamp("2024-03-05"));
}

TEST(AgeAt, CountsWholeYearsAtTheExamDate) {
  EXPECT_EQ(age_at("2015-06-10", "2020-06-09 23:59:59"), 4);
  EXPECT_EQ(age_at("2015-06-10", "2020-06-10 00:00:00"), 5);
  EXPECT_EQ(age_at("2015-06-10", "2020-12-31 12:00:00"), 5);
}

TEST(AgeAt, NewbornIsZero) {
  EXPECT_EQ(age_at("2024-03-05", "2024-03-05 08:00:00"), 0);
  EXPECT_EQ(age_at("2023-03-06", "2024-03-05 08:00:00"), 0);
}

TEST(AgeAt, LeapDayBirthdayCountsOnFirstOfMarch) {
  EXPECT_EQ(age_at("2016-02-29", "2017-02-28 10:00:00"), 0);
  EXPECT_EQ(age_at("2016-02-29", "2017-03-01 10:00:00"), 1);
  EXPECT_EQ(age_at("2016-02-29", "2020-02-29 10:00:00"), 4);
}

TEST(AgeAt, AcceptsADateForToday) {
  EXPECT_EQ(age_at("2015-06-10", "2025-06-10"), 10);
}

TEST(AgeAt, UnknownWhenMissingMalformedOrBeforeBirth) {
  EXPECT_EQ(age_at("", "2020-06-10 00:00:00"), -1);
  EXPECT_EQ(age_at("2015-06-10", ""), -1);
  EXPECT_EQ(age_at("2015-13-10", "2020-06-10 00:00:00"), -1);
  EXPECT_EQ(age_at("10.06.2015", "2020-06-10 00:00:00"), -1);
  EXPECT_EQ(age_at("2015-06-10", "2020-06-10 25:00:00"), -1);
  EXPECT_EQ(age_at("2015-06-10", "2015-06-09 23:59:59"), -1);
}

// -- local times --------------------------------------------------------------

TEST(LocalTime, EpochOfAWinterAndASummerTimestamp) {
  const scoped_tz tz{bucharest};
  EXPECT_EQ(to_epoch_seconds("2024-01-15 12:00:00"), 1705312800); // UTC+2
  EXPECT_EQ(to_epoch_seconds("2024-07-15 12:00:00"), 1721034000); // UTC+3
}

TEST(LocalTime, DayOfTheAutumnChangeHasTwentyFiveHours) {
  const scoped_tz tz{bucharest};
  EXPECT_EQ(to_epoch_seconds("2024-10-27 12:00:00")
              - to_epoch_seconds("2024-10-26 12:00:00"),
            25 * 3600);
}

TEST(LocalTime, FormatIsTheInverse) {
  const scoped_tz tz{bucharest};
  EXPECT_EQ(format_local(1705312800), "2024-01-15 12:00:00");
  EXPECT_EQ(format_local(1721034000), "2024-07-15 12:00:00");
  for (const char* s : {"2000-02-29 00:00:00", "2024-12-31 23:59:59"})
    EXPECT_EQ(format_local(to_epoch_seconds(s)), s);
}

TEST(LocalTime, UtcEpochStart) {
  const scoped_tz tz{"UTC0"};
  EXPECT_EQ(to_epoch_seconds("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(format_local(0), "1970-01-01 00:00:00");
}

TEST(LocalTime, MalformedTimestampIsMinusOne) {
  EXPECT_EQ(to_epoch_seconds(""), -1);
  EXPECT_EQ(to_epoch_seconds("2024-01-15"), -1);
  EXPECT_EQ(to_epoch_seconds("2024-01-15T12:00:00"), -1);
  EXPECT_EQ(to_epoch_seconds("2024-02-30 12:00:00"), -1);
}

// -- status transitions -------------------------------------------------------

TEST(StatusTransitions, FullTable) {
  using enum exam_status;
  constexpr std::array all{none,  queued, processing, done,
                           error, ignore, requeue,    check};
  // allowed[from][to] in the enum's order: none queued processing done error
  // ignore requeue check.
  constexpr std::array<std::array<bool, 8>, 8> allowed{{
    /* none       */ {false, true, false, false, false, false, true, true},
    /* queued     */ {false, false, true, false, false, false, true, false},
    /* processing */ {false, true, false, true, true, true, false, false},
    /* done       */ {false, false, false, false, false, false, true, true},
    /* error      */ {false, true, false, false, false, false, true, true},
    /* ignore     */ {false, true, false, false, false, false, true, true},
    /* requeue    */ {false, false, true, false, false, false, true, false},
    /* check      */ {false, false, true, true, false, false, true, true},
  }};
  for (const auto from : all)
    for (const auto to : all)
      EXPECT_EQ(
        can_transition(from, to),
        allowed[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)])
        << to_string(from) << " -> " << to_string(to);
}

TEST(StatusTransitions, WorkerPicksOnlyQueuedRequeueAndCheck) {
  using enum exam_status;
  EXPECT_TRUE(can_transition(queued, processing));
  EXPECT_TRUE(can_transition(requeue, processing));
  EXPECT_TRUE(can_transition(check, processing));
  EXPECT_FALSE(can_transition(processing, processing));
  EXPECT_FALSE(can_transition(done, processing));
}

TEST(StatusTransitions, RequeueRefusedWhileProcessing) {
  EXPECT_FALSE(can_transition(exam_status::processing, exam_status::requeue));
  EXPECT_TRUE(can_transition(exam_status::done, exam_status::requeue));
  EXPECT_TRUE(can_transition(exam_status::requeue, exam_status::requeue));
}

TEST(StatusTransitions, RadiologistReportOnUnanalysedExamIsDeferred) {
  // The original switched queued exams to `check`, losing their analysis.
  EXPECT_FALSE(can_transition(exam_status::queued, exam_status::check));
  EXPECT_FALSE(can_transition(exam_status::requeue, exam_status::check));
  EXPECT_FALSE(can_transition(exam_status::processing, exam_status::check));
  EXPECT_EQ(after_processing(exam_status::done, false, true),
            exam_status::check);
}

TEST(StatusTransitions, ResentImageDoesNotDropAnAwaitedCheck) {
  EXPECT_FALSE(can_transition(exam_status::check, exam_status::queued));
  EXPECT_FALSE(can_transition(exam_status::done, exam_status::queued));
  EXPECT_TRUE(can_transition(exam_status::error, exam_status::queued));
}

TEST(AfterProcessing, ResultStandsWithoutPendingEvents) {
  using enum exam_status;
  EXPECT_EQ(after_processing(done, false, false), done);
  EXPECT_EQ(after_processing(error, false, false), error);
  EXPECT_EQ(after_processing(ignore, false, false), ignore);
  EXPECT_EQ(after_processing(queued, false, false), queued);
}

TEST(AfterProcessing, PendingRequeueDuringProcessingIsNotLost) {
  using enum exam_status;
  EXPECT_EQ(after_processing(done, true, false), requeue);
  EXPECT_EQ(after_processing(error, true, false), requeue);
  EXPECT_EQ(after_processing(ignore, true, false), requeue);
  EXPECT_EQ(after_processing(queued, true, false), requeue);
  // Both pending: re-queue first; the caller keeps the check pending.
  EXPECT_EQ(after_processing(done, true, true), requeue);
}

TEST(AfterProcessing, PendingCheckDuringProcessingIsNotLost) {
  using enum exam_status;
  EXPECT_EQ(after_processing(done, false, true), check);
  EXPECT_EQ(after_processing(error, false, true), check);
  EXPECT_EQ(after_processing(ignore, false, true), check);
}

TEST(AfterProcessing, StartupResetAnalysesBeforeThePendingCheck) {
  EXPECT_EQ(after_processing(exam_status::queued, false, true),
            exam_status::queued);
}

TEST(AfterProcessing, ResultThatIsNoEndCountsAsError) {
  using enum exam_status;
  EXPECT_EQ(after_processing(processing, false, false), error);
  EXPECT_EQ(after_processing(none, false, false), error);
  EXPECT_EQ(after_processing(check, false, false), error);
}

TEST(ExamStatus, NamesRoundTrip) {
  using enum exam_status;
  for (const auto s :
       {none, queued, processing, done, error, ignore, requeue, check})
    EXPECT_EQ(parse_status(to_string(s)), s);
  EXPECT_EQ(to_string(processing), "processing");
  EXPECT_EQ(parse_status("DONE"), done);
  EXPECT_EQ(parse_status("Requeue"), requeue);
  EXPECT_FALSE(parse_status("finished"));
  EXPECT_FALSE(parse_status(""));
  EXPECT_FALSE(parse_status("done "));
}

} // namespace
