#include "actors/dicom/voi.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace xrv::dicom {

namespace {

// The lowest and highest sample, in a loop GCC vectorises
// (std::minmax_element is not). `samples` must not be empty.
std::pair<int, int> sample_range(std::span<const std::uint16_t> samples) {
  std::uint16_t low = samples.front();
  std::uint16_t high = samples.front();
  for (const auto s : samples) {
    low = std::min(low, s);
    high = std::max(high, s);
  }
  return {low, high};
}

} // namespace

std::optional<voi_window>
histogram_window(std::span<const std::uint16_t> samples, double share,
                 const linear_modality& modality) {
  if (samples.empty())
    return std::nullopt;
  const auto [min, max] = sample_range(samples);
  if (min >= max)
    return std::nullopt;
  const auto count = static_cast<std::size_t>(max - min + 1);
  std::vector<std::uint32_t> histogram(count, 0);
  for (const auto s : samples)
    ++histogram[static_cast<std::size_t>(s - min)];
  // dimopxt.h getHistogramWindow: the lower bound is the value after the
  // one where `share` of the samples is reached from below, the upper bound
  // the value where it is reached from above.
  const auto threshold
    = static_cast<std::uint32_t>(share * static_cast<double>(samples.size()));
  std::uint32_t seen = 0;
  std::size_t i = 0;
  while (i < count && seen < threshold)
    seen += histogram[i++];
  if (i >= count)
    return std::nullopt;
  const int low = min + static_cast<int>(i);
  seen = 0;
  i = count;
  while (i > 0 && seen < threshold)
    seen += histogram[--i];
  const int high = min + static_cast<int>(i);
  if (low >= high)
    return std::nullopt;
  // Suppl. 33: center 2^n-1 and width 2^n select the values 0..2^n-1.
  auto low_value = modality(low);
  auto high_value = modality(high);
  if (low_value > high_value)
    std::swap(low_value, high_value);
  return voi_window{(low_value + high_value + 1) / 2,
                    high_value - low_value + 1};
}

std::vector<std::uint8_t>
display_lut(int low, int high, const linear_modality& modality,
            const voi_window& window, bool inverse,
            const std::array<std::uint8_t, 256>& gamma) {
  if (high < low || !(window.width >= 1))
    return {};
  // dimoopxt.h window(), "VOI LINEAR #6" (no presentation or display LUT):
  // the same borders, gradient and truncation, so that the fast path and
  // DicomImage agree to the grey level on the same modality values.
  const double out_low = inverse ? 255 : 0;
  const double out_high = inverse ? 0 : 255;
  const double width_1 = window.width - 1;
  const double left = window.center - 0.5 - width_1 / 2;
  const double right = window.center - 0.5 + width_1 / 2;
  const double range = out_high - out_low;
  const double offset
    = width_1 == 0 ? 0
                   : out_high - ((window.center - 0.5) / width_1 + 0.5) * range;
  const double gradient = width_1 == 0 ? 0 : range / width_1;
  std::vector<std::uint8_t> lut(static_cast<std::size_t>(high - low) + 1);
  for (int s = low; s <= high; ++s) {
    const double value = modality(s);
    double out = value <= left   ? out_low
                 : value > right ? out_high
                                 : offset + value * gradient;
    out = std::clamp(out, 0.0, 255.0);
    lut[static_cast<std::size_t>(s - low)]
      = gamma[static_cast<std::size_t>(static_cast<int>(out))];
  }
  return lut;
}

std::vector<std::uint8_t>
to_display(std::span<const std::uint16_t> samples,
           const linear_modality& modality, const voi_window& window,
           bool inverse, const std::array<std::uint8_t, 256>& gamma) {
  if (samples.empty())
    return {};
  const auto [low, high] = sample_range(samples);
  const auto lut = display_lut(low, high, modality, window, inverse, gamma);
  if (lut.empty())
    return {};
  std::vector<std::uint8_t> out(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i)
    out[i] = lut[static_cast<std::size_t>(samples[i] - low)];
  return out;
}

} // namespace xrv::dicom
