// The AI pipeline end to end: the real binary analyses real CR images through
// the recording fake LLM (tests/support/fake_llm.js), which speaks the
// chat-completions protocol and injects the faults LLM servers show.

#include "tests/e2e/ai_fixture.hpp"

#include <sodium.h>

namespace xrv::test {

namespace {

std::string decode_base64(const std::string& b64) {
  std::string out(b64.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()),
                        out.size(), b64.data(), b64.size(), nullptr, &len,
                        nullptr, sodium_base64_VARIANT_ORIGINAL)
      != 0)
    return {};
  out.resize(len);
  return out;
}

std::string text_of(const json::value& v,
                    std::initializer_list<const char*> path) {
  const json::value* cur = &v;
  for (const char* key : path) {
    if (!cur->is_object() || !cur->as_object().contains(key))
      return {};
    cur = &cur->at(key);
  }
  return cur->is_string() ? std::string{cur->as_string()} : std::string{};
}

using AiPipeline = AiServer;

TEST_F(AiPipeline, RequestCarriesKeyModelImageAndPriorStudies) {
  fake_llm llm{dir_.path()};
  ASSERT_TRUE(llm.ready());
  start_with(llm, "OPENAI_API_KEY = sk-test-123\n"
                  "MODEL_NAME = vision-x\n");
  llm.control("/__script",
              "[{\"content\":" + quoted(answer("no", "Old report.")) + "}]");
  const auto first = send_image("Torace AP", "1900101400004", "20260105");
  ASSERT_TRUE(wait_status(first, "done")) << output();
  const auto second = send_image("Torace AP", "1900101400004", "20260110");
  ASSERT_TRUE(wait_status(second, "done")) << output();

  auto reqs = llm.requests();
  ASSERT_EQ(reqs.size(), 2U);
  const auto& req = reqs[1].as_object();
  EXPECT_EQ(text_of(req.at("headers"), {"authorization"}),
            "Bearer sk-test-123");
  const auto& body = req.at("body").as_object();
  EXPECT_EQ(body.at("model").as_string(), "vision-x");
  const auto& user = body.at("messages").at(1).at("content").as_array();
  const std::string prompt{user.at(0).at("text").as_string()};
  EXPECT_NE(prompt.find("chest X-ray"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("PRIOR STUDIES:"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("Old report."), std::string::npos) << prompt;
  // The image is the stored PNG, byte for byte.
  const std::string data_url{user.at(1).at("image_url").at("url").as_string()};
  const std::string prefix = "data:image/png;base64,";
  ASSERT_EQ(data_url.rfind(prefix, 0), 0U);
  auto png = get("/images/" + second + ".png");
  ASSERT_EQ(png.status, 200);
  EXPECT_EQ(decode_base64(data_url.substr(prefix.size())), png.body);
  // Stored: text, model from the response, and the .dcm is gone.
  auto e = exam(second);
  EXPECT_EQ(text_of(e, {"report", "ai", "model"}), "vision-x");
  EXPECT_EQ(e.at("report").at("ai").at("positive").as_int64(), 0);
  EXPECT_FALSE(fs::exists(dir_.path() / "images" / (second + ".dcm")));
  EXPECT_TRUE(fs::exists(dir_.path() / "images" / (second + ".png")));
}

TEST_F(AiPipeline, ReSentImageOfADoneExamIsNotAnalysedAgain) {
  fake_llm llm{dir_.path()};
  env_["XRV_GENERAL_LOG_LEVEL"] = "DEBUG"; // the converter's skip
  start_with(llm);
  ASSERT_TRUE(llm.ready());
  llm.control("/__script",
              "[{\"content\":" + quoted(answer("no", "Clear.")) + "}]");
  const auto uid = send_image();
  ASSERT_TRUE(wait_status(uid, "done")) << output();
  // The same file again (send_image's copy is still there).
  const auto out
    = run_command("TCP_NODELAY=1 storescu -v -aec XRAYVISION "
                  "127.0.0.1 "
                    + std::to_string(dicom_port_) + " "
                    + (dir_.path() / "in-1.dcm").string() + " 2>&1",
                  "");
  EXPECT_NE(out.find("Received Store Response (Success)"), std::string::npos)
    << out;
  ASSERT_TRUE(wait_until(
    [&] {
      return read_text(dir_.path() / "xrv.log")
               .find("exam " + uid + " already done; not converted")
             != std::string::npos;
    },
    20s))
    << read_text(dir_.path() / "xrv.log");
  EXPECT_EQ(status_of(uid), "done");
  EXPECT_EQ(llm.requests().size(), 1U);
  EXPECT_EQ(text_of(exam(uid), {"report", "ai", "text"}), "Clear.");
}

TEST_F(AiPipeline, FaultsAreRetriedUntilAUsableAnswer) {
  fake_llm llm{dir_.path()};
  ASSERT_TRUE(llm.ready());
  start_with(llm, "TIMEOUT = 1\nMAX_RETRIES = 6\n");
  // 500, a hang past the timeout, truncated JSON, then prose around JSON
  // with braces inside strings: the last one is used.
  llm.control("/__script",
              "[{\"status\":500},{\"hang\":true},"
              "{\"content\":\"{\\\"short\\\":\\\"yes\\\",\\\"report\\\":\"},"
              "{\"content\":"
                + quoted("Here is my analysis:\n```json\n"
                         + answer("yes", "Opacity {right} base.", 6)
                         + "\n```\nHope this helps {really}.")
                + "}]");
  const auto uid = send_image();
  ASSERT_TRUE(wait_status(uid, "done", 30s)) << output();
  auto e = exam(uid);
  EXPECT_EQ(text_of(e, {"report", "ai", "text"}), "Opacity {right} base.");
  EXPECT_EQ(e.at("report").at("ai").at("severity").as_int64(), 6);
  EXPECT_EQ(llm.requests().size(), 4U);
}

TEST_F(AiPipeline, SlowChunkedAnswerIsReadWhole) {
  fake_llm llm{dir_.path()};
  ASSERT_TRUE(llm.ready());
  start_with(llm);
  llm.control("/__script", "[{\"slow_ms\":300,\"content\":"
                             + quoted(answer("no", "Slow but fine.")) + "}]");
  const auto uid = send_image();
  ASSERT_TRUE(wait_status(uid, "done")) << output();
  EXPECT_EQ(text_of(exam(uid), {"report", "ai", "text"}), "Slow but fine.");
}

TEST_F(AiPipeline, UnusableAnswersEndInErrorWithTheReason) {
  fake_llm llm{dir_.path()};
  ASSERT_TRUE(llm.ready());
  start_with(llm, "MAX_RETRIES = 3\n");
  // Out of range severity, every time.
  llm.control("/__default",
              "{\"content\":" + quoted(answer("yes", "Bad scale.", 42)) + "}");
  const auto uid = send_image();
  ASSERT_TRUE(wait_status(uid, "error")) << output();
  const auto reason = text_of(exam(uid), {"exam", "reason"});
  EXPECT_EQ(reason.rfind("max_retries: ", 0), 0U) << reason;
  EXPECT_NE(reason.find("severity"), std::string::npos) << reason;
  EXPECT_EQ(llm.requests().size(), 3U);
  // The server is fine and other exams still work.
  llm.control("/__default", "{\"content\":" + quoted(answer("no", "ok")) + "}");
  const auto next = send_image();
  EXPECT_TRUE(wait_status(next, "done")) << output();
}

TEST_F(AiPipeline, UnsupportedRegionIsIgnoredWithoutAnAiCall) {
  fake_llm llm{dir_.path()};
  ASSERT_TRUE(llm.ready());
  start_with(llm);
  const auto uid = send_image("Genunchi AP"); // knee: not analysed
  ASSERT_TRUE(wait_status(uid, "ignore")) << output();
  EXPECT_EQ(text_of(exam(uid), {"exam", "reason"}),
            "region knee is not analysed");
  EXPECT_TRUE(llm.requests().empty());
}

TEST_F(AiPipeline, SecondaryServesWhilePrimaryIsDown) {
  fake_llm secondary{dir_.path()};
  ASSERT_TRUE(secondary.ready());
  const auto closed = free_port(); // nothing listens there
  start("OPENAI_URL_PRIMARY = http://127.0.0.1:" + std::to_string(closed)
        + "/v1/chat/completions\nOPENAI_URL_SECONDARY = " + secondary.chat_url()
        + "\n");
  const auto uid = send_image();
  ASSERT_TRUE(wait_status(uid, "done")) << output();
  EXPECT_EQ(secondary.requests().size(), 1U);
}

TEST_F(AiPipeline, BothDownExamsWaitThenAllAreDoneAfterRecovery) {
  const auto p1 = free_port();
  const auto p2 = free_port();
  start("OPENAI_URL_PRIMARY = http://127.0.0.1:" + std::to_string(p1)
        + "/v1/chat/completions\nOPENAI_URL_SECONDARY = http://127.0.0.1:"
        + std::to_string(p2) + "/v1/chat/completions\n");
  std::vector<std::string> uids;
  for (int i = 0; i < 3; ++i)
    uids.push_back(send_image());
  for (const auto& uid : uids)
    ASSERT_TRUE(wait_status(uid, "queued")) << output();
  // A while with both down: nothing is errored, nothing is lost.
  EXPECT_FALSE(wait_until(
    [&] {
      for (const auto& uid : uids)
        if (status_of(uid) != "queued")
          return true;
      return false;
    },
    2s));
  fake_llm recovered{dir_.path(), p2};
  ASSERT_TRUE(recovered.ready());
  for (const auto& uid : uids)
    EXPECT_TRUE(wait_status(uid, "done")) << output();
  EXPECT_EQ(recovered.requests().size(), 3U);
}

} // namespace

TEST_F(AiPipeline, ErroredExamsAreRetriedAfterErrorRetryMinutes) {
  fake_llm llm{dir_.path()};
  ASSERT_TRUE(llm.ready());
  // 0.05 minutes = 3 s, checked every 1.5 s.
  start_with(llm, "MAX_RETRIES = 1\n"
                  "ERROR_RETRY_MINUTES = 0.05\n");
  llm.control("/__default", "{\"content\":\"Not JSON at all.\"}");
  const auto uid = send_image();
  ASSERT_TRUE(wait_status(uid, "error")) << output();
  const auto errored_at = std::chrono::steady_clock::now();
  llm.control("/__default",
              "{\"content\":" + quoted(answer("no", "Clear.")) + "}");
  // Nobody asks: the server's own timer re-queues it, and the AI succeeds.
  ASSERT_TRUE(wait_status(uid, "done", 20s)) << output();
  EXPECT_GE(std::chrono::steady_clock::now() - errored_at, 2s)
    << "re-queued before ERROR_RETRY_MINUTES had passed";
  EXPECT_EQ(llm.requests().size(), 2U);
}

TEST_F(AiPipeline, PromptFilesReplaceTheBuiltInPrompts) {
  fake_llm llm{dir_.path()};
  ASSERT_TRUE(llm.ready());
  const auto system_file = dir_.path() / "system.txt";
  std::ofstream{system_file} << "You are the XRV-TEST radiologist.";
  start_with(llm, {}, "[prompts]\nSYSTEM = " + system_file.string() + "\n");
  llm.control("/__default",
              "{\"content\":" + quoted(answer("no", "Clear.")) + "}");
  const auto uid = send_image();
  ASSERT_TRUE(wait_status(uid, "done")) << output();
  auto reqs = llm.requests();
  ASSERT_EQ(reqs.size(), 1U);
  const auto& messages = reqs[0].at("body").at("messages").as_array();
  EXPECT_EQ(text_of(messages.at(0), {"role"}), "system");
  // Content parts, as the original sends them: [{"type":"text","text":...}].
  EXPECT_EQ(text_of(messages.at(0).at("content").at(0), {"text"}),
            "You are the XRV-TEST radiologist.");
}

} // namespace xrv::test
