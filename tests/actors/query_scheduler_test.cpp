// The query scheduler on a real actor system (its worker blocks in DcmSCU on
// its own thread), against peers the test controls: a port that refuses
// connections, and a listener that never answers (a hung PACS). Retrieval
// from a real PACS is covered end to end in tests/e2e/pacs_test.cpp.

#include "actors/dicom/query_scheduler.hpp"

#include "actors/dicom/codecs.hpp"
#include "actors/system/type_ids.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <memory>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace xrv {

namespace {

using namespace std::chrono_literals;

struct test_config : caf::actor_system_config {
  test_config() {
    set("logger.console", caf::atom("none"));
    add_message_types<caf::id_block::xrv>();
  }
};

// A socket on 127.0.0.1 bound to a free port; listening or not.
class local_socket {
public:
  explicit local_socket(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("bind failed");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    // Never accepted: the kernel completes the handshake, then nobody
    // answers the A-ASSOCIATE-RQ.
    if (listening)
      ::listen(fd_, 8);
  }

  ~local_socket() {
    close();
  }

  local_socket(const local_socket&) = delete;
  local_socket& operator=(const local_socket&) = delete;

  // Closing a listener resets the connections still in its queue.
  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

  [[nodiscard]] int port() const {
    return port_;
  }

private:
  int fd_ = -1;
  int port_ = 0;
};

bool wait_until(const std::function<bool()>& ready,
                std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (ready())
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return ready();
}

// Epoch seconds of a "YYYY-MM-DD HH:MM:SS" local time; -1 when malformed.
std::int64_t parse_local(const std::string& s) {
  std::tm tm{};
  if (::strptime(s.c_str(), "%Y-%m-%d %H:%M:%S", &tm) == nullptr)
    return -1;
  tm.tm_isdst = -1;
  return static_cast<std::int64_t>(std::mktime(&tm));
}

class QuerySchedulerActor : public ::testing::Test {
protected:
  void SetUp() override {
    dicom::configure_dcmtk_logging();
    sys_ = std::make_unique<caf::actor_system>(cfg_);
  }

  void TearDown() override {
    if (query_)
      caf::anon_send_exit(query_, caf::exit_reason::user_shutdown);
    query_ = nullptr;
    sys_->await_all_actors_done();
    sys_.reset();
  }

  void spawn(query_config qc) {
    qc.peer_host = "127.0.0.1";
    qc.peer_ae = "PACS";
    qc.images_dir = ::testing::TempDir();
    query_ = sys_->spawn(query_scheduler, qc, store_actor{},
                         std::vector<converter_actor>{});
  }

  // The answer to `query hours`: the message, or "error:<code>".
  std::string query(std::int32_t hours) {
    caf::scoped_actor self{*sys_};
    std::string out;
    self->request(query_, 5s, atom::query::value, hours)
      .receive(
        [&](const std::string& msg) {
          out = msg;
        },
        [&](caf::error& err) {
          out = "error:" + std::string{to_string(from_caf_error(err).code)};
        });
    return out;
  }

  std::string next_query() {
    caf::scoped_actor self{*sys_};
    std::string out = "no answer";
    self->request(query_, 5s, atom::next_query::value)
      .receive(
        [&](const std::string& s) {
          out = s;
        },
        [&](caf::error&) {});
    return out;
  }

  component_health health() {
    caf::scoped_actor self{*sys_};
    component_health out{"none", true, "no answer"};
    self->request(query_, 5s, atom::health::value)
      .receive(
        [&](const component_health& h) {
          out = h;
        },
        [&](caf::error&) {});
    return out;
  }

  test_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  query_actor query_;
};

} // namespace

TEST_F(QuerySchedulerActor, SecondQueryWhileOneRunsIsAConflict) {
  local_socket hung{true};
  query_config qc;
  qc.periodic = false;
  qc.peer_port = hung.port();
  spawn(qc);
  EXPECT_EQ(query(3), "Query for the last 3 hours started");
  // The run waits for the hung peer's A-ASSOCIATE-AC (30 s ACSE timeout).
  EXPECT_EQ(query(3), "error:conflict");
  EXPECT_EQ(query(24), "error:conflict");
  hung.close(); // the peer goes away: the run fails at once
  ASSERT_TRUE(wait_until(
    [&] {
      return !health().available;
    },
    10s))
    << health().detail;
  EXPECT_NE(health().detail.find("cannot reach the PACS PACS@127.0.0.1"),
            std::string::npos)
    << health().detail;
  // A failed run frees the scheduler for the next one.
  EXPECT_EQ(query(1), "Query for the last 1 hour started");
}

TEST_F(QuerySchedulerActor, HoursOutsideOneToAWeekAreInvalid) {
  local_socket refused{false};
  query_config qc;
  qc.periodic = false;
  qc.peer_port = refused.port();
  spawn(qc);
  EXPECT_EQ(query(0), "error:invalid_input");
  EXPECT_EQ(query(169), "error:invalid_input");
  EXPECT_EQ(query(-3), "error:invalid_input");
  EXPECT_EQ(query(168), "Query for the last 168 hours started");
}

TEST_F(QuerySchedulerActor, PeerDownMakesHealthFailButEverythingStillAnswers) {
  local_socket refused{false};
  query_config qc;
  qc.periodic = false;
  qc.peer_port = refused.port();
  spawn(qc);
  EXPECT_TRUE(health().available);
  EXPECT_EQ(query(3), "Query for the last 3 hours started");
  ASSERT_TRUE(wait_until(
    [&] {
      return !health().available;
    },
    10s));
  EXPECT_NE(health().detail.find("Connection refused"), std::string::npos)
    << health().detail;
  EXPECT_EQ(next_query(), "Disabled");
  EXPECT_EQ(query(3), "Query for the last 3 hours started");
}

TEST_F(QuerySchedulerActor, ScheduledRunHappensAndTheNextIsJittered) {
  local_socket refused{false};
  query_config qc;
  qc.periodic = true;
  qc.first_delay = 0s;
  qc.interval = 100s;
  qc.peer_port = refused.port();
  spawn(qc);
  // The first scheduled run fails against the refusing port.
  ASSERT_TRUE(wait_until(
    [&] {
      return !health().available;
    },
    10s))
    << health().detail;
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  const auto next = parse_local(next_query());
  ASSERT_GT(next, 0) << next_query();
  EXPECT_GE(next, now + 70 - 2);
  EXPECT_LE(next, now + 130 + 1);
}

TEST_F(QuerySchedulerActor, NextQueryShowsTheFirstScheduledRun) {
  local_socket refused{false};
  query_config qc;
  qc.periodic = true;
  qc.first_delay = 3600s;
  qc.peer_port = refused.port();
  spawn(qc);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  const auto next = parse_local(next_query());
  EXPECT_GE(next, now + 3600 - 2);
  EXPECT_LE(next, now + 3600 + 2);
  EXPECT_TRUE(health().available);
  EXPECT_EQ(health().detail, "no run yet");
}

TEST_F(QuerySchedulerActor, ShutdownInterruptsARunBlockedOnAHungPeer) {
  local_socket hung{true};
  query_config qc;
  qc.periodic = false;
  qc.peer_port = hung.port();
  spawn(qc);
  ASSERT_EQ(query(3), "Query for the last 3 hours started");
  ASSERT_EQ(query(3), "error:conflict"); // blocked in the association
  const auto t0 = std::chrono::steady_clock::now();
  caf::anon_send_exit(query_, caf::exit_reason::user_shutdown);
  query_ = nullptr;
  // Without the interrupt this waits for the 30 s ACSE timeout.
  sys_->await_all_actors_done();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

} // namespace xrv
