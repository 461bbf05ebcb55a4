#pragma once

// Grey-scale display of monochrome samples as DCMTK renders them
// (dcmimgle/dimopxt.h getHistogramWindow, dimoopxt.h window(), no
// presentation LUT), for the rendering's fast path: the modality transform
// (rescale slope/intercept), the linear VOI window (PS3.3 C.11.2.1.2.1), the
// 1st-99th percentile clip when the file has no window, MONOCHROME1
// inversion and the gamma table, folded into one 8-bit lookup table. Pure:
// no DCMTK.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace xrv::dicom {

/// The original's 1st..99th percentile clip (original-backend.md §2.5 step
/// 5): this share of the pixels is ignored at each end.
inline constexpr double percentile_share = 0.01;

/// Samples to modality values: samples are the stored values plus `offset`
/// (signed data are shifted to be unsigned), then (0028,1053) Rescale Slope
/// and (0028,1052) Rescale Intercept apply.
struct linear_modality {
  double slope = 1;
  double intercept = 0;
  int offset = 0;

  /// The modality value of `sample`.
  [[nodiscard]] double operator()(int sample) const noexcept {
    return slope * (sample - offset) + intercept;
  }
};

/// (0028,1050) Window Center and (0028,1051) Window Width, in modality
/// values; DICOM requires a width of at least 1.
struct voi_window {
  double center = 0;
  double width = 0;
};

/// DCMTK's histogram window over `samples` (`setHistogramWindow(share)`):
/// the lowest and highest sample values once `share` of the samples is
/// left out at each end, as a window of modality values; none when nothing
/// is left between them (a flat or nearly two-valued image).
[[nodiscard]] std::optional<voi_window>
histogram_window(std::span<const std::uint16_t> samples, double share,
                 const linear_modality& modality);

/// The 8-bit display value of every sample `low..high` (index 0 = `low`):
/// modality transform, linear VOI `window`, inverted when `inverse`
/// (MONOCHROME1, or Presentation LUT Shape INVERSE), then `gamma` (a table
/// from `gamma_lut`). Empty when `high < low` or the window is narrower
/// than 1.
[[nodiscard]] std::vector<std::uint8_t>
display_lut(int low, int high, const linear_modality& modality,
            const voi_window& window, bool inverse,
            const std::array<std::uint8_t, 256>& gamma);

/// `samples` through `display_lut` over their own range: the 8-bit image.
/// Empty when the window is narrower than 1.
[[nodiscard]] std::vector<std::uint8_t>
to_display(std::span<const std::uint16_t> samples,
           const linear_modality& modality, const voi_window& window,
           bool inverse, const std::array<std::uint8_t, 256>& gamma);

} // namespace xrv::dicom
