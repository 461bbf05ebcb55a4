#include "actors/dicom/j2k.hpp"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <string>

#include <openjpeg.h>

namespace xrv::dicom {

namespace {

// The codestream's first two markers, SOC and SIZ (ITU-T T.800 A.4.1).
constexpr std::array<std::uint8_t, 4> codestream_start{0xFF, 0x4F, 0xFF, 0x51};
// The JP2 signature box (ITU-T T.800 I.5.1).
constexpr std::array<std::uint8_t, 12> jp2_signature{
  0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};

template <std::size_t N>
bool starts_with(std::span<const std::uint8_t> bytes,
                 const std::array<std::uint8_t, N>& prefix) {
  return bytes.size() >= N
         && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

// OpenJPEG reads through callbacks; this is the memory they read from.
struct memory_source {
  std::span<const std::uint8_t> bytes;
  std::size_t position = 0;
};

OPJ_SIZE_T read_bytes(void* buffer, OPJ_SIZE_T count, void* user) {
  auto* source = static_cast<memory_source*>(user);
  const auto left = source->bytes.size() - source->position;
  if (left == 0)
    return static_cast<OPJ_SIZE_T>(-1); // end of stream
  const auto n = std::min<std::size_t>(count, left);
  std::memcpy(buffer, source->bytes.data() + source->position, n);
  source->position += n;
  return n;
}

OPJ_OFF_T skip_bytes(OPJ_OFF_T count, void* user) {
  auto* source = static_cast<memory_source*>(user);
  const auto left
    = static_cast<OPJ_OFF_T>(source->bytes.size() - source->position);
  const auto n = std::clamp<OPJ_OFF_T>(
    count, -static_cast<OPJ_OFF_T>(source->position), left);
  source->position
    = static_cast<std::size_t>(static_cast<OPJ_OFF_T>(source->position) + n);
  return n;
}

OPJ_BOOL seek_to(OPJ_OFF_T offset, void* user) {
  auto* source = static_cast<memory_source*>(user);
  if (offset < 0 || static_cast<std::size_t>(offset) > source->bytes.size())
    return OPJ_FALSE;
  source->position = static_cast<std::size_t>(offset);
  return OPJ_TRUE;
}

// OpenJPEG's last error message, for the exam's reason.
void keep_error(const char* message, void* user) {
  auto* last = static_cast<std::string*>(user);
  *last = message;
  while (!last->empty() && (last->back() == '\n' || last->back() == ' '))
    last->pop_back();
}

void ignore_message(const char*, void*) {}

struct codec_deleter {
  void operator()(opj_codec_t* c) const {
    opj_destroy_codec(c);
  }
};

struct stream_deleter {
  void operator()(opj_stream_t* s) const {
    opj_stream_destroy(s);
  }
};

struct image_deleter {
  void operator()(opj_image_t* i) const {
    opj_image_destroy(i);
  }
};

result<j2k_image> to_image(const opj_image_t& image) {
  const auto n = image.numcomps;
  if (n != 1 && n != 3)
    return fail(errc::invalid_input, "JPEG 2000 image with " + std::to_string(n)
                                       + " components (1 or 3 are shown)");
  const auto& first = image.comps[0];
  for (OPJ_UINT32 c = 0; c < n; ++c) {
    const auto& comp = image.comps[c];
    if (comp.dx != 1 || comp.dy != 1 || comp.w != first.w || comp.h != first.h
        || comp.prec != first.prec || comp.sgnd != first.sgnd
        || comp.data == nullptr)
      return fail(errc::invalid_input,
                  "JPEG 2000 components of different sizes or depths");
  }
  if (first.prec < 1 || first.prec > 16 || first.w < 1 || first.h < 1
      || first.w > 65535 || first.h > 65535)
    return fail(errc::invalid_input,
                "JPEG 2000 image of " + std::to_string(first.w) + "x"
                  + std::to_string(first.h) + " with "
                  + std::to_string(first.prec) + " bits (at most 16 shown)");
  j2k_image out;
  out.width = static_cast<int>(first.w);
  out.height = static_cast<int>(first.h);
  out.components = static_cast<int>(n);
  out.precision = static_cast<int>(first.prec);
  out.is_signed = first.sgnd != 0;
  const std::size_t pixels = static_cast<std::size_t>(first.w) * first.h;
  out.samples.resize(pixels * n);
  for (OPJ_UINT32 c = 0; c < n; ++c) {
    const OPJ_INT32* data = image.comps[c].data;
    for (std::size_t i = 0; i < pixels; ++i)
      out.samples[i * n + c] = data[i];
  }
  return out;
}

// Decoded samples as the stored bit patterns of `mask`'s width.
template <typename T>
std::vector<T> as_stored(const std::vector<std::int32_t>& samples,
                         std::uint32_t mask) {
  std::vector<T> out(samples.size());
  std::transform(samples.begin(), samples.end(), out.begin(),
                 [mask](std::int32_t v) {
                   return static_cast<T>(static_cast<std::uint32_t>(v) & mask);
                 });
  return out;
}

// An element's value as a byte span (loaded from the file if need be).
std::span<const std::uint8_t> item_bytes(DcmPixelItem& item) {
  Uint8* data = nullptr;
  if (item.getUint8Array(data).bad() || data == nullptr)
    return {};
  return {data, item.getLength()};
}

} // namespace

bool is_jpeg2000(E_TransferSyntax xfer) noexcept {
  return xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000
         || xfer == EXS_JPEG2000MulticomponentLosslessOnly
         || xfer == EXS_JPEG2000Multicomponent;
}

namespace {

// The number of times the image can be halved by skipping wavelet levels
// (resolutions - 1, the lowest over the components), from the main header.
unsigned reducible_levels(opj_codec_t* codec) {
  opj_codestream_info_v2_t* info = opj_get_cstr_info(codec);
  if (info == nullptr)
    return 0;
  unsigned levels = 0;
  const auto* tccp = info->m_default_tile_info.tccp_info;
  if (tccp != nullptr && info->nbcomps > 0) {
    OPJ_UINT32 fewest = tccp[0].numresolutions;
    for (OPJ_UINT32 c = 1; c < info->nbcomps; ++c)
      fewest = std::min(fewest, tccp[c].numresolutions);
    levels = fewest > 0 ? fewest - 1 : 0;
  }
  opj_destroy_cstr_info(&info);
  return levels;
}

} // namespace

result<j2k_image> decode_j2k(std::span<const std::uint8_t> bytes,
                             int min_long_side) {
  OPJ_CODEC_FORMAT format = OPJ_CODEC_UNKNOWN;
  if (starts_with(bytes, codestream_start))
    format = OPJ_CODEC_J2K;
  else if (starts_with(bytes, jp2_signature))
    format = OPJ_CODEC_JP2;
  else
    return fail(errc::invalid_input,
                "the JPEG 2000 frame starts with neither a codestream nor a "
                "JP2 signature");
  std::unique_ptr<opj_codec_t, codec_deleter> codec{
    opj_create_decompress(format)};
  if (!codec)
    return fail(errc::internal, "OpenJPEG: cannot create a decoder");
  std::string error = "OpenJPEG: decoding failed";
  opj_set_error_handler(codec.get(), keep_error, &error);
  opj_set_warning_handler(codec.get(), ignore_message, nullptr);
  opj_set_info_handler(codec.get(), ignore_message, nullptr);
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  if (!opj_setup_decoder(codec.get(), &parameters))
    return fail(errc::internal, "OpenJPEG: " + error);

  memory_source source{bytes, 0};
  std::unique_ptr<opj_stream_t, stream_deleter> stream{
    opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE)};
  if (!stream)
    return fail(errc::internal, "OpenJPEG: cannot create a stream");
  opj_stream_set_user_data(stream.get(), &source, nullptr);
  opj_stream_set_user_data_length(stream.get(), bytes.size());
  opj_stream_set_read_function(stream.get(), read_bytes);
  opj_stream_set_skip_function(stream.get(), skip_bytes);
  opj_stream_set_seek_function(stream.get(), seek_to);

