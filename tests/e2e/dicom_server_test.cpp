// DICOM end to end with servers of their own: refusals (disk space, calling
// AE titles, too many associations), TCP_NODELAY, files put into IMAGES_DIR
// before start-up, and kill -9 during a 1,000-image flood.

#include "tests/e2e/dicom_support.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace xrv::test {

namespace {

namespace json = boost::json;

// A server with its own [dicom] settings; returns storescu's output for one
// real CR sent with `calling` as our calling AE title.
std::string send_to_configured_server(const std::string& dicom_cfg,
                                      const std::string& calling) {
  configured_server server{dicom_cfg};
  if (!server.ready())
    return "server did not start: " + server.output();
  auto file = server.dir() / "cr.dcm";
  fs::copy_file(real_cr, file);
  sh("dcmodify -nb -gin " + file.string());
  auto out = sh("TCP_NODELAY=1 storescu -v -aet " + calling
                + " -aec XRAYVISION 127.0.0.1 "
                + std::to_string(server.dicom_port()) + " " + file.string());
  // Refused objects leave nothing behind.
  for (const auto& e : fs::directory_iterator{server.dir() / "images"})
    out += "\nleft in images: " + e.path().filename().string();
  return out;
}

// An association that stays open: a raw A-ASSOCIATE-RQ for Verification
// (PS3.8 9.3.2), then nothing; true once the A-ASSOCIATE-AC came back.
class held_association {
public:
  explicit held_association(unsigned short port) {
    const auto item = [](std::uint8_t type, const std::string& payload) {
      std::string out{static_cast<char>(type), '\0',
                      static_cast<char>(payload.size() >> 8),
                      static_cast<char>(payload.size() & 0xFF)};
      return out + payload;
    };
    const std::string max_length{'\0', '\0', '\x40', '\0'}; // 16384
    const std::string body
      = std::string{'\0', '\1', '\0', '\0'} + "XRAYVISION      "
        + "HOLDER          " + std::string(32, '\0')
        + item(0x10, "1.2.840.10008.3.1.1.1")
        + item(0x20, std::string{'\1', '\0', '\0', '\0'}
                       + item(0x30, "1.2.840.10008.1.1")
                       + item(0x40, "1.2.840.10008.1.2"))
        + item(0x50, item(0x51, max_length) + item(0x52, "1.2.3.4"));
    const auto n = static_cast<std::uint32_t>(body.size());
    const std::string pdu = std::string{'\1',
                                        '\0',
                                        static_cast<char>(n >> 24),
                                        static_cast<char>(n >> 16),
                                        static_cast<char>(n >> 8),
                                        static_cast<char>(n)}
                            + body;
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char reply = 0;
    accepted_
      = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0
        && ::send(fd_, pdu.data(), pdu.size(), 0)
             == static_cast<ssize_t>(pdu.size())
        && ::recv(fd_, &reply, 1, 0) == 1 && reply == 2;
  }

  ~held_association() {
    ::close(fd_);
  }

  held_association(const held_association&) = delete;
  held_association& operator=(const held_association&) = delete;

  [[nodiscard]] bool accepted() const {
    return accepted_;
  }

private:
  int fd_ = -1;
  bool accepted_ = false;
};

} // namespace

TEST(DicomRefusals, LowDiskSpaceIsOutOfResourcesAndWritesNothing) {
  auto out = send_to_configured_server("MIN_FREE_MB = 2000000000\n", "TESTSCU");
  EXPECT_NE(out.find("OutOfResources"), std::string::npos) << out;
  EXPECT_EQ(out.find("left in images"), std::string::npos) << out;
}

TEST(DicomRefusals, CallingAeTitleOutsideTheAllowListIsRejected) {
  auto out = send_to_configured_server(
    "MIN_FREE_MB = 1\nALLOWED_CALLING_AETS = MODALITY1, PACS\n", "TESTSCU");
  EXPECT_NE(out.find("Calling AE Title Not Recognized"), std::string::npos)
    << out;
  auto ok = send_to_configured_server(
    "MIN_FREE_MB = 1\nALLOWED_CALLING_AETS = MODALITY1, PACS\n", "MODALITY1");
  EXPECT_NE(ok.find("Received Store Response (Success)"), std::string::npos)
    << ok;
}

