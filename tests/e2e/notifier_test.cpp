// The ntfy notifier on a real actor system (detached, blocking curl) against
// a local ntfy sink (tests/support/ntfy_sink.js, started per test on a free
// port): what arrives, retries, refusals, and a peer that is not there.
// Waits poll the sink or the notifier's health with a deadline.

#include "actors/notify/notifier.hpp"

#include "actors/net/http_client.hpp"
#include "actors/system/log.hpp"
#include "actors/system/type_ids.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace xrv {

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

struct test_config : caf::actor_system_config {
  test_config() {
    set("logger.console", caf::atom("none"));
    add_message_types<caf::id_block::xrv>();
  }
};

const std::string patient_name = "ȘERBAN^ȚĂRANU-ION";
const std::string patient_cnp = "1900101400004";
const std::string token = "tk_n0t_in_logs_7f3a";

store::exam_view positive_exam(const std::string& uid,
                               const std::string& region) {
  store::exam_view v;
  v.exam.uid = uid;
  v.exam.region = region;
  v.exam.created = "2025-03-04 10:20:30";
  v.exam.ai.positive = 1;
  v.exam.ai.severity = 8;
  v.exam.ai.summary = "fractură de claviculă";
  v.patient.cnp = patient_cnp;
  v.patient.name = patient_name;
  return v;
}

std::string text(const json::value& v) {
  return v.is_string() ? std::string{v.as_string().c_str()} : "(missing)";
}

class NotifierE2e : public ::testing::Test {
protected:
  void SetUp() override {
    net::global_init();
    logger_ = log::get("notify");
    logger_->set_level(spdlog::level::debug);
    logger_->sinks().push_back(lines_);
    port_ = test::free_port();
    sink_ = std::make_unique<test::child_process>(
      std::vector<std::string>{XRV_NODE,
                               XRV_SOURCE_DIR "/tests/support/ntfy_sink.js",
                               std::to_string(port_)},
      dir_.path(), std::map<std::string, std::string>{},
      dir_.path() / "sink.log");
    ASSERT_TRUE(test::wait_until(
      [this] {
        return test::http_call("GET", sink_url("/__requests")).status == 200;
      },
      10s))
      << test::read_text(dir_.path() / "sink.log");
    sys_ = std::make_unique<caf::actor_system>(cfg_);
  }

  void TearDown() override {
    if (notifier_)
      caf::anon_send_exit(notifier_, caf::exit_reason::user_shutdown);
    notifier_ = nullptr;
    sys_->await_all_actors_done();
    sys_.reset();
    auto& sinks = logger_->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), lines_), sinks.end());
  }

  [[nodiscard]] std::string sink_url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Enabled, posting to the sink's `xrv-alerts` topic, quick retries.
  [[nodiscard]] notifier_config enabled_config() const {
    notifier_config nc;
    nc.enabled = true;
    nc.ntfy.ntfy_url = sink_url("/xrv-alerts");
    nc.ntfy.ntfy_token = token;
    nc.ntfy.priority = "high";
    nc.ntfy.tags = "warning,xray";
    nc.ntfy.public_url = "http://xrv.test:8000/";
    nc.max_attempts = 3;
    nc.retry_delay = 20ms;
    nc.timeout = 5s;
    return nc;
  }

  void spawn(notifier_config nc) {
    notifier_ = spawn_notifier(*sys_, std::move(nc));
  }

  void notify(const store::exam_view& v) {
    caf::anon_send(notifier_, atom::notify::value, v);
  }

  void fail_next(int status, const std::string& count) {
    const auto q = "/__fail?status=" + std::to_string(status)
                   + (count.empty() ? "" : "&count=" + count);
    ASSERT_EQ(test::http_call("PUT", sink_url(q)).status, 200);
  }

  json::array requests() {
    auto r = test::http_call("GET", sink_url("/__requests"));
    return r.status == 200 ? json::parse(r.body).as_array() : json::array{};
  }

  component_health health() {
    caf::scoped_actor self{*sys_};
    component_health out{"none", false, "no answer"};
    self->request(notifier_, 5s, atom::health::value)
      .receive(
        [&](const component_health& h) {
          out = h;
        },
        [&](caf::error&) {});
    return out;
  }

  // Waits until the health detail is `detail` (all work settled).
  bool settles_at(const std::string& detail) {
    return test::wait_until(
      [&] {
        return health().detail == detail;
      },
      10s);
  }

  std::string logs() {
    std::string out;
    for (const auto& line : lines_->last_formatted())
      out += line;
    return out;
  }

  void expect_no_secrets_in_logs() {
    const auto all = logs();
    EXPECT_EQ(all.find(token), std::string::npos) << all;
    EXPECT_EQ(all.find("ȘERBAN"), std::string::npos) << all;
    EXPECT_EQ(all.find("ȚĂRANU"), std::string::npos) << all;
    EXPECT_EQ(all.find(patient_cnp), std::string::npos) << all;
  }

  test::temp_dir dir_;
  unsigned short port_ = 0;
  std::unique_ptr<test::child_process> sink_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> lines_
    = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  test_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  notifier_actor notifier_;
};

} // namespace

