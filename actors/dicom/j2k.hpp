#pragma once

// JPEG 2000 pixel data (PS3.5 A.4.4, transfer syntaxes 1.2.840.10008.1.2.4.90
// and .91). Debian's DCMTK 3.6.7 has no JPEG 2000 codec (its JPEG 2000
// module is a commercial add-on), so the first frame is decoded here with
// OpenJPEG (libopenjp2) and handed to the renderer as an uncompressed copy
// of the dataset: every other step (modality, VOI, MONOCHROME1, colour,
// overlays) is then the same as for any other image.

#include "actors/system/errors.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

class DcmDataset;

namespace xrv::dicom {

/// True for the JPEG 2000 transfer syntaxes (including Part 2
/// multi-component).
[[nodiscard]] bool is_jpeg2000(E_TransferSyntax xfer) noexcept;

/// A decoded JPEG 2000 image: `components` interleaved samples per pixel,
/// rows top to bottom, each `precision` bits, two's complement when
/// `is_signed`.
struct j2k_image {
  int width = 0;
  int height = 0;
  int components = 0; // 1 (grey) or 3 (colour)
  int precision = 0;  // 1-16
  bool is_signed = false;
  std::vector<std::int32_t> samples;
};

/// Decodes a JPEG 2000 codestream (or a JP2 file, which some writers put in
/// DICOM) from memory. With `min_long_side` > 0, at the lowest resolution
/// level whose long side is still at least that (JPEG 2000 is a wavelet
/// pyramid: each level skipped halves the sides and cuts the decoding time
/// about fourfold); 0 = full resolution. Fails (invalid_input) with
/// OpenJPEG's reason, or when the image is not 1 or 3 components of one size
/// and at most 16 bits.
[[nodiscard]] result<j2k_image> decode_j2k(std::span<const std::uint8_t> bytes,
                                           int min_long_side = 0);

/// The bytes of frame `frame` of the encapsulated pixel data of `ds` in
/// `xfer`: its fragments joined, bounded by the Basic Offset Table when it
/// has one, else one fragment per frame when the counts match, else by the
/// start-of-codestream marker that opens each frame. Fails when there is no
/// such frame.
[[nodiscard]] result<std::vector<std::uint8_t>>
encapsulated_frame(DcmDataset& ds, E_TransferSyntax xfer, unsigned frame);

/// A copy of `ds` whose Pixel Data is the first frame of its JPEG 2000
/// pixel data, decoded and stored natively (little endian; 8 or 16 bits
/// allocated; size and BitsStored as the codestream says; the sign as
/// PixelRepresentation says, the codestream's only without it;
/// YBR_ICT/YBR_RCT become RGB, as the decoder undoes the colour transform).
/// One frame: NumberOfFrames is removed. `min_long_side` as for
/// `decode_j2k`: Rows and Columns are then the reduced size.
[[nodiscard]] result<std::unique_ptr<DcmDataset>>
decode_j2k_dataset(DcmDataset& ds, E_TransferSyntax xfer,
                   int min_long_side = 0);

} // namespace xrv::dicom
