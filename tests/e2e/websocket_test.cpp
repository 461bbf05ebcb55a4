// The dashboard WebSocket end to end (spec/API.md §6): the real binary, the
// recording fake LLM and DCMTK's storescu trigger every event; clients are a
// Beast WebSocket client and a raw socket that stops reading.

#include "actors/system/phi.hpp"
#include "tests/e2e/ai_fixture.hpp"
#include "tests/support/ws_client.hpp"

#include <functional>

namespace xrv::test {

namespace {

// Every key of spec §6 is in the frame, with its type.
::testing::AssertionResult has_every_key(const json::object& f) {
  auto fail = [&f](const char* what) {
    return ::testing::AssertionFailure()
           << what << " in " << json::serialize(f);
  };
  if (!f.contains("dashboard") || !f.at("dashboard").is_object())
    return fail("no dashboard");
  const auto& d = f.at("dashboard").as_object();
  for (const char* k : {"queue_size", "check_queue_size", "error_count",
                        "ignore_count", "success_count"})
    if (!d.contains(k) || !d.at(k).is_number())
      return fail(k);
  if (!d.contains("processing")
      || !(d.at("processing").is_null() || d.at("processing").is_string()))
    return fail("processing");
  if (!f.contains("openai") || !f.at("openai").is_object())
    return fail("no openai");
  const auto& o = f.at("openai").as_object();
  if (!o.contains("url") || !(o.at("url").is_null() || o.at("url").is_string()))
    return fail("openai.url");
  if (!o.contains("health") || !o.at("health").is_object())
    return fail("openai.health");
  if (!f.contains("timings") || !f.at("timings").is_object())
    return fail("no timings");
  for (const char* k : {"avg_latency", "min_latency", "max_latency"})
    if (!f.at("timings").as_object().contains(k)
        || !f.at("timings").at(k).is_number())
      return fail(k);
  if (!f.contains("next_query") || !f.at("next_query").is_string())
    return fail("next_query");
  return ::testing::AssertionSuccess();
}

std::string event_name(const json::object& f) {
  if (!f.contains("event"))
    return {};
  return std::string{f.at("event").at("name").as_string()};
}

class WebSocket : public AiServer {
protected:
  std::unique_ptr<ws_client> connect(const header_list& headers) {
    int status = 0;
    auto c = ws_client::connect(http_port_, headers, status);
    EXPECT_EQ(status, 101);
    return c;
  }

  std::unique_ptr<ws_client> connect_as(const std::string& user,
                                        const std::string& password) {
    auto auth = basic_header(user, password);
    return connect({{"Authorization", auth.substr(auth.find(':') + 2)}});
  }

  // The next frame satisfying `pred`, every frame before it checked for
  // every key; nullopt on the deadline.
  std::optional<json::object>
  wait_frame(ws_client& c, const std::function<bool(const json::object&)>& pred,
             std::chrono::milliseconds deadline = 20s) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      auto text = c.next(100ms);
      if (!text)
        continue;
      auto f = json::parse(*text).as_object();
      EXPECT_TRUE(has_every_key(f));
      if (pred(f))
        return f;
    }
    return std::nullopt;
  }

  std::optional<json::object> wait_event(ws_client& c, const std::string& name,
                                         const std::string& uid) {
    return wait_frame(c, [&](const json::object& f) {
      if (event_name(f) != name)
        return false;
      const auto& p = f.at("event").at("payload").as_object();
      return p.contains("uid") && p.at("uid").as_string() == uid;
    });
  }
};

} // namespace

