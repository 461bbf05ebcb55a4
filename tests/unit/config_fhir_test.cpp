// The `[fhir]` keys: defaults, values, and refusals naming the key.

#include "actors/system/config.hpp"

#include <gtest/gtest.h>

#include "config_helpers.hpp"

namespace {

TEST(ConfigFhir, Defaults) {
  const auto c = loaded({});
  EXPECT_EQ(c.fhir.dialect, "r4");
  EXPECT_EQ(c.fhir.lookback_days, 14);
  EXPECT_EQ(c.fhir.timeout, 30);
  EXPECT_EQ(c.fhir.probe_timeout, 10);
  EXPECT_EQ(c.fhir.requests_per_minute, 60);
  EXPECT_EQ(c.fhir.backoff_seconds, 900);
  EXPECT_EQ(c.fhir.match_hours, 24);
  EXPECT_TRUE(c.fhir.token.empty());
  EXPECT_FALSE(c.processing.enable_his);
}

TEST(ConfigFhir, EveryKeyIsRead) {
  const auto c = loaded({{"xrayvision.cfg", R"([fhir]
FHIR_URL = https://his.example/fhir
FHIR_DIALECT = Hipocrate
FHIR_TOKEN = abc
IDENTIFIER_SYSTEM = urn:oid:2.16.642.1
CONNECT_TIMEOUT = 3
TIMEOUT = 12
PROBE_TIMEOUT = 4
HEALTH_INTERVAL = 30
LOOKBACK_DAYS = 7
REQUESTS_PER_MINUTE = 0
POLL_INTERVAL = 5
BACKOFF_SECONDS = 60
BACKOFF_MAX_HOURS = 2
MATCH_HOURS = 48
[processing]
ENABLE_HIS = true
)"}});
  EXPECT_EQ(c.fhir.url, "https://his.example/fhir");
  EXPECT_EQ(c.fhir.dialect, "hipocrate");
  EXPECT_EQ(c.fhir.token, "abc");
  EXPECT_EQ(c.fhir.identifier_system, "urn:oid:2.16.642.1");
  EXPECT_EQ(c.fhir.connect_timeout, 3);
  EXPECT_EQ(c.fhir.timeout, 12);
  EXPECT_EQ(c.fhir.probe_timeout, 4);
  EXPECT_EQ(c.fhir.health_interval, 30);
  EXPECT_EQ(c.fhir.lookback_days, 7);
  EXPECT_EQ(c.fhir.requests_per_minute, 0);
  EXPECT_EQ(c.fhir.poll_interval, 5);
  EXPECT_EQ(c.fhir.backoff_seconds, 60);
  EXPECT_EQ(c.fhir.backoff_max_hours, 2);
  EXPECT_EQ(c.fhir.match_hours, 48);
  EXPECT_TRUE(c.processing.enable_his);
}

TEST(ConfigFhir, BadValuesNameTheKey) {
  EXPECT_NE(error_of("[fhir]\nFHIR_DIALECT = dstu2\n").find("FHIR_DIALECT"),
            std::string::npos);
  EXPECT_NE(error_of("[fhir]\nLOOKBACK_DAYS = 0\n").find("LOOKBACK_DAYS"),
            std::string::npos);
  EXPECT_NE(error_of("[fhir]\nTIMEOUT = x\n").find("TIMEOUT"),
            std::string::npos);
  EXPECT_NE(error_of("[processing]\nENABLE_HIS = true\n").find("FHIR_URL"),
            std::string::npos);
}

} // namespace
