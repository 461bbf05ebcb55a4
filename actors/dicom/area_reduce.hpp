#pragma once

// Exact area-average reduction of a grey image of 16-bit samples, fed a band
// of rows at a time so that a 10 MB radiograph never needs a full-size copy
// (the rendering's fast path streams the pixel data through it). Pure: no
// DCMTK; exact arithmetic (integers, and doubles holding integers below
// 2^48), so the result does not depend on the compiler or the CPU.

#include <cstdint>
#include <span>
#include <vector>

namespace xrv::dicom {

/// How stored values become samples: `(value & mask) ^ flip`. The mask
/// keeps the BitsStored bits (the others may hold overlays or garbage); the
/// flip of the sign bit turns two's complement into an offset unsigned value.
struct sample_bits {
  std::uint16_t mask = 0xFFFF;
  std::uint16_t flip = 0;
};

/// Reduces `src_width` x `src_height` samples to `dst_width` x `dst_height`:
/// each output sample is the mean of the source samples under its footprint,
/// weighted by the area they cover (OpenCV's INTER_AREA, pbmplus's
/// pnmscale), rounded half up. Sides may only shrink or stay.
class area_reducer {
public:
  /// Every side must be at least 1 and `dst_*` at most `src_*`; otherwise
  /// the reducer is invalid (`valid()` false) and ignores its input. Input
  /// values are read through `bits`.
  area_reducer(int src_width, int src_height, int dst_width, int dst_height,
               sample_bits bits = {});

  /// False when the sizes given to the constructor are impossible.
  [[nodiscard]] bool valid() const noexcept {
    return valid_;
  }

  /// Adds the next whole source rows, top to bottom (`rows.size()` a
  /// multiple of the source width); rows beyond the source height are
  /// ignored.
  void add_rows(std::span<const std::uint16_t> rows);

  /// True once every source row has been added.
  [[nodiscard]] bool complete() const noexcept {
    return valid_ && rows_added_ == src_height_;
  }

  /// The reduced image, rows top to bottom; empty unless `complete()`.
  /// Leaves the reducer empty.
  [[nodiscard]] std::vector<std::uint16_t> take();

private:
  void add_row(const std::uint16_t* row);
  void add_weighted(const std::uint16_t* row, std::uint32_t weight);
  void finish_output_row();

  bool valid_ = false;
  sample_bits bits_;
  int src_width_ = 0;
  int src_height_ = 0;
  int dst_width_ = 0;
  int dst_height_ = 0;
  int rows_added_ = 0;
  int rows_done_ = 0; // output rows written
  // Per source column: sum of sample x vertical weight for the output row
  // being filled. The weights of one output row add up to src_height, so the
  // sum stays below 65535 * 65535 < 2^32.
  std::vector<std::uint32_t> columns_;

  // Output column j is the sum over k < taps_ of source column
  // starts_[j] + k times weights_[j * taps_ + k] (an integer: the overlap
  // in grid units), every column with the same number of taps.
  std::size_t taps_ = 1;
  std::vector<std::uint32_t> starts_;
  std::vector<double> weights_;
  std::vector<double> row_; // the column sums as doubles, zero-padded
  // One output row's weighted sums (below 2^48, so exact as doubles).
  std::vector<double> sums_;
  double total_ = 0; // src_width * src_height: all weights, below 2^32
  std::vector<std::uint16_t> out_;
};

/// `src` (`width` x `height`, rows top to bottom) reduced by `area_reducer`;
/// empty if the sizes are impossible or `src` has the wrong size.
[[nodiscard]] std::vector<std::uint16_t>
area_reduce(std::span<const std::uint16_t> src, int width, int height,
            int dst_width, int dst_height, sample_bits bits = {});

} // namespace xrv::dicom