  opj_image_t* raw = nullptr;
  const bool header = opj_read_header(stream.get(), codec.get(), &raw);
  std::unique_ptr<opj_image_t, image_deleter> image{raw};
  if (!header || !image)
    return fail(errc::invalid_input, "JPEG 2000 header: " + error);
  if (min_long_side > 0) {
    // Each level skipped halves both sides (rounding up) and roughly
    // quarters the decoding; the image is still reduced by area averaging
    // to its final size afterwards.
    const auto full = std::max(image->x1 - image->x0, image->y1 - image->y0);
    const auto levels = reducible_levels(codec.get());
    unsigned factor = 0;
    while (factor < levels
           && ((full + (2U << factor) - 1) >> (factor + 1))
                >= static_cast<unsigned>(min_long_side))
      ++factor;
    if (factor > 0 && !opj_set_decoded_resolution_factor(codec.get(), factor))
      return fail(errc::invalid_input, "JPEG 2000 resolution: " + error);
  }
  if (!opj_decode(codec.get(), stream.get(), image.get())
      || !opj_end_decompress(codec.get(), stream.get()))
    return fail(errc::invalid_input, "JPEG 2000 data: " + error);
  return to_image(*image);
}

result<std::vector<std::uint8_t>>
encapsulated_frame(DcmDataset& ds, E_TransferSyntax xfer, unsigned frame) {
  DcmElement* element = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, element).bad() || !element)
    return fail(errc::invalid_input, "no Pixel Data (7FE0,0010)");
  auto* pixels = dynamic_cast<DcmPixelData*>(element);
  DcmPixelSequence* sequence = nullptr;
  if (!pixels
      || pixels->getEncapsulatedRepresentation(xfer, nullptr, sequence).bad()
      || !sequence || sequence->card() < 2)
    return fail(errc::invalid_input,
                "the pixel data is not encapsulated in fragments");
  std::vector<DcmPixelItem*> items;
  for (unsigned long i = 0; i < sequence->card(); ++i) {
    DcmPixelItem* item = nullptr;
    if (sequence->getItem(item, i).bad() || !item)
      return fail(errc::invalid_input, "unreadable pixel data fragment");
    items.push_back(item);
  }
  // Item 0 is the Basic Offset Table: one 32-bit little-endian offset per
  // frame, from the first fragment's item tag (8 bytes of tag and length
  // per fragment count in the offsets).
  std::vector<std::uint32_t> offsets;
  if (const auto table = item_bytes(*items[0]); table.size() >= 4)
    for (std::size_t i = 0; i + 4 <= table.size(); i += 4)
      offsets.push_back(static_cast<std::uint32_t>(table[i])
                        | static_cast<std::uint32_t>(table[i + 1]) << 8
                        | static_cast<std::uint32_t>(table[i + 2]) << 16
                        | static_cast<std::uint32_t>(table[i + 3]) << 24);
  Sint32 frames = 1;
  if (ds.findAndGetSint32(DCM_NumberOfFrames, frames).bad() || frames < 1)
    frames = 1;
  const std::size_t fragments = items.size() - 1;
  std::vector<std::uint8_t> out;
  if (!offsets.empty()) {
    if (frame >= offsets.size())
      return fail(errc::invalid_input, "no such frame in the offset table");
    const std::uint64_t begin = offsets[frame];
    const std::uint64_t end = frame + 1 < offsets.size()
                                ? offsets[frame + 1]
                                : std::numeric_limits<std::uint64_t>::max();
    std::uint64_t position = 0;
    for (std::size_t i = 1; i < items.size(); ++i) {
      const auto bytes = item_bytes(*items[i]);
      if (position >= begin && position < end)
        out.insert(out.end(), bytes.begin(), bytes.end());
      position += 8 + items[i]->getLength();
    }
  } else if (frames == 1 || fragments == static_cast<std::size_t>(frames)) {
    // One frame in every fragment, or one fragment per frame.
    const std::size_t first = frames == 1 ? 1 : frame + 1;
    const std::size_t last = frames == 1 ? fragments : frame + 1;
    if (last > fragments)
      return fail(errc::invalid_input, "no such frame");
    for (std::size_t i = first; i <= last; ++i) {
      const auto bytes = item_bytes(*items[i]);
      out.insert(out.end(), bytes.begin(), bytes.end());
    }
  } else {
    // Frames of several fragments and no table: each frame's first
    // fragment opens a codestream.
    unsigned seen = 0;
    bool inside = false;
    for (std::size_t i = 1; i < items.size(); ++i) {
      const auto bytes = item_bytes(*items[i]);
      if (starts_with(bytes, codestream_start)) {
        if (inside)
          break;
        if (seen++ == frame)
          inside = true;
      }
      if (inside)
        out.insert(out.end(), bytes.begin(), bytes.end());
    }
  }
  if (out.empty())
    return fail(errc::invalid_input, "the frame has no data");
  return out;
}

