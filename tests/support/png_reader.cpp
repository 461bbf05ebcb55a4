#include "tests/support/png_reader.hpp"

#include <png.h>

#include <cstdlib>
#include <cstring>

namespace xrv::test {

std::optional<grey_image> decode_png(std::string_view bytes) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_memory(&img, bytes.data(), bytes.size()) == 0)
    return std::nullopt;
  img.format = PNG_FORMAT_GRAY;
  grey_image out;
  out.width = img.width;
  out.height = img.height;
  out.pixels.resize(PNG_IMAGE_SIZE(img));
  if (png_image_finish_read(&img, nullptr, out.pixels.data(), 0, nullptr)
      == 0) {
    png_image_free(&img);
    return std::nullopt;
  }
  return out;
}

double mean_abs_diff(const grey_image& a, const grey_image& b) {
  if (a.width != b.width || a.height != b.height || a.pixels.empty())
    return -1;
  double sum = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i)
    sum += std::abs(static_cast<int>(a.pixels[i])
                    - static_cast<int>(b.pixels[i]));
  return sum / static_cast<double>(a.pixels.size());
}

} // namespace xrv::test
