// Query/retrieve end to end against a real PACS: Debian's Orthanc, started by
// the test with its own configuration in a temp dir (no plugins, loopback
// only, our AEs registered) and killed by PID, and the real server. Orthanc
// pushes to us over REST; we C-FIND and C-MOVE (or C-GET) from it. The images
// are pydicom's CR test file (package python3-pydicom), given new UIDs and
// today's date with DCMTK's dcmodify.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <array>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace xrv::test {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

const fs::path real_cr = "/usr/lib/python3/dist-packages/pydicom/data/"
                         "test_files/dicomdirtests/77654033/CR1/6154";
const std::string admin = basic_header("admin", "adm");
const std::string user = basic_header("radio", "rad");

std::string sh(const std::string& cmd) {
  return run_command(cmd + " 2>&1", "");
}

// One attribute of a file, read with dcmdump.
std::string tag_of(const fs::path& file, const std::string& keyword) {
  auto out = sh("dcmdump +P " + keyword + " " + file.string());
  std::smatch m;
  if (std::regex_search(out, m, std::regex{R"(\[([^\]]*)\])"}))
    return m[1];
  return {};
}

// Local date and time now, as DICOM DA and TM.
std::pair<std::string, std::string> dicom_now() {
  const auto t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::array<char, 16> date{};
  std::array<char, 16> time{};
  std::strftime(date.data(), date.size(), "%Y%m%d", &tm);
  std::strftime(time.data(), time.size(), "%H%M%S", &tm);
  return {date.data(), time.data()};
}

// A study of `images` CR images: new study, series and instance UIDs.
// `today` dates it now (StudyDate/Time, SeriesDate/Time); otherwise it keeps
// the file's 2001 date.
struct study {
  std::string uid;
  std::vector<fs::path> files;
  std::vector<std::string> sops;
  std::vector<std::string> pacs_ids; // Orthanc instance ids, once uploaded
};

study make_study(const fs::path& dir, const std::string& name, int images,
                 bool today) {
  study s;
  fs::create_directories(dir);
  const auto first = dir / (name + "-0.dcm");
  fs::copy_file(real_cr, first, fs::copy_options::overwrite_existing);
  std::string dating;
  if (today) {
    auto [da, tm] = dicom_now();
    dating = " -i StudyDate=" + da + " -i StudyTime=" + tm
             + " -i SeriesDate=" + da + " -i SeriesTime=" + tm;
  }
  sh("dcmodify -nb -gst -gse -gin" + dating + " " + first.string());
  s.files.push_back(first);
  for (int i = 1; i < images; ++i) {
    auto f = dir / (name + "-" + std::to_string(i) + ".dcm");
    fs::copy_file(first, f, fs::copy_options::overwrite_existing);
    sh("dcmodify -nb -gin " + f.string()); // same study and series
    s.files.push_back(f);
  }
  s.uid = tag_of(first, "StudyInstanceUID");
  for (const auto& f : s.files)
    s.sops.push_back(tag_of(f, "SOPInstanceUID"));
  return s;
}

// Orthanc as our own process: its own JSON config and database in a temp
// dir, plugins off, HTTP for loopback only, our AEs registered; killed by
// PID at the end.
class orthanc {
public:
  struct modality {
    std::string name;
    std::string aet;
    unsigned short port;
  };

  explicit orthanc(const std::vector<modality>& ours)
      : http_port_(free_port()), dicom_port_(free_port()) {
    json::object modalities;
    for (const auto& m : ours)
      modalities[m.name] = json::object{
        {"AET", m.aet},      {"Host", "127.0.0.1"}, {"Port", m.port},
        {"AllowEcho", true}, {"AllowFind", true},   {"AllowMove", true},
        {"AllowGet", true},  {"AllowStore", true}};
    json::object cfg{
      {"Name", "TestPACS"},
      {"StorageDirectory", (dir_.path() / "db").string()},
      {"IndexDirectory", (dir_.path() / "db").string()},
      {"Plugins", json::array{}},
      {"HttpServerEnabled", true},
      {"HttpPort", http_port_},
      {"RemoteAccessAllowed", false},
      {"AuthenticationEnabled", false},
      {"OrthancExplorerEnabled", false},
      {"DicomServerEnabled", true},
      {"DicomAet", "ORTHANC"},
      {"DicomPort", dicom_port_},
      {"DicomCheckCalledAet", true},
      {"DicomAlwaysAllowEcho", true},
      {"DicomAlwaysAllowStore", true},
      {"DicomAlwaysAllowFind", false},
      {"DicomAlwaysAllowGet", false},
      {"DicomAlwaysAllowMove", false},
      {"DicomCheckModalityHost", true},
      {"DicomModalities", std::move(modalities)},
      {"SaveJobs", false},
      {"StableAge", 2},
      {"SynchronousCMove", true},
    };
    write_file(dir_.path() / "orthanc.json", json::serialize(cfg));
    proc_ = std::make_unique<child_process>(
      std::vector<std::string>{"/usr/sbin/Orthanc",
                               (dir_.path() / "orthanc.json").string()},
      dir_.path(), std::map<std::string, std::string>{{"TCP_NODELAY", "1"}},
      dir_.path() / "orthanc.log");
    ready_ = wait_until(
      [this] {
        return http_call("GET", url("/system")).status == 200;
      },
      20s);
  }

