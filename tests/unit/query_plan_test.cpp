#include "actors/dicom/query_plan.hpp"

#include "actors/store/exam.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <map>

namespace {

using namespace std::chrono_literals;
using namespace xrv::dicom;
using clock_type = std::chrono::system_clock;

// UTC stands in for the local zone, so the tests do not depend on TZ.
civil_time utc(clock_type::time_point t) {
  const auto secs = clock_type::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return civil_time{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                    tm.tm_hour,        tm.tm_min,     tm.tm_sec};
}

// An instant given in UTC civil terms.
clock_type::time_point at(int y, int mo, int d, int h, int mi, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return clock_type::from_time_t(timegm(&tm));
}

std::map<std::string, std::string> by_keyword(const std::vector<find_key>& k) {
  std::map<std::string, std::string> out;
  for (const auto& key : k)
    out[key.keyword] = key.value;
  return out;
}

study_answer answer(std::string uid, std::string date = {},
                    std::string time = {}) {
  return study_answer{std::move(uid), std::move(date), std::move(time), -1};
}

TEST(QueryPlan, WindowWithinOneDayQueriesThatDay) {
  auto w = make_window(at(2024, 5, 14, 15, 30), 3h, utc);
  EXPECT_EQ(w.from, (civil_time{2024, 5, 14, 12, 30, 0}));
  EXPECT_EQ(w.to, (civil_time{2024, 5, 14, 15, 30, 0}));
  EXPECT_EQ(study_date_range(w), "20240514-20240514");
}

TEST(QueryPlan, WindowSpanningMidnightQueriesBothDays) {
  auto w = make_window(at(2024, 5, 14, 1, 0), 3h, utc);
  EXPECT_EQ(study_date_range(w), "20240513-20240514");
}

TEST(QueryPlan, WeekLongWindowCoversEveryDayInBetween) {
  // The original queried only the first and last day (§9.4 item 18).
  auto w = make_window(at(2024, 3, 2, 10, 0), 168h, utc);
  EXPECT_EQ(study_date_range(w), "20240224-20240302");
}

TEST(QueryPlan, WindowAcrossYearEnd) {
  auto w = make_window(at(2025, 1, 1, 0, 30), 1h, utc);
  EXPECT_EQ(study_date_range(w), "20241231-20250101");
}

TEST(QueryPlan, FindKeysAreStudyLevelWithModalitiesInStudy) {
  auto keys = study_find_keys(make_window(at(2024, 5, 14, 1, 0), 3h, utc));
  auto k = by_keyword(keys);
  EXPECT_EQ(k["QueryRetrieveLevel"], "STUDY");
  EXPECT_EQ(k["StudyDate"], "20240513-20240514");
  EXPECT_EQ(k["ModalitiesInStudy"], "CR\\DX");
  EXPECT_EQ(k.count("Modality"), 0u) << "Modality is a SERIES-level key";
  for (const char* ret : {"StudyInstanceUID", "PatientID", "StudyTime",
                          "AccessionNumber", "NumberOfStudyRelatedInstances"}) {
    ASSERT_EQ(k.count(ret), 1u) << ret;
    EXPECT_EQ(k[ret], "") << ret << " must be a return key";
  }
}

TEST(QueryPlan, FindKeysCarryTheirTags) {
  auto keys = study_find_keys(make_window(at(2024, 5, 14, 9, 0), 1h, utc));
  auto tag_of = [&](const std::string& kw) {
    for (const auto& key : keys)
      if (key.keyword == kw)
        return std::pair<int, int>{key.group, key.element};
    return std::pair<int, int>{-1, -1};
  };
  EXPECT_EQ(tag_of("StudyInstanceUID"), (std::pair<int, int>{0x0020, 0x000D}));
  EXPECT_EQ(tag_of("ModalitiesInStudy"), (std::pair<int, int>{0x0008, 0x0061}));
  EXPECT_EQ(tag_of("QueryRetrieveLevel"),
            (std::pair<int, int>{0x0008, 0x0052}));
  EXPECT_EQ(tag_of("NumberOfStudyRelatedInstances"),
            (std::pair<int, int>{0x0020, 0x1208}));
}

TEST(QueryPlan, ParsesDicomDatesAndRejectsInvalidOnes) {
  EXPECT_EQ(parse_da("20240229"), (civil_time{2024, 2, 29, 0, 0, 0}));
  EXPECT_EQ(parse_da("2024.02.28 "), (civil_time{2024, 2, 28, 0, 0, 0}));
  EXPECT_FALSE(parse_da("20230229"));
  EXPECT_FALSE(parse_da("20241301"));
  EXPECT_FALSE(parse_da(""));
  EXPECT_FALSE(parse_da("2024051"));
}

TEST(QueryPlan, ParsesTruncatedFractionalAndLegacyTimes) {
  const civil_time d{2024, 5, 14, 0, 0, 0};
  EXPECT_EQ(with_tm(d, "07"), (civil_time{2024, 5, 14, 7, 0, 0}));
  EXPECT_EQ(with_tm(d, "0705"), (civil_time{2024, 5, 14, 7, 5, 0}));
  EXPECT_EQ(with_tm(d, "070509.123456"), (civil_time{2024, 5, 14, 7, 5, 9}));
  EXPECT_EQ(with_tm(d, "07:05:09"), (civil_time{2024, 5, 14, 7, 5, 9}));
  EXPECT_FALSE(with_tm(d, ""));
  EXPECT_FALSE(with_tm(d, "250000"));
  EXPECT_FALSE(with_tm(d, "7"));
}

TEST(QueryPlan, StudyBeforeTheWindowOnItsFirstDayIsDropped) {
  auto w = make_window(at(2024, 5, 14, 15, 0), 3h, utc); // 12:00..15:00
  EXPECT_FALSE(in_window(answer("1.2", "20240514", "115959"), w));
  EXPECT_TRUE(in_window(answer("1.2", "20240514", "120000"), w));
  EXPECT_TRUE(in_window(answer("1.2", "20240514", "145959.5"), w));
}

TEST(QueryPlan, StudyOnAnotherDayIsDropped) {
  auto w = make_window(at(2024, 5, 14, 15, 0), 3h, utc);
  EXPECT_FALSE(in_window(answer("1.2", "20240513", "140000"), w));
  EXPECT_FALSE(in_window(answer("1.2", "20240515", "010000"), w));
  EXPECT_FALSE(in_window(answer("1.2", "20240513"), w)) << "date only";
}

TEST(QueryPlan, StudyLaterTodayThanNowIsKept) {
  // A modality clock running a few minutes ahead must not hide a study.
  auto w = make_window(at(2024, 5, 14, 15, 0), 3h, utc);
  EXPECT_TRUE(in_window(answer("1.2", "20240514", "150500"), w));
}

TEST(QueryPlan, AcrossMidnightBothDaysCount) {
  auto w = make_window(at(2024, 5, 14, 1, 0), 3h, utc); // 22:00..01:00
  EXPECT_TRUE(in_window(answer("1.2", "20240513", "230000"), w));
  EXPECT_TRUE(in_window(answer("1.2", "20240514", "003000"), w));
  EXPECT_FALSE(in_window(answer("1.2", "20240513", "215959"), w));
}

TEST(QueryPlan, StudyWithoutUsableDateOrTimeIsKept) {
  auto w = make_window(at(2024, 5, 14, 15, 0), 3h, utc);
  EXPECT_TRUE(in_window(answer("1.2"), w));
  EXPECT_TRUE(in_window(answer("1.2", "garbage", "120000"), w));
  EXPECT_TRUE(in_window(answer("1.2", "20240514", ""), w)) << "date only";
  EXPECT_TRUE(in_window(answer("1.2", "20240514", "xx"), w));
}

TEST(QueryPlan, SelectionDropsInvalidRepeatedAndOutsideAnswers) {
  auto w = make_window(at(2024, 5, 14, 15, 0), 3h, utc);
  auto s = select_in_window(
    {
      answer("1.2.3", "20240514", "130000"),
      answer("", "20240514", "130000"),
      answer("not-a-uid", "20240514", "130000"),
      answer("1.2.3 ", "20240514", "130000"), // padded repeat
      answer("1.2.4", "20240101", "130000"),
      answer("1.2.5"),
    },
    w);
  ASSERT_EQ(s.studies.size(), 2u);
  EXPECT_EQ(s.studies[0].study_uid, "1.2.3");
  EXPECT_EQ(s.studies[1].study_uid, "1.2.5");
  EXPECT_EQ(s.found, 6u);
  EXPECT_EQ(s.invalid, 2u);
  EXPECT_EQ(s.repeated, 1u);
  EXPECT_EQ(s.outside, 1u);
  EXPECT_EQ(s.known, 0u);
}

TEST(QueryPlan, KnownStudiesAreDropped) {
  auto w = make_window(at(2024, 5, 14, 15, 0), 3h, utc);
  auto s
    = select_in_window({answer("1.2.3"), answer("1.2.4"), answer("1.2.5")}, w);
  drop_known(s, {"1.2.4", "9.9"});
  ASSERT_EQ(s.studies.size(), 2u);
  EXPECT_EQ(s.studies[0].study_uid, "1.2.3");
  EXPECT_EQ(s.studies[1].study_uid, "1.2.5");
  EXPECT_EQ(s.known, 1u);
}

TEST(QueryPlan, UidValidation) {
  EXPECT_TRUE(xrv::store::is_valid_uid("1.2.840.10008.5.1.4.1.1.1"));
  EXPECT_FALSE(xrv::store::is_valid_uid(""));
  EXPECT_FALSE(xrv::store::is_valid_uid("1.2.x"));
  EXPECT_FALSE(xrv::store::is_valid_uid(std::string(65, '1')));
  EXPECT_FALSE(xrv::store::is_valid_uid("1..2"));
  EXPECT_FALSE(xrv::store::is_valid_uid(".1.2"));
  EXPECT_FALSE(xrv::store::is_valid_uid("1.2."));
}

TEST(QueryPlan, NextDelayStaysWithinThirtyPercentOfTheInterval) {
  EXPECT_EQ(next_delay(300s, 0.0), 210000ms);
  EXPECT_EQ(next_delay(300s, 0.5), 300000ms);
  EXPECT_EQ(next_delay(300s, 1.0), 390000ms);
  for (double r = 0.0; r <= 1.0; r += 0.01) {
    auto d = next_delay(100s, r);
    EXPECT_GE(d, 70000ms);
    EXPECT_LE(d, 130000ms);
  }
}

TEST(QueryPlan, NextDelayClampsItsRandomInputAndNeverReachesZero) {
  EXPECT_EQ(next_delay(300s, -3.0), 210000ms);
  EXPECT_EQ(next_delay(300s, 7.0), 390000ms);
  EXPECT_EQ(next_delay(300s, std::nan("")), 210000ms);
  EXPECT_EQ(next_delay(0s, 0.5), 1000ms);
}

TEST(QueryPlan, ScheduledSpanCoversTheLongestGap) {
  EXPECT_EQ(scheduled_span(300s), 3600s);
  EXPECT_EQ(scheduled_span(7200s), 14400s);
  EXPECT_EQ(scheduled_span(std::chrono::seconds{365 * 86400}), 168h);
  // The longest jittered gap is 1.3 intervals: always inside the span.
  for (auto i : {10s, 300s, 3600s, 20000s})
    EXPECT_GE(scheduled_span(i), next_delay(i, 1.0));
}

} // namespace