TEST_F(NotifierE2e, OnePostPerPositiveExamWithNtfyHeadersAndUtf8Body) {
  spawn(enabled_config());
  notify(positive_exam("1.2.3.1", "chest"));
  notify(positive_exam("1.2.3.2", "șold"));
  ASSERT_TRUE(settles_at("enabled, 2 sent, 0 failed, 0 waiting"))
    << health().detail;
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 2U) << json::serialize(reqs);
  const std::vector<std::string> titles{"XRayVision: positive chest X-ray",
                                        "XRayVision: positive șold X-ray"};
  const std::vector<std::string> uids{"1.2.3.1", "1.2.3.2"};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& r = reqs[i].as_object();
    const auto& h = r.at("headers").as_object();
    EXPECT_EQ(text(r.at("method")), "POST");
    EXPECT_EQ(text(r.at("path")), "/xrv-alerts");
    EXPECT_EQ(text(r.at("title")), titles[i]);
    EXPECT_EQ(text(h.at("priority")), "high");
    EXPECT_EQ(text(h.at("tags")), "warning,xray");
    EXPECT_EQ(text(h.at("click")), "http://xrv.test:8000/?uid=" + uids[i]);
    EXPECT_EQ(text(h.at("authorization")), "Bearer " + token);
    const auto body = text(r.at("body"));
    EXPECT_NE(body.find("Finding: fractură de claviculă\n"), std::string::npos)
      << body;
    EXPECT_NE(body.find("Severity: 8/10\n"), std::string::npos) << body;
    EXPECT_NE(body.find("Patient: Ș.Ț.I.\n"), std::string::npos) << body;
    EXPECT_EQ(body.find("ȘERBAN"), std::string::npos) << body;
    EXPECT_EQ(body.find(patient_cnp), std::string::npos) << body;
  }
  EXPECT_NE(text(reqs[1].as_object().at("body")).find("Region: șold\n"),
            std::string::npos);
  EXPECT_EQ(text(reqs[0].as_object().at("headers").as_object().at("title")),
            "XRayVision: positive chest X-ray"); // plain ASCII stays plain
  expect_no_secrets_in_logs();
}

TEST_F(NotifierE2e, FullNamesOnlyWhenIncluded) {
  auto nc = enabled_config();
  nc.ntfy.include_names = true;
  spawn(nc);
  notify(positive_exam("1.2.3.3", "chest"));
  ASSERT_TRUE(settles_at("enabled, 1 sent, 0 failed, 0 waiting"));
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 1U);
  EXPECT_NE(
    text(reqs[0].as_object().at("body")).find("Patient: ȘERBAN ȚĂRANU-ION\n"),
    std::string::npos)
    << text(reqs[0].as_object().at("body"));
  expect_no_secrets_in_logs(); // the name goes to ntfy, never to the log
}

TEST_F(NotifierE2e, A503IsRetriedOnceThenSucceeds) {
  fail_next(503, "1");
  spawn(enabled_config());
  notify(positive_exam("1.2.3.4", "chest"));
  ASSERT_TRUE(settles_at("enabled, 1 sent, 0 failed, 0 waiting"))
    << health().detail;
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 2U) << json::serialize(reqs);
  EXPECT_EQ(reqs[0].as_object().at("status").to_number<int>(), 503);
  EXPECT_EQ(reqs[1].as_object().at("status").to_number<int>(), 200);
  EXPECT_EQ(text(reqs[0].as_object().at("body")),
            text(reqs[1].as_object().at("body")));
  EXPECT_EQ(test::count_of(logs(), "retrying in 20 ms"), 1U) << logs();
  expect_no_secrets_in_logs();
}

