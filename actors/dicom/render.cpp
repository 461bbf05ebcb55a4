#include "actors/dicom/render.hpp"

#include "actors/dicom/extract_tags.hpp"
#include "actors/dicom/j2k.hpp"
#include "actors/dicom/render_native.hpp"
#include "actors/dicom/voi.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmimage/diregist.h> // colour images (RGB, YBR, palette)
#include <dcmtk/dcmimgle/dcmimage.h>
#include <png.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

namespace xrv::dicom {

namespace {

using steady = std::chrono::steady_clock;

// DCMTK's histogram window keeps one counter per modality value; beyond this
// range (32-bit or float-like data) the min-max window is used instead.
constexpr double max_histogram_range = 1 << 20;

// createScaledImage algorithm 1, pbmplus's pnmscale (discalet.h
// interpolatePixel): each output pixel is the area-weighted mean of the
// source pixels it covers, like OpenCV's INTER_AREA that the original used.
// Above 16 bits DCMTK switches to the c't "reducePixel", also an area mean;
// pbmplus measured 6.5 ms against c't's 15 ms for 2500x2000 -> 896x716.
constexpr int area_averaging = 1;

// PNG row filter UP plus zlib's run-length strategy at the fast levels: on a
// 896x716 X-ray 5 ms and 179 KB, against 5.7 ms and 217 KB for SUB with the
// default strategy at level 1, and smaller on flat synthetic images too.
constexpr int png_row_filter = PNG_FILTER_UP;
constexpr int fastest_levels = 3;

result<void> check_decodable(E_TransferSyntax xfer) {
  if (xfer == EXS_Unknown)
    return fail(errc::invalid_input, "the transfer syntax is unknown");
  const DcmXfer info{xfer};
  // (0002,0010) Transfer Syntax UID: encapsulated pixel data needs one of
  // the decoders register_codecs installs.
  // JPEG 2000 is decoded by OpenJPEG (j2k.hpp), the rest by DCMTK.
  if (!info.isEncapsulated() || is_jpeg2000(xfer)
      || DcmCodecList::canChangeCoding(xfer, EXS_LittleEndianExplicit))
    return {};
  const std::string name
    = std::string{info.getXferName()} + " (" + info.getXferID() + ")";
  return fail(errc::invalid_input,
              "the transfer syntax cannot be decoded by this build: " + name);
}

result<void> check_options(const render_options& options) {
  if (options.max_side < 1)
    return fail(errc::invalid_input, "PNG_MAX_SIZE must be at least 1");
  if (!std::isfinite(options.gamma) || options.gamma <= 0)
    return fail(errc::invalid_input, "PNG_GAMMA must be a positive number");
  if (options.png_level < 0 || options.png_level > 9)
    return fail(errc::invalid_input, "the PNG level must be 0..9");
  return {};
}

// The monochrome VOI transformation, in DICOM's order of preference.
void select_voi(DicomImage& image) {
  // (0028,1050)/(0028,1051) Window Center/Width: the first pair.
  if (image.getWindowCount() > 0 && image.setWindow(0) != 0)
    return;
  // (0028,3010) VOI LUT Sequence: the first item.
  if (image.getVoiLutCount() > 0 && image.setVoiLut(0) != 0)
    return;
  double low = 0;
  double high = 0;
  if (image.getMinMaxValues(low, high) != 0 && high - low < max_histogram_range
      && image.setHistogramWindow(percentile_share) != 0)
    return;
  // A flat image (or a huge range): DCMTK's min-max window, extremes aside.
  image.setMinMaxWindow(1);
}

// libpng reports errors by longjmp; the message is kept for the result.
struct png_failure {
  std::array<char, 128> message{"unknown libpng error"};
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* failure = static_cast<png_failure*>(png_get_error_ptr(png));
  std::snprintf(failure->message.data(), failure->message.size(), "%s",
                message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

struct png_sink {
  std::vector<std::uint8_t>* bytes = nullptr;
  bool out_of_memory = false;
};

void on_png_write(png_structp png, png_bytep data, png_size_t size) {
  auto* sink = static_cast<png_sink*>(png_get_io_ptr(png));
  if (sink->out_of_memory)
    return;
  try {
    sink->bytes->insert(sink->bytes->end(), data, data + size);
  } catch (const std::bad_alloc&) {
    // No longjmp out of a catch block: remember and let libpng finish.
    sink->out_of_memory = true;
  }
}

void on_png_flush(png_structp) {}

// The setjmp frame holds only trivially destructible objects, so libpng's
// longjmp skips no destructor.
bool write_png_rows(png_structp png, png_infop info, const std::uint8_t* pixels,
                    int width, int height, int channels, int level) {
  if (setjmp(png_jmpbuf(png)) != 0)
    return false;
  png_set_IHDR(png, info, static_cast<png_uint_32>(width),
               static_cast<png_uint_32>(height), 8,
               channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, level);
  png_set_compression_strategy(
    png, level <= fastest_levels ? Z_RLE : Z_DEFAULT_STRATEGY);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, png_row_filter);
  png_write_info(png, info);
  const auto stride = static_cast<std::size_t>(width) * channels;
  for (int y = 0; y < height; ++y)
    png_write_row(png, pixels + stride * static_cast<std::size_t>(y));
  png_write_end(png, nullptr);
  return true;
}

std::string system_reason(const char* what, const std::filesystem::path& path) {
  return std::string{what} + " " + path.string() + ": "
         + std::generic_category().message(errno);
}

// POSIX write may be partial or interrupted by a signal.
bool write_all(int fd, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

// The first frame of `ds`, decodable in `xfer`, as 8-bit pixels by
// DicomImage (sizes, channels and timings in `out`); the DicomImage objects
// are gone when it returns.
result<std::vector<std::uint8_t>>
tone_with_dicom_image(DcmDataset& ds, E_TransferSyntax xfer,
                      const render_options& options, rendered& out) {
  const auto decode_start = steady::now();
  // DicomImage replaces compressed pixel data in its dataset by the decoded
  // pixels (the received encoding is lost); partial access would spare it
  // but decoded JPEG twice as slowly. So compressed data is decoded from a
  // copy and the caller's dataset stays as received.
  std::optional<DcmDataset> copy;
  if (DcmXfer{xfer}.isEncapsulated())
    copy.emplace(ds);
  // Frame 0 only (fstart 0, fcount 1): the VOI statistics then describe the
  // frame shown. Modality LUT / rescale (0028,1052-1053) apply by default.
  // Unsigned long literals: a (slope, intercept) overload also takes ints.
  DicomImage image{copy ? &*copy : &ds, xfer, CIF_DecompressCompletePixelData,
                   0UL, 1UL};
  if (image.getStatus() != EIS_Normal)
    return fail(errc::invalid_input,
                std::string{"the pixel data cannot be decoded: "}
                  + DicomImage::getString(image.getStatus()));
  out.decode_ms = ms_since(decode_start);

  const auto scale_start = steady::now();
  const int source_width = static_cast<int>(image.getWidth());
  const int source_height = static_cast<int>(image.getHeight());
  const auto [width, height]
    = fit_long_side(source_width, source_height, options.max_side);
  std::unique_ptr<DicomImage> scaled;
  if (width != source_width || height != source_height) {
    // Aspect 0: both sides are given (a pixel aspect ratio is ignored, as
    // the original did).
    scaled.reset(image.createScaledImage(static_cast<unsigned long>(width),
                                         static_cast<unsigned long>(height),
                                         area_averaging, 0));
    if (!scaled || scaled->getStatus() != EIS_Normal)
      return fail(errc::invalid_input, "the image cannot be scaled");
  }
  DicomImage& target = scaled ? *scaled : image;
  // VOI on the reduced image, as the original clipped after resizing;
  // MONOCHROME1 and a (2050,0020) INVERSE shape are inverted by DCMTK.
  if (target.isMonochrome())
    select_voi(target);
  out.width = width;
  out.height = height;
  out.channels = target.isMonochrome() ? 1 : 3;
  const auto size = static_cast<std::size_t>(width)
                    * static_cast<std::size_t>(height)
                    * static_cast<std::size_t>(out.channels);
  // Colour output is interleaved RGB (planar 0); YBR and palette are
  // converted by DCMTK.
  const auto* data
    = static_cast<const std::uint8_t*>(target.getOutputData(8, 0, 0));
  if (data == nullptr || target.getOutputDataSize(8) != size)
    return fail(errc::invalid_input,
                "the pixel data cannot be converted to 8 bits");
  std::vector<std::uint8_t> pixels(data, data + size);
  target.deleteOutputData();
  if (options.gamma != 1.0) {
    const auto lut = gamma_lut(options.gamma);
    for (auto& p : pixels)
      p = lut[p];
  }
  out.scale_ms = ms_since(scale_start);
  return pixels;
}

// The first frame of `ds`, decodable in `xfer`, as PNG: a large uncompressed
// monochrome image by the fast path, anything else by DicomImage.
result<rendered> render_first_frame(DcmDataset& ds, E_TransferSyntax xfer,
                                    const render_options& options) {
  rendered out;
  std::vector<std::uint8_t> pixels;
  if (auto fast = render_native_mono(ds, xfer, options)) {
    out.width = fast->width;
    out.height = fast->height;
    out.channels = 1;
    out.decode_ms = fast->decode_ms;
    out.scale_ms = fast->scale_ms;
    pixels = std::move(fast->pixels);
  } else {
    auto toned = tone_with_dicom_image(ds, xfer, options, out);
    if (!toned)
      return tl::unexpected{toned.error()};
    pixels = std::move(*toned);
  }
  const auto encode_start = steady::now();
  auto png = encode_png(pixels, out.width, out.height, out.channels,
                        options.png_level);
  if (!png)
    return tl::unexpected{png.error()};
  out.png = std::move(*png);
  out.encode_ms = ms_since(encode_start);
  return out;
}

} // namespace

std::pair<int, int> fit_long_side(int width, int height,
                                  int max_side) noexcept {
  if (width <= 0 || height <= 0 || max_side <= 0
      || std::max(width, height) <= max_side)
    return {width, height};
  // original-backend.md §2.5 step 4: int(w * 896 / h), truncated.
  const auto shorter = [max_side](int side, int longer) {
    return std::max(
      1, static_cast<int>(static_cast<std::int64_t>(side) * max_side / longer));
  };
  if (height > width)
    return {shorter(width, height), max_side};
  return {max_side, shorter(height, width)};
}

std::array<std::uint8_t, 256> gamma_lut(double gamma) noexcept {
  std::array<std::uint8_t, 256> lut{};
  const bool identity = !std::isfinite(gamma) || gamma <= 0 || gamma == 1.0;
  for (int i = 0; i < 256; ++i) {
    // original-backend.md §2.5 step 7: uint8((i/255)^(1/gamma) * 255).
    lut[static_cast<std::size_t>(i)]
      = identity
          ? static_cast<std::uint8_t>(i)
          : static_cast<std::uint8_t>(std::pow(i / 255.0, 1.0 / gamma) * 255.0);
  }
  return lut;
}

result<std::vector<std::uint8_t>>
encode_png(std::span<const std::uint8_t> pixels, int width, int height,
           int channels, int level) {
  if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)
      || pixels.size()
           != static_cast<std::size_t>(width) * static_cast<std::size_t>(height)
                * static_cast<std::size_t>(channels))
    return fail(errc::invalid_input, "the pixel buffer does not match its "
                                     "size and channels");
  if (level < 0 || level > 9)
    return fail(errc::invalid_input, "the PNG level must be 0..9");
  png_failure failure;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure,
                                            on_png_error, on_png_warning);
  if (png == nullptr)
    return fail(errc::internal, "libpng: cannot create a writer");
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return fail(errc::internal, "libpng: cannot create a writer");
  }
  std::vector<std::uint8_t> bytes;
  // Deflate at level 1 gives about 0.3-0.5 bytes per pixel for an X-ray.
  bytes.reserve(pixels.size() / 2 + 1024);
  png_sink sink{&bytes};
  png_set_write_fn(png, &sink, on_png_write, on_png_flush);
  const bool written
    = write_png_rows(png, info, pixels.data(), width, height, channels, level);
  png_destroy_write_struct(&png, &info);
  if (!written)
    return fail(errc::internal,
                std::string{"libpng: "} + failure.message.data());
  if (sink.out_of_memory)
    return fail(errc::internal, "libpng: out of memory");
  return bytes;
}

