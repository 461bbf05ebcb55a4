#pragma once

// The rendering's fast path for the common case, a large uncompressed
// monochrome radiograph: the stored values are streamed a band of rows at a
// time from the Pixel Data, reduced by area averaging (which commutes with
// the linear modality transform), and only the reduced image gets the VOI
// window or percentile clip, inversion and gamma. DicomImage would first
// build full-size modality and output copies (two 10 MB buffers for a
// 2500 x 2000 CR). Anything unusual is left to DicomImage (`render_png`).

#include "actors/dicom/render.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

class DcmDataset;

namespace xrv::dicom {

/// Milliseconds since `start`, for the timings in `rendered`.
[[nodiscard]] inline double
ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
           std::chrono::steady_clock::now() - start)
    .count();
}

/// A reduced and toned 8-bit grey image, ready for `encode_png`.
struct grey_pixels {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;
  double decode_ms = 0; // reading the stored values and area averaging
  double scale_ms = 0;  // VOI window or percentile clip, 8 bits, gamma
};

/// The first frame of `ds` rendered like `render_png`'s DicomImage path
/// (same modality transform, window formula, percentile clip, MONOCHROME1
/// inversion and gamma; area averaging done exactly in integers), without
/// DicomImage. Only for native little-endian `xfer`, MONOCHROME1/2, 8 or 16
/// bits allocated with the high bit at BitsStored - 1, rescale slope (0, 16]
/// and intercept, a linear window or none, no VOI or modality LUT sequence,
/// no overlay, not XA/XRF, and an image that must be reduced to fit
/// `options.max_side`; none otherwise (and when the pixel data cannot be
/// read or the percentile clip finds a flat image): DicomImage decides.
/// `ds` is not changed.
[[nodiscard]] std::optional<grey_pixels>
render_native_mono(DcmDataset& ds, E_TransferSyntax xfer,
                   const render_options& options);

} // namespace xrv::dicom
