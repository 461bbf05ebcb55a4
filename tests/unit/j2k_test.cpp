// JPEG 2000 (actors/dicom/j2k): real files nobody here wrote, decoded by
// OpenJPEG through our code, against GDCM's own decoding of the same files
// (gdcmconv --raw, an independent implementation), and images compressed by
// GDCM (gdcmconv --j2k) at test time against their uncompressed originals.

#include "actors/dicom/j2k.hpp"

#include "actors/dicom/render.hpp"
#include "tests/unit/render_test_images.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace {

using namespace xrv::test::render_images;

// `in` converted by GDCM: "--raw" decodes, "--j2k" compresses losslessly.
fs::path gdcm(const std::string& option, const fs::path& in,
              const std::string& name) {
  const auto out = work_dir() / (name + ".dcm");
  run("gdcmconv " + option, {in, out});
  return out;
}

TEST(Jpeg2000, RealFilesRenderLikeGdcmsDecodingOfThem) {
  // Lossless and lossy (693_J2KI), grey and colour (GDCMJ2K_TextGBR), and a
  // codestream whose sign contradicts PixelRepresentation.
  for (const char* name :
       {"MR_small_jp2klossless.dcm", "JPEG2000.dcm", "693_J2KI.dcm",
        "GDCMJ2K_TextGBR.dcm", "J2K_pixelrep_mismatch.dcm"}) {
    const auto file = pydicom_files / name;
    ASSERT_TRUE(xrv::dicom::is_jpeg2000(load(file).xfer())) << name;
    const auto ours = render(file);
    const auto theirs = render(gdcm("--raw", file, std::string{"raw-"} + name));
    ASSERT_GT(ours.width, 0) << name;
    EXPECT_EQ(ours.channels, theirs.channels) << name;
    EXPECT_EQ(compare(ours, theirs).mean_abs_diff, 0) << name;
  }
  // The MR is also the uncompressed MR_small.dcm, losslessly compressed.
  EXPECT_EQ(compare(render(pydicom_files / "MR_small.dcm"),
                    render(pydicom_files / "MR_small_jp2klossless.dcm"))
              .mean_abs_diff,
            0);
}

TEST(Jpeg2000, CompressedRadiographsRenderLikeTheirOriginals) {
  // A 12-bit radiograph larger than 896 (reduced after decoding), a
  // MONOCHROME1 one, and pydicom's real AGFA CR (MONOCHROME1, 12 bits).
  const auto large = save(xray(1200, 1000), "j2k-large");
  const auto inverse = save(xray(300, 200, true), "j2k-mono1");
  const auto real = pydicom_files / "dicomdirtests/77654033/CR1/6154";
  int n = 0;
  for (const auto& original : {large, inverse, real}) {
    const auto compressed
      = gdcm("--j2k", original, "j2k-" + std::to_string(++n));
    ASSERT_EQ(load(compressed).xfer(), EXS_JPEG2000LosslessOnly);
    const auto a = render(original);
    const auto b = render(compressed);
    EXPECT_EQ(b.width, a.width) << original;
    EXPECT_EQ(compare(a, b).mean_abs_diff, 0) << original;
  }
}

TEST(Jpeg2000, LargeImagesAreDecodedAtTheLevelJustAboveTheOutputSize) {
  // 2000x1600: one wavelet level skipped gives 1000x800, still above 896;
  // two would give 500x400.
  const auto original = save(xray(2000, 1600), "j2k-pyramid");
  const auto compressed = gdcm("--j2k", original, "j2k-pyramid");
  auto l = load(compressed);
  auto bytes = xrv::dicom::encapsulated_frame(l.ds(), l.xfer(), 0);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().detail;
  const auto full = xrv::dicom::decode_j2k(*bytes);
  ASSERT_TRUE(full.has_value()) << full.error().detail;
  EXPECT_EQ(full->width, 2000);
  EXPECT_EQ(full->height, 1600);
  const auto half = xrv::dicom::decode_j2k(*bytes, 896);
  ASSERT_TRUE(half.has_value()) << half.error().detail;
  EXPECT_EQ(half->width, 1000);
  EXPECT_EQ(half->height, 800);
  EXPECT_EQ(xrv::dicom::decode_j2k(*bytes, 1001)->width, 2000);
  EXPECT_EQ(xrv::dicom::decode_j2k(*bytes, 500)->width, 500);
  // The wavelet's low-pass band, reduced to 896, against the full image
  // reduced by area averaging alone.
  const auto a = render(original);
  const auto b = render(compressed);
  ASSERT_EQ(b.width, 896);
  ASSERT_EQ(b.height, a.height);
  const auto s = compare(a, b);
  EXPECT_LT(s.mean_abs_diff, 1.0);
  EXPECT_GT(s.correlation, 0.999);
  std::printf("JPEG 2000 at half resolution vs full: mean |diff| %.3f grey "
              "levels, correlation %.5f\n",
              s.mean_abs_diff, s.correlation);
}

TEST(Jpeg2000, OnlyTheFirstFrameIsShown) {
  const auto compressed
    = gdcm("--j2k", save(halves(100, 50, 3), "j2k-frames"), "j2k-frames");
  auto l = load(compressed);
  ASSERT_EQ(l.xfer(), EXS_JPEG2000LosslessOnly);
  for (unsigned frame = 0; frame < 3; ++frame) {
    auto bytes = xrv::dicom::encapsulated_frame(l.ds(), l.xfer(), frame);
    ASSERT_TRUE(bytes.has_value()) << frame << ": " << bytes.error().detail;
    auto image = xrv::dicom::decode_j2k(*bytes);
    ASSERT_TRUE(image.has_value()) << image.error().detail;
    ASSERT_EQ(image->width, 100);
    // Frame 0 is bright on the left, the others on the right.
    const bool left_bright = image->samples[10 * 100 + 5] == 4095;
    EXPECT_EQ(left_bright, frame == 0) << frame;
  }
  EXPECT_FALSE(xrv::dicom::encapsulated_frame(l.ds(), l.xfer(), 3));
  const auto r = render(compressed);
  ASSERT_EQ(r.width, 100);
  EXPECT_GE(region_mean(r, 10, 25), 250);
  EXPECT_LE(region_mean(r, 90, 25), 5);
}

TEST(Jpeg2000, BrokenCodestreamsAreRefusedWithTheDecodersReason) {
  // pydicom's file whose codestream GDCM cannot read either.
  auto broken
    = load(pydicom_files / "JPEG2000-embedded-sequence-delimiter.dcm");
  auto r = xrv::dicom::render_png(broken.ds(), broken.xfer(), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, xrv::errc::invalid_input);
  EXPECT_NE(r.error().detail.find("JPEG 2000"), std::string::npos)
    << r.error().detail;
  // Truncated, garbage and empty input.
  auto l = load(pydicom_files / "MR_small_jp2klossless.dcm");
  auto bytes = xrv::dicom::encapsulated_frame(l.ds(), l.xfer(), 0);
  ASSERT_TRUE(bytes.has_value());
  bytes->resize(bytes->size() / 3);
  EXPECT_FALSE(xrv::dicom::decode_j2k(*bytes));
  const std::vector<std::uint8_t> garbage(100, 0x42);
  const auto g = xrv::dicom::decode_j2k(garbage);
  ASSERT_FALSE(g.has_value());
  EXPECT_NE(g.error().detail.find("neither a codestream"), std::string::npos);
  EXPECT_FALSE(xrv::dicom::decode_j2k({}));
}

} // namespace
