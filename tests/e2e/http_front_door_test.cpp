// The real binary on 127.0.0.1 with a temporary configuration: authentication,
// roles, limits, static files, traversal, body limit and shutdown.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <string>

namespace xrv::test {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One running server with its own folder, port and configuration.
class server_instance {
public:
  explicit server_instance(const std::string& extra_cfg,
                           std::map<std::string, std::string> env = {})
      : port_(free_port()) {
    auto cfg = "[general]\nSTATIC_DIR = " + std::string{XRV_SOURCE_DIR}
               + "/static\nIMAGES_DIR = " + (dir_.path() / "images").string()
               + "\nLOG_FILE = " + (dir_.path() / "xrv.log").string()
               + "\nXRAYVISION_DB_PATH = " + (dir_.path() / "data").string()
               + "\n[dashboard]\nDASHBOARD_BIND = 127.0.0.1\nDASHBOARD_PORT = "
               + std::to_string(port_)
               + "\n[dicom]\nAE_PORT = " + std::to_string(free_port())
               + "\n[openai]\nOPENAI_URL_PRIMARY =\nOPENAI_URL_SECONDARY "
                 "=\n[processing]\nNO_QUERY = true\n"
               + extra_cfg;
    write_file(dir_.path() / "xrayvision.cfg", cfg);
    fs::create_directories(dir_.path() / "images");
    proc_ = std::make_unique<child_process>(
      std::vector<std::string>{XRV_BINARY}, dir_.path(), std::move(env),
      dir_.path() / "out.txt");
    ready_ = wait_until(
      [this] {
        return http_call("GET", url("/healthz")).status == 200;
      },
      15s);
  }

  [[nodiscard]] bool ready() const {
    return ready_;
  }

  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  [[nodiscard]] const fs::path& dir() const {
    return dir_.path();
  }

  child_process& proc() {
    return *proc_;
  }

  [[nodiscard]] std::string output() const {
    return read_text(dir_.path() / "out.txt");
  }

private:
  temp_dir dir_;
  unsigned short port_;
  std::unique_ptr<child_process> proc_;
  bool ready_ = false;
};

const std::string admin = basic_header("admin", "s3cret-admin");
const std::string radiologist = basic_header("radio", "radio-pass");

std::string users_section() {
  // The user's password is stored as an argon2id hash made by the binary.
  auto hash
    = run_command(std::string{XRV_BINARY} + " hash-password", "radio-pass\n");
  while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r'))
    hash.pop_back();
  return "[users]\nadmin = s3cret-admin,admin\nradio = " + hash + ",user\n";
}

class FrontDoor : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    server_ = new server_instance(users_section()
                                  + "[limits]\nAPI_PER_MINUTE = 0\n"
                                    "HEAVY_PER_MINUTE = 0\n");
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->ready()) << server_->output();
  }

  static server_instance* server_;
};

server_instance* FrontDoor::server_ = nullptr;

} // namespace

TEST_F(FrontDoor, HashPasswordCommandPrintsArgon2id) {
  EXPECT_EQ(users_section().find("radio = $argon2id$") != std::string::npos,
            true);
}

