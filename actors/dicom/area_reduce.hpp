#pragma once

// Exact area-average reduction of a grey image of 16-bit samples, fed a band
// of rows at a time so that a 10 MB radiograph never needs a full-size copy
// (the rendering's fast path streams the pixel data through it). Pure: no
// DCMTK; integer arithmetic, so the result does not depend on the compiler.

#include <cstdint>
#include <span>
#include <vector>

namespace xrv::dicom {

/// Reduces `src_width` x `src_height` samples to `dst_width` x `dst_height`:
/// each output sample is the mean of the source samples under its footprint,
/// weighted by the area they cover (OpenCV's INTER_AREA, pbmplus's
/// pnmscale), rounded half up. Sides may only shrink or stay.
class area_reducer {
public:
  /// Every side must be at least 1 and `dst_*` at most `src_*`; otherwise
  /// the reducer is invalid (`valid()` false) and ignores its input.
  area_reducer(int src_width, int src_height, int dst_width, int dst_height);

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

  // How output column j gathers its source columns: whole columns
  // [first, end) at weight dst_width, then column `end` at `straddle`
  // weight when it also reaches into column j + 1 (0 when none does).
  struct column_plan {
    std::uint32_t first = 0;
    std::uint32_t end = 0;
    std::uint32_t straddle = 0;
  };

  std::vector<column_plan> plans_;
  std::vector<std::uint64_t> prefix_; // running column sums, 0 first
  std::uint64_t total_ = 0;           // src_width * src_height: all weights
  double inverse_ = 0;                // 1 / total_
  std::vector<std::uint16_t> out_;
};

/// `src` (`width` x `height`, rows top to bottom) reduced by `area_reducer`;
/// empty if the sizes are impossible or `src` has the wrong size.
[[nodiscard]] std::vector<std::uint16_t>
area_reduce(std::span<const std::uint16_t> src, int width, int height,
            int dst_width, int dst_height);

} // namespace xrv::dicom
