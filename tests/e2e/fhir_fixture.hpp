#pragma once

// FHIR peers for the e2e tests: Medplum's FHIR router behind
// tests/support/fhir_server.js (r4), and the hipocrate facade
// (tests/support/hipocrate_facade.js); a server with the fake LLM and FHIR.

#include "tests/e2e/ai_fixture.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <ctime>

namespace xrv::test {

/// A node peer serving on a free port with `/__requests` recording.
class node_peer {
public:
  node_peer(const fs::path& dir, const std::string& script,
            std::map<std::string, std::string> env)
      : port_{free_port()},
        proc_{std::make_unique<child_process>(
          std::vector<std::string>{
            XRV_NODE, std::string{XRV_SOURCE_DIR} + "/tests/support/" + script,
            std::to_string(port_)},
          dir, std::move(env),
          dir / (script + "-" + std::to_string(port_) + ".txt"))} {
    ready_ = wait_until(
      [this] {
        return http_call("GET", url("/__requests")).status == 200;
      },
      15s);
  }

  [[nodiscard]] bool ready() const {
    return ready_;
  }

  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  /// The recorded requests [{method, url, authorization}].
  [[nodiscard]] json::array requests() const {
    return json::parse(http_call("GET", url("/__requests")).body).as_array();
  }

  void control(const std::string& path, const std::string& body) const {
    http_call("POST", url(path), {"Content-Type: application/json"}, body);
  }

private:
  unsigned short port_;
  std::unique_ptr<child_process> proc_;
  bool ready_ = false;
};

/// Today's local date as YYYYMMDD (DICOM) and YYYY-MM-DD (FHIR).
inline std::string today(bool dicom) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, dicom ? "%Y%m%d" : "%Y-%m-%d", &tm);
  return buf;
}

/// Whether the exam's radiologist report has been classified.
inline bool classified(const json::value& e) {
  return e.is_object()
         && e.at("report").at("rad").at("positive").as_int64() != -1;
}

/// A server with the fake LLM as its only endpoint and ENABLE_HIS.
class FhirServer : public AiServer {
protected:
  void start_with_fhir(const fake_llm& llm, const std::string& fhir_section) {
    env_["XRV_PROCESSING_ENABLE_HIS"] = "true";
    start_with(llm, {},
               "[fhir]\nPOLL_INTERVAL = 1\nHEALTH_INTERVAL = 1\nTIMEOUT = 2\n"
               "BACKOFF_SECONDS = 1\nREQUESTS_PER_MINUTE = 0\n"
                 + fhir_section);
  }

  /// Waits until the exam's report is classified.
  bool wait_classified(const std::string& uid,
                       std::chrono::milliseconds deadline = 40s) const {
    return wait_until(
      [&] {
        return classified(exam(uid));
      },
      deadline);
  }
};

} // namespace xrv::test