  // Its database is disposable: SIGKILL spares the 3-5 s graceful stop.
  ~orthanc() {
    proc_->signal(SIGKILL);
    proc_->wait_exit(10s);
  }

  orthanc(const orthanc&) = delete;
  orthanc& operator=(const orthanc&) = delete;

  [[nodiscard]] bool ready() const {
    return ready_;
  }

  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }

  [[nodiscard]] unsigned short dicom_port() const {
    return dicom_port_;
  }

  [[nodiscard]] std::string log() const {
    return read_text(dir_.path() / "orthanc.log");
  }

  // Uploads a file over REST; returns Orthanc's instance id ("" on failure).
  std::string upload(const fs::path& file) const {
    auto r = http_call("POST", url("/instances"),
                       {"Content-Type: application/dicom"}, read_text(file));
    if (r.status != 200)
      return {};
    return std::string{json::parse(r.body).at("ID").as_string()};
  }

private:
  temp_dir dir_;
  unsigned short http_port_;
  unsigned short dicom_port_;
  std::unique_ptr<child_process> proc_;
  bool ready_ = false;
};

// One XRayVision server with its own folder, ports and configuration.
class server {
public:
  server(const std::string& ae, unsigned short dicom_port,
         unsigned short pacs_port, const std::string& method)
      : http_port_(free_port()) {
    write_file(
      dir_.path() / "xrayvision.cfg",
      "[general]\nSTATIC_DIR = " + std::string{XRV_SOURCE_DIR}
        + "/static\nIMAGES_DIR = " + (dir_.path() / "images").string()
        + "\nLOG_FILE = " + (dir_.path() / "xrv.log").string()
        + "\n[dashboard]\nDASHBOARD_BIND = 127.0.0.1\nDASHBOARD_PORT = "
        + std::to_string(http_port_) + "\n[dicom]\nAE_TITLE = " + ae
        + "\nAE_PORT = " + std::to_string(dicom_port)
        + "\nMIN_FREE_MB = 1\nREMOTE_AE_TITLE = ORTHANC\nREMOTE_AE_IP = "
          "127.0.0.1\nREMOTE_AE_PORT = "
        + std::to_string(pacs_port) + "\nRETRIEVAL_METHOD = " + method
        + "\n[users]\nadmin = adm,admin\nradio = rad,user\n[limits]\n"
          "API_PER_MINUTE = 0\n[openai]\nOPENAI_URL_PRIMARY "
          "=\nOPENAI_URL_SECONDARY =\n[processing]\nNO_QUERY = true\n");
    proc_ = std::make_unique<child_process>(
      std::vector<std::string>{XRV_BINARY}, dir_.path(),
      std::map<std::string, std::string>{}, dir_.path() / "out.txt");
    ready_ = wait_until(
      [this] {
        return http_call("GET", url("/healthz")).status == 200;
      },
      20s);
  }

