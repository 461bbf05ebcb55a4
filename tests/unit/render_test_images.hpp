#pragma once

// Test images for the rendering tests, built at run time (no binary
// fixtures): datasets made in code, compressed with DCMTK's command-line
// tools, and DCMTK's reference renderers dcm2pnm / dcmj2pnm / dcml2pnm.

#include "actors/dicom/codecs.hpp"
#include "actors/dicom/extract_tags.hpp"
#include "actors/dicom/render.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <gtest/gtest.h>
#include <png.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace xrv::test::render_images {

namespace fs = std::filesystem;
using xrv::errc;
using xrv::dicom::render_options;
using xrv::dicom::rendered;

inline const fs::path pydicom_files{
  "/usr/lib/python3/dist-packages/pydicom/data/test_files"};

// DCMTK set-up, once per test process (ctest runs one test per process).
inline const bool dcmtk_ready = [] {
  xrv::dicom::configure_dcmtk_logging();
  xrv::dicom::register_codecs();
  return true;
}();

inline const fs::path& work_dir() {
  static const xrv::test::temp_dir dir;
  return dir.path();
}

// Runs a DCMTK tool from /usr/bin (`command`: its name and options,
// space-separated) on `files`; its output is kept for the failure message.
inline void run(const std::string& command,
                const std::vector<fs::path>& files) {
  std::vector<std::string> argv;
  std::istringstream words{command};
  for (std::string word; words >> word;)
    argv.push_back(argv.empty() ? "/usr/bin/" + word : word);
  for (const auto& f : files)
    argv.push_back(f.string());
  const auto log = work_dir() / "command.log";
  fs::remove(log);
  xrv::test::child_process tool{argv, work_dir(), {}, log};
  const auto status = tool.wait_exit(std::chrono::seconds{60});
  ASSERT_EQ(status, std::optional<int>{0}) << command << "\n"
                                           << xrv::test::read_text(log);
}

// An 8-bit raster as decoded from a PNG.
struct raster {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<std::uint8_t> pixels;

  [[nodiscard]] int at(int x, int y, int c = 0) const {
    return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c];
  }
};

inline raster decode_png(const std::vector<std::uint8_t>& png) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  raster out;
  if (png_image_begin_read_from_memory(&image, png.data(), png.size()) == 0)
    return out;
  const bool colour = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  image.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.channels = colour ? 3 : 1;
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)
      == 0)
    return raster{};
  return out;
}

