// The rate limiter actor on CAF's deterministic test scheduler, with a clock
// the test moves by hand.

#include "actors/limiter/limiter.hpp"

#include "actors/system/type_ids.hpp"
#include "tests/actors/test_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <memory>

namespace xrv {

namespace {

using test_config = test::deterministic_config;

class LimiterActor : public ::testing::Test {
protected:
  void SetUp() override {
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    sched_
      = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
    limiter_config lc;
    lc.api_per_minute = 60;
    lc.heavy_per_minute = 10;
    lc.max_clients = 3;
    auto clock = now_;
    limiter_ = sys_->spawn(rate_limiter, lc, steady_now_fn{[clock] {
                             return *clock;
                           }});
    sched_->run();
  }

  void TearDown() override {
    caf::anon_send_exit(limiter_, caf::exit_reason::user_shutdown);
    sched_->run();
    limiter_ = nullptr;
    sys_.reset();
  }

  // Asks for one token and returns the limiter's answer.
  std::int32_t acquire(const std::string& ip, limit_class cls) {
    caf::scoped_actor self{*sys_};
    std::int32_t answer = -1;
    auto rh = self->request(limiter_, caf::infinite, atom::acquire::value, ip,
                            static_cast<std::uint8_t>(cls));
    sched_->run();
    rh.receive(
      [&](std::int32_t x) {
        answer = x;
      },
      [&](caf::error&) {
        answer = -2;
      });
    return answer;
  }

  test_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  std::shared_ptr<std::chrono::steady_clock::time_point> now_
    = std::make_shared<std::chrono::steady_clock::time_point>();
  limiter_actor limiter_;
};

} // namespace

TEST_F(LimiterActor, SixtyApiRequestsPassAndTheNextWaits) {
  for (int i = 0; i < 60; ++i)
    ASSERT_EQ(acquire("10.0.0.1", limit_class::api), 0) << i;
  EXPECT_EQ(acquire("10.0.0.1", limit_class::api), 1);
  *now_ += std::chrono::seconds(1);
  EXPECT_EQ(acquire("10.0.0.1", limit_class::api), 0);
  EXPECT_EQ(acquire("10.0.0.1", limit_class::api), 1);
}

TEST_F(LimiterActor, HeavyClassHasItsOwnSmallerBudget) {
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(acquire("10.0.0.1", limit_class::heavy), 0) << i;
  EXPECT_EQ(acquire("10.0.0.1", limit_class::heavy), 6);
  // The API class of the same client is untouched.
  EXPECT_EQ(acquire("10.0.0.1", limit_class::api), 0);
}

TEST_F(LimiterActor, ClientsAreCountedSeparately) {
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(acquire("10.0.0.1", limit_class::heavy), 0);
  EXPECT_GT(acquire("10.0.0.1", limit_class::heavy), 0);
  EXPECT_EQ(acquire("10.0.0.2", limit_class::heavy), 0);
}

TEST_F(LimiterActor, FullTableDropsIdleClientsAndRefusesWhenAllAreActive) {
  EXPECT_EQ(acquire("a", limit_class::api), 0);
  EXPECT_EQ(acquire("b", limit_class::api), 0);
  EXPECT_EQ(acquire("c", limit_class::api), 0);
  // All three are mid-refill: a fourth client cannot get a bucket yet.
  EXPECT_EQ(acquire("d", limit_class::api), 1);
  // A second later their buckets are full again and can be forgotten.
  *now_ += std::chrono::seconds(1);
  EXPECT_EQ(acquire("d", limit_class::api), 0);
}

} // namespace xrv