result<rendered> render_png(DcmDataset& ds, E_TransferSyntax xfer,
                            const render_options& options) {
  if (auto ok = check_options(options); !ok)
    return tl::unexpected{ok.error()};
  if (!has_pixel_data(ds))
    return fail(errc::invalid_input,
                "no Pixel Data (7FE0,0010): the object is not an image");
  if (xfer == EXS_Unknown)
    xfer = ds.getCurrentXfer();
  if (auto ok = check_decodable(xfer); !ok)
    return tl::unexpected{ok.error()};
  try {
    if (is_jpeg2000(xfer)) {
      const auto start = steady::now();
      // Decoded at the smallest wavelet level still at least max_side
      // long: the area reduction to max_side follows as for any image.
      auto native = decode_j2k_dataset(ds, xfer, options.max_side);
      if (!native)
        return tl::unexpected{native.error()};
      const double j2k_ms = ms_since(start);
      auto out
        = render_first_frame(**native, EXS_LittleEndianExplicit, options);
      if (out)
        out->decode_ms += j2k_ms;
      return out;
    }
    return render_first_frame(ds, xfer, options);
  } catch (const std::exception& e) {
    // DCMTK and libpng report by status; this is std::bad_alloc.
    return fail(errc::internal, std::string{"rendering: "} + e.what());
  } catch (...) {
    return fail(errc::internal, "rendering: unknown exception");
  }
}