inline std::vector<std::uint8_t> read_bytes(const fs::path& file) {
  std::ifstream in{file, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

// What to put in a synthetic image.
struct image_spec {
  int width = 256;
  int height = 200;
  int bits = 12; // BitsStored; BitsAllocated is 8 or 16
  std::string photometric = "MONOCHROME2";
  int frames = 1;
  std::optional<std::pair<double, double>> window;  // center, width
  std::optional<std::pair<double, double>> rescale; // intercept, slope
  bool is_signed = false; // PixelRepresentation 1, two's complement
  std::function<int(int x, int y, int frame)> pixel;
};

// A radiograph-like 12-bit "anatomy": a left-to-right gradient with
// noise and a small bright "bone" marker (0.4 % of the pixels).
inline int anatomy(int x, int y, int width, int height) {
  const int noise = static_cast<int>(((static_cast<unsigned>(x) * 73856093U)
                                      ^ (static_cast<unsigned>(y) * 19349663U))
                                     % 81U)
                    - 40;
  const bool marker = x >= width / 8 && x < width / 8 + width / 16
                      && y >= height / 8 && y < height / 8 + height / 16;
  return marker ? 4095 : 200 + 2800 * x / (width - 1) + noise;
}

// The centre of the marker, in a `width` x `height` rendering.
inline std::pair<int, int> marker_centre(const image_spec& spec,
                                         const raster& r) {
  const int x = spec.width / 8 + spec.width / 32;
  const int y = spec.height / 8 + spec.height / 32;
  return {x * r.width / spec.width, y * r.height / spec.height};
}

inline image_spec xray(int width, int height, bool monochrome1 = false) {
  image_spec spec;
  spec.width = width;
  spec.height = height;
  spec.photometric = monochrome1 ? "MONOCHROME1" : "MONOCHROME2";
  spec.pixel = [width, height, monochrome1](int x, int y, int) {
    const int v = anatomy(x, y, width, height);
    // MONOCHROME1: the same anatomy stored with 0 = white.
    return monochrome1 ? 4095 - v : v;
  };
  return spec;
}

// `frames` frames of `width` x `height`, window 0..4095: the first bright
// on the left half and black on the right, the others the other way round.
inline image_spec halves(int width, int height, int frames) {
  image_spec spec;
  spec.width = width;
  spec.height = height;
  spec.frames = frames;
  spec.window = {2048, 4096};
  spec.pixel = [width](int x, int, int f) {
    return (f == 0) == (x < width / 2) ? 4095 : 0;
  };
  return spec;
}

inline fs::path save(const image_spec& spec, const std::string& name) {
  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  std::array<char, 100> uid{};
  ds.putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
  ds.putAndInsertString(
    DCM_SOPInstanceUID,
    dcmGenerateUniqueIdentifier(uid.data(), SITE_INSTANCE_UID_ROOT));
  ds.putAndInsertString(DCM_Modality, "OT");
  ds.putAndInsertString(DCM_PhotometricInterpretation,
                        spec.photometric.c_str());
  const bool rgb = spec.photometric == "RGB";
  ds.putAndInsertUint16(DCM_SamplesPerPixel, rgb ? 3 : 1);
  if (rgb)
    ds.putAndInsertUint16(DCM_PlanarConfiguration, 0);
  ds.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(spec.height));
  ds.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(spec.width));
  const bool eight = spec.bits <= 8;
  ds.putAndInsertUint16(DCM_BitsAllocated, eight ? 8 : 16);
  ds.putAndInsertUint16(DCM_BitsStored, static_cast<Uint16>(spec.bits));
  ds.putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(spec.bits - 1));
  ds.putAndInsertUint16(DCM_PixelRepresentation, spec.is_signed ? 1 : 0);
  if (spec.frames > 1)
    ds.putAndInsertString(DCM_NumberOfFrames,
                          std::to_string(spec.frames).c_str());
  if (spec.window) {
    ds.putAndInsertString(DCM_WindowCenter,
                          std::to_string(spec.window->first).c_str());
    ds.putAndInsertString(DCM_WindowWidth,
                          std::to_string(spec.window->second).c_str());
  }
  if (spec.rescale) {
    ds.putAndInsertString(DCM_RescaleIntercept,
                          std::to_string(spec.rescale->first).c_str());
    ds.putAndInsertString(DCM_RescaleSlope,
                          std::to_string(spec.rescale->second).c_str());
  }
  const int samples = rgb ? 3 : 1;
  const auto count = static_cast<std::size_t>(spec.width) * spec.height
                     * samples * spec.frames;
  std::vector<Uint16> words(count);
  std::size_t i = 0;
  for (int f = 0; f < spec.frames; ++f)
    for (int y = 0; y < spec.height; ++y)
      for (int x = 0; x < spec.width; ++x)
        for (int s = 0; s < samples; ++s)
          // RGB: the pixel function returns 0xRRGGBB.
          words[i++] = static_cast<Uint16>(
            rgb ? (spec.pixel(x, y, f) >> (16 - 8 * s)) & 0xFF
                : spec.pixel(x, y, f));
  if (eight) {
    std::vector<Uint8> bytes(words.begin(), words.end());
    ds.putAndInsertUint8Array(DCM_PixelData, bytes.data(), bytes.size());
  } else {
    ds.putAndInsertUint16Array(DCM_PixelData, words.data(), words.size());
  }
  auto path = work_dir() / (name + ".dcm");
  EXPECT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  return path;
}

// A DICOM file loaded as the receiver would hold it.
struct loaded {
  std::unique_ptr<DcmFileFormat> file = std::make_unique<DcmFileFormat>();

  DcmDataset& ds() const {
    return *file->getDataset();
  }

  E_TransferSyntax xfer() const {
    return file->getDataset()->getOriginalXfer();
  }
};

