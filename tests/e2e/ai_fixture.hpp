#pragma once

// A server with AI endpoints for the AI pipeline tests: the recording fake
// (tests/support/fake_llm.js) or a closed port, real CR images sent with
// storescu, and helpers to wait for exam states.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>

namespace xrv::test {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

inline const fs::path ai_test_cr
  = "/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests/"
    "77654033/CR1/6154";

/// The recording fake LLM on a free port.
class fake_llm {
public:
  explicit fake_llm(const fs::path& dir, unsigned short port = free_port())
      : port_{port}, proc_{std::make_unique<child_process>(
                       std::vector<std::string>{
                         XRV_NODE,
                         std::string{XRV_SOURCE_DIR}
                           + "/tests/support/fake_llm.js",
                         std::to_string(port)},
                       dir, std::map<std::string, std::string>{},
                       dir / ("fake-" + std::to_string(port) + ".txt"))} {
    ready_ = wait_until(
      [this] {
        return http_call("GET", url("/__requests")).status == 200;
      },
      10s);
  }

  [[nodiscard]] bool ready() const {
    return ready_;
  }

  [[nodiscard]] unsigned short port() const {
    return port_;
  }

  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  [[nodiscard]] std::string chat_url() const {
    return url("/v1/chat/completions");
  }

  void control(const std::string& path, const std::string& body) const {
    http_call("POST", url(path), {"Content-Type: application/json"}, body);
  }

  /// The recorded chat-completions requests.
  [[nodiscard]] json::array requests() const {
    return json::parse(http_call("GET", url("/__requests")).body).as_array();
  }

private:
  unsigned short port_;
  std::unique_ptr<child_process> proc_;
  bool ready_ = false;
};

/// An AI answer as the model writes it.
inline std::string answer(const std::string& short_answer,
                          const std::string& report, int severity = 0) {
  return R"({"short":")" + short_answer + R"(","report":")" + report
         + R"(","confidence":80,"severity":)" + std::to_string(severity)
         + R"(,"summary":"finding"})";
}

/// A JSON string literal of `s` (for script bodies).
inline std::string quoted(const std::string& s) {
  return json::serialize(json::value(s));
}

class AiServer : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(ai_test_cr)) << "python3-pydicom test files missing";
  }

  /// Starts the server; `openai` is the body of its [openai] section,
  /// `extra` more sections, `flags` command-line flags.
  void start(const std::string& openai, const std::string& extra = {},
             const std::vector<std::string>& flags = {}) {
    const auto& d = dir_.path();
    http_port_ = free_port();
    dicom_port_ = free_port();
    std::ofstream{d / "xrayvision.cfg"}
      << "[general]\nSTATIC_DIR = " << XRV_SOURCE_DIR
      << "/static\nLOG_FILE = " << (d / "xrv.log").string()
      << "\n[dashboard]\nDASHBOARD_BIND = 127.0.0.1\nDASHBOARD_PORT = "
      << http_port_ << "\n"
      << extra_dashboard_ << "[dicom]\nAE_PORT = " << dicom_port_
      << "\nMIN_FREE_MB = 1\n[users]\nadmin = adm,admin\n"
      << extra_users_
      << "[limits]\n"
         "API_PER_MINUTE = 0\nHEAVY_PER_MINUTE = 0\n[processing]\nNO_QUERY = "
         "true\n[openai]\nRETRY_DELAY_MS = 50\nHEALTH_INTERVAL = 1\n"
      << openai << "\n"
      << extra;
    std::vector<std::string> argv{XRV_BINARY};
    argv.insert(argv.end(), flags.begin(), flags.end());
    server_ = std::make_unique<child_process>(std::move(argv), d, env_,
                                              d / "out.txt");
    ASSERT_TRUE(wait_until(
      [this] {
        return http_call("GET", url("/healthz")).status == 200;
      },
      20s))
      << output();
  }

  /// Starts the server with `llm` as its only AI endpoint, `more` [openai]
  /// settings, and `extra` and `flags` as for `start`.
  void start_with(const fake_llm& llm, const std::string& more = {},
                  const std::string& extra = {},
                  const std::vector<std::string>& flags = {}) {
    start("OPENAI_URL_PRIMARY = " + llm.chat_url()
            + "\nOPENAI_URL_SECONDARY =\n" + more,
          extra, flags);
  }

  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }

  [[nodiscard]] std::string output() const {
    return read_text(dir_.path() / "out.txt");
  }

  [[nodiscard]] http_result get(const std::string& path) const {
    return http_call("GET", url(path), {basic_header("admin", "adm")});
  }

  [[nodiscard]] http_result post(const std::string& path,
                                 const std::string& body) const {
    return http_call(
      "POST", url(path),
      {basic_header("admin", "adm"), "Content-Type: application/json"}, body);
  }

  /// Sends a copy of the CR test image with new study and instance UIDs,
  /// the given protocol, patient ID and series date; returns the new SOP
  /// Instance UID.
  std::string send_image(const std::string& protocol = "Torace AP",
                         const std::string& patient_id = "1900101400004",
                         const std::string& date = "20260110") {
    const auto file = dir_.path() / ("in-" + std::to_string(++sent_) + ".dcm");
    fs::copy_file(ai_test_cr, file, fs::copy_options::overwrite_existing);
    run_command("dcmodify -nb -gin -gst -i \"ProtocolName=" + protocol
                  + "\" -i \"PatientID=" + patient_id + "\" -i \"SeriesDate="
                  + date + "\" -i SeriesTime=101010 " + file.string() + " 2>&1",
                "");
    const auto dump
      = run_command("dcmdump +P SOPInstanceUID " + file.string() + " 2>&1", "");
    std::smatch m;
    if (!std::regex_search(dump, m, std::regex{R"(\[([0-9.]+)\])"}))
      return {};
    run_command("TCP_NODELAY=1 storescu -aec XRAYVISION 127.0.0.1 "
                  + std::to_string(dicom_port_) + " " + file.string() + " 2>&1",
                "");
    return m[1];
  }

  /// The exam's JSON (null while unknown).
  [[nodiscard]] json::value exam(const std::string& uid) const {
    auto r = get("/api/exams/" + uid);
    return r.status == 200 ? json::parse(r.body) : json::value{};
  }

  [[nodiscard]] std::string status_of(const std::string& uid) const {
    auto e = exam(uid);
    if (!e.is_object())
      return {};
    return std::string{e.at("exam").at("status").as_string()};
  }

  /// Waits until the exam has `status`; false on the deadline.
  bool wait_status(const std::string& uid, const std::string& status,
                   std::chrono::milliseconds deadline = 20s) const {
    return wait_until(
      [&] {
        return status_of(uid) == status;
      },
      deadline);
  }

  temp_dir dir_;
  /// Added to the server's environment (XRV_<SECTION>_<KEY> settings).
  std::map<std::string, std::string> env_;
  /// More `[users]` lines (`name = password,role\n`), set before `start`.
  std::string extra_users_;
  /// More `[dashboard]` lines, set before `start`.
  std::string extra_dashboard_;
  std::unique_ptr<child_process> server_;
  unsigned short http_port_ = 0;
  unsigned short dicom_port_ = 0;
  int sent_ = 0;
};

} // namespace xrv::test