TEST_F(FrontDoor, HealthzNeedsNoCredentialsAndRevealsNothing) {
  auto r = http_call("GET", server_->url("/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
}

TEST_F(FrontDoor, ApiWithoutCredentialsIs401WithChallenge) {
  auto r = http_call("GET", server_->url("/api/config"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers["www-authenticate"], R"(Basic realm="XRayVision")");
  EXPECT_NE(r.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(r.headers["content-type"], "application/json; charset=utf-8");
}

TEST_F(FrontDoor, PagesAndUnknownPathsNeedCredentialsToo) {
  EXPECT_EQ(http_call("GET", server_->url("/")).status, 401);
  EXPECT_EQ(http_call("GET", server_->url("/no/such/page")).status, 401);
  EXPECT_EQ(http_call("GET", server_->url("/images/x.png")).status, 401);
}

TEST_F(FrontDoor, WrongPasswordAndMalformedHeadersAre401) {
  EXPECT_EQ(http_call("GET", server_->url("/api/config"),
                      {basic_header("admin", "wrong")})
              .status,
            401);
  EXPECT_EQ(http_call("GET", server_->url("/api/config"),
                      {basic_header("nobody", "s3cret-admin")})
              .status,
            401);
  EXPECT_EQ(http_call("GET", server_->url("/api/config"),
                      {"Authorization: Basic !!!notbase64"})
              .status,
            401);
  EXPECT_EQ(
    http_call("GET", server_->url("/api/config"), {"Authorization: Bearer abc"})
      .status,
    401);
}

TEST_F(FrontDoor, BasicLoginAnswersConfigAndSetsSessionCookie) {
  auto r = http_call("GET", server_->url("/api/config"), {admin});
  ASSERT_EQ(r.status, 200) << r.body;
  // AE_PORT is an integer (the test server's own free port).
  EXPECT_NE(r.body.find("\"AE_PORT\":"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("\"AE_PORT\":\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"REMOTE_AE_PORT\":104"), std::string::npos);
  EXPECT_EQ(r.body.find("sk-your-api-key"), std::string::npos);
  ASSERT_EQ(r.set_cookies.size(), 1u);
  const auto& c = r.set_cookies.front();
  EXPECT_EQ(c.rfind("xrv_session=", 0), 0u) << c;
  EXPECT_NE(c.find("HttpOnly"), std::string::npos);
  EXPECT_NE(c.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(c.find("Path=/"), std::string::npos);
  EXPECT_NE(c.find("Max-Age="), std::string::npos);
}

TEST_F(FrontDoor, SessionCookieAuthenticatesUntilLogout) {
  auto login = http_call("GET", server_->url("/api/config"), {admin});
  ASSERT_EQ(login.set_cookies.size(), 1u);
  auto cookie = "Cookie: "
                + login.set_cookies.front().substr(
                  0, login.set_cookies.front().find(';'));
  EXPECT_EQ(http_call("GET", server_->url("/api/config"), {cookie}).status,
            200);
  EXPECT_EQ(http_call("GET", server_->url("/"), {cookie}).status, 200);
  auto out = http_call("POST", server_->url("/api/logout"), {cookie});
  EXPECT_EQ(out.status, 200);
  ASSERT_EQ(out.set_cookies.size(), 1u);
  EXPECT_NE(out.set_cookies.front().find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(http_call("GET", server_->url("/api/config"), {cookie}).status,
            401);
  EXPECT_EQ(http_call("GET", server_->url("/api/config"),
                      {"Cookie: xrv_session=forged0123456789"})
              .status,
            401);
}

TEST_F(FrontDoor, HashedPasswordUserLogsIn) {
  EXPECT_EQ(http_call("GET", server_->url("/api/config"), {radiologist}).status,
            200);
  EXPECT_EQ(http_call("GET", server_->url("/api/config"),
                      {basic_header("radio", "radio-wrong")})
              .status,
            401);
}

TEST_F(FrontDoor, UserRoleIsForbiddenOnAdminRoute) {
  auto r = http_call("POST", server_->url("/api/dicomquery"), {radiologist},
                     R"({"hours": 3})");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("admin"), std::string::npos);
  // The admin passes the role check and reaches the query scheduler (the
  // query itself is tested in pacs_test.cpp).
  auto a = http_call("POST", server_->url("/api/dicomquery"), {admin},
                     R"({"hours": 3})");
  EXPECT_EQ(a.status, 202) << a.body;
  EXPECT_NE(a.body.find("started"), std::string::npos);
}

TEST_F(FrontDoor, PagesAreHtmlWithSecurityHeaders) {
  for (const char* path :
       {"/", "/stats", "/stats/radiologists", "/stats/diagnostics",
        "/stats/insights", "/about", "/check"}) {
    auto r = http_call("GET", server_->url(path), {admin});
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8") << path;
    EXPECT_NE(r.body.find("<!doctype html>"), std::string::npos) << path;
    EXPECT_NE(r.headers["content-security-policy"].find("default-src 'self'"),
              std::string::npos);
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
    EXPECT_EQ(r.headers["referrer-policy"], "no-referrer");
  }
}

TEST_F(FrontDoor, StaticAssetsAndFaviconAreOpen) {
  auto css = http_call("GET", server_->url("/static/styles.css"));
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.headers["content-type"].rfind("text/css", 0), 0u);
  auto ico = http_call("GET", server_->url("/favicon.ico"));
  EXPECT_EQ(ico.status, 200);
  EXPECT_EQ(ico.headers["content-type"], "image/x-icon");
  EXPECT_EQ(http_call("GET", server_->url("/static/nope.css")).status, 404);
  // No directory listing: a bare folder is not a route at all.
  EXPECT_EQ(http_call("GET", server_->url("/static/"), {admin}).status, 404);
}

TEST_F(FrontDoor, HeadAnswersLikeGetWithoutBody) {
  auto r = http_call("HEAD", server_->url("/static/styles.css"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_NE(r.headers["content-length"], "0");
}

TEST_F(FrontDoor, TraversalAttemptsAreRefused) {
  write_file(server_->dir() / "secret.png", "not for you");
  write_file(server_->dir() / "images" / "ok.png", "\x89PNG fake");
  const char* hostile[] = {
    "/static/../xrayvision.cfg",
    "/static/%2e%2e/xrayvision.cfg",
    "/static/%2E%2E%2Fxrayvision.cfg",
    "/static/..%2fxrayvision.cfg",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/..\\xrayvision.cfg",
    "/static/styles.css%00.png",
    "/images/../secret.png",
    "/images/%2e%2e/secret.png",
    "/images/..%2Fsecret.png",
    "/images/%2e%2e%2fxrayvision.cfg",
    "/images//etc/passwd.png",
  };
  for (const char* path : hostile) {
    auto r = http_call("GET", server_->url(path), {admin});
    EXPECT_TRUE(r.status == 400 || r.status == 403 || r.status == 404)
      << path << " -> " << r.status;
    EXPECT_EQ(r.body.find("not for you"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("[dashboard]"), std::string::npos) << path;
  }
  // A symlink inside images/ that points outside is an escape, too.
  fs::create_symlink(server_->dir() / "secret.png",
                     server_->dir() / "images" / "link.png");
  auto link = http_call("GET", server_->url("/images/link.png"), {admin});
  EXPECT_EQ(link.status, 403);
  EXPECT_EQ(link.body.find("not for you"), std::string::npos);
  auto ok = http_call("GET", server_->url("/images/ok.png"), {admin});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.headers["content-type"], "image/png");
  EXPECT_EQ(ok.headers["cache-control"], "private, no-store");
}

TEST_F(FrontDoor, DicomFilesAreNeverServed) {
  write_file(server_->dir() / "images" / "1.2.3.dcm", "DICM patient data");
  for (const char* path :
       {"/images/1.2.3.dcm", "/images/1.2.3.DCM", "/images/1.2.3.dcm%00.png"}) {
    auto r = http_call("GET", server_->url(path), {admin});
    EXPECT_NE(r.status, 200) << path;
    EXPECT_EQ(r.body.find("DICM"), std::string::npos) << path;
  }
}

TEST_F(FrontDoor, BodyOverOneMebibyteIs413) {
  std::string big(2 << 20, 'x');
  auto r = http_call("POST", server_->url("/api/radreview"),
                     {admin, "Content-Type: application/json"}, big);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("\"error\""), std::string::npos);
}

TEST_F(FrontDoor, UnknownRouteIs404AndWrongMethodIs405) {
  auto r = http_call("GET", server_->url("/api/nothing"), {admin});
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("\"error\""), std::string::npos);
  auto m = http_call("DELETE", server_->url("/api/config"), {admin});
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.headers["allow"], "GET, HEAD");
  auto p = http_call("GET", server_->url("/api/logout"), {admin});
  EXPECT_EQ(p.status, 405);
  EXPECT_EQ(p.headers["allow"], "POST");
}

TEST_F(FrontDoor, SpecServerUrlFollowsHostHeader) {
  auto r = http_call("GET", server_->url("/api/spec"),
                     {admin, "Host: xrv.example.org:8000"});
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("servers":[{"url":"http://xrv.example.org:8000"}])"),
            std::string::npos);
  EXPECT_NE(r.body.find("\"openapi\""), std::string::npos);
}

TEST_F(FrontDoor, RegionsAreTheSupportedOnes) {
  auto r = http_call("GET", server_->url("/api/regions"), {admin});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"(["chest","abdomen","nose","sinuses","clavicle"])");
}

TEST(FrontDoorLimits, SixtyFirstApiAndEleventhHeavyRequestAre429) {
  server_instance srv{"[users]\nadmin = pw,admin\n[limits]\n"
                      "API_PER_MINUTE = 60\nHEAVY_PER_MINUTE = 10\n"};
  ASSERT_TRUE(srv.ready()) << srv.output();
  auto auth = basic_header("admin", "pw");
  for (int i = 1; i <= 60; ++i)
    ASSERT_EQ(http_call("GET", srv.url("/api/config"), {auth}).status, 200)
      << "request " << i;
  auto limited = http_call("GET", srv.url("/api/config"), {auth});
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.headers["retry-after"].empty());
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  EXPECT_NE(limited.body.find("\"error\""), std::string::npos);
  // The heavy class has its own, smaller budget: ten pass the limiter (and
  // reach the AI dispatcher, not built yet: 503), the eleventh is refused.
  for (int i = 1; i <= 10; ++i)
    ASSERT_EQ(
      http_call("POST", srv.url("/api/check"), {auth}, R"({"report":"x"})")
        .status,
      503)
      << "heavy request " << i;
  EXPECT_EQ(
    http_call("POST", srv.url("/api/check"), {auth}, R"({"report":"x"})")
      .status,
    429);
  // Pages and static files are never limited.
  EXPECT_EQ(http_call("GET", srv.url("/"), {auth}).status, 200);
  EXPECT_EQ(http_call("GET", srv.url("/static/styles.css")).status, 200);
}

TEST(FrontDoorProcess, SigtermExitsZeroQuickly) {
  server_instance srv{"[users]\nadmin = pw,admin\n"};
  ASSERT_TRUE(srv.ready()) << srv.output();
  const auto start = std::chrono::steady_clock::now();
  srv.proc().signal(SIGTERM);
  auto code = srv.proc().wait_exit(5s);
  ASSERT_TRUE(code.has_value()) << "still running 5 s after SIGTERM";
  EXPECT_EQ(*code, 0) << srv.output();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(FrontDoorProcess, InvalidConfigStopsStartupNamingTheKey) {
  temp_dir dir;
  write_file(dir.path() / "xrayvision.cfg",
             "[dashboard]\nDASHBOARD_PORT = 70000\n");
  child_process p{{XRV_BINARY}, dir.path(), {}, dir.path() / "out.txt"};
  auto code = p.wait_exit(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  auto out = read_text(dir.path() / "out.txt");
  EXPECT_NE(out.find("xrayvision.cfg"), std::string::npos) << out;
  EXPECT_NE(out.find("DASHBOARD_PORT"), std::string::npos) << out;
  EXPECT_NE(out.find("70000"), std::string::npos) << out;
}

TEST(FrontDoorProcess, RunsWithoutConfigFileFromEnvironment) {
  temp_dir dir;
  const auto port = free_port();
  child_process p{
    {XRV_BINARY},
    dir.path(),
    {{"XRV_DASHBOARD_DASHBOARD_PORT", std::to_string(port)},
     {"XRV_DASHBOARD_DASHBOARD_BIND", "127.0.0.1"},
     {"XRV_USERS_NURSE", "n-pass,user"},
     {"XRV_PROCESSING_NO_QUERY", "true"},
     {"XRV_OPENAI_OPENAI_URL_PRIMARY", ""},
     {"XRV_OPENAI_OPENAI_URL_SECONDARY", ""},
     {"XRV_DICOM_AE_PORT", std::to_string(free_port())},
     {"XRV_GENERAL_STATIC_DIR", std::string{XRV_SOURCE_DIR} + "/static"}},
    dir.path() / "out.txt"};
  auto url = "http://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(wait_until(
    [&] {
      return http_call("GET", url + "/healthz").status == 200;
    },
    15s))
    << read_text(dir.path() / "out.txt");
  // Users can come from the environment alone; built-in defaults have none.
  EXPECT_EQ(
    http_call("GET", url + "/api/config", {basic_header("nurse", "n-pass")})
      .status,
    200);
  EXPECT_EQ(
    http_call("GET", url + "/api/config", {basic_header("admin", "admin")})
      .status,
    401);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait_exit(5s).value_or(-1), 0);
}

} // namespace xrv::test