  [[nodiscard]] bool ready() const {
    return ready_;
  }

  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }

  [[nodiscard]] std::string log() const {
    return read_text(dir_.path() / "xrv.log");
  }

  // The received file of `sop`, kept until an analysis (none here).
  [[nodiscard]] fs::path dicom_file(const std::string& sop) const {
    return dir_.path() / "images" / (sop + ".dcm");
  }

  child_process& proc() {
    return *proc_;
  }

  http_result query(const std::string& body,
                    const std::string& who = admin) const {
    return http_call("POST", url("/api/dicomquery"), {who}, body);
  }

  // Runs ended so far (finished or failed), from the log.
  [[nodiscard]] std::size_t runs_ended() const {
    const auto text = log();
    return count_of(text, " finished in ") + count_of(text, " failed after ");
  }

  // Starts a query (waiting out a run still going on from an earlier test)
  // and waits until it ended; returns the 202 response.
  http_result query_and_wait(const std::string& body) const {
    const auto before = runs_ended();
    http_result r;
    wait_until(
      [&] {
        r = query(body);
        return r.status != 409;
      },
      30s);
    if (r.status == 202)
      wait_until(
        [&] {
          return runs_ended() > before;
        },
        60s);
    return r;
  }

  [[nodiscard]] bool has_exam(const std::string& uid) const {
    return http_call("GET", url("/api/exams/" + uid), {admin}).status == 200;
  }

  bool wait_exams(const std::vector<std::string>& uids) const {
    return wait_until(
      [&] {
        for (const auto& u : uids)
          if (!has_exam(u))
            return false;
        return true;
      },
      30s);
  }

  [[nodiscard]] json::value exam(const std::string& uid) const {
    auto r = http_call("GET", url("/api/exams/" + uid), {admin});
    return r.status == 200 ? json::parse(r.body) : json::value{};
  }

  [[nodiscard]] bool has_png(const std::string& uid) const {
    auto r = http_call("GET", url("/images/" + uid + ".png"), {admin});
    return r.status == 200 && r.body.substr(0, 8) == "\x89PNG\r\n\x1a\n";
  }

private:
  temp_dir dir_;
  unsigned short http_port_;
  std::unique_ptr<child_process> proc_;
  bool ready_ = false;
};

// One Orthanc and two servers: "XRAYVISION" retrieves with C-MOVE, "XRVGET"
// with C-GET. Both have NO_QUERY: only POST /api/dicomquery starts runs.
class Pacs : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    work_ = new temp_dir;
    const auto move_port = free_port();
    const auto get_port = free_port();
    pacs_ = new orthanc(
      {{"xrv", "XRAYVISION", move_port}, {"xrvget", "XRVGET", get_port}});
    mover_ = new server("XRAYVISION", move_port, pacs_->dicom_port(), "C-MOVE");
    getter_ = new server("XRVGET", get_port, pacs_->dicom_port(), "C-GET");
  }

  static void TearDownTestSuite() {
    delete getter_;
    delete mover_;
    delete pacs_;
    delete work_;
  }

  void SetUp() override {
    ASSERT_TRUE(fs::exists(real_cr)) << "python3-pydicom test files missing";
    ASSERT_TRUE(pacs_->ready()) << pacs_->log();
    ASSERT_TRUE(mover_->ready()) << mover_->log();
    ASSERT_TRUE(getter_->ready()) << getter_->log();
  }

  // A study uploaded to Orthanc only.
  static study study_in_pacs(const std::string& name, int images,
                             bool today = true) {
    auto s = make_study(work_->path() / "in", name, images, today);
    for (const auto& f : s.files) {
      s.pacs_ids.push_back(pacs_->upload(f));
      EXPECT_FALSE(s.pacs_ids.back().empty()) << f;
    }
    return s;
  }

  static temp_dir* work_;
  static orthanc* pacs_;
  static server* mover_;
  static server* getter_;
};

temp_dir* Pacs::work_ = nullptr;
orthanc* Pacs::pacs_ = nullptr;
server* Pacs::mover_ = nullptr;
server* Pacs::getter_ = nullptr;

// A socket on a free loopback port: refusing connections until it listens,
// then a peer that never answers (the kernel accepts the connection into the
// backlog; nobody reads the A-ASSOCIATE-RQ).
class fake_peer {
public:
  fake_peer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot bind a loopback port");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }

  ~fake_peer() {
    ::close(fd_);
  }

  fake_peer(const fake_peer&) = delete;
  fake_peer& operator=(const fake_peer&) = delete;

  void hang() {
    ::listen(fd_, 8);
  }

  [[nodiscard]] unsigned short port() const {
    return port_;
  }

private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

} // namespace