result<std::unique_ptr<DcmDataset>>
decode_j2k_dataset(DcmDataset& ds, E_TransferSyntax xfer, int min_long_side) {
  auto frame = encapsulated_frame(ds, xfer, 0);
  if (!frame)
    return tl::unexpected{frame.error()};
  auto image = decode_j2k(*frame, min_long_side);
  if (!image)
    return tl::unexpected{image.error()};
  auto copy = std::make_unique<DcmDataset>(ds);
  delete copy->remove(DCM_PixelData);
  delete copy->remove(DCM_NumberOfFrames);
  const auto bits = static_cast<Uint16>(image->precision);
  const bool wide = bits > 8;
  const auto mask = static_cast<std::uint32_t>((1U << bits) - 1U);
  // The samples are kept as bit patterns; whether they are two's complement
  // is PixelRepresentation's to say when it is there: some encoders wrote
  // signed values into an unsigned codestream (pydicom's
  // J2K_pixelrep_mismatch.dcm, whose air is black only read as signed; GDCM
  // reads it so too).
  Uint16 representation = image->is_signed ? 1 : 0;
  if (Uint16 stated = 0;
      ds.findAndGetUint16(DCM_PixelRepresentation, stated).good()
      && stated <= 1)
    representation = stated;
  bool ok
    = copy->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(image->height))
        .good()
      && copy
           ->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(image->width))
           .good()
      && copy
           ->putAndInsertUint16(DCM_SamplesPerPixel,
                                static_cast<Uint16>(image->components))
           .good()
      && copy->putAndInsertUint16(DCM_BitsAllocated, wide ? 16 : 8).good()
      && copy->putAndInsertUint16(DCM_BitsStored, bits).good()
      && copy->putAndInsertUint16(DCM_HighBit, bits - 1).good()
      && copy->putAndInsertUint16(DCM_PixelRepresentation, representation)
           .good();
  if (ok && image->components == 3) {
    ok = copy->putAndInsertUint16(DCM_PlanarConfiguration, 0).good();
    OFString photometric;
    copy->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
    // The decoder undid the irreversible or reversible colour transform.
    if (ok && (photometric == "YBR_ICT" || photometric == "YBR_RCT"))
      ok
        = copy->putAndInsertString(DCM_PhotometricInterpretation, "RGB").good();
  }
  // Stored as two's complement in `bits` bits, as native pixel data is.
  if (ok && wide) {
    const auto values = as_stored<Uint16>(image->samples, mask);
    ok = copy
           ->putAndInsertUint16Array(DCM_PixelData, values.data(),
                                     static_cast<unsigned long>(values.size()))
           .good();
  } else if (ok) {
    const auto values = as_stored<Uint8>(image->samples, mask);
    ok = copy
           ->putAndInsertUint8Array(DCM_PixelData, values.data(),
                                    static_cast<unsigned long>(values.size()))
           .good();
  }
  if (!ok)
    return fail(errc::internal, "cannot build the decoded JPEG 2000 image");
  return copy;
}

} // namespace xrv::dicom