TEST_F(NotifierE2e, A429AlwaysStopsAfterMaxAttempts) {
  fail_next(429, "");
  spawn(enabled_config());
  notify(positive_exam("1.2.3.5", "chest"));
  ASSERT_TRUE(settles_at("enabled, 0 sent, 1 failed, 0 waiting"))
    << health().detail;
  EXPECT_EQ(requests().size(), 3U);
  const auto all = logs();
  EXPECT_NE(all.find("retrying in 20 ms"), std::string::npos) << all;
  EXPECT_NE(all.find("retrying in 40 ms"), std::string::npos) << all;
  EXPECT_EQ(test::count_of(all, "failed after 3 attempts (HTTP 429"), 1U)
    << all;
}

TEST_F(NotifierE2e, A400IsNotRetriedAndIsLoggedOnceWithItsStatus) {
  fail_next(400, "");
  spawn(enabled_config());
  notify(positive_exam("1.2.3.6", "chest"));
  ASSERT_TRUE(settles_at("enabled, 0 sent, 1 failed, 0 waiting"))
    << health().detail;
  EXPECT_EQ(requests().size(), 1U);
  const auto all = logs();
  EXPECT_EQ(test::count_of(all, "HTTP 400"), 1U) << all;
  EXPECT_NE(all.find("not retried"), std::string::npos) << all;
  expect_no_secrets_in_logs();
}

TEST_F(NotifierE2e, DisabledSendsNothing) {
  auto nc = enabled_config();
  nc.enabled = false;
  spawn(nc);
  notify(positive_exam("1.2.3.7", "chest"));
  notify(positive_exam("1.2.3.8", "chest"));
  // The health answer comes after both notifications were handled.
  const auto h = health();
  EXPECT_TRUE(h.available);
  EXPECT_EQ(h.detail, "disabled");
  EXPECT_TRUE(requests().empty());
  EXPECT_EQ(test::count_of(logs(), "disabled"), 2U) << logs();
}

TEST_F(NotifierE2e, NegativeExamIsNotAnnounced) {
  spawn(enabled_config());
  auto v = positive_exam("1.2.3.9", "chest");
  v.exam.ai.positive = 0;
  notify(v);
  notify(positive_exam("1.2.3.10", "chest"));
  ASSERT_TRUE(settles_at("enabled, 1 sent, 0 failed, 0 waiting"));
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 1U);
  EXPECT_EQ(text(reqs[0].as_object().at("headers").as_object().at("click")),
            "http://xrv.test:8000/?uid=1.2.3.10");
}

TEST_F(NotifierE2e, ConnectionRefusedIsBoundedAndHealthStillAnswers) {
  auto nc = enabled_config();
  nc.ntfy.ntfy_url
    = "http://127.0.0.1:" + std::to_string(test::free_port()) + "/xrv-alerts";
  spawn(nc);
  notify(positive_exam("1.2.3.11", "chest"));
  ASSERT_TRUE(settles_at("enabled, 0 sent, 1 failed, 0 waiting"))
    << health().detail;
  const auto h = health();
  EXPECT_TRUE(h.available);
  const auto all = logs();
  EXPECT_EQ(test::count_of(all, "retrying in"), 2U) << all;
  EXPECT_EQ(test::count_of(all, "failed after 3 attempts (peer_unavailable"),
            1U)
    << all;
  expect_no_secrets_in_logs();
}

TEST_F(NotifierE2e, BacklogIsBoundedAndTheRestIsDropped) {
  fail_next(503, "");
  auto nc = enabled_config();
  nc.max_pending = 2;
  nc.retry_delay = 60s; // the failed ones stay waiting for the whole test
  spawn(nc);
  for (int i = 0; i < 5; ++i)
    notify(positive_exam("1.2.4." + std::to_string(i), "chest"));
  ASSERT_TRUE(settles_at("enabled, 0 sent, 0 failed, 2 waiting, 3 dropped"))
    << health().detail;
  ASSERT_TRUE(test::wait_until(
    [this] {
      return requests().size() == 2U;
    },
    10s));
  EXPECT_EQ(test::count_of(logs(), "dropped"), 3U) << logs();
}

} // namespace xrv