inline loaded load(const fs::path& path) {
  loaded l;
  EXPECT_TRUE(l.file->loadFile(path.c_str()).good()) << path;
  return l;
}

inline render_options plain(int max_side = 896) {
  return render_options{.max_side = max_side, .gamma = 1.0, .png_level = 1};
}

// Renders a file and decodes the PNG back.
inline raster render(const fs::path& path,
                     const render_options& options = plain()) {
  auto l = load(path);
  auto r = xrv::dicom::render_png(l.ds(), l.xfer(), options);
  EXPECT_TRUE(r.has_value()) << path << ": " << (r ? "" : r.error().detail);
  if (!r)
    return {};
  auto decoded = decode_png(r->png);
  EXPECT_EQ(decoded.width, r->width);
  EXPECT_EQ(decoded.height, r->height);
  EXPECT_EQ(decoded.channels, r->channels);
  return decoded;
}

// A reference rendering by DCMTK's own tool (`tool` = dcm2pnm, dcmj2pnm or
// dcml2pnm) with the given VOI/scaling options.
inline raster reference(const std::string& tool, const std::string& options,
                        const fs::path& in) {
  static int n = 0;
  const auto out = work_dir() / ("ref-" + std::to_string(++n) + ".png");
  run(tool + " --write-png -il " + options, {in, out});
  return decode_png(read_bytes(out));
}

// `r` reduced to `width` x `height` by exact area averaging (the test's own
// implementation, independent of DCMTK's).
inline raster area_resize(const raster& r, int width, int height) {
  if (r.width == width && r.height == height)
    return r;
  raster out{width, height, r.channels,
             std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height
                                       * r.channels)};
  const double fx = static_cast<double>(r.width) / width;
  const double fy = static_cast<double>(r.height) / height;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < r.channels; ++c) {
        double sum = 0;
        double area = 0;
        for (int sy = static_cast<int>(y * fy); sy < std::ceil((y + 1) * fy);
             ++sy)
          for (int sx = static_cast<int>(x * fx); sx < std::ceil((x + 1) * fx);
               ++sx) {
            const double wx = std::min<double>(sx + 1, (x + 1) * fx)
                              - std::max<double>(sx, x * fx);
            const double wy = std::min<double>(sy + 1, (y + 1) * fy)
                              - std::max<double>(sy, y * fy);
            sum += wx * wy * r.at(sx, sy, c);
            area += wx * wy;
          }
        out.pixels[(static_cast<std::size_t>(y) * width + x) * r.channels + c]
          = static_cast<std::uint8_t>(std::lround(sum / area));
      }
  return out;
}

struct similarity {
  double mean_abs_diff = 255;
  double correlation = 0;
};

// Compares two renderings after bringing `b` to `a`'s size.
inline similarity compare(const raster& a, const raster& raw_b) {
  similarity s;
  if (a.pixels.empty() || raw_b.pixels.empty() || a.channels != raw_b.channels)
    return s;
  const raster b = area_resize(raw_b, a.width, a.height);
  const auto n = static_cast<double>(a.pixels.size());
  double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0, diff = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    const double va = a.pixels[i];
    const double vb = b.pixels[i];
    sa += va, sb += vb, sab += va * vb, saa += va * va, sbb += vb * vb;
    diff += std::abs(va - vb);
  }
  s.mean_abs_diff = diff / n;
  const double cov = sab / n - sa / n * sb / n;
  const double var = (saa / n - sa / n * sa / n) * (sbb / n - sb / n * sb / n);
  s.correlation = var > 0 ? cov / std::sqrt(var) : (diff == 0 ? 1 : 0);
  return s;
}

inline double region_mean(const raster& r, int cx, int cy, int radius = 1) {
  double sum = 0;
  int n = 0;
  for (int y = std::max(0, cy - radius);
       y <= std::min(r.height - 1, cy + radius); ++y)
    for (int x = std::max(0, cx - radius);
         x <= std::min(r.width - 1, cx + radius); ++x)
      sum += r.at(x, y), ++n;
  return n == 0 ? -1 : sum / n;
}

// ---------------------------------------------------------------------------

} // namespace xrv::test::render_images
