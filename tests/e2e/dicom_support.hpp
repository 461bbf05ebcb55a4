#pragma once

// What the DICOM end-to-end tests share: the real CR they send, shell and
// dcmdump helpers, and a server of its own with given [dicom] settings.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace xrv::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline const fs::path pydicom_files
  = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
inline const fs::path real_cr
  = pydicom_files / "dicomdirtests/77654033/CR1/6154";

// Runs a shell command; its output with stderr.
inline std::string sh(const std::string& cmd) {
  return run_command(cmd + " 2>&1", "");
}

// The SOP Instance UID of a file, read with dcmdump.
inline std::string sop_uid(const fs::path& file) {
  auto out = sh("dcmdump +P SOPInstanceUID " + file.string());
  std::smatch m;
  if (std::regex_search(out, m, std::regex{R"(\[([0-9.]+)\])"}))
    return m[1];
  return {};
}

// The configuration of a test server in `dir` (images, log and database
// there): admin/adm, no AI endpoint, no automatic queries, no rate limits;
// `dicom` and `processing` are added to those sections.
inline std::string server_config(const fs::path& dir, unsigned short http_port,
                                 unsigned short dicom_port,
                                 const std::string& dicom = "MIN_FREE_MB = 1\n",
                                 const std::string& processing = {}) {
  return "[general]\nSTATIC_DIR = " + std::string{XRV_SOURCE_DIR}
         + "/static\nIMAGES_DIR = " + (dir / "images").string()
         + "\nLOG_FILE = " + (dir / "xrv.log").string()
         + "\n[dashboard]\nDASHBOARD_BIND = 127.0.0.1\nDASHBOARD_PORT = "
         + std::to_string(http_port)
         + "\n[dicom]\nAE_PORT = " + std::to_string(dicom_port) + "\n" + dicom
         + "[users]\nadmin = adm,admin\n[limits]\nAPI_PER_MINUTE = 0\n"
           "[openai]\nOPENAI_URL_PRIMARY =\nOPENAI_URL_SECONDARY =\n"
           "[processing]\nNO_QUERY = true\n"
         + processing;
}

// A server of its own, with `dicom_cfg` in its [dicom] section.
class configured_server {
public:
  explicit configured_server(const std::string& dicom_cfg) {
    write_file(d_.path() / "xrayvision.cfg",
               server_config(d_.path(), http_port_, dicom_port_, dicom_cfg));
    proc_ = std::make_unique<child_process>(
      std::vector<std::string>{XRV_BINARY}, d_.path(),
      std::map<std::string, std::string>{}, d_.path() / "out.txt");
    const auto base = "http://127.0.0.1:" + std::to_string(http_port_);
    ready_ = wait_until(
      [&] {
        return http_call("GET", base + "/healthz").status == 200;
      },
      20s);
  }

  [[nodiscard]] bool ready() const {
    return ready_;
  }

  [[nodiscard]] std::string output() const {
    return read_text(d_.path() / "out.txt");
  }

  [[nodiscard]] const fs::path& dir() const {
    return d_.path();
  }

  [[nodiscard]] unsigned short dicom_port() const {
    return dicom_port_;
  }

private:
  temp_dir d_;
  unsigned short http_port_ = free_port();
  unsigned short dicom_port_ = free_port();
  std::unique_ptr<child_process> proc_;
  bool ready_ = false;
};

} // namespace xrv::test
