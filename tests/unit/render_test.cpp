#include "actors/dicom/render.hpp"

#include "actors/dicom/extract_tags.hpp"
#include "tests/unit/render_test_images.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace xrv::test::render_images;
using xrv::errc;
using xrv::dicom::render_options;

TEST(RenderGeometry, LongSideLimitedWithTruncatedShortSide) {
  using xrv::dicom::fit_long_side;
  EXPECT_EQ(fit_long_side(2500, 2000, 896), std::pair(896, 716));
  EXPECT_EQ(fit_long_side(2000, 2500, 896), std::pair(716, 896));
  EXPECT_EQ(fit_long_side(1000, 1000, 896), std::pair(896, 896));
  EXPECT_EQ(fit_long_side(10000, 3, 896), std::pair(896, 1));
  EXPECT_EQ(fit_long_side(800, 600, 896), std::pair(800, 600)); // no upscale
  EXPECT_EQ(fit_long_side(896, 500, 896), std::pair(896, 500));
}

TEST(GammaLut, MatchesTheOriginalTable) {
  const auto lut = xrv::dicom::gamma_lut(1.2);
  // original-backend.md §2.5 step 7, verified values.
  const auto samples = std::to_array<std::pair<int, int>>({{0, 0},
                                                           {1, 2},
                                                           {2, 4},
                                                           {5, 9},
                                                           {10, 17},
                                                           {32, 45},
                                                           {64, 80},
                                                           {128, 143},
                                                           {192, 201},
                                                           {254, 254},
                                                           {255, 255}});
  for (const auto& [in, out] : samples)
    EXPECT_EQ(lut[in], out) << in;
  const auto identity = xrv::dicom::gamma_lut(1.0);
  for (int i = 0; i < 256; ++i)
    EXPECT_EQ(identity[i], i);
}

TEST(PngEncoder, RoundTripsGreyAndRgb) {
  for (const int channels : {1, 3}) {
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(37 * 23)
                                     * channels);
    for (std::size_t i = 0; i < pixels.size(); ++i)
      pixels[i] = static_cast<std::uint8_t>(i * 7 + i / 37);
    for (const int level : {0, 1, 9}) {
      auto png = xrv::dicom::encode_png(pixels, 37, 23, channels, level);
      ASSERT_TRUE(png.has_value());
      const auto back = decode_png(*png);
      EXPECT_EQ(back.width, 37);
      EXPECT_EQ(back.height, 23);
      EXPECT_EQ(back.channels, channels);
      EXPECT_EQ(back.pixels, pixels);
    }
  }
  EXPECT_EQ(xrv::dicom::encode_png(std::vector<std::uint8_t>(10), 4, 4, 1, 1)
              .error()
              .code,
            errc::invalid_input);
}

TEST(AtomicWrite, ReplacesTheFileAndLeavesNoTemporary) {
  const xrv::test::temp_dir dir;
  const auto file = dir.path() / "1.2.3.png";
  const std::vector<std::uint8_t> first{1, 2, 3};
  const std::vector<std::uint8_t> second(100000, 7);
  ASSERT_TRUE(xrv::dicom::write_file_atomically(file, first).has_value());
  EXPECT_EQ(read_bytes(file), first);
  ASSERT_TRUE(xrv::dicom::write_file_atomically(file, second).has_value());
  EXPECT_EQ(read_bytes(file), second);
  EXPECT_EQ(std::distance(fs::directory_iterator{dir.path()}, {}), 1);
}

TEST(AtomicWrite, MissingFolderIsAStorageFailure) {
  const xrv::test::temp_dir dir;
  const std::vector<std::uint8_t> bytes{1};
  auto r
    = xrv::dicom::write_file_atomically(dir.path() / "no" / "x.png", bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::storage_failure);
  EXPECT_NE(r.error().detail.find("No such file"), std::string::npos)
    << r.error().detail;
}

