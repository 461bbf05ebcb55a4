#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>

namespace {

namespace fs = std::filesystem;
using xrv::errc;
using xrv::http::mime_type;
using xrv::http::percent_decode;
using xrv::http::resolve_file;

void write_file(const fs::path& file, std::string_view content) {
  std::ofstream out{file, std::ios::binary};
  out << content;
}

// -- percent_decode -----------------------------------------------------------

TEST(PercentDecode, DecodesEscapes) {
  EXPECT_EQ(percent_decode("a%20b"), "a b");
  EXPECT_EQ(percent_decode("%41%62c"), "Abc");
  EXPECT_EQ(percent_decode("%2e%2E"), "..");
  EXPECT_EQ(percent_decode("%C8%99"), "\xC8\x99");
}

TEST(PercentDecode, LeavesPlainTextAndPlusAlone) {
  EXPECT_EQ(percent_decode("app.css"), "app.css");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode(""), "");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  EXPECT_FALSE(percent_decode("%").has_value());
  EXPECT_FALSE(percent_decode("abc%4").has_value());
  EXPECT_FALSE(percent_decode("%g0").has_value());
  EXPECT_FALSE(percent_decode("%0z").has_value());
}

TEST(PercentDecode, RejectsDecodedNul) {
  EXPECT_FALSE(percent_decode("%00").has_value());
  EXPECT_FALSE(percent_decode("index.html%00.png").has_value());
}

// -- resolve_file -------------------------------------------------------------