result<void> write_file_atomically(const std::filesystem::path& file,
                                   std::span<const std::uint8_t> bytes) {
  static std::atomic<unsigned long> counter{0};
  auto temporary = file;
  temporary += ".tmp-" + std::to_string(::getpid()) + "-"
               + std::to_string(counter.fetch_add(1));
  const int fd
    = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail(errc::storage_failure, system_reason("creating", temporary));
  const auto abandon = [&](const char* what) {
    auto reason = system_reason(what, temporary);
    ::unlink(temporary.c_str());
    return fail(errc::storage_failure, std::move(reason));
  };
  if (!write_all(fd, bytes)) {
    ::close(fd);
    return abandon("writing");
  }
  // The data must be durable before the rename makes it visible.
  if (::fsync(fd) != 0) {
    ::close(fd);
    return abandon("syncing");
  }
  if (::close(fd) != 0)
    return abandon("closing");
  if (::rename(temporary.c_str(), file.c_str()) != 0)
    return abandon("renaming");
  // The rename itself is durable only once the folder is synced.
  auto folder = file.parent_path();
  if (folder.empty())
    folder = ".";
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return fail(errc::storage_failure, system_reason("opening", folder));
  const bool synced = ::fsync(dir) == 0;
  auto reason = synced ? std::string{} : system_reason("syncing", folder);
  ::close(dir);
  if (!synced)
    return fail(errc::storage_failure, std::move(reason));
  return {};
}

} // namespace xrv::dicom