TEST(ExtractTags, ReadsEveryFieldWithoutPadding) {
  DcmDataset ds;
  const auto values = std::to_array<std::pair<DcmTagKey, const char*>>({
    {DCM_SOPInstanceUID, "1.2.3.4.5"},
    {DCM_SOPClassUID, UID_ComputedRadiographyImageStorage},
    {DCM_StudyInstanceUID, "1.2.3"},
    {DCM_SeriesInstanceUID, "1.2.3.4"},
    {DCM_AccessionNumber, "A123 "},
    {DCM_Modality, "CR"},
    {DCM_PatientID, "1900101400004"},
    {DCM_PatientName, "POPESCU^ION "},
    {DCM_PatientBirthDate, "19900101"},
    {DCM_PatientSex, "M "},
    {DCM_SeriesDate, "20240501"},
    {DCM_SeriesTime, "101530.25 "},
    {DCM_AcquisitionDate, "20240502"},
    {DCM_AcquisitionTime, "101500"},
    {DCM_ContentDate, "20240503"},
    {DCM_ContentTime, "101600"},
    {DCM_StudyDate, "20240504"},
    {DCM_StudyTime, "100000"},
    {DCM_ProtocolName, " TORACE PA "},
    {DCM_SeriesDescription, "Torace"},
    {DCM_StudyDescription, "Radiografie\xBA"}, // ISO 8859-2 byte, undecoded
    {DCM_BodyPartExamined, "CHEST"},
    {DCM_SpecificCharacterSet, "\\ISO 2022 IR 226 "},
  });

  for (const auto& [tag, value] : values)
    ASSERT_TRUE(ds.putAndInsertString(tag, value).good());
  auto tags = xrv::dicom::extract_tags(ds);
  ASSERT_TRUE(tags.has_value());
  EXPECT_EQ(tags->sop_instance_uid, "1.2.3.4.5");
  EXPECT_EQ(tags->sop_class_uid, "1.2.840.10008.5.1.4.1.1.1");
  EXPECT_EQ(tags->study_uid, "1.2.3");
  EXPECT_EQ(tags->series_uid, "1.2.3.4");
  EXPECT_EQ(tags->accession, "A123");
  EXPECT_EQ(tags->modality, "CR");
  EXPECT_EQ(tags->patient_id, "1900101400004");
  EXPECT_EQ(tags->patient_name, "POPESCU^ION");
  EXPECT_EQ(tags->patient_birth_date, "19900101");
  EXPECT_EQ(tags->patient_sex, "M");
  EXPECT_EQ(tags->series_date, "20240501");
  EXPECT_EQ(tags->series_time, "101530.25");
  EXPECT_EQ(tags->acquisition_date, "20240502");
  EXPECT_EQ(tags->acquisition_time, "101500");
  EXPECT_EQ(tags->content_date, "20240503");
  EXPECT_EQ(tags->content_time, "101600");
  EXPECT_EQ(tags->study_date, "20240504");
  EXPECT_EQ(tags->study_time, "100000");
  EXPECT_EQ(tags->protocol_name, "TORACE PA");
  EXPECT_EQ(tags->series_description, "Torace");
  EXPECT_EQ(tags->study_description, "Radiografie\xBA");
  EXPECT_EQ(tags->body_part, "CHEST");
  EXPECT_EQ(tags->specific_character_set, "\\ISO 2022 IR 226");
}

TEST(ExtractTags, AbsentAttributesAreEmpty) {
  DcmDataset ds;
  ds.putAndInsertString(DCM_SOPInstanceUID, "1.2.3");
  ds.putAndInsertString(DCM_PatientName, "");
  auto tags = xrv::dicom::extract_tags(ds);
  ASSERT_TRUE(tags.has_value());
  EXPECT_EQ(tags->sop_instance_uid, "1.2.3");
  EXPECT_TRUE(tags->patient_name.empty());
  EXPECT_TRUE(tags->modality.empty());
  EXPECT_TRUE(tags->specific_character_set.empty());
  EXPECT_FALSE(xrv::dicom::has_pixel_data(ds));
}

