// The `[openai]` endpoint, retry and sampling keys, `[prompts]` and the
// notification keys.

#include "actors/system/config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_helpers.hpp"

namespace {

using xrv::config::ai_endpoint_config;

TEST(ConfigAi, DefaultsGivePrimaryAndSecondaryWithOneSlot) {
  const auto c = loaded({});
  ASSERT_EQ(c.openai.endpoints.size(), 2U);
  const auto& pri = c.openai.endpoints[0];
  EXPECT_EQ(pri.name, "pri");
  EXPECT_EQ(pri.url, "http://127.0.0.1:8080/v1/chat/completions");
  EXPECT_EQ(pri.api_key, "sk-your-api-key");
  EXPECT_EQ(pri.model, "medgemma-4b-it");
  EXPECT_EQ(pri.slots, 1);
  EXPECT_EQ(pri.connect_timeout_s, 5);
  EXPECT_EQ(pri.timeout_s, 300);
  EXPECT_EQ(c.openai.endpoints[1].name, "sec");
  EXPECT_EQ(c.openai.health_interval, 60);
  EXPECT_EQ(c.openai.max_retries, 3);
  EXPECT_EQ(c.openai.error_retry_minutes, 60);
  EXPECT_FALSE(c.openai.oldest_first);
  EXPECT_EQ(c.openai.temperature, 0.6);
  EXPECT_EQ(c.openai.top_k, 40);
  EXPECT_EQ(c.openai.cache_prompt, true);
}

TEST(ConfigAi, ExtraUrlsAndPerEndpointOverrides) {
  const auto c = loaded({{"xrayvision.cfg", R"([openai]
OPENAI_URL_SECONDARY =
OPENAI_URLS = http://gpu2:8080/v1/chat/completions, https://gpu3/v1/chat/completions
SLOTS = 2
SLOTS_3 = 4
MODEL_NAME_4 = llava
OPENAI_API_KEY_1 = sk-primary
TIMEOUT_4 = 60
CONNECT_TIMEOUT_3 = 2
)"}});
  ASSERT_EQ(c.openai.endpoints.size(), 3U);
  const auto& e = c.openai.endpoints;
  EXPECT_EQ(e[0].name, "pri");
  EXPECT_EQ(e[0].api_key, "sk-primary");
  EXPECT_EQ(e[0].slots, 2);
  EXPECT_EQ(e[1].name, "3");
  EXPECT_EQ(e[1].url, "http://gpu2:8080/v1/chat/completions");
  EXPECT_EQ(e[1].slots, 4);
  EXPECT_EQ(e[1].connect_timeout_s, 2);
  EXPECT_EQ(e[1].api_key, "sk-your-api-key");
  EXPECT_EQ(e[2].name, "4");
  EXPECT_EQ(e[2].model, "llava");
  EXPECT_EQ(e[2].timeout_s, 60);
  EXPECT_EQ(e[2].slots, 2);
}

TEST(ConfigAi, OverrideOfAMissingEndpointIsAnError) {
  EXPECT_EQ(error_of("[openai]\nSLOTS_3 = 2\n"),
            "xrayvision.cfg: [openai] SLOTS_3 = 2: there is no endpoint 3");
  EXPECT_EQ(
    error_of("[openai]\nOPENAI_URL_SECONDARY =\nOPENAI_API_KEY_2 = x\n"),
    "xrayvision.cfg: [openai] OPENAI_API_KEY_2 = ***: there is no "
    "endpoint 2");
}

TEST(ConfigAi, InvalidValuesNameTheKey) {
  EXPECT_EQ(error_of("[openai]\nSLOTS_1 = 0\n"),
            "xrayvision.cfg: [openai] SLOTS_1 = 0: not an integer in 1-16");
  EXPECT_EQ(error_of("[openai]\nSLOTS = many\n"),
            "xrayvision.cfg: [openai] SLOTS = many: not an integer");
  EXPECT_EQ(error_of("[openai]\nQUEUE_ORDER = random\n"),
            "xrayvision.cfg: [openai] QUEUE_ORDER = random: expected newest "
            "or oldest");
  EXPECT_EQ(error_of("[openai]\nOPENAI_URLS = gpu2:8080\n"),
            "xrayvision.cfg: [openai] OPENAI_URLS = gpu2:8080: expected a "
            "comma-separated list of http(s) URLs");
  EXPECT_EQ(error_of("[openai]\nOPENAI_URL_PRIMARY = localhost:8080\n"),
            "xrayvision.cfg: [openai] OPENAI_URL_PRIMARY = localhost:8080: "
            "not an http(s) URL");
  EXPECT_EQ(error_of("[openai]\nTEMPERATURE = hot\n"),
            "xrayvision.cfg: [openai] TEMPERATURE = hot: not a number (leave "
            "empty to not send it)");
  EXPECT_EQ(error_of("[openai]\nMAX_RETRIES = 0\n"),
            "xrayvision.cfg: [openai] MAX_RETRIES = 0: out of range (1-20)");
  EXPECT_EQ(error_of("[openai]\nERROR_RETRY_MINUTES = -1\n"),
            "xrayvision.cfg: [openai] ERROR_RETRY_MINUTES = -1: out of range "
            "(0-10080 minutes)");
  EXPECT_EQ(error_of("[openai]\nERROR_RETRY_MINUTES = soon\n"),
            "xrayvision.cfg: [openai] ERROR_RETRY_MINUTES = soon: not a "
            "number of minutes");
  EXPECT_EQ(error_of("[notifications]\nNTFY_PRIORITY = 9\n"),
            "xrayvision.cfg: [notifications] NTFY_PRIORITY = 9: expected 1-5, "
            "min, low, default, high, max or urgent");
}

TEST(ConfigAi, ErrorRetryTakesFractionsOfAMinute) {
  const auto c
    = loaded({{"xrayvision.cfg", "[openai]\nERROR_RETRY_MINUTES = 0.05\n"}});
  EXPECT_DOUBLE_EQ(c.openai.error_retry_minutes, 0.05);
}

TEST(ConfigAi, EmptySamplingValuesAreNotSent) {
  const auto c = loaded(
    {{"xrayvision.cfg", "[openai]\nTEMPERATURE =\nTOP_K =\nCACHE_PROMPT =\n"
                        "QUEUE_ORDER = Oldest\n"}});
  EXPECT_FALSE(c.openai.temperature);
  EXPECT_FALSE(c.openai.top_k);
  EXPECT_FALSE(c.openai.cache_prompt);
  EXPECT_EQ(c.openai.top_p, 0.95);
  EXPECT_TRUE(c.openai.oldest_first);
}

TEST(ConfigAi, OverridesComeFromTheEnvironmentToo) {
  const auto c = loaded(
    {}, {{"XRV_OPENAI_SLOTS_2", "3"}, {"XRV_OPENAI_OPENAI_URL_PRIMARY", ""}});
  ASSERT_EQ(c.openai.endpoints.size(), 1U);
  EXPECT_EQ(c.openai.endpoints[0].name, "sec");
  EXPECT_EQ(c.openai.endpoints[0].slots, 3);
}

TEST(ConfigAi, NoEndpointIsAWarningNotAnError) {
  const auto c = loaded({{"xrayvision.cfg", "[openai]\nOPENAI_URL_PRIMARY =\n"
                                            "OPENAI_URL_SECONDARY =\n"}});
  EXPECT_TRUE(c.openai.endpoints.empty());
  EXPECT_NE(std::find(c.warnings.begin(), c.warnings.end(),
                      "[openai] no endpoint is configured: exams wait in the "
                      "queue"),
            c.warnings.end());
}

TEST(ConfigAi, PromptFilesAreCollected) {
  const auto c = loaded(
    {{"xrayvision.cfg", "[prompts]\nSYSTEM = prompts/sys.txt\nUSER =\n"}});
  EXPECT_EQ(c.prompt_files.at("system"), "prompts/sys.txt");
  EXPECT_EQ(c.prompt_files.at("user"), "");
}

TEST(ConfigAi, NotificationKeys) {
  const auto c = loaded({{"xrayvision.cfg", R"([notifications]
NTFY_TOKEN = tk_abc
NTFY_INCLUDE_NAMES = yes
NTFY_PRIORITY = High
NTFY_TAGS = rotating_light
PUBLIC_URL = https://xrv.hospital.local
)"}});
  EXPECT_EQ(c.notifications.ntfy_token, "tk_abc");
  EXPECT_TRUE(c.notifications.include_names);
  EXPECT_EQ(c.notifications.priority, "high");
  EXPECT_EQ(c.notifications.tags, "rotating_light");
  EXPECT_EQ(c.notifications.public_url, "https://xrv.hospital.local");
}

} // namespace