class ResolveFile : public ::testing::Test {
protected:
  void SetUp() override {
    std::random_device rd;
    const auto tmp = fs::temp_directory_path();
    do {
      base_ = tmp / ("xrv_static_test_" + std::to_string(rd()));
    } while (!fs::create_directory(base_));
    root_ = base_ / "root";
    outside_ = base_ / "outside";
    fs::create_directories(root_ / "css");
    fs::create_directories(root_ / "sub");
    fs::create_directories(outside_);
    write_file(root_ / "index.html", "<html></html>");
    write_file(root_ / "css" / "app.css", "body{}");
    write_file(root_ / "with space.txt", "x");
    write_file(root_ / ".secret", "password");
    write_file(root_ / "css" / ".hidden", "x");
    write_file(outside_ / "target.txt", "outside");
    fs::create_symlink(outside_ / "target.txt", root_ / "link_out");
    fs::create_directory_symlink(outside_, root_ / "dir_out");
    fs::create_symlink(root_ / "css" / "app.css", root_ / "link_in");
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  errc error_of(std::string_view url_rest) const {
    auto file = resolve_file(root_, url_rest);
    EXPECT_FALSE(file.has_value()) << url_rest << " -> " << file->string();
    return file ? errc::internal : file.error().code;
  }

  fs::path base_;
  fs::path root_;
  fs::path outside_;
};

TEST_F(ResolveFile, FindsFileInRoot) {
  auto file = resolve_file(root_, "index.html");
  ASSERT_TRUE(file.has_value()) << file.error().detail;
  EXPECT_EQ(*file, fs::canonical(root_ / "index.html"));
}

TEST_F(ResolveFile, FindsNestedFile) {
  auto file = resolve_file(root_, "css/app.css");
  ASSERT_TRUE(file.has_value()) << file.error().detail;
  EXPECT_EQ(*file, fs::canonical(root_ / "css" / "app.css"));
}

TEST_F(ResolveFile, DecodesPercentEscapesInNames) {
  auto file = resolve_file(root_, "with%20space.txt");
  ASSERT_TRUE(file.has_value()) << file.error().detail;
  EXPECT_EQ(file->filename(), "with space.txt");
}

TEST_F(ResolveFile, RejectsDotDot) {
  EXPECT_EQ(error_of(".."), errc::invalid_input);
  EXPECT_EQ(error_of("../outside/target.txt"), errc::invalid_input);
  EXPECT_EQ(error_of("css/../index.html"), errc::invalid_input);
  EXPECT_EQ(error_of("css/.."), errc::invalid_input);
}

TEST_F(ResolveFile, RejectsEncodedDotDot) {
  EXPECT_EQ(error_of("%2e%2e"), errc::invalid_input);
  EXPECT_EQ(error_of("%2E%2E%2Foutside%2Ftarget.txt"), errc::invalid_input);
  EXPECT_EQ(error_of("..%2foutside%2ftarget.txt"), errc::invalid_input);
  EXPECT_EQ(error_of("css%2f..%2f..%2foutside%2ftarget.txt"),
            errc::invalid_input);
}

TEST_F(ResolveFile, RejectsAbsolutePaths) {
  EXPECT_EQ(error_of("/etc/passwd"), errc::invalid_input);
  EXPECT_EQ(error_of("%2fetc%2fpasswd"), errc::invalid_input);
  EXPECT_EQ(error_of("%2Fetc%2Fpasswd"), errc::invalid_input);
}

TEST_F(ResolveFile, RejectsBackslash) {
  EXPECT_EQ(error_of("css\\app.css"), errc::invalid_input);
  EXPECT_EQ(error_of("..%5c..%5cetc%5cpasswd"), errc::invalid_input);
}

TEST_F(ResolveFile, RejectsNul) {
  EXPECT_EQ(error_of("%00"), errc::invalid_input);
  EXPECT_EQ(error_of("index.html%00.png"), errc::invalid_input);
}

TEST_F(ResolveFile, RejectsMalformedEscapes) {
  EXPECT_EQ(error_of("index%zz.html"), errc::invalid_input);
  EXPECT_EQ(error_of("index.html%"), errc::invalid_input);
}

TEST_F(ResolveFile, RejectsHiddenFiles) {
  EXPECT_EQ(error_of(".secret"), errc::invalid_input);
  EXPECT_EQ(error_of("%2esecret"), errc::invalid_input);
  EXPECT_EQ(error_of("css/.hidden"), errc::invalid_input);
  EXPECT_EQ(error_of("./index.html"), errc::invalid_input);
}

TEST_F(ResolveFile, RejectsEmptyNameAndEmptySegments) {
  EXPECT_EQ(error_of(""), errc::invalid_input);
  EXPECT_EQ(error_of("css//app.css"), errc::invalid_input);
  EXPECT_EQ(error_of("css/"), errc::invalid_input);
}

TEST_F(ResolveFile, RefusesSymlinkLeadingOutside) {
  EXPECT_EQ(error_of("link_out"), errc::forbidden);
  EXPECT_EQ(error_of("dir_out/target.txt"), errc::forbidden);
}

TEST_F(ResolveFile, FollowsSymlinkStayingInside) {
  auto file = resolve_file(root_, "link_in");
  ASSERT_TRUE(file.has_value()) << file.error().detail;
  EXPECT_EQ(*file, fs::canonical(root_ / "css" / "app.css"));
}

TEST_F(ResolveFile, RefusesDirectories) {
  EXPECT_EQ(error_of("sub"), errc::not_found);
  EXPECT_EQ(error_of("css"), errc::not_found);
}

TEST_F(ResolveFile, MissingFileIsNotFound) {
  EXPECT_EQ(error_of("missing.png"), errc::not_found);
  EXPECT_EQ(error_of("css/missing.css"), errc::not_found);
}

TEST_F(ResolveFile, MissingRootIsNotFound) {
  auto file = resolve_file(base_ / "nope", "index.html");
  ASSERT_FALSE(file.has_value());
  EXPECT_EQ(file.error().code, errc::not_found);
}

TEST_F(ResolveFile, WorksWithRelativeRoot) {
  const auto saved = fs::current_path();
  fs::current_path(base_);
  auto file = resolve_file("root", "css/app.css");
  fs::current_path(saved);
  ASSERT_TRUE(file.has_value()) << file.error().detail;
  EXPECT_EQ(*file, fs::canonical(root_ / "css" / "app.css"));
}

// -- mime_type ----------------------------------------------------------------

TEST(MimeType, KnownExtensions) {
  EXPECT_EQ(mime_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(mime_type("app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(mime_type("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(mime_type("spec.json"), "application/json; charset=utf-8");
  EXPECT_EQ(mime_type("exam.png"), "image/png");
  EXPECT_EQ(mime_type("favicon.ico"), "image/x-icon");
  EXPECT_EQ(mime_type("ping.wav"), "audio/wav");
  EXPECT_EQ(mime_type("logo.svg"), "image/svg+xml");
  EXPECT_EQ(mime_type("robots.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(mime_type("font.woff2"), "font/woff2");
  EXPECT_EQ(mime_type("app.js.map"), "application/json; charset=utf-8");
}

TEST(MimeType, ExtensionIsCaseInsensitive) {
  EXPECT_EQ(mime_type("EXAM.PNG"), "image/png");
  EXPECT_EQ(mime_type("/srv/static/Index.Html"), "text/html; charset=utf-8");
}

TEST(MimeType, UnknownIsOctetStream) {
  EXPECT_EQ(mime_type("exam.dcm"), "application/octet-stream");
  EXPECT_EQ(mime_type("README"), "application/octet-stream");
  EXPECT_EQ(mime_type(".png"), "application/octet-stream");
}

} // namespace
