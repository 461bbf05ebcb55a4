// The statistics formulas (actors/store/stats.hpp) on hand-computed values,
// including empty and one-sided confusion matrices.

#include "actors/store/stats.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace xrv::store::stats {

namespace {

confusion make(std::uint64_t tp, std::uint64_t tn, std::uint64_t fp,
               std::uint64_t fn) {
  confusion c;
  c.tp = tp;
  c.tn = tn;
  c.fp = fp;
  c.fn = fn;
  return c;
}

} // namespace

TEST(Stats, ConfusionCountsOnlyAnalysedAndReviewed) {
  confusion c;
  c.add(1, 1, +1);  // tp
  c.add(0, 0, +1);  // tn
  c.add(1, 0, +1);  // fp
  c.add(0, 1, +1);  // fn
  c.add(0, 1, +1);  // fn
  c.add(-1, 1, +1); // not analysed: nothing
  c.add(1, -1, +1); // not reviewed: nothing
  EXPECT_EQ(c, make(1, 1, 1, 2));
  EXPECT_EQ(c.compared(), 5u);
  EXPECT_EQ(c.agree(), 2u);
  c.add(0, 1, -1);
  EXPECT_EQ(c, make(1, 1, 1, 1));
}

TEST(Stats, PercentHasOneDecimalAndNullForNoDenominator) {
  EXPECT_EQ(percent(1, 3), 33.3);
  EXPECT_EQ(percent(2, 3), 66.7);
  EXPECT_EQ(percent(1, 8), 12.5);
  EXPECT_EQ(percent(0, 7), 0.0);
  EXPECT_EQ(percent(7, 7), 100.0);
  EXPECT_FALSE(percent(0, 0).has_value());
}

TEST(Stats, RatiosOfAConfusionMatrix) {
  // tp 8, tn 80, fp 2, fn 10 (hand-computed):
  // sensitivity 8/18 = 44.4, specificity 80/82 = 97.6, ppv 8/10 = 80.0,
  // npv 80/90 = 88.9.
  const auto c = make(8, 80, 2, 10);
  EXPECT_EQ(sensitivity(c), 44.4);
  EXPECT_EQ(specificity(c), 97.6);
  EXPECT_EQ(ppv(c), 80.0);
  EXPECT_EQ(npv(c), 88.9);
  // mcc = (640 - 20) / sqrt(10 * 18 * 82 * 90) = 620 / 1152.21... = 0.538
  EXPECT_EQ(mcc(c), 0.54);
}

TEST(Stats, EmptyMatrixHasNullRatiosAndZeroMcc) {
  const confusion c;
  EXPECT_FALSE(sensitivity(c));
  EXPECT_FALSE(specificity(c));
  EXPECT_FALSE(ppv(c));
  EXPECT_FALSE(npv(c));
  EXPECT_EQ(mcc(c), 0.0);
}

TEST(Stats, OneSidedMatricesLeaveTheUndefinedRatiosNull) {
  // Only positives, all found: sensitivity and ppv 100, the rest undefined.
  const auto all_tp = make(5, 0, 0, 0);
  EXPECT_EQ(sensitivity(all_tp), 100.0);
  EXPECT_EQ(ppv(all_tp), 100.0);
  EXPECT_FALSE(specificity(all_tp));
  EXPECT_FALSE(npv(all_tp));
  EXPECT_EQ(mcc(all_tp), 0.0);
  // Only negatives, the AI says positive every time.
  const auto all_fp = make(0, 0, 4, 0);
  EXPECT_EQ(specificity(all_fp), 0.0);
  EXPECT_EQ(ppv(all_fp), 0.0);
  EXPECT_FALSE(sensitivity(all_fp));
  EXPECT_FALSE(npv(all_fp));
  EXPECT_EQ(mcc(all_fp), 0.0);
}

