#include "actors/dicom/area_reduce.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <utility>

namespace xrv::dicom {

namespace {

// A sample covers dst units of the source grid and an output sample src
// units, so every weight is an integer: source column x spans
// [x * dst_width, (x + 1) * dst_width), output column j spans
// [j * src_width, (j + 1) * src_width); the same for rows.

// `sum` / `total` rounded half up, exactly: a floating-point estimate
// corrected by at most a step each way (a 64-bit division per output sample
// cost more than the rest of the horizontal pass).
std::uint16_t rounded_mean(std::uint64_t sum, std::uint64_t total,
                           double inverse) {
  // Sums stay below 2^48: the signed conversion is one instruction.
  auto q = static_cast<std::uint64_t>(
    static_cast<double>(static_cast<std::int64_t>(sum)) * inverse);
  while (q > 0 && q * total > sum)
    --q;
  while ((q + 1) * total <= sum)
    ++q;
  if (2 * (sum - q * total) >= total)
    ++q;
  return static_cast<std::uint16_t>(
    std::min<std::uint64_t>(q, std::numeric_limits<std::uint16_t>::max()));
}

} // namespace

area_reducer::area_reducer(int src_width, int src_height, int dst_width,
                           int dst_height)
    : src_width_{src_width}, src_height_{src_height}, dst_width_{dst_width},
      dst_height_{dst_height} {
  // Rows and Columns are 16-bit in DICOM; the column sums rely on it.
  constexpr int max_side = std::numeric_limits<std::uint16_t>::max();
  valid_ = dst_width >= 1 && dst_height >= 1 && dst_width <= src_width
           && dst_height <= src_height && src_width <= max_side
           && src_height <= max_side;
  if (!valid_)
    return;
  const auto width = static_cast<std::size_t>(src_width);
  columns_.assign(width, 0);
  plans_.resize(static_cast<std::size_t>(dst_width));
  const auto src_w = static_cast<std::uint64_t>(src_width);
  const auto dst_w = static_cast<std::uint64_t>(dst_width);
  for (std::uint64_t j = 0; j < dst_w; ++j) {
    // Output column j spans [j * src_w, (j + 1) * src_w); a column that
    // straddles its left border was the straddle of column j - 1.
    const std::uint64_t left = j * src_w;
    const std::uint64_t right = left + src_w;
    auto& plan = plans_[j];
    plan.first = static_cast<std::uint32_t>((left + dst_w - 1) / dst_w);
    plan.end = static_cast<std::uint32_t>(right / dst_w);
    plan.straddle = static_cast<std::uint32_t>(right - plan.end * dst_w);
  }
  prefix_.assign(width + 1, 0);
  total_ = src_w * static_cast<std::uint64_t>(src_height);
  inverse_ = 1.0 / static_cast<double>(total_);
  out_.resize(static_cast<std::size_t>(dst_width)
              * static_cast<std::size_t>(dst_height));
}

void area_reducer::add_rows(std::span<const std::uint16_t> rows) {
  if (!valid_)
    return;
  const auto width = static_cast<std::size_t>(src_width_);
  for (std::size_t offset = 0;
       offset + width <= rows.size() && rows_added_ < src_height_;
       offset += width)
    add_row(rows.data() + offset);
}

void area_reducer::add_row(const std::uint16_t* row) {
  const auto dst = static_cast<std::int64_t>(dst_height_);
  const std::int64_t start = rows_added_ * dst;
  const std::int64_t end = start + dst;
  const std::int64_t boundary
    = (rows_done_ + 1) * static_cast<std::int64_t>(src_height_);
  // dst_height <= src_height: a source row touches at most two output rows.
  if (end <= boundary) {
    add_weighted(row, static_cast<std::uint32_t>(dst));
    if (end == boundary)
      finish_output_row();
  } else {
    add_weighted(row, static_cast<std::uint32_t>(boundary - start));
    finish_output_row();
    add_weighted(row, static_cast<std::uint32_t>(end - boundary));
  }
  ++rows_added_;
}

void area_reducer::add_weighted(const std::uint16_t* row,
                                std::uint32_t weight) {
  std::uint32_t* columns = columns_.data();
  const auto width = static_cast<std::size_t>(src_width_);
  // Blocks of a fixed length, which GCC vectorises at -O2 (its cheap cost
  // model takes no loop that needs a remainder); this pass sees every
  // source sample once or twice and dominates the reduction.
  constexpr std::size_t block = 16;
  std::size_t x = 0;
  for (; x + block <= width; x += block)
    for (std::size_t k = 0; k < block; ++k)
      columns[x + k] += static_cast<std::uint32_t>(row[x + k]) * weight;
  for (; x < width; ++x)
    columns[x] += static_cast<std::uint32_t>(row[x]) * weight;
}

void area_reducer::finish_output_row() {
  // Running sums over the source columns turn each output column's run of
  // whole columns into one subtraction.
  std::uint64_t running = 0;
  const auto width = static_cast<std::size_t>(src_width_);
  for (std::size_t x = 0; x < width; ++x) {
    running += columns_[x];
    prefix_[x + 1] = running;
  }
  std::fill(columns_.begin(), columns_.end(), 0);
  // Locals, so that the stores to the output do not force the members to
  // be read again for every sample.
  const auto dst = static_cast<std::uint64_t>(dst_width_);
  const std::uint64_t total = total_;
  const double inverse = inverse_;
  const std::uint64_t* prefix = prefix_.data();
  std::uint16_t* out = out_.data()
                       + static_cast<std::size_t>(rows_done_)
                           * static_cast<std::size_t>(dst_width_);
  std::uint64_t carry = 0; // the straddling column's share for this column
  for (const auto& plan : plans_) {
    std::uint64_t sum = (prefix[plan.end] - prefix[plan.first]) * dst + carry;
    carry = 0;
    if (plan.straddle != 0) {
      const std::uint64_t v = prefix[plan.end + 1] - prefix[plan.end];
      sum += v * plan.straddle;
      carry = v * (dst - plan.straddle);
    }
    *out++ = rounded_mean(sum, total, inverse);
  }
  ++rows_done_;
}

std::vector<std::uint16_t> area_reducer::take() {
  if (!complete())
    return {};
  valid_ = false;
  return std::move(out_);
}

std::vector<std::uint16_t> area_reduce(std::span<const std::uint16_t> src,
                                       int width, int height, int dst_width,
                                       int dst_height) {
  area_reducer reducer{width, height, dst_width, dst_height};
  if (!reducer.valid()
      || src.size()
           != static_cast<std::size_t>(width)
                * static_cast<std::size_t>(height))
    return {};
  reducer.add_rows(src);
  return reducer.take();
}

} // namespace xrv::dicom
