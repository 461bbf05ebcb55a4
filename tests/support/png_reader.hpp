#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace xrv::test {

/// A decoded 8-bit grey image.
struct grey_image {
  unsigned width = 0;
  unsigned height = 0;
  std::vector<std::uint8_t> pixels;
};

/// Decodes PNG bytes to 8-bit grey (colour is converted); nullopt if invalid.
std::optional<grey_image> decode_png(std::string_view bytes);

/// Mean absolute difference of two images of the same size; -1 if the sizes
/// differ.
double mean_abs_diff(const grey_image& a, const grey_image& b);

} // namespace xrv::test