TEST_F(WebSocket, EachEventFiresOnItsTriggerWithTheDocumentedPayload) {
  fake_llm llm{dir_.path()};
  ASSERT_TRUE(llm.ready());
  start_with(llm, "MAX_RETRIES = 1\n");
  llm.control("/__default",
              "{\"content\":" + quoted(answer("yes", "Right effusion.", 8))
                + "}");
  auto c = connect_as("admin", "adm");
  ASSERT_TRUE(c);

  auto hello = wait_frame(*c, [](const json::object& f) {
    return event_name(f) == "connected";
  });
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->at("event").at("payload").at("address").as_string(),
            "127.0.0.1");
  EXPECT_EQ(hello->at("next_query").as_string(), "Disabled");

  // An image arrives and is analysed.
  const auto uid = send_image();
  auto start_ev = wait_event(*c, "processing_start", uid);
  ASSERT_TRUE(start_ev) << output();
  const auto& sp = start_ev->at("event").at("payload").as_object();
  EXPECT_EQ(sp.at("region").as_string(), "chest");
  const std::string name{exam(uid).at("patient").at("name").as_string()};
  EXPECT_EQ(sp.at("patient").as_string(), patient_initials(name));
  auto done = wait_event(*c, "new_exam", uid);
  ASSERT_TRUE(done) << output();
  const auto& np = done->at("event").at("payload").as_object();
  EXPECT_TRUE(np.at("positive").as_bool());
  EXPECT_FALSE(np.at("reviewed").as_bool());
  EXPECT_EQ(np.at("severity").as_int64(), 8);
  EXPECT_EQ(np.size(), 4U);

  // A review: the full exam object.
  ASSERT_EQ(
    post("/api/radreview", R"({"uid":")" + uid + R"(","normal":true})").status,
    200);
  auto review = wait_event(*c, "radreview", uid);
  ASSERT_TRUE(review);
  const auto& rp = review->at("event").at("payload").as_object();
  EXPECT_EQ(rp.at("patient").at("name").as_string(), name);
  EXPECT_EQ(rp.at("report").at("rad").at("positive").as_int64(), 0)
    << json::serialize(rp);

  // A re-queue, then the AI's answer again.
  ASSERT_EQ(post("/api/requeue", R"({"uid":")" + uid + R"("})").status, 200);
  auto requeue = wait_event(*c, "requeue", uid);
  ASSERT_TRUE(requeue);
  EXPECT_EQ(requeue->at("event").at("payload").at("status").as_string(),
            "requeue");
  ASSERT_TRUE(wait_event(*c, "new_exam", uid));

  // An answer the server cannot use ends in `error` (MAX_RETRIES = 1).
  llm.control("/__default", "{\"content\":\"I cannot read this image.\"}");
  const auto bad = send_image("Torace PA", "1900101400012");
  auto err = wait_event(*c, "error", bad);
  ASSERT_TRUE(err) << output();
  EXPECT_EQ(err->at("event").at("payload").at("reason").as_string(),
            "max_retries");
  EXPECT_EQ(err->at("dashboard").at("error_count").as_int64(), 1);
}

TEST_F(WebSocket, UserClientsGetAnonymisedPayloadsAdminsRealNames) {
  extra_users_ = "nurse = n-pass,user\n";
  start("OPENAI_URL_PRIMARY =\nOPENAI_URL_SECONDARY =\n");
  auto admin = connect_as("admin", "adm");
  auto user = connect_as("nurse", "n-pass");
  ASSERT_TRUE(admin && user);
  const auto uid = send_image();
  ASSERT_TRUE(wait_status(uid, "queued")) << output();
  const std::string name{exam(uid).at("patient").at("name").as_string()};
  ASSERT_EQ(
    post("/api/radreview", R"({"uid":")" + uid + R"(","normal":false})").status,
    200);
  auto a = wait_event(*admin, "radreview", uid);
  auto u = wait_event(*user, "radreview", uid);
  ASSERT_TRUE(a && u);
  EXPECT_EQ(a->at("event").at("payload").at("patient").at("name").as_string(),
            name);
  const auto& up = u->at("event").at("payload").at("patient").as_object();
  EXPECT_EQ(up.at("name").as_string(), patient_initials(name));
  EXPECT_EQ(up.at("cnp").as_string(), "1900101...");
}

