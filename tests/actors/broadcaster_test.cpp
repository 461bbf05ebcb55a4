// The WebSocket broadcaster on CAF's deterministic scheduler, with recording
// clients and a store that answers the counters.

#include "actors/broadcast/broadcaster.hpp"

#include "actors/system/type_ids.hpp"
#include "tests/actors/test_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace xrv {

namespace {

using test_config = test::deterministic_config;

// Records what the broadcaster sends; `open` can be switched off to play a
// connection that has ended.
class recording_client : public broadcast::client {
public:
  void send(broadcast::frame f) override {
    frames.push_back(std::move(f));
  }

  void close() override {
    is_open = false;
  }

  [[nodiscard]] bool open() const override {
    return is_open;
  }

  boost::json::object last() const {
    return boost::json::parse(*frames.back()).as_object();
  }

  std::vector<broadcast::frame> frames;
  bool is_open = true;
};

// A store whose counters the test sets.
struct fake_store_state {
  std::shared_ptr<store_counts> counts;
};

store_actor::behavior_type
fake_store(store_actor::stateful_pointer<fake_store_state> self,
           std::shared_ptr<store_counts> counts) {
  self->state.counts = std::move(counts);
  return {
    [](atom::get, const std::string&) -> caf::result<store::exam_view> {
      return caf::sec::unexpected_message;
    },
    [](atom::list, const store::exam_filter&, bool) -> caf::result<exam_page> {
      return caf::sec::unexpected_message;
    },
    [](atom::patients,
       const store::patient_filter&) -> caf::result<patient_page> {
      return caf::sec::unexpected_message;
    },
    [](atom::patient, const std::string&) -> caf::result<patient_detail> {
      return caf::sec::unexpected_message;
    },
    [](atom::review, const std::string&, bool,
       const std::string&) -> caf::result<store::exam_view> {
      return caf::sec::unexpected_message;
    },
    [](atom::requeue, const std::string&) -> caf::result<store::exam_view> {
      return caf::sec::unexpected_message;
    },
    [](atom::ingest, const store::exam_record&,
       const store::patient_record&) -> caf::result<ingest_outcome> {
      return caf::sec::unexpected_message;
    },
    [](atom::take, bool) -> caf::result<work_item> {
      return caf::sec::unexpected_message;
    },
    [](atom::finish, const std::string&, const store::ai_report&,
       store::exam_status,
       const std::string&) -> caf::result<store::exam_view> {
      return caf::sec::unexpected_message;
    },
    [](atom::retry, int) -> caf::result<std::uint64_t> {
      return caf::sec::unexpected_message;
    },
    [](atom::awaiting, const std::string&,
       std::uint32_t) -> caf::result<std::vector<std::string>> {
      return caf::sec::unexpected_message;
    },
    [](atom::rad_report, const std::string&, const store::patient_record&,
       const store::rad_report&) -> caf::result<store::exam_view> {
      return caf::sec::unexpected_message;
    },
    [](atom::take_check) -> caf::result<store::exam_view> {
      return caf::sec::unexpected_message;
    },
    [](atom::checked, const std::string&, const store::rad_report&,
       check_end) -> caf::result<store::exam_view> {
      return caf::sec::unexpected_message;
    },
    [](atom::work, const caf::actor&) {},
    [self](atom::counts) {
      return *self->state.counts;
    },
    [](atom::aggregate) -> caf::result<store_aggregates> {
      return caf::sec::unexpected_message;
    },
    [](atom::stats) -> caf::result<stats_ptr> {
      return caf::sec::unexpected_message;
    },
    [](atom::health) {
      return component_health{"fake store", true, ""};
    },
    [](atom::studies, const std::vector<std::string>&)
      -> caf::result<std::vector<std::string>> {
      return caf::sec::unexpected_message;
    },
    [](atom::tick) {},
  };
}

class BroadcasterActor : public ::testing::Test {
protected:
  void SetUp() override {
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    sched_
      = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
    counts_ = std::make_shared<store_counts>();
    store_ = sys_->spawn(fake_store, counts_);
    broadcaster_config bc;
    bc.severity_threshold = 7;
    bc.sync_interval = std::chrono::milliseconds(250);
    bc.heartbeat = std::chrono::seconds(1); // 4 ticks
    bc_ = sys_->spawn(broadcaster, bc);
    caf::anon_send(bc_, atom::peers::value,
                   broadcast_peers{store_, query_actor{}, fetcher_actor{}});
    sched_->run();
  }