TEST(ExtractTags, ReadsARealCrHeader) {
  const auto file = pydicom_files / "dicomdirtests/77654033/CR1/6154";
  if (!fs::exists(file))
    GTEST_SKIP() << "python3-pydicom is not installed (scripts/setup)";
  auto l = load(file);
  auto tags = xrv::dicom::extract_tags(l.ds());
  ASSERT_TRUE(tags.has_value());
  EXPECT_EQ(tags->modality, "CR");
  EXPECT_EQ(tags->sop_class_uid, UID_ComputedRadiographyImageStorage);
  EXPECT_EQ(tags->sop_instance_uid,
            "1.3.6.1.4.1.5962.1.1.0.0.0.1196527414.5534.0.11");
  EXPECT_EQ(tags->patient_name, "Doe^Archibald");
  EXPECT_EQ(tags->patient_id, "77654033");
  EXPECT_EQ(tags->accession, "2");
  EXPECT_EQ(tags->study_description, "XR C Spine Comp Min 4 Views");
  EXPECT_EQ(tags->series_description, "Cervical LAT");
  EXPECT_EQ(tags->body_part, "CSPINE");
  EXPECT_EQ(tags->specific_character_set, "ISO_IR 100");
  EXPECT_EQ(tags->study_date, "20010101");
  EXPECT_TRUE(tags->patient_birth_date.empty());
  EXPECT_TRUE(xrv::dicom::has_pixel_data(l.ds()));
}

TEST(RenderPng, MarkerIsBrightInBothPhotometricInterpretations) {
  const auto m2 = xray(256, 200);
  const auto m1 = xray(256, 200, true);
  const auto a = render(save(m2, "marker-m2"));
  const auto b = render(save(m1, "marker-m1"));
  ASSERT_EQ(a.width, 256);
  ASSERT_EQ(b.height, 200);
  for (const auto* r : {&a, &b}) {
    const auto [mx, my] = marker_centre(m2, *r);
    EXPECT_GE(region_mean(*r, mx, my), 250);          // bone bright
    EXPECT_LE(region_mean(*r, 1, r->height / 2), 12); // air dark
    EXPECT_GE(region_mean(*r, r->width - 2, r->height / 2), 235);
  }
  // MONOCHROME1 shows the same picture, not its negative.
  EXPECT_LT(compare(a, b).mean_abs_diff, 1.0);
}

TEST(RenderPng, FileWindowAppliesToModalityValues) {
  image_spec spec;
  spec.width = 30;
  spec.height = 10;
  spec.rescale = {-1000, 1}; // stored 1000 -> 0
  spec.window = {0, 1001};   // DICOM linear: [-500.5, 499.5] -> 0..255
  spec.pixel = [](int x, int, int) {
    return 400 + 40 * x;
  };
  const auto r = render(save(spec, "window"));
  ASSERT_EQ(r.width, 30);
  for (int x = 0; x < 30; ++x) {
    const double value = -600 + 40 * x;
    // PS3.3 C.11.2.1.2.1 with c = 0, w = 1001.
    const double expected
      = std::clamp((value - -0.5) / 1000.0 + 0.5, 0.0, 1.0) * 255;
    EXPECT_NEAR(r.at(x, 5), expected, 1.0) << "x " << x;
  }
}

TEST(RenderPng, WithoutWindowClipsAtThe1stAnd99thPercentile) {
  image_spec spec;
  spec.width = 64;
  spec.height = 64; // every 12-bit value exactly once
  spec.pixel = [](int x, int y, int) {
    return y * 64 + x;
  };
  const auto r = render(save(spec, "percentile"));
  ASSERT_EQ(r.width, 64);
  // NumPy's linear percentiles of 0..4095, as the original computed them.
  const double lo = 0.01 * 4095;
  const double hi = 0.99 * 4095;
  for (int v = 0; v < 4096; v += 5) {
    const double expected = std::clamp((v - lo) / (hi - lo), 0.0, 1.0) * 255;
    EXPECT_NEAR(r.at(v % 64, v / 64), expected, 1.5) << "value " << v;
  }
}

TEST(RenderPng, VoiLutFromTheFileWhenNoWindow) {
  image_spec spec;
  spec.width = 64;
  spec.height = 64;
  spec.pixel = [](int x, int y, int) {
    return y * 64 + x;
  };
  auto l = load(save(spec, "voi-lut"));
  // (0028,3010) VOI LUT Sequence: an inverting 12-bit table.
  DcmItem* item = nullptr;
  ASSERT_TRUE(
    l.ds().findOrCreateSequenceItem(DCM_VOILUTSequence, item, -2).good());
  const std::array<Uint16, 3> descriptor{4096, 0, 12};
  std::vector<Uint16> table(4096);
  for (int i = 0; i < 4096; ++i)
    table[static_cast<std::size_t>(i)] = static_cast<Uint16>(4095 - i);
  item->putAndInsertUint16Array(DCM_LUTDescriptor, descriptor.data(), 3);
  item->putAndInsertUint16Array(DCM_LUTData, table.data(), table.size());
  auto out = xrv::dicom::render_png(l.ds(), l.xfer(), plain());
  ASSERT_TRUE(out.has_value()) << out.error().detail;
  const auto r = decode_png(out->png);
  for (int v = 0; v < 4096; v += 7)
    EXPECT_NEAR(r.at(v % 64, v / 64), (4095 - v) * 255.0 / 4095, 1.0) << v;
}

