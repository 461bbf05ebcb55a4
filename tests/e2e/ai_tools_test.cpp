// The AI pipeline's outputs beyond the exam record: ntfy notifications of
// positive analyses (to a local ntfy sink) and the report tools
// (/api/check, /api/analyse, /api/translate) through the recording fake and
// through @dwmkerr/mock-llm, a real third-party OpenAI mock.

#include "tests/e2e/ai_fixture.hpp"

namespace xrv::test {

namespace {

using AiNotify = AiServer;
using AiTools = AiServer;

TEST_F(AiNotify, OnePostPerPositiveAndNoneForNegatives) {
  fake_llm llm{dir_.path()};
  ASSERT_TRUE(llm.ready());
  const auto sink_port = free_port();
  child_process sink_proc{
    {XRV_NODE, std::string{XRV_SOURCE_DIR} + "/tests/support/ntfy_sink.js",
     std::to_string(sink_port)},
    dir_.path(),
    {},
    dir_.path() / "sink.txt"};
  const auto sink = "http://127.0.0.1:" + std::to_string(sink_port);
  ASSERT_TRUE(wait_until(
    [&] {
      return http_call("GET", sink + "/__requests").status == 200;
    },
    10s));
  start_with(llm, {},
             "[notifications]\nNTFY_URL = " + sink
               + "/xrv-alerts\nPUBLIC_URL = https://xrv.example\n",
             {"--enable-ntfy"}); // the original's flag for ENABLE_NTFY
  llm.control("/__script",
              "[{\"content\":" + quoted(answer("yes", "Fracture.", 7))
                + "},{\"content\":" + quoted(answer("no", "Normal.")) + "},"
                + "{\"content\":" + quoted(answer("yes", "Effusion.", 5))
                + "}]");
  std::vector<std::string> uids;
  for (int i = 0; i < 3; ++i) {
    uids.push_back(send_image());
    ASSERT_TRUE(wait_status(uids.back(), "done")) << output();
  }
  json::array posts;
  wait_until(
    [&] {
      posts
        = json::parse(http_call("GET", sink + "/__requests").body).as_array();
      return posts.size() >= 2;
    },
    10s);
  // Give a wrong third POST the chance to arrive before counting.
  EXPECT_FALSE(wait_until(
    [&] {
      return json::parse(http_call("GET", sink + "/__requests").body)
               .as_array()
               .size()
             > 2;
    },
    1s));
  ASSERT_EQ(posts.size(), 2U);
  for (std::size_t i = 0; i < posts.size(); ++i) {
    const auto& p = posts[i].as_object();
    EXPECT_EQ(p.at("path").as_string(), "/xrv-alerts");
    const auto click = std::string{p.at("headers").at("click").as_string()};
    EXPECT_EQ(click, "https://xrv.example/?uid=" + uids[i == 0 ? 0 : 2]);
    const std::string body{p.at("body").as_string()};
    EXPECT_EQ(body.find("Doe"), std::string::npos) << body; // initials only
  }
}

TEST_F(AiTools, CheckAnalyseTranslateThroughTheFake) {
  fake_llm llm{dir_.path()};
  ASSERT_TRUE(llm.ready());
  start_with(llm);
  ASSERT_TRUE(wait_until(
    [&] {
      return get("/api/config").status == 200;
    },
    5s));
  llm.control(
    "/__script",
    "[{\"content\":"
      + quoted(R"({"pathologic":"yes","severity":6,"summary":"pneumonia"})")
      + "},{\"content\":" + quoted(R"({"translation":"Right lung pneumonia."})")
      + "},{\"content\":\"I cannot help with that.\"}]");
  // The endpoint is probed at start-up; tools wait until it is known up.
  ASSERT_TRUE(wait_until(
    [&] {
      return post("/api/check", R"({"report":"Pneumonie dreapta."})").status
             != 503;
    },
    5s));
  auto reqs = llm.requests();
  ASSERT_FALSE(reqs.empty());
  auto tr = post("/api/translate", R"({"report":"Pneumonie dreapta."})");
  EXPECT_EQ(tr.status, 200) << tr.body;
  EXPECT_EQ(json::parse(tr.body).at("translation").as_string(),
            "Right lung pneumonia.");
  auto bad = post("/api/analyse", R"({"report":"Pneumonie."})");
  EXPECT_EQ(bad.status, 502) << bad.body;
  EXPECT_EQ(post("/api/check", R"({"report":"  "})").status, 400);
  EXPECT_EQ(post("/api/check", R"({"text":"x"})").status, 400);
  EXPECT_EQ(post("/api/check", "not json").status, 400);
  const auto all = llm.requests();
  const auto& sys = all.at(0).at("body").at("messages").at(0);
  EXPECT_NE(std::string{sys.at("content").at(0).at("text").as_string()}.find(
              "pathologic"),
            std::string::npos);
}

TEST_F(AiTools, NoHealthyEndpointIs503) {
  start("OPENAI_URL_PRIMARY = http://127.0.0.1:" + std::to_string(free_port())
        + "/v1/chat/completions\nOPENAI_URL_SECONDARY =\n");
  auto r = post("/api/check", R"({"report":"Pneumonie."})");
  EXPECT_EQ(r.status, 503) << r.body;
}

// @dwmkerr/mock-llm with its body limit raised (reference/peers.md §4).
TEST_F(AiTools, MockLlmHappyPathAndOpenAiErrorShapes) {
  const auto port = free_port();
  const auto root = std::string{XRV_SOURCE_DIR};
  std::ofstream{dir_.path() / "mock.yaml"} << R"yaml(rules:
  - path: "/v1/chat/completions"
    method: "POST"
    match: "@"
    response:
      status: 200
      content: |
        {"id":"chatcmpl-1","object":"chat.completion","model":"mock-vision","choices":[{"index":0,"message":{"role":"assistant","content":"{\"short\":\"no\",\"report\":\"normal chest\",\"confidence\":90,\"severity\":1,\"summary\":\"normal\"}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}
  - path: "/v1/chat/completions"
    method: "POST"
    match: "contains(to_string(body.messages), 'trigger-429')"
    response:
      status: 429
      content: '{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}'
  - path: "/v1/chat/completions"
    method: "POST"
    match: "contains(to_string(body.messages), 'trigger-500')"
    response:
      status: 500
      content: '{"error":{"message":"model crashed","type":"server_error"}}'
  - path: "/v1/models"
    method: "GET"
    match: "@"
    response:
      status: 200
      content: '{"object":"list","data":[{"id":"mock-vision","object":"model"}]}'
)yaml";
  child_process mock{{XRV_NODE, "-r",
                      root + "/tests/support/mock_llm_bigbody.js",
                      root + "/node_modules/@dwmkerr/mock-llm/dist/main.js",
                      "--config", (dir_.path() / "mock.yaml").string()},
                     dir_.path(),
                     {{"HOST", "127.0.0.1"}, {"PORT", std::to_string(port)}},
                     dir_.path() / "mock.txt"};
  const auto base = "http://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(wait_until(
    [&] {
      return http_call("GET", base + "/health").status == 200;
    },
    15s))
    << read_text(dir_.path() / "mock.txt");
  start("OPENAI_URL_PRIMARY = " + base
        + "/v1/chat/completions\nOPENAI_URL_SECONDARY =\nMAX_RETRIES = 2\n");
  const auto uid = send_image();
  ASSERT_TRUE(wait_status(uid, "done")) << output();
  auto e = exam(uid);
  EXPECT_EQ(e.at("report").at("ai").at("text").as_string(), "normal chest");
  EXPECT_EQ(e.at("report").at("ai").at("model").as_string(), "mock-vision");
  // OpenAI error objects: 500 is this request's failure (502 to the user),
  // 429 says the endpoint cannot serve now (503).
  auto crashed = post("/api/check", R"({"report":"trigger-500"})");
  EXPECT_EQ(crashed.status, 502) << crashed.body;
  EXPECT_NE(crashed.body.find("model crashed"), std::string::npos)
    << crashed.body;
  auto limited = post("/api/check", R"({"report":"trigger-429"})");
  EXPECT_EQ(limited.status, 503) << limited.body;
}

} // namespace

} // namespace xrv::test
