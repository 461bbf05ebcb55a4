// Route matching, and the OpenAPI document kept in step with the router.

#include "http/router.hpp"

#include "http/front_door.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>

namespace xrv::http {

namespace {

std::string read_spec() {
  std::ifstream in{std::string{XRV_SOURCE_DIR} + "/static/spec.json"};
  return {std::istreambuf_iterator<char>{in}, {}};
}

// The routing table as main builds it, without a running actor system.
router full_router() {
  auto ctx = std::make_shared<app_context>();
  ctx->cfg = std::make_shared<const config::app_config>();
  ctx->spec_json = read_spec();
  return build_router(ctx);
}

} // namespace

TEST(RoutePattern, MatchesLiteralPaths) {
  path_params p;
  EXPECT_TRUE(match_pattern("/", "/", p));
  EXPECT_TRUE(match_pattern("/api/config", "/api/config", p));
  EXPECT_FALSE(match_pattern("/api/config", "/api/configs", p));
  EXPECT_FALSE(match_pattern("/api/config", "/api", p));
  EXPECT_FALSE(match_pattern("/api/config", "/api/config/x", p));
  EXPECT_FALSE(match_pattern("/", "/x", p));
}

TEST(RoutePattern, CapturesOneSegmentParameters) {
  path_params p;
  ASSERT_TRUE(match_pattern("/api/exams/{uid}", "/api/exams/1.2.3", p));
  EXPECT_EQ(p["uid"], "1.2.3");
  EXPECT_FALSE(match_pattern("/api/exams/{uid}", "/api/exams/", p));
  EXPECT_FALSE(match_pattern("/api/exams/{uid}", "/api/exams/a/b", p));
}

TEST(RoutePattern, RestParameterTakesTheRemainder) {
  path_params p;
  ASSERT_TRUE(match_pattern("/static/{file...}", "/static/vendor/pico.css", p));
  EXPECT_EQ(p["file"], "vendor/pico.css");
  EXPECT_FALSE(match_pattern("/static/{file...}", "/static/", p));
  EXPECT_FALSE(match_pattern("/static/{file...}", "/static", p));
}

TEST(Router, ReportsAllowedMethodsWhenOnlyThePathMatches) {
  auto r = full_router();
  auto get = r.match("GET", "/api/config");
  ASSERT_NE(get.found, nullptr);
  EXPECT_EQ(get.found->pattern, "/api/config");
  EXPECT_NE(r.match("HEAD", "/api/config").found, nullptr);
  auto del = r.match("DELETE", "/api/config");
  EXPECT_EQ(del.found, nullptr);
  EXPECT_EQ(del.allowed, std::vector<std::string>{"GET"});
  auto none = r.match("GET", "/api/nothing");
  EXPECT_EQ(none.found, nullptr);
  EXPECT_TRUE(none.allowed.empty());
}

TEST(Router, AdminOnlyRouteIsDicomQuery) {
  auto r = full_router();
  for (const auto& rt : r.routes()) {
    if (rt.pattern == "/api/dicomquery")
      EXPECT_EQ(rt.who, access::admin);
    else
      EXPECT_NE(rt.who, access::admin) << rt.pattern;
  }
}

TEST(OpenApiDocument, DescribesEveryRoutedPathAndMethod) {
  auto spec = boost::json::parse(read_spec());
  const auto& paths = spec.at("paths").as_object();
  auto r = full_router();
  ASSERT_FALSE(r.routes().empty());
  for (const auto& rt : r.routes()) {
    auto documented = rt.pattern;
    if (auto pos = documented.find("...}"); pos != std::string::npos)
      documented.erase(pos, 3);
    auto* item = paths.if_contains(documented);
    ASSERT_NE(item, nullptr) << documented << " is routed but not in spec.json";
    std::string method = rt.method;
    for (auto& c : method)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_NE(item->as_object().if_contains(method), nullptr)
      << rt.method << " " << documented << " is routed but not documented";
  }
}

TEST(OpenApiDocument, DocumentsNoRouteThatDoesNotExist) {
  auto spec = boost::json::parse(read_spec());
  auto r = full_router();
  std::set<std::string> routed;
  for (const auto& rt : r.routes()) {
    auto documented = rt.pattern;
    if (auto pos = documented.find("...}"); pos != std::string::npos)
      documented.erase(pos, 3);
    routed.insert(documented);
  }
  for (const auto& [path, item] : spec.at("paths").as_object())
    EXPECT_EQ(routed.count(std::string{path}), 1u)
      << path << " is documented but not routed";
}

} // namespace xrv::http