TEST(DicomRefusals, AssociationsBeyondTheMaximumAreRejectedTransiently) {
  configured_server server{"MIN_FREE_MB = 1\nMAX_ASSOCIATIONS = 1\n"};
  ASSERT_TRUE(server.ready()) << server.output();
  const auto echo = [&] {
    return sh("TCP_NODELAY=1 echoscu -v -aec XRAYVISION 127.0.0.1 "
              + std::to_string(server.dicom_port()));
  };
  {
    held_association holder{server.dicom_port()};
    ASSERT_TRUE(holder.accepted());
    // The one slot is taken: a modality is told to try again later.
    const auto refused = echo();
    EXPECT_NE(refused.find("Rejected Transient"), std::string::npos) << refused;
    EXPECT_NE(refused.find("Local Limit Exceeded"), std::string::npos)
      << refused;
  }
  // The holder is gone (its socket closed without a release): the slot
  // frees and the next association is served.
  std::string out;
  EXPECT_TRUE(wait_until(
    [&] {
      out = echo();
      return out.find("Received Echo Response (Success)") != std::string::npos;
    },
    20s))
    << out;
}

TEST(DicomReceiver, StoresAreNotDelayedByNagle) {
  // DCMTK leaves Nagle's algorithm on unless TCP_NODELAY is set in the
  // environment: every C-STORE response then waits ~40 ms for a delayed
  // ACK. The server sets it for itself; this test process must not.
  ::unsetenv("TCP_NODELAY");
  configured_server server{"MIN_FREE_MB = 1\n"};
  ASSERT_TRUE(server.ready()) << server.output();
  auto file = server.dir() / "cr.dcm";
  fs::copy_file(real_cr, file);
  sh("dcmodify -nb -gin " + file.string());
  // 200 C-STOREs of one small image over one association (the same
  // instance: duplicates are acknowledged like any store): ~0.3 s here,
  // 8 s or more with delayed ACKs.
  const auto start = std::chrono::steady_clock::now();
  const auto out
    = sh("TCP_NODELAY=1 storescu --repeat 200 -aec XRAYVISION "
         "127.0.0.1 "
         + std::to_string(server.dicom_port()) + " " + file.string());
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.find("Store Failed"), std::string::npos) << out;
  EXPECT_LT(took, 4s) << std::chrono::duration<double>(took).count() << " s";
}

TEST(DicomStartUp, DcmFilesPutIntoTheImagesFolderAreIngested) {
  // --load-dicom: what is in IMAGES_DIR at start-up becomes exams, whatever
  // the files are called; what is no DICOM stays where it is.
  temp_dir d;
  const auto images = d.path() / "images";
  fs::create_directories(images);
  const auto named = images / "IM0001.dcm";
  fs::copy_file(real_cr, named);
  sh("dcmodify -nb -gin " + named.string());
  const auto named_uid = sop_uid(named);
  const auto as_received = images / "received.dcm";
  fs::copy_file(real_cr, as_received);
  sh("dcmodify -nb -gin " + as_received.string());
  const auto received_uid = sop_uid(as_received);
  fs::rename(as_received, images / (received_uid + ".dcm"));
  write_file(images / "notes.dcm", "not DICOM at all");
  // Named by one UID, holding another: the name wins, as for a C-STORE whose
  // command and dataset disagree.
  const std::string file_uid = "1.2.826.0.1.3680043.99.4.7";
  const auto mismatched = images / (file_uid + ".dcm");
  fs::copy_file(real_cr, mismatched);
  sh("dcmodify -nb -gin " + mismatched.string());
  const auto dataset_uid = sop_uid(mismatched);
  const auto http_port = free_port();
  write_file(d.path() / "xrayvision.cfg",
             server_config(d.path(), http_port, free_port()));
  child_process server{
    {XRV_BINARY, "--load-dicom"}, d.path(), {}, d.path() / "out.txt"};
  const auto base = "http://127.0.0.1:" + std::to_string(http_port);
  for (const auto& uid : {named_uid, received_uid, file_uid})
    EXPECT_TRUE(wait_until(
      [&] {
        auto r = http_call("GET", base + "/api/exams/" + uid,
                           {basic_header("admin", "adm")});
        return r.status == 200
               && json::parse(r.body).at("exam").at("status").as_string()
                    == "queued";
      },
      20s))
      << uid << "\n"
      << read_text(d.path() / "xrv.log");
  EXPECT_TRUE(fs::exists(images / (named_uid + ".dcm")));
  EXPECT_FALSE(fs::exists(named));
  EXPECT_TRUE(fs::exists(images / (named_uid + ".png")));
  EXPECT_TRUE(fs::exists(images / "notes.dcm"));
  EXPECT_TRUE(fs::exists(images / (file_uid + ".png")));
  EXPECT_EQ(http_call("GET", base + "/api/exams/" + dataset_uid,
                      {basic_header("admin", "adm")})
              .status,
            404);
  const auto log = read_text(d.path() / "xrv.log");
  EXPECT_NE(log.find("is left alone: not a readable DICOM file"),
            std::string::npos)
    << log;
  // File names may name the patient: never logged.
  EXPECT_EQ(log.find("IM0001"), std::string::npos);
}

