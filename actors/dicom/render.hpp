#pragma once

// DICOM image -> 8-bit PNG for the dashboard and the vision LLM
// (original-backend.md §2.5, with §9.4 item 20 fixed: modality LUT, VOI
// window, MONOCHROME1, multi-frame and colour are honoured). The DCMTK part
// is `render_png`; sizing, gamma and PNG encoding are pure helpers.

#include "actors/system/errors.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <utility>
#include <vector>

class DcmDataset;

namespace xrv::dicom {

/// How `render_png` sizes, tones and compresses its output.
struct render_options {
  int max_side = 896; // [processing] PNG_MAX_SIZE: long side, never upscaled
  double gamma = 1.2; // [processing] PNG_GAMMA; 1.0 = off
  int png_level = 1;  // zlib 0..9; 1-3 use run-length: fastest
};

/// A rendered PNG and where the time went.
struct rendered {
  int width = 0;
  int height = 0;
  int channels = 1; // 1 = grey, 3 = RGB
  std::vector<std::uint8_t> png;
  double decode_ms = 0; // DicomImage: decompression and modality LUT; fast
                        // path: reading the stored values and resizing
  double scale_ms = 0;  // resize (DicomImage), VOI window, 8 bits, gamma
  double encode_ms = 0; // PNG
};

/// Renders the first frame of `ds` (pixel data in `xfer`; `EXS_Unknown` =
/// the dataset's current syntax) as an 8-bit grey or RGB PNG:
/// - modality LUT (rescale slope/intercept or LUT) applied;
/// - monochrome VOI: the file's first window, else its first VOI LUT, else
///   the original's 1st-99th percentile clip of the modality values;
///   MONOCHROME1 is shown inverted (bone bright), as DCMTK does;
/// - long side reduced to `max_side` by area averaging, never enlarged;
/// - gamma applied to the 8-bit values.
/// A large uncompressed monochrome image takes a fast path that reduces the
/// stored values before the VOI step (`render_native_mono`); the rest goes
/// through DicomImage.
/// `ds` keeps its received encoding (compressed pixel data is decoded from a
/// copy); DCMTK may still load lazily read values into it, so one dataset
/// must not be rendered from two threads at once.
/// Fails (invalid_input) for bad options, no Pixel Data, a transfer syntax
/// this build cannot decode or undecodable pixels. JPEG 2000 is decoded by
/// OpenJPEG into an uncompressed copy (j2k.hpp), then rendered the same way.
/// Never throws.
[[nodiscard]] result<rendered> render_png(DcmDataset& ds, E_TransferSyntax xfer,
                                          const render_options& options);

/// The output size for a `width` x `height` image whose long side is limited
/// to `max_side`: the original's rule (long side = max_side, short side
/// truncated, at least 1), the input size when it already fits.
[[nodiscard]] std::pair<int, int> fit_long_side(int width, int height,
                                                int max_side) noexcept;

/// The original's gamma table: `lut[i] = trunc((i/255)^(1/gamma) * 255)`;
/// the identity for gamma 1.0 (and for a gamma that is not positive).
[[nodiscard]] std::array<std::uint8_t, 256> gamma_lut(double gamma) noexcept;

/// Encodes 8-bit pixels (`channels` 1 = grey, 3 = interleaved RGB; rows top
/// to bottom, no padding) as a non-interlaced PNG at zlib `level`.
[[nodiscard]] result<std::vector<std::uint8_t>>
encode_png(std::span<const std::uint8_t> pixels, int width, int height,
           int channels, int level);

/// Writes `bytes` to `file` so that readers see the old file or the whole
/// new one: a temporary `<file>.tmp-<pid>-<n>`, fsync, rename over `file`,
/// fsync of the folder. Fails (storage_failure) with the system's reason.
[[nodiscard]] result<void>
write_file_atomically(const std::filesystem::path& file,
                      std::span<const std::uint8_t> bytes);

} // namespace xrv::dicom