TEST(RenderPng, GammaIsAppliedToTheEightBitOutput) {
  const auto path = save(xray(256, 200), "gamma");
  const auto linear = render(path, plain());
  const auto bright = render(path, render_options{.gamma = 1.2});
  const auto lut = xrv::dicom::gamma_lut(1.2);
  ASSERT_EQ(linear.pixels.size(), bright.pixels.size());
  for (std::size_t i = 0; i < linear.pixels.size(); ++i)
    ASSERT_EQ(bright.pixels[i], lut[linear.pixels[i]]) << i;
}

TEST(RenderPng, ShowsTheFirstFrameOnly) {
  const auto spec = halves(100, 50, 2);
  const auto r = render(save(spec, "frames"));
  ASSERT_EQ(r.width, 100);
  EXPECT_GE(region_mean(r, 10, 25), 250);
  EXPECT_LE(region_mean(r, 90, 25), 5);
}

TEST(RenderPng, ColourIsRenderedAsRgb) {
  image_spec spec;
  spec.width = 90;
  spec.height = 60;
  spec.bits = 8;
  spec.photometric = "RGB";
  spec.pixel = [](int x, int, int) {
    return x < 30 ? 0xFF0000 : x < 60 ? 0x00FF00 : 0x0000FF;
  };
  const auto path = save(spec, "rgb");
  const auto r = render(path, render_options{.gamma = 1.2});
  ASSERT_EQ(r.channels, 3);
  const std::array<std::array<int, 3>, 3> expected{
    {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}}};
  for (int band = 0; band < 3; ++band)
    for (int c = 0; c < 3; ++c)
      EXPECT_EQ(r.at(band * 30 + 15, 30, c), expected[band][c]);
  // RLE and JPEG-lossless copies render the same.
  run("dcmcrle", {path, work_dir() / "rgb-rle.dcm"});
  EXPECT_EQ(render(work_dir() / "rgb-rle.dcm", {.gamma = 1.2}).pixels,
            r.pixels);
}

TEST(RenderPng, ReducesTheLongSideByAreaAveraging) {
  image_spec spec;
  spec.width = 1000;
  spec.height = 700;
  spec.window = {2047.5, 4096}; // 0 -> 0, 4095 -> 255
  // A one-pixel checkerboard: nearest-neighbour would give 0 or 255.
  spec.pixel = [](int x, int y, int) {
    return (x + y) % 2 ? 4095 : 0;
  };
  const auto r = render(save(spec, "checker"), plain(300));
  ASSERT_EQ(r.width, 300);
  ASSERT_EQ(r.height, 210);
  for (int y = 10; y < r.height - 10; y += 13)
    for (int x = 10; x < r.width - 10; x += 17)
      EXPECT_NEAR(r.at(x, y), 127.5, 20) << x << "," << y;
}

TEST(RenderPng, LargeImageFitsIn896AndKeepsItsRatio) {
  const auto spec = xray(2500, 2000);
  const auto path = save(spec, "large");
  auto l = load(path);
  auto out = xrv::dicom::render_png(l.ds(), l.xfer(), render_options{});
  ASSERT_TRUE(out.has_value()) << out.error().detail;
  EXPECT_EQ(out->width, 896);
  EXPECT_EQ(out->height, 716);
  EXPECT_EQ(out->channels, 1);
  const auto r = decode_png(out->png);
  const auto [mx, my] = marker_centre(spec, r);
  EXPECT_GE(region_mean(r, mx, my), 250);
  // Portrait: the height is the long side.
  const auto portrait = render(save(xray(300, 1000), "portrait"), plain(100));
  EXPECT_EQ(portrait.width, 30);
  EXPECT_EQ(portrait.height, 100);
  // Small images are never enlarged.
  EXPECT_EQ(render(save(xray(64, 48), "small")).width, 64);
}

} // namespace