TEST(DicomCrash, KillDuringFloodLosesNoAcknowledgedImage) {
  temp_dir d;
  const auto http_port = free_port();
  const auto dicom_port = free_port();
  write_file(d.path() / "xrayvision.cfg",
             server_config(d.path(), http_port, dicom_port));
  // 1,000 copies of the real CR, each with its own SOP Instance UID.
  constexpr int files = 1000;
  constexpr int senders = 4;
  const auto in = d.path() / "flood";
  fs::create_directories(in);
  std::vector<fs::path> paths;
  std::string list;
  for (int i = 0; i < files; ++i) {
    paths.push_back(in / ("f" + std::to_string(i) + ".dcm"));
    fs::copy_file(real_cr, paths.back());
    list += " " + paths.back().string();
  }
  sh("dcmodify -nb -gin" + list);
  std::map<std::string, std::string> uid_of; // path -> uid
  for (const auto& p : paths)
    uid_of[p.string()] = sop_uid(p);
  const auto url = [&](const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(http_port) + path;
  };
  auto server = std::make_unique<child_process>(
    std::vector<std::string>{XRV_BINARY}, d.path(),
    std::map<std::string, std::string>{}, d.path() / "out.txt");
  ASSERT_TRUE(wait_until(
    [&] {
      return http_call("GET", url("/healthz")).status == 200;
    },
    20s));
  // Four associations at once, each storescu logging every response.
  std::vector<std::unique_ptr<child_process>> flood;
  for (int s = 0; s < senders; ++s) {
    std::vector<std::string> argv{"/usr/bin/storescu",
                                  "-v",
                                  "-aet",
                                  "FLOOD",
                                  "-aec",
                                  "XRAYVISION",
                                  "127.0.0.1",
                                  std::to_string(dicom_port)};
    for (int i = s; i < files; i += senders)
      argv.push_back(paths[static_cast<std::size_t>(i)].string());
    flood.push_back(std::make_unique<child_process>(
      argv, d.path(), std::map<std::string, std::string>{{"TCP_NODELAY", "1"}},
      d.path() / ("sender" + std::to_string(s) + ".txt")));
  }
  // Acknowledged = a "Sending file" line followed by a Success response.
  auto acknowledged = [&] {
    std::set<std::string> acked;
    for (int s = 0; s < senders; ++s) {
      std::istringstream log{
        read_text(d.path() / ("sender" + std::to_string(s) + ".txt"))};
      std::string line;
      std::string current;
      while (std::getline(log, line)) {
        if (auto pos = line.find("Sending file: "); pos != std::string::npos)
          current = line.substr(pos + 14);
        else if (line.find("Received Store Response (Success)")
                   != std::string::npos
                 && !current.empty())
          acked.insert(uid_of[current]);
      }
    }
    return acked;
  };
  wait_until(
    [&] {
      return acknowledged().size() >= 150;
    },
    60s);
  server->signal(SIGKILL);
  server->wait_exit(10s);
  for (auto& f : flood)
    f->wait_exit(30s);
  const auto acked = acknowledged();
  ASSERT_GE(acked.size(), 150u);
  std::cout << acked.size() << " of " << files
            << " images acknowledged before the kill\n";
  // Restart: every acknowledged image becomes an exam, exactly once.
  server = std::make_unique<child_process>(
    std::vector<std::string>{XRV_BINARY}, d.path(),
    std::map<std::string, std::string>{}, d.path() / "out2.txt");
  ASSERT_TRUE(wait_until(
    [&] {
      return http_call("GET", url("/healthz")).status == 200;
    },
    20s));
  const auto admin = basic_header("admin", "adm");
  std::size_t total = 0;
  ASSERT_TRUE(wait_until(
    [&] {
      auto r = http_call("GET", url("/api/exams?limit=1"), {admin});
      auto v = json::parse(r.body);
      total = static_cast<std::size_t>(v.at("total").as_int64());
      return total >= acked.size();
    },
    60s))
    << "only " << total << " of " << acked.size() << " acknowledged stored";
  for (const auto& uid : acked) {
    auto r = http_call("GET", url("/api/exams/" + uid), {admin});
    ASSERT_EQ(r.status, 200) << uid << " acknowledged but lost";
  }
  EXPECT_LE(total, static_cast<std::size_t>(files));
  auto processing
    = http_call("GET", url("/api/exams?status=processing"), {admin});
  EXPECT_NE(processing.body.find("\"total\":0"), std::string::npos);
}

} // namespace xrv::test
