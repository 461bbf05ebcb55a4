#include "actors/dicom/render_native.hpp"

#include "actors/dicom/area_reduce.hpp"
#include "actors/dicom/voi.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcfcache.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <tuple>
#include <utility>

namespace xrv::dicom {

namespace {

using steady = std::chrono::steady_clock;

// Stored values are read in bands of about this many bytes: small enough to
// stay in the CPU cache, large enough that each read is one system call.
constexpr std::size_t band_bytes = std::size_t{256} << 10;

// render.cpp falls back to the min-max window beyond a 2^20 range of
// modality values; a 16-bit range times a slope up to 16 stays below it.
constexpr double max_slope = 16;

// What the fast path needs to know of the image, once it qualifies.
struct native_image {
  int width = 0;
  int height = 0;
  int bytes_per_sample = 2;
  std::uint16_t mask = 0xFFFF; // BitsStored bits
  std::uint16_t flip = 0;      // the sign bit, for signed data
  linear_modality modality;
  std::optional<voi_window> window;
  bool inverse = false;
  DcmElement* pixels = nullptr;
};

std::optional<std::string> string_of(DcmDataset& ds, const DcmTagKey& tag) {
  OFString value;
  if (ds.findAndGetOFString(tag, value).bad())
    return std::nullopt;
  std::string s{value.c_str()};
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
  return s;
}

std::optional<int> uint16_of(DcmDataset& ds, const DcmTagKey& tag) {
  Uint16 value = 0;
  if (ds.findAndGetUint16(tag, value).bad())
    return std::nullopt;
  return value;
}

std::optional<double> float_of(DcmDataset& ds, const DcmTagKey& tag) {
  Float64 value = 0;
  if (ds.findAndGetFloat64(tag, value, 0).bad() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

// DicomImage shows overlay planes (60xx) by default; the fast path does not
// draw them.
bool has_overlays(DcmDataset& ds) {
  for (Uint16 group = 0x6000; group <= 0x601E; group += 2)
    if (ds.tagExists(DcmTagKey{group, 0x0010})
        || ds.tagExists(DcmTagKey{group, 0x3000}))
      return true;
  return false;
}

// Attributes whose meaning the fast path does not reproduce: DCMTK ignores
// the modality transform of XA/XRF (dimomod.cc), applies LUT sequences and
// functional groups, and non-linear VOI functions.
bool needs_dicom_image(DcmDataset& ds) {
  if (ds.tagExists(DCM_ModalityLUTSequence)
      || ds.tagExists(DCM_SharedFunctionalGroupsSequence)
      || ds.tagExists(DCM_PerFrameFunctionalGroupsSequence) || has_overlays(ds))
    return true;
  const auto sop_class = string_of(ds, DCM_SOPClassUID).value_or("");
  if (sop_class == UID_XRayAngiographicImageStorage
      || sop_class == UID_XRayRadiofluoroscopicImageStorage
      || sop_class == UID_RETIRED_XRayAngiographicBiPlaneImageStorage)
    return true;
  const auto function = string_of(ds, DCM_VOILUTFunction);
  return function && *function != "LINEAR";
}

// (0028,0002..0103): one sample of 8 or 16 bits, high bit BitsStored - 1.
bool read_layout(DcmDataset& ds, native_image& image) {
  const auto samples = uint16_of(ds, DCM_SamplesPerPixel);
  const auto rows = uint16_of(ds, DCM_Rows);
  const auto columns = uint16_of(ds, DCM_Columns);
  const auto allocated = uint16_of(ds, DCM_BitsAllocated);
  const auto stored = uint16_of(ds, DCM_BitsStored);
  const auto high_bit = uint16_of(ds, DCM_HighBit);
  const auto representation = uint16_of(ds, DCM_PixelRepresentation);
  if (!samples || *samples != 1 || !rows || *rows < 1 || !columns
      || *columns < 1 || !allocated || (*allocated != 8 && *allocated != 16)
      || !stored || *stored < 1 || *stored > *allocated || !high_bit
      || *high_bit != *stored - 1 || !representation || *representation > 1)
    return false;
  image.width = *columns;
  image.height = *rows;
  image.bytes_per_sample = *allocated / 8;
  image.mask = static_cast<std::uint16_t>((1U << *stored) - 1U);
  // Two's complement of BitsStored bits, offset to unsigned: flip the sign.
  image.flip = *representation == 1
                 ? static_cast<std::uint16_t>(1U << (*stored - 1))
                 : std::uint16_t{0};
  image.modality.offset = image.flip;
  return true;
}

// (0028,1052)/(0028,1053), the first window and the presentation shape.
bool read_grey_scale(DcmDataset& ds, const std::string& photometric,
                     native_image& image) {
  const auto intercept = float_of(ds, DCM_RescaleIntercept);
  const auto slope = float_of(ds, DCM_RescaleSlope);
  // DCMTK rescales only when both are present, and ignores a zero slope.
  if (intercept && slope && *slope != 0) {
    if (*slope < 0 || *slope > max_slope)
      return false;
    image.modality.slope = *slope;
    image.modality.intercept = *intercept;
  }
  const auto center = float_of(ds, DCM_WindowCenter);
  const auto width = float_of(ds, DCM_WindowWidth);
  if (center && width && *width >= 1)
    image.window = voi_window{*center, *width};
  else if (ds.tagExists(DCM_VOILUTSequence))
    return false;
  // (2050,0020) overrides the photometric default, as in dimoimg.cc.
  const auto shape = string_of(ds, DCM_PresentationLUTShape).value_or("");
  image.inverse = shape == "INVERSE"
                  || (shape != "IDENTITY" && photometric == "MONOCHROME1");
  return true;
}

std::optional<native_image> qualify(DcmDataset& ds, E_TransferSyntax xfer,
                                    const render_options& options) {
  const DcmXfer info{xfer};
  if (info.isEncapsulated() || info.getByteOrder() != EBO_LittleEndian
      || gLocalByteOrder != EBO_LittleEndian)
    return std::nullopt;
  native_image image;
  if (!read_layout(ds, image))
    return std::nullopt;
  // Small images need no reduction: DicomImage is cheap there.
  const auto [width, height]
    = fit_long_side(image.width, image.height, options.max_side);
  if (width == image.width && height == image.height)
    return std::nullopt;
  const auto photometric = string_of(ds, DCM_PhotometricInterpretation);
  if (!photometric
      || (*photometric != "MONOCHROME1" && *photometric != "MONOCHROME2")
      || needs_dicom_image(ds) || !read_grey_scale(ds, *photometric, image))
    return std::nullopt;
  const std::uint64_t frame_bytes = static_cast<std::uint64_t>(image.width)
                                    * static_cast<std::uint64_t>(image.height)
                                    * image.bytes_per_sample;
  if (ds.findAndGetElement(DCM_PixelData, image.pixels).bad()
      || image.pixels == nullptr || image.pixels->getLength() < frame_bytes)
    return std::nullopt;
  return image;
}

// The first frame, streamed band by band through the area reducer.
std::optional<std::vector<std::uint16_t>>
reduce_first_frame(const native_image& image, int width, int height) {
  area_reducer reducer{image.width, image.height, width, height,
                       sample_bits{image.mask, image.flip}};
  if (!reducer.valid())
    return std::nullopt;
  const auto columns = static_cast<std::size_t>(image.width);
  const auto row_bytes
    = columns * static_cast<std::size_t>(image.bytes_per_sample);
  const std::size_t band_rows
    = std::max<std::size_t>(1, band_bytes / row_bytes);
  std::vector<std::uint16_t> band(band_rows * columns);
  std::vector<std::uint8_t> bytes(image.bytes_per_sample == 1 ? band.size()
                                                              : 0);
  // Reads from the file when the value was not loaded (the converter loads
  // large values lazily), from memory otherwise; never loads it whole.
  DcmFileCache cache;
  for (std::size_t row = 0; row < static_cast<std::size_t>(image.height);) {
    const auto n
      = std::min(band_rows, static_cast<std::size_t>(image.height) - row);
    const auto count = n * columns;
    void* target = bytes.empty() ? static_cast<void*>(band.data())
                                 : static_cast<void*>(bytes.data());
    if (image.pixels
          ->getPartialValue(target, static_cast<Uint32>(row * row_bytes),
                            static_cast<Uint32>(n * row_bytes), &cache)
          .bad())
      return std::nullopt;
    if (!bytes.empty())
      std::copy_n(bytes.begin(), count, band.begin());
    reducer.add_rows(std::span{band.data(), count});
    row += n;
  }
  return reducer.take();
}

} // namespace

std::optional<grey_pixels> render_native_mono(DcmDataset& ds,
                                              E_TransferSyntax xfer,
                                              const render_options& options) {
  const auto start = steady::now();
  const auto image = qualify(ds, xfer, options);
  if (!image)
    return std::nullopt;
  grey_pixels out;
  std::tie(out.width, out.height)
    = fit_long_side(image->width, image->height, options.max_side);
  const auto samples = reduce_first_frame(*image, out.width, out.height);
  if (!samples)
    return std::nullopt;
  out.decode_ms = ms_since(start);

  const auto tone_start = steady::now();
  // As render.cpp: the file's window, else the percentile clip of the
  // reduced image (the original clipped after resizing).
  const auto window
    = image->window
        ? image->window
        : histogram_window(*samples, percentile_share, image->modality);
  if (!window)
    return std::nullopt;
  out.pixels = to_display(*samples, image->modality, *window, image->inverse,
                          gamma_lut(options.gamma));
  if (out.pixels.empty())
    return std::nullopt;
  out.scale_ms = ms_since(tone_start);
  return out;
}

} // namespace xrv::dicom
