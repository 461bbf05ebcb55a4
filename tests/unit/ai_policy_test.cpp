// The AI queue's pure decisions: how answers count, back-off, the probe URL,
// endpoint choice and the 24-hour latency window.

#include "actors/ai/policy.hpp"

#include <gtest/gtest.h>

namespace xrv::ai {

namespace {

using namespace std::chrono_literals;

TEST(AiPolicy, StatusesThatStopTheEndpointAreOutages) {
  EXPECT_EQ(classify_status(200), outcome_kind::ok);
  for (long s : {401L, 403L, 404L, 429L, 502L, 503L, 504L})
    EXPECT_EQ(classify_status(s), outcome_kind::outage) << s;
  for (long s : {400L, 413L, 422L, 500L, 201L})
    EXPECT_EQ(classify_status(s), outcome_kind::failed) << s;
  EXPECT_EQ(classify_transport(errc::peer_unavailable), outcome_kind::outage);
  EXPECT_EQ(classify_transport(errc::timeout), outcome_kind::failed);
  EXPECT_EQ(classify_transport(errc::internal), outcome_kind::failed);
}

TEST(AiPolicy, RetryDelayDoublesUpToTenMinutes) {
  EXPECT_EQ(retry_delay(1, 2000ms), 2000ms);
  EXPECT_EQ(retry_delay(2, 2000ms), 4000ms);
  EXPECT_EQ(retry_delay(3, 2000ms), 8000ms);
  EXPECT_EQ(retry_delay(40, 2000ms), std::chrono::milliseconds(10min));
}

TEST(AiPolicy, ModelsUrl) {
  EXPECT_EQ(models_url("http://h:8080/v1/chat/completions"),
            "http://h:8080/v1/models");
  EXPECT_EQ(models_url("http://h/api/v1/"), "http://h/api/v1/models");
}

TEST(AiPolicy, ChoosesTheFirstHealthyFreeEndpointAvoidingTheLastFailure) {
  std::vector<endpoint_view> e{{true, 1, 1}, {false, 1, 0}, {true, 2, 1}};
  EXPECT_EQ(choose_endpoint(e), 2U);
  e[0].busy = 0;
  EXPECT_EQ(choose_endpoint(e), 0U);
  EXPECT_EQ(choose_endpoint(e, 0), 2U);
  e[2].busy = 2;
  EXPECT_EQ(choose_endpoint(e, 0), 0U); // no other one: the same again
  e[0].healthy = false;
  EXPECT_FALSE(choose_endpoint(e));
  EXPECT_TRUE(any_healthy(e));
  e[2].healthy = false;
  EXPECT_FALSE(any_healthy(e));
}

TEST(AiPolicy, LatencyWindowKeepsTheLastDay) {
  latency_window w;
  const latency_window::clock::time_point t0{24h * 1000};
  EXPECT_EQ(w.over_day(t0).count, 0U);
  EXPECT_EQ(w.over_day(t0).avg_s, 0);
  w.add(t0, 1000);
  w.add(t0 + 30s, 3000);
  w.add(t0 + 2h, 2000);
  auto s = w.over_day(t0 + 2h);
  EXPECT_EQ(s.count, 3U);
  EXPECT_DOUBLE_EQ(s.avg_s, 2.0);
  EXPECT_DOUBLE_EQ(s.min_s, 1.0);
  EXPECT_DOUBLE_EQ(s.max_s, 3.0);
  // A day later the first two have left the window.
  s = w.over_day(t0 + 24h + 1min);
  EXPECT_EQ(s.count, 1U);
  EXPECT_DOUBLE_EQ(s.avg_s, 2.0);
  // The bucket of the same minute a day later starts afresh.
  w.add(t0 + 24h, 500);
  s = w.over_day(t0 + 24h);
  EXPECT_EQ(s.count, 2U);
  EXPECT_DOUBLE_EQ(s.min_s, 0.5);
}

} // namespace

} // namespace xrv::ai