TEST_F(Pacs, OrthancPushesAStudyToUsOverRest) {
  auto s = study_in_pacs("pushed", 1, false);
  const auto& id = s.pacs_ids.at(0);
  ASSERT_FALSE(id.empty());
  auto r = http_call("POST", pacs_->url("/modalities/xrv/store"), {},
                     R"({"Resources":[")" + id + R"("],"Synchronous":true})");
  ASSERT_EQ(r.status, 200) << r.body << pacs_->log();
  auto v = json::parse(r.body);
  EXPECT_EQ(v.at("InstancesCount").as_int64(), 1);
  EXPECT_EQ(v.at("FailedInstancesCount").as_int64(), 0);
  ASSERT_TRUE(mover_->wait_exams(s.sops)) << mover_->log();
  auto exam = mover_->exam(s.sops[0]);
  EXPECT_EQ(exam.at("exam").at("status").as_string(), "queued");
  EXPECT_EQ(exam.at("exam").at("type").as_string(), "CR");
  EXPECT_EQ(exam.at("exam").at("study").as_string(), s.uid);
  EXPECT_TRUE(mover_->has_png(s.sops[0]));
}

TEST_F(Pacs, QueryFindsTodaysStudyAndMovesItHere) {
  auto s = study_in_pacs("moved", 2);
  for (const auto& sop : s.sops)
    ASSERT_FALSE(mover_->has_exam(sop)) << "only Orthanc has it so far";
  auto r = mover_->query_and_wait(R"({"hours": 3})");
  ASSERT_EQ(r.status, 202) << r.body;
  auto v = json::parse(r.body);
  EXPECT_EQ(v.at("status").as_string(), "success");
  EXPECT_EQ(v.at("message").as_string(), "Query for the last 3 hours started");
  ASSERT_TRUE(mover_->wait_exams(s.sops)) << mover_->log();
  for (const auto& sop : s.sops) {
    EXPECT_EQ(mover_->exam(sop).at("exam").at("status").as_string(), "queued");
    EXPECT_TRUE(mover_->has_png(sop)) << sop;
  }
  // The final C-MOVE response was awaited and its counts logged.
  EXPECT_NE(mover_->log().find("C-MOVE of study " + s.uid
                               + ": status 0x0000, completed 2, failed 0, "
                                 "warning 0"),
            std::string::npos)
    << mover_->log();
}

TEST_F(Pacs, OldStudyOutsideTheWindowIsNotRetrieved) {
  auto old = study_in_pacs("old", 1, false); // dated 2001
  auto r = mover_->query_and_wait(R"({"hours": 168})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(mover_->log().find("of study " + old.uid), std::string::npos);
  EXPECT_FALSE(mover_->has_exam(old.sops[0]));
}

TEST_F(Pacs, QueryWithCGetRetrievesIntoTheSameIngestPath) {
  auto s = study_in_pacs("got", 2);
  auto r = getter_->query_and_wait(R"({"hours": 2})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body).at("message").as_string(),
            "Query for the last 2 hours started");
  ASSERT_TRUE(getter_->wait_exams(s.sops)) << getter_->log();
  for (const auto& sop : s.sops) {
    EXPECT_EQ(getter_->exam(sop).at("exam").at("status").as_string(), "queued");
    EXPECT_TRUE(getter_->has_png(sop)) << sop;
  }
  EXPECT_NE(getter_->log().find("C-GET of study " + s.uid
                                + ": status 0x0000, completed 2, failed 0, "
                                  "warning 0, 2 files stored"),
            std::string::npos)
    << getter_->log();
  // C-GET needs no route from Orthanc to us: no C-MOVE was logged.
  EXPECT_EQ(getter_->log().find("C-MOVE of study"), std::string::npos);
}

TEST_F(Pacs, JpegTwoThousandIsRetrievedByCGetAsStoredAndRendered) {
  // A study Orthanc holds as JPEG 2000 (compressed by GDCM before upload):
  // we accept the syntax, so it arrives untranscoded and OpenJPEG decodes it.
  auto s = make_study(work_->path() / "in", "got-j2k", 1, true);
  const auto j2k = work_->path() / "in" / "got-j2k.j2k.dcm";
  sh("gdcmconv --j2k " + s.files[0].string() + " " + j2k.string());
  const auto id = pacs_->upload(j2k);
  ASSERT_FALSE(id.empty());
  auto meta = http_call(
    "GET", pacs_->url("/instances/" + id + "/metadata/TransferSyntax"), {});
  EXPECT_EQ(meta.body, "1.2.840.10008.1.2.4.90");
  auto r = getter_->query_and_wait(R"({"hours": 2})");
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(getter_->wait_exams(s.sops)) << getter_->log();
  EXPECT_EQ(getter_->exam(s.sops[0]).at("exam").at("status").as_string(),
            "queued");
  EXPECT_TRUE(getter_->has_png(s.sops[0]));
  EXPECT_NE(sh("dcmdump +P TransferSyntaxUID "
               + getter_->dicom_file(s.sops[0]).string())
              .find("JPEG2000LosslessOnly"),
            std::string::npos);
}

TEST_F(Pacs, KnownStudyIsNotRetrievedAgain) {
  auto s = study_in_pacs("known", 1);
  ASSERT_EQ(mover_->query_and_wait(R"({"hours": 3})").status, 202);
  ASSERT_TRUE(mover_->wait_exams(s.sops)) << mover_->log();
  const std::string moved = "C-MOVE of study " + s.uid + ":";
  ASSERT_EQ(count_of(mover_->log(), moved), 1u) << mover_->log();
  // Second run: the study is found again but the store already has it.
  ASSERT_EQ(mover_->query_and_wait(R"({"hours": 3})").status, 202);
  const auto log = mover_->log();
  EXPECT_EQ(count_of(log, moved), 1u) << log;
  const auto last = log.substr(log.rfind("DICOM query "));
  EXPECT_NE(last.find(" finished in "), std::string::npos) << last;
  EXPECT_EQ(last.find(" 0 already known"), std::string::npos) << last;
}

TEST_F(Pacs, BadHoursAreRefusedNamingTheField) {
  for (const char* body :
       {R"({"hours": 0})", R"({"hours": 169})", R"({"hours": "3"})",
        R"({"hours": 2.5})", R"({"hours": -1})"}) {
    auto r = mover_->query(body);
    EXPECT_EQ(r.status, 400) << body;
    auto v = json::parse(r.body);
    EXPECT_EQ(v.at("status").as_string(), "error") << body;
    EXPECT_NE(std::string{v.at("message").as_string()}.find("hours"),
              std::string::npos)
      << body << " " << r.body;
  }
  auto bad = mover_->query("{\"hours\":");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("Malformed JSON"), std::string::npos) << bad.body;
  EXPECT_EQ(mover_->query("[3]").status, 400);
  EXPECT_EQ(mover_->query(R"({"hours": 3})", user).status, 403);
}

