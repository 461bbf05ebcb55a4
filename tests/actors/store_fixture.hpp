#pragma once

// The exam store actor on CAF's deterministic scheduler with a real LMDB in
// a temp folder, and a broadcaster that records the published events.

#include "actors/store/exam_store.hpp"
#include "actors/system/type_ids.hpp"
#include "storage/exam_repository.hpp"
#include "tests/actors/test_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

namespace xrv {

namespace fs = std::filesystem;

using test_config = test::deterministic_config;

// Records the events the store publishes.
struct event_log {
  std::vector<std::pair<std::string, std::string>> events; // name, uid
};

inline broadcaster_actor::behavior_type
recording_broadcaster(broadcaster_actor::pointer,
                      std::shared_ptr<event_log> log) {
  return {
    [log](atom::publish, const std::string& name, const store::exam_view& v) {
      log->events.emplace_back(name, v.exam.uid);
    },
    [](atom::ai_state, const ai_status&) {},
    [](atom::subscribe, const broadcast::client_ptr&, bool,
       const std::string&) {},
    [](atom::peers, const broadcast_peers&) {},
    [](atom::counts, const store_counts&) {},
    [](atom::tick) {},
    [](atom::health) {
      return component_health{"test", true, ""};
    },
  };
}

class ExamStoreActor : public ::testing::Test {
protected:
  void SetUp() override {
    auto pattern = (fs::temp_directory_path() / "xrv-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    start();
  }

  void TearDown() override {
    stop();
    fs::remove_all(dir_);
  }

  void start() {
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    sched_
      = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
    auto repo = storage::exam_repository::open(dir_ / "data");
    ASSERT_TRUE(repo.has_value()) << repo.error().detail;
    auto shared = std::make_shared<storage::exam_repository>(std::move(*repo));
    auto index = std::make_shared<store::exam_index>(5);
    auto reset = rebuild_index(*shared, *index);
    ASSERT_TRUE(reset.has_value());
    reset_count_ = *reset;
    broadcaster_ = sys_->spawn(recording_broadcaster, events_);
    exam_store_config sc;
    sc.images_dir = (dir_ / "images").string();
    sc.backup_dir = (dir_ / "backup").string();
    sc.purge_days = 30;
    sc.backup_keep = 2;
    sc.keep_dicom = keep_dicom_;
    store_ = sys_->spawn(exam_store, sc, shared, index, broadcaster_,
                         wall_now_fn{[clock = clock_] {
                           return *clock;
                         }});
    sched_->run();
  }

  void stop() {
    caf::anon_send_exit(store_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(broadcaster_, caf::exit_reason::user_shutdown);
    sched_->run();
    store_ = nullptr;
    broadcaster_ = nullptr;
    sys_.reset();
  }

  // Sends one request and returns the answer or the error value.
  template <class T, class... Ts>
  result<T> call(Ts&&... xs) {
    caf::scoped_actor self{*sys_};
    result<T> out = fail(errc::internal, "no answer");
    auto rh = self->request(store_, caf::infinite, std::forward<Ts>(xs)...);
    sched_->run();
    rh.receive(
      [&](T& x) {
        out = std::move(x);
      },
      [&](caf::error& e) {
        out = tl::unexpected(from_caf_error(e));
      });
    return out;
  }

  result<ingest_outcome> ingest(const std::string& uid,
                                const std::string& created,
                                store::patient_record p = {}) {
    store::exam_record e;
    e.uid = uid;
    e.cnp = p.cnp.empty() ? "1900101400004" : p.cnp;
    e.created = created;
    e.region = "chest";
    if (p.cnp.empty())
      p.cnp = e.cnp;
    return call<ingest_outcome>(atom::ingest::value, e, p);
  }

  fs::path dir_;
  test_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  std::shared_ptr<event_log> events_ = std::make_shared<event_log>();
  broadcaster_actor broadcaster_;
  store_actor store_;
  std::size_t reset_count_ = 0;
  bool keep_dicom_ = false;
  // The test clock stands at the end of 2025.
  std::shared_ptr<std::chrono::system_clock::time_point> clock_
    = std::make_shared<std::chrono::system_clock::time_point>(
      std::chrono::hours(24 * 365 * 56));
};

} // namespace xrv
