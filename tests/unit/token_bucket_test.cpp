#include "actors/limiter/token_bucket.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using xrv::limiter::is_full;
using xrv::limiter::make_bucket;
using xrv::limiter::take;
using xrv::limiter::token_bucket;

const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;

// Takes `n` tokens at `now`; returns how many were allowed.
int take_n(token_bucket& b, int per_minute, int n,
           std::chrono::steady_clock::time_point now) {
  int allowed = 0;
  for (int i = 0; i < n; ++i)
    allowed += take(b, per_minute, now).allowed ? 1 : 0;
  return allowed;
}

TEST(TokenBucket, NewBucketIsFull) {
  const auto b = make_bucket(60, t0);
  EXPECT_DOUBLE_EQ(b.tokens, 60.0);
  EXPECT_TRUE(is_full(b, 60, t0));
}

TEST(TokenBucket, SixtyAllowedThenSixtyFirstRefused) {
  auto b = make_bucket(60, t0);
  for (int i = 0; i < 60; ++i) {
    const auto r = take(b, 60, t0);
    ASSERT_TRUE(r.allowed) << "request " << i + 1;
    EXPECT_EQ(r.retry_after, 0s);
  }
  const auto refused = take(b, 60, t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1s);
}

TEST(TokenBucket, OneSecondRefillsExactlyOneToken) {
  auto b = make_bucket(60, t0);
  ASSERT_EQ(take_n(b, 60, 60, t0), 60);
  EXPECT_TRUE(take(b, 60, t0 + 1s).allowed);
  const auto refused = take(b, 60, t0 + 1s);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1s);
}

TEST(TokenBucket, FullAgainAfterSixtySeconds) {
  auto b = make_bucket(60, t0);
  ASSERT_EQ(take_n(b, 60, 60, t0), 60);
  EXPECT_FALSE(is_full(b, 60, t0 + 59s));
  EXPECT_TRUE(is_full(b, 60, t0 + 60s));
  EXPECT_EQ(take_n(b, 60, 61, t0 + 60s), 60);
}

TEST(TokenBucket, LongIdleDoesNotExceedCapacity) {
  auto b = make_bucket(60, t0);
  ASSERT_EQ(take_n(b, 60, 1, t0), 1);
  EXPECT_EQ(take_n(b, 60, 100, t0 + 24h), 60);
}

TEST(TokenBucket, HeavyClassAllowsTenPerMinute) {
  auto b = make_bucket(10, t0);
  EXPECT_EQ(take_n(b, 10, 10, t0), 10);
  const auto refused = take(b, 10, t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 6s);
  EXPECT_FALSE(take(b, 10, t0 + 5s).allowed);
  EXPECT_TRUE(take(b, 10, t0 + 6s).allowed);
  EXPECT_FALSE(take(b, 10, t0 + 6s).allowed);
}

TEST(TokenBucket, ZeroPerMinuteIsUnlimited) {
  auto b = make_bucket(0, t0);
  EXPECT_EQ(take_n(b, 0, 10000, t0), 10000);
  const auto r = take(b, 0, t0);
  EXPECT_TRUE(r.allowed);
  EXPECT_EQ(r.retry_after, 0s);
  EXPECT_TRUE(is_full(b, 0, t0));
}

TEST(TokenBucket, NegativePerMinuteIsUnlimited) {
  auto b = make_bucket(-5, t0);
  EXPECT_EQ(take_n(b, -5, 1000, t0), 1000);
  EXPECT_TRUE(is_full(b, -5, t0));
}

TEST(TokenBucket, RetryAfterRoundsUpToWholeSeconds) {
  auto b = make_bucket(10, t0);
  ASSERT_EQ(take_n(b, 10, 10, t0), 10);
  // 1 s of refill at 10/min leaves 5 s to wait: exactly 5, not 6.
  EXPECT_EQ(take(b, 10, t0 + 1s).retry_after, 5s);
  // 1.5 s leaves 4.5 s, rounded up.
  EXPECT_EQ(take(b, 10, t0 + 1500ms).retry_after, 5s);
  // 5.5 s leaves 0.5 s, rounded up to the 1 s minimum.
  EXPECT_EQ(take(b, 10, t0 + 5500ms).retry_after, 1s);
  EXPECT_EQ(take(b, 10, t0 + 5999ms).retry_after, 1s);
}

TEST(TokenBucket, OnePerMinuteWaitsAMinute) {
  auto b = make_bucket(1, t0);
  EXPECT_TRUE(take(b, 1, t0).allowed);
  const auto refused = take(b, 1, t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 60s);
  EXPECT_EQ(take(b, 1, t0 + 59s + 1ms).retry_after, 1s);
  EXPECT_TRUE(take(b, 1, t0 + 60s).allowed);
}

TEST(TokenBucket, IsFullDoesNotChangeBucket) {
  auto b = make_bucket(60, t0);
  ASSERT_TRUE(take(b, 60, t0).allowed);
  EXPECT_FALSE(is_full(b, 60, t0));
  EXPECT_TRUE(is_full(b, 60, t0 + 1s));
  EXPECT_DOUBLE_EQ(b.tokens, 59.0);
  EXPECT_EQ(b.last, t0);
}

TEST(TokenBucket, ClockGoingBackwardsRefillsNothing) {
  auto b = make_bucket(60, t0);
  ASSERT_EQ(take_n(b, 60, 60, t0), 60);
  EXPECT_FALSE(take(b, 60, t0 - 10s).allowed);
  EXPECT_EQ(b.last, t0);
  EXPECT_TRUE(take(b, 60, t0 + 1s).allowed);
}

} // namespace