TEST_F(Pacs, EmptyBodyQueriesTheLastThreeHours) {
  auto r = mover_->query_and_wait("");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body).at("message").as_string(),
            "Query for the last 3 hours started");
}

TEST(PacsDown, FailureIsLoggedServerStaysUpAndARunningQueryIsAConflict) {
  ASSERT_TRUE(fs::exists(real_cr));
  fake_peer peer; // bound, not listening: connections are refused
  server srv{"XRAYVISION", free_port(), peer.port(), "C-MOVE"};
  ASSERT_TRUE(srv.ready()) << srv.log();
  // PACS down: the run fails, the failure is logged once, and we stay up.
  auto r = srv.query_and_wait(R"({"hours": 3})");
  ASSERT_EQ(r.status, 202) << r.body;
  auto log = srv.log();
  EXPECT_EQ(count_of(log, " failed after "), 1u) << log;
  EXPECT_NE(log.find("cannot reach the PACS ORTHANC@127.0.0.1:"
                     + std::to_string(peer.port())),
            std::string::npos)
    << log;
  EXPECT_EQ(http_call("GET", srv.url("/healthz")).status, 200);
  // A hung PACS: the run waits in the association, so the next request
  // deterministically finds it running.
  peer.hang();
  auto first = srv.query(R"({"hours": 3})");
  ASSERT_EQ(first.status, 202) << first.body;
  auto second = srv.query(R"({"hours": 3})");
  EXPECT_EQ(second.status, 409) << second.body;
  auto v = json::parse(second.body);
  EXPECT_EQ(v.at("status").as_string(), "error");
  EXPECT_EQ(v.at("message").as_string(), "A DICOM query is already running");
  EXPECT_EQ(v.at("error").as_string(), "A DICOM query is already running");
  EXPECT_EQ(http_call("GET", srv.url("/healthz")).status, 200);
  // Shutdown does not wait for the 30 s association timeout.
  srv.proc().signal(SIGTERM);
  auto code = srv.proc().wait_exit(5s);
  ASSERT_TRUE(code.has_value()) << "still running 5 s after SIGTERM";
  EXPECT_EQ(*code, 0);
}

} // namespace xrv::test