TEST_F(WebSocket, UpgradeNeedsAuthenticationAndTheSameOrigin) {
  start("OPENAI_URL_PRIMARY =\nOPENAI_URL_SECONDARY =\n");
  int status = 0;
  EXPECT_FALSE(ws_client::connect(http_port_, {}, status));
  EXPECT_EQ(status, 401);
  auto auth = basic_header("admin", "adm");
  const std::string basic = auth.substr(auth.find(':') + 2);
  EXPECT_FALSE(ws_client::connect(
    http_port_, {{"Authorization", basic}, {"Origin", "http://evil.example"}},
    status));
  EXPECT_EQ(status, 403);
  EXPECT_FALSE(ws_client::connect(http_port_, {{"Authorization", basic}},
                                  status, "/other"));
  EXPECT_EQ(status, 404);
  // Same origin, and the session cookie alone, are accepted.
  const std::string origin = "http://127.0.0.1:" + std::to_string(http_port_);
  EXPECT_TRUE(ws_client::connect(
    http_port_, {{"Authorization", basic}, {"Origin", origin}}, status));
  EXPECT_EQ(status, 101);
  auto login = get("/api/config");
  ASSERT_FALSE(login.set_cookies.empty());
  const auto cookie
    = login.set_cookies.front().substr(0, login.set_cookies.front().find(';'));
  EXPECT_TRUE(ws_client::connect(
    http_port_, {{"Cookie", cookie}, {"Origin", origin}}, status));
  EXPECT_EQ(status, 101);
  // A plain GET is told to upgrade.
  EXPECT_EQ(get("/ws").status, 426);
}

TEST_F(WebSocket, HeartbeatWhenIdleAndABurstIsCoalesced) {
  extra_dashboard_ = "WS_HEARTBEAT = 1\n";
  start("OPENAI_URL_PRIMARY =\nOPENAI_URL_SECONDARY =\n");
  auto c = connect_as("admin", "adm");
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait_frame(*c, [](const json::object& f) {
    return event_name(f) == "connected";
  }));
  // Nothing happens: a state frame comes anyway.
  EXPECT_TRUE(wait_frame(
    *c,
    [](const json::object& f) {
      return !f.contains("event");
    },
    3s));

  // 40 images in one association: the counters reach 40 in far fewer frames.
  constexpr int burst = 40;
  std::string files;
  for (int i = 0; i < burst; ++i) {
    const auto file = dir_.path() / ("burst-" + std::to_string(i) + ".dcm");
    fs::copy_file(ai_test_cr, file);
    files += " " + file.string();
  }
  run_command("dcmodify -nb -gin -gst" + files + " 2>&1", "");
  run_command("TCP_NODELAY=1 storescu -aec XRAYVISION 127.0.0.1 "
                + std::to_string(dicom_port_) + files + " 2>&1",
              "");
  int frames = 0;
  auto last = wait_frame(*c, [&frames](const json::object& f) {
    ++frames;
    return f.at("dashboard").at("queue_size").as_int64() == burst;
  });
  ASSERT_TRUE(last) << output();
  EXPECT_LT(frames, burst / 2) << "state frames were not coalesced";
}

TEST_F(WebSocket, AClientThatNeverReadsIsDroppedWhileAnotherKeepsReceiving) {
  extra_dashboard_ = "WS_QUEUE = 8\n";
  start("OPENAI_URL_PRIMARY =\nOPENAI_URL_SECONDARY =\n");
  const auto uid = send_image();
  ASSERT_TRUE(wait_status(uid, "queued")) << output();
  auto auth = basic_header("admin", "adm");
  stalled_ws_client stalled;
  ASSERT_TRUE(stalled.connect(
    http_port_, {{"Authorization", auth.substr(auth.find(':') + 2)}}));
  auto reader = connect_as("admin", "adm");
  ASSERT_TRUE(reader);

  // Reviews until the server gives up on the stalled client (each is a
  // full exam object, ~1.5 KB); the reader must see every one of them.
  int sent = 0;
  const auto log = dir_.path() / "xrv.log";
  while (sent < 3000
         && read_text(log).find("is not reading") == std::string::npos) {
    const bool normal = sent % 2 == 0;
    ASSERT_EQ(post("/api/radreview", R"({"uid":")" + uid + R"(","normal":)"
                                       + (normal ? "true" : "false") + "}")
                .status,
              200);
    ++sent;
  }
  ASSERT_NE(read_text(log).find("is not reading"), std::string::npos)
    << "the stalled client was never dropped after " << sent << " events";
  int received = 0;
  ASSERT_TRUE(wait_frame(*reader,
                         [&](const json::object& f) {
                           if (event_name(f) == "radreview")
                             ++received;
                           return received == sent;
                         }))
    << received << " of " << sent << " events reached the reading client";
  auto [bytes, closed] = stalled.drain(10s);
  EXPECT_TRUE(closed) << "the server did not hang up on the stalled client";
  EXPECT_GT(bytes, 0U);
  EXPECT_FALSE(reader->closed());
}

} // namespace xrv::test