  void TearDown() override {
    caf::anon_send_exit(bc_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(store_, caf::exit_reason::user_shutdown);
    sched_->run();
    bc_ = nullptr;
    store_ = nullptr;
    sys_.reset();
  }

  std::shared_ptr<recording_client> join(bool user) {
    auto c = std::make_shared<recording_client>();
    caf::anon_send(bc_, atom::subscribe::value, broadcast::client_ptr{c}, user,
                   std::string{"10.1.2.3"});
    sched_->run();
    return c;
  }

  // One sync interval passes.
  void tick() {
    sched_->trigger_timeouts();
    sched_->run();
  }

  store::exam_view exam() {
    store::exam_view v;
    v.exam.uid = "1.2.3";
    v.patient.name = "POPESCU^ION";
    v.patient.cnp = "1800101223344";
    v.exam.cnp = v.patient.cnp;
    v.exam.rad.positive = 1;
    v.exam.rad.radiologist = "Dr. Ana Pop";
    return v;
  }

  test_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  std::shared_ptr<store_counts> counts_;
  store_actor store_;
  broadcaster_actor bc_;
};

} // namespace

TEST_F(BroadcasterActor, NewClientAloneGetsConnectedWithItsAddress) {
  store_counts c;
  c.queue = 5;
  caf::anon_send(bc_, atom::counts::value, c);
  auto first = join(false);
  auto second = join(false);
  ASSERT_EQ(second->frames.size(), 1U);
  auto f = second->last();
  EXPECT_EQ(f.at("event").at("name").as_string(), "connected");
  EXPECT_EQ(f.at("event").at("payload").at("address").as_string(), "10.1.2.3");
  EXPECT_EQ(f.at("event").at("payload").at("role").as_string(), "admin");
  EXPECT_EQ(f.at("dashboard").at("queue_size").as_int64(), 5);
  EXPECT_EQ(join(true)->last().at("event").at("payload").at("role").as_string(),
            "user");
  // The first client did not get the second one's `connected`.
  ASSERT_EQ(first->frames.size(), 1U);
}

TEST_F(BroadcasterActor, ABurstOfChangesBecomesOneStateFramePerInterval) {
  auto c = join(false);
  const auto before = c->frames.size();
  for (int i = 1; i <= 1000; ++i) { // the store announces a burst of ingests
    store_counts counts;
    counts.queue = static_cast<std::uint64_t>(i);
    caf::anon_send(bc_, atom::counts::value, counts);
  }
  tick();
  ASSERT_EQ(c->frames.size(), before + 1);
  EXPECT_EQ(c->last().at("dashboard").at("queue_size").as_int64(), 1000);
  EXPECT_FALSE(c->last().contains("event"));
  tick(); // nothing changed: nothing sent
  EXPECT_EQ(c->frames.size(), before + 1);
}

TEST_F(BroadcasterActor, CountersChangedOnlyByTheClockArriveWithTheHeartbeat) {
  auto c = join(false);
  counts_->success_7d = 12; // a clock-only change, no write to announce it
  for (int i = 0; i < 4; ++i)
    tick();
  EXPECT_EQ(c->last().at("dashboard").at("success_count").as_int64(), 12);
}

TEST_F(BroadcasterActor, HeartbeatWhenNothingChanges) {
  auto c = join(false);
  const auto before = c->frames.size();
  for (int i = 0; i < 4; ++i)
    tick();
  EXPECT_EQ(c->frames.size(), before + 1);
}

TEST_F(BroadcasterActor, OneSerialisationSharedByAllClientsOfARole) {
  auto a = join(false);
  auto b = join(false);
  auto u = join(true);
  caf::anon_send(bc_, atom::publish::value, std::string{"requeue"}, exam());
  sched_->run();
  EXPECT_EQ(a->frames.back().get(), b->frames.back().get());
  EXPECT_EQ(a->frames.back().get(), u->frames.back().get()); // no PHI in it
  EXPECT_EQ(a->last().at("event").at("name").as_string(), "requeue");
}

TEST_F(BroadcasterActor, RadreviewIsAnonymisedForUserClients) {
  auto admin = join(false);
  auto user = join(true);
  caf::anon_send(bc_, atom::publish::value, std::string{"radreview"}, exam());
  sched_->run();
  auto a = admin->last().at("event").at("payload").as_object();
  auto u = user->last().at("event").at("payload").as_object();
  EXPECT_EQ(a.at("patient").at("name").as_string(), "POPESCU^ION");
  EXPECT_EQ(u.at("patient").at("name").as_string(), "P.I.");
  EXPECT_NE(admin->frames.back().get(), user->frames.back().get());
}

TEST_F(BroadcasterActor, ClosedClientsAreForgotten) {
  auto gone = join(false);
  auto stays = join(false);
  gone->is_open = false;
  const auto sent_before = gone->frames.size();
  caf::anon_send(bc_, atom::publish::value, std::string{"requeue"}, exam());
  sched_->run();
  EXPECT_EQ(gone->frames.size(), sent_before);
  EXPECT_EQ(stays->last().at("event").at("name").as_string(), "requeue");
}

TEST_F(BroadcasterActor, AiStateShowsInTheNextFrame) {
  auto c = join(false);
  ai_status s;
  s.active_url = "http://pri/v1";
  s.health = {{"pri", true}, {"sec", false}};
  s.avg_latency = 2;
  s.processing = {"P.I."};
  caf::anon_send(bc_, atom::ai_state::value, s);
  tick();
  auto f = c->last();
  EXPECT_EQ(f.at("openai").at("url").as_string(), "http://pri/v1");
  EXPECT_TRUE(f.at("openai").at("health").at("pri").as_bool());
  EXPECT_FALSE(f.at("openai").at("health").at("sec").as_bool());
  EXPECT_EQ(f.at("dashboard").at("processing").as_string(), "P.I.");
  EXPECT_EQ(f.at("timings").at("avg_latency").as_int64(), 2);
}

} // namespace xrv