TEST(Stats, MccIsOneForPerfectAndMinusOneForInverted) {
  EXPECT_EQ(mcc(make(3, 4, 0, 0)), 1.0);
  EXPECT_EQ(mcc(make(0, 0, 3, 4)), -1.0);
  // Independent: (1*1 - 1*1) / ... = 0, not "-0".
  EXPECT_EQ(mcc(make(1, 1, 1, 1)), 0.0);
  EXPECT_FALSE(std::signbit(mcc(make(1, 1, 1, 1))));
}

TEST(Stats, WilsonIntervals) {
  // 8 of 10: centre (0.8 + 0.19207) / 1.38415 = 0.71679, half
  // 1.95996 / 1.38415 * sqrt(0.016 + 0.0096) = 0.22654 -> [49.0, 94.3].
  auto ci = wilson(8, 10);
  ASSERT_TRUE(ci);
  EXPECT_EQ((*ci)[0], 49.0);
  EXPECT_EQ((*ci)[1], 94.3);
  // 0 of 12: [0, 3.8415 / 15.8415 = 24.2].
  ci = wilson(0, 12);
  ASSERT_TRUE(ci);
  EXPECT_EQ((*ci)[0], 0.0);
  EXPECT_EQ((*ci)[1], 24.2);
  // 12 of 12: mirrored.
  ci = wilson(12, 12);
  ASSERT_TRUE(ci);
  EXPECT_EQ((*ci)[0], 75.8);
  EXPECT_EQ((*ci)[1], 100.0);
  // Many exams: narrow around the proportion.
  ci = wilson(500, 1000);
  ASSERT_TRUE(ci);
  EXPECT_EQ((*ci)[0], 46.9);
  EXPECT_EQ((*ci)[1], 53.1);
  EXPECT_FALSE(wilson(0, 0));
}

TEST(Stats, AverageRoundsOrIsNull) {
  EXPECT_EQ(average(10, 4, 1), 2.5);
  EXPECT_EQ(average(10, 3, 2), 3.33);
  EXPECT_EQ(average(2, 3, 1), 0.7);
  EXPECT_FALSE(average(0, 0, 1));
}

TEST(Stats, LocalTimeKeys) {
  const auto s = local_seconds("2026-03-01 13:45:10");
  ASSERT_TRUE(s);
  EXPECT_EQ(format_local_seconds(*s), "2026-03-01 13:45:10");
  EXPECT_EQ(day_text(day_of(*s)), "2026-03-01");
  EXPECT_EQ(month_text(month_of(*s)), "2026-03");
  // The previous day is the last of February; the previous month February.
  EXPECT_EQ(day_text(day_of(*s) - 1), "2026-02-28");
  EXPECT_EQ(month_text(month_of(*s) - 1), "2026-02");
  EXPECT_EQ(month_text(month_of(*s) - 3), "2025-12");
  EXPECT_EQ(hour_of(*s) - hour_of(*local_seconds("2026-02-28 14:00:00")), 23);
  EXPECT_EQ(day_number({1970, 1, 1}), 0);
  EXPECT_EQ(day_text(day_number({2024, 2, 29})), "2024-02-29");
  EXPECT_EQ(format_local_seconds(*local_seconds("1969-12-31 23:59:59")),
            "1969-12-31 23:59:59");
  EXPECT_FALSE(local_seconds("2026-02-30 10:00:00"));
  EXPECT_FALSE(local_seconds(""));
}

TEST(Stats, AgeBuckets) {
  auto label = [](int age) {
    return std::string{age_labels[age_bucket(age)]};
  };
  EXPECT_EQ(label(-1), "unknown");
  EXPECT_EQ(label(0), "0-1");
  EXPECT_EQ(label(1), "1-2");
  EXPECT_EQ(label(2), "2-4");
  EXPECT_EQ(label(3), "2-4");
  EXPECT_EQ(label(4), "4-6");
  EXPECT_EQ(label(9), "8-10");
  EXPECT_EQ(label(16), "16-18");
  EXPECT_EQ(label(17), "16-18");
  EXPECT_EQ(label(18), ">18");
  EXPECT_EQ(label(90), ">18");
}

} // namespace xrv::store::stats
