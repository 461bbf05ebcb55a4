#pragma once

// A database folder with rows imported from a SQLite file in the original
// program's schema (`import-sqlite`) and the real server on top of it, with
// an `admin` (adm) and a `user` (radio/rad) account and no rate limits.

#include "tests/support/http_client.hpp"
#include "tests/support/original_db.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace xrv::test {

class imported_server {
public:
  explicit imported_server(const std::vector<original_row>& rows) {
    port_ = free_port();
    write_file(
      dir_.path() / "xrayvision.cfg",
      "[general]\nSTATIC_DIR = " + std::string{XRV_SOURCE_DIR}
        + "/static\nIMAGES_DIR = " + (dir_.path() / "images").string()
        + "\nLOG_FILE = " + (dir_.path() / "xrv.log").string()
        + "\n[dashboard]\nDASHBOARD_BIND = 127.0.0.1\nDASHBOARD_PORT = "
        + std::to_string(port_)
        + "\n[users]\nadmin = adm,admin\nradio = rad,user\n"
          "[limits]\nAPI_PER_MINUTE = 0\n[dicom]\nAE_PORT = "
        + std::to_string(free_port())
        + "\n[openai]\nOPENAI_URL_PRIMARY =\nOPENAI_URL_SECONDARY "
          "=\n[processing]\nNO_QUERY = true\n");
    create_original_db(dir_.path() / "original.db", rows);
    import_output_
      = run_command("cd " + dir_.path().string() + " && " + XRV_BINARY
                      + " import-sqlite original.db 2>&1",
                    "");
  }

  bool start() {
    using namespace std::chrono_literals;
    proc_ = std::make_unique<child_process>(
      std::vector<std::string>{XRV_BINARY}, dir_.path(),
      std::map<std::string, std::string>{}, dir_.path() / "out.txt");
    return wait_until(
      [this] {
        return http_call("GET", url("/healthz")).status == 200;
      },
      20s);
  }

  void stop(int sig) {
    using namespace std::chrono_literals;
    proc_->signal(sig);
    proc_->wait_exit(10s);
    proc_.reset();
  }

  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  /// GET as admin or as the `user` account; expects 200 and JSON.
  boost::json::value get(const std::string& path, bool admin = true) const {
    auto r = http_call(
      "GET", url(path),
      {admin ? basic_header("admin", "adm") : basic_header("radio", "rad")});
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    boost::json::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    EXPECT_FALSE(ec) << path << ": " << r.body;
    return ec ? boost::json::value{} : v;
  }

  [[nodiscard]] const std::string& import_output() const {
    return import_output_;
  }

  [[nodiscard]] std::string output() const {
    return read_text(dir_.path() / "out.txt");
  }

private:
  temp_dir dir_;
  unsigned short port_ = 0;
  std::string import_output_;
  std::unique_ptr<child_process> proc_;
};

} // namespace xrv::test
