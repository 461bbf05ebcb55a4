// ingest_gen: writes synthetic 12-bit CR chest radiographs for bench/ingest.
//
//   ingest_gen DIR COUNT [WIDTH HEIGHT [SEED]]
//
// Each file is a Computed Radiography Image Storage object in Explicit VR
// Little Endian, WIDTH x HEIGHT (default 2500 x 2000) pixels of 12 bits
// stored in 16: a chest-like picture (body outline, dark lungs, a bright
// mediastinum and spine, ribs, clavicles, diaphragm domes, a heel-effect
// gradient) under quantum noise, shifted and scaled a little from file to
// file. Every file has its own study, series and SOP Instance UID (DCMTK's
// generator), a valid Romanian CNP as Patient ID, the chest protocol name
// `TORACE PA` and today's date and time. Files are named `cr-NNNNN.dcm`; the
// count, size and time taken are printed at the end.

#include "actors/dicom/cnp.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <numbers>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

namespace fs = std::filesystem;

/// Largest value of a 12-bit pixel.
constexpr int max_value = 4095;

/// splitmix64: small, fast and the same everywhere, so a seed gives the same
/// pixels with every standard library.
class rng {
public:
  /// Starts the sequence of `seed`.
  explicit rng(std::uint64_t seed) : state_{seed} {}

  /// The next 64 random bits.
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  /// A uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) {
    return n == 0 ? 0 : next() % n;
  }

  /// A uniform double in [0, 1).
  double unit() {
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
  }

  /// A uniform double in [lo, hi).
  double between(double lo, double hi) {
    return lo + (hi - lo) * unit();
  }

private:
  std::uint64_t state_;
};

/// Command-line options.
struct options {
  fs::path dir;
  int count = 0;
  int width = 2500;
  int height = 2000;
  std::uint64_t seed = 42;
};

/// Parses a positive integer no larger than `max`; 0 when malformed.
int parse_count(const char* text, int max) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 1 || v > max)
    return 0;
  return static_cast<int>(v);
}

/// Smooth step from 0 (at `edge0`) to 1 (at `edge1`).
double smoothstep(double edge0, double edge1, double x) {
  const double t = std::clamp((x - edge0) / (edge1 - edge0), 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

/// The noiseless chest picture, in 12-bit units, as floats: computed once and
/// then shifted, scaled and noised per file. Coordinates are normalised to
/// the image height so that any aspect ratio gives a centred chest.
std::vector<float> anatomy(int width, int height) {
  std::vector<float> out(static_cast<std::size_t>(width) * height);
  const double scale = height;
  const double cx = width / 2.0 / scale; // the body's centre line
  for (int y = 0; y < height; ++y) {
    const double v = y / scale; // 0 (top) .. 1 (bottom)
    for (int x = 0; x < width; ++x) {
      const double u = x / scale - cx; // 0 at the centre line
      // Air around the patient: a high exposure, dark in MONOCHROME2.
      double value = 260;
      // The trunk, soft-tissue grey: the neck at the top, widening over
      // the rounded shoulders, then a little towards the abdomen.
      const double half_width
        = 0.11 + 0.25 * smoothstep(-0.04, 0.16, v) + 0.05 * v;
      const double body
        = 1 - smoothstep(half_width - 0.03, half_width, std::abs(u));
      value += body * 1500;
      // Lungs: two dark, rounded fields either side of the mediastinum,
      // ending at the diaphragm domes.
      const double dome
        = 0.78
          - 0.08 * std::cos((std::abs(u) - 0.17) / 0.17 * std::numbers::pi / 2);
      for (const double side : {-1.0, 1.0}) {
        const double lu = (u - side * 0.17) / 0.13;
        const double lv = (v - 0.48) / 0.34;
        const double r = std::sqrt(lu * lu + lv * lv);
        const double lung = (1 - smoothstep(0.8, 1.0, r))
                            * (1 - smoothstep(dome - 0.03, dome + 0.01, v));
        value -= lung * 950;
      }
      // Mediastinum and heart: bright, the heart bulging to the left.
      const double heart = std::exp(
        -(std::pow((u - 0.04) / 0.11, 2) + std::pow((v - 0.62) / 0.13, 2)));
      const double mediastinum
        = std::exp(-std::pow(u / 0.06, 2)) * smoothstep(0.05, 0.3, v);
      value += std::max(heart, mediastinum) * 700;
      // Spine: a bright column with vertebral bands.
      const double spine = std::exp(-std::pow(u / 0.035, 4));
      value
        += spine * (650 + 180 * std::sin(v * 2 * std::numbers::pi * 14)) * body;
      // Ribs: bright arcs on each side, posterior ribs bending downwards.
      if (std::abs(u) > 0.04 && std::abs(u) < half_width) {
        const double phase = (v - 0.18 * std::pow(std::abs(u) / 0.3, 2)) * 11;
        const double rib
          = std::pow(std::max(0.0, std::cos(phase * 2 * std::numbers::pi)), 6);
        value += rib * 380 * smoothstep(0.12, 0.2, v)
                 * (1 - smoothstep(0.72, 0.8, v)) * body;
      }
      // Clavicles: two bright bars sloping up to the shoulders.
      const double clavicle
        = std::exp(-std::pow((v - 0.16 + 0.12 * std::abs(u)) / 0.012, 2))
          * smoothstep(0.05, 0.1, std::abs(u))
          * (1 - smoothstep(0.3, 0.36, std::abs(u)));
      value += clavicle * 800;
      // Abdomen below the diaphragm: denser soft tissue.
      value += smoothstep(0.72, 0.86, v) * 350 * body;
      // Heel effect: the exposure falls off across the field.
      value *= 0.93 + 0.1 * x / width;
      out[static_cast<std::size_t>(y) * width + x] = static_cast<float>(value);
    }
  }
  return out;
}

/// One file's pixels: the anatomy shifted by (dx, dy), scaled by `gain`,
/// plus approximately Gaussian noise (the sum of four uniforms) of
/// standard deviation `sigma`, clamped to 12 bits.
std::vector<Uint16> pixels(const std::vector<float>& base, int width,
                           int height, int dx, int dy, double gain,
                           double sigma, rng& r) {
  std::vector<Uint16> out(base.size());
  // Four uniforms of 16 bits each sum to a mean of 2 * 65535 and a standard
  // deviation of 65535 * sqrt(4 / 12).
  const double unit = sigma / (65535.0 * std::sqrt(4.0 / 12.0));
  for (int y = 0; y < height; ++y) {
    const int sy = std::clamp(y + dy, 0, height - 1);
    const float* row = base.data() + static_cast<std::size_t>(sy) * width;
    Uint16* dst = out.data() + static_cast<std::size_t>(y) * width;
    for (int x = 0; x < width; ++x) {
      const int sx = std::clamp(x + dx, 0, width - 1);
      const std::uint64_t bits = r.next();
      const double noise = (static_cast<double>(bits & 0xFFFF)
                            + static_cast<double>((bits >> 16) & 0xFFFF)
                            + static_cast<double>((bits >> 32) & 0xFFFF)
                            + static_cast<double>(bits >> 48) - 2 * 65535.0)
                           * unit;
      const double v = row[sx] * gain + noise;
      dst[x]
        = static_cast<Uint16>(std::clamp(static_cast<int>(v), 0, max_value));
    }
  }
  return out;
}

/// Today's date (`YYYYMMDD`) and a time of day (`HHMMSS`) `offset` seconds
/// before now, local time; never before today's midnight.
std::pair<std::string, std::string> dicom_now(int offset) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  const int since_midnight = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
  const std::time_t t = now - std::min(offset, since_midnight);
  localtime_r(&t, &tm);
  std::array<char, 16> date{};
  std::array<char, 16> time{};
  std::strftime(date.data(), date.size(), "%Y%m%d", &tm);
  std::strftime(time.data(), time.size(), "%H%M%S", &tm);
  return {date.data(), time.data()};
}

/// A random valid CNP of a child born in 2006..2023, with its birth date
/// (`YYYYMMDD`) and sex.
struct patient {
  std::string cnp;
  std::string birth_date;
  char sex = 'M';
};

patient make_patient(rng& r) {
  static constexpr std::array<int, 12> weights{2, 7, 9, 1, 4, 6,
                                               3, 5, 8, 2, 7, 9};
  for (;;) {
    patient p;
    const int year = 2006 + static_cast<int>(r.below(18));
    const int month = 1 + static_cast<int>(r.below(12));
    const int day = 1 + static_cast<int>(r.below(28));
    p.sex = r.below(2) == 0 ? 'M' : 'F';
    const int s
      = year >= 2000 ? (p.sex == 'M' ? 5 : 6) : (p.sex == 'M' ? 1 : 2);
    const int county = 1 + static_cast<int>(r.below(40));
    std::array<char, 16> digits{};
    std::snprintf(digits.data(), digits.size(), "%d%02d%02d%02d%02d%03d", s,
                  year % 100, month, day, county,
                  static_cast<int>(r.below(1000)));
    std::string cnp{digits.data()};
    int sum = 0;
    for (std::size_t i = 0; i < weights.size(); ++i)
      sum += (cnp[i] - '0') * weights[i];
    const int check = sum % 11 == 10 ? 1 : sum % 11;
    cnp += static_cast<char>('0' + check);
    if (!xrv::dicom::validate_cnp(cnp).valid)
      continue; // a county code the CNP rules do not know
    std::snprintf(digits.data(), digits.size(), "%04d%02d%02d", year, month,
                  day);
    p.cnp = cnp;
    p.birth_date = digits.data();
    return p;
  }
}

/// Paediatric-ward names (DICOM PN: FAMILY^GIVEN), ASCII only.
constexpr std::array<std::string_view, 8> surnames{
  "POPESCU", "IONESCU", "POPA",     "DUMITRU",
  "STAN",    "STOICA",  "GHEORGHE", "RUSU"};
constexpr std::array<std::string_view, 8> given_names{
  "ANDREI", "MARIA", "ALEXANDRU", "ELENA", "MIHAI", "IOANA", "STEFAN", "ANA"};

/// Writes file number `index` to `path`; false with a message on failure.
bool write_one(const options& o, const std::vector<float>& base, int index,
               rng& r, const fs::path& path) {
  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  std::array<char, 100> uid{};
  const auto put = [ds](const DcmTagKey& tag, const std::string& value) {
    return ds->putAndInsertString(tag, value.c_str()).good();
  };
  const auto [date, time] = dicom_now(10 * (o.count - index)); // oldest first
  const auto p = make_patient(r);
  const std::string name
    = std::string{surnames[r.below(surnames.size())]} + "^"
      + std::string{given_names[r.below(given_names.size())]};
  std::array<char, 32> accession{};
  std::snprintf(accession.data(), accession.size(), "BENCH%07d", index);
  bool ok
    = put(DCM_SpecificCharacterSet, "ISO_IR 100")
      && put(DCM_SOPClassUID, UID_ComputedRadiographyImageStorage)
      && put(DCM_SOPInstanceUID,
             dcmGenerateUniqueIdentifier(uid.data(), SITE_INSTANCE_UID_ROOT))
      && put(DCM_StudyInstanceUID,
             dcmGenerateUniqueIdentifier(uid.data(), SITE_STUDY_UID_ROOT))
      && put(DCM_SeriesInstanceUID,
             dcmGenerateUniqueIdentifier(uid.data(), SITE_SERIES_UID_ROOT))
      && put(DCM_StudyDate, date) && put(DCM_SeriesDate, date)
      && put(DCM_AcquisitionDate, date) && put(DCM_ContentDate, date)
      && put(DCM_StudyTime, time) && put(DCM_SeriesTime, time)
      && put(DCM_AcquisitionTime, time) && put(DCM_ContentTime, time)
      && put(DCM_AccessionNumber, accession.data()) && put(DCM_Modality, "CR")
      && put(DCM_Manufacturer, "XRV BENCH")
      && put(DCM_InstitutionName, "SPITALUL DE COPII")
      && put(DCM_StationName, "CR01")
      && put(DCM_StudyDescription, "RADIOGRAFIE TORACICA")
      && put(DCM_SeriesDescription, "TORACE PA")
      && put(DCM_ProtocolName, "TORACE PA")
      && put(DCM_BodyPartExamined, "CHEST") && put(DCM_ViewPosition, "PA")
      && put(DCM_PatientName, name) && put(DCM_PatientID, p.cnp)
      && put(DCM_PatientBirthDate, p.birth_date)
      && put(DCM_PatientSex, std::string(1, p.sex)) && put(DCM_StudyID, "1")
      && put(DCM_SeriesNumber, "1") && put(DCM_InstanceNumber, "1")
      && put(DCM_PatientOrientation, "L\\F")
      && put(DCM_ImagerPixelSpacing, "0.15\\0.15")
      && put(DCM_PhotometricInterpretation, "MONOCHROME2")
      && ds->putAndInsertUint16(DCM_SamplesPerPixel, 1).good()
      && ds->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(o.height)).good()
      && ds->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(o.width))
           .good()
      && ds->putAndInsertUint16(DCM_BitsAllocated, 16).good()
      && ds->putAndInsertUint16(DCM_BitsStored, 12).good()
      && ds->putAndInsertUint16(DCM_HighBit, 11).good()
      && ds->putAndInsertUint16(DCM_PixelRepresentation, 0).good()
      && put(DCM_RescaleIntercept, "0") && put(DCM_RescaleSlope, "1")
      && put(DCM_WindowCenter, "1900") && put(DCM_WindowWidth, "3200");
  if (!ok) {
    std::fprintf(stderr, "ingest_gen: cannot build the dataset of %s\n",
                 path.c_str());
    return false;
  }
  const int dx = static_cast<int>(r.below(81)) - 40;
  const int dy = static_cast<int>(r.below(81)) - 40;
  const auto data
    = pixels(base, o.width, o.height, dx, dy, r.between(0.95, 1.05), 28, r);
  if (ds->putAndInsertUint16Array(DCM_PixelData, data.data(),
                                  static_cast<unsigned long>(data.size()))
        .bad()) {
    std::fprintf(stderr, "ingest_gen: cannot insert the pixels of %s\n",
                 path.c_str());
    return false;
  }
  const auto cond = file.saveFile(path.c_str(), EXS_LittleEndianExplicit);
  if (cond.bad()) {
    std::fprintf(stderr, "ingest_gen: cannot write %s: %s\n", path.c_str(),
                 cond.text());
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  if (argc != 3 && argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: ingest_gen DIR COUNT [WIDTH HEIGHT [SEED]]\n");
    return 2;
  }
  o.dir = argv[1];
  o.count = parse_count(argv[2], 1'000'000);
  if (argc >= 5) {
    o.width = parse_count(argv[3], 65535);
    o.height = parse_count(argv[4], 65535);
  }
  if (argc == 6)
    o.seed = std::strtoull(argv[5], nullptr, 10);
  if (o.count == 0 || o.width < 16 || o.height < 16) {
    std::fprintf(
      stderr,
      "ingest_gen: COUNT must be 1..1000000, WIDTH and HEIGHT 16..65535\n");
    return 2;
  }
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  if (ec) {
    std::fprintf(stderr, "ingest_gen: cannot create %s: %s\n", o.dir.c_str(),
                 ec.message().c_str());
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto base = anatomy(o.width, o.height);
  rng r{o.seed};
  std::uintmax_t bytes = 0;
  for (int i = 1; i <= o.count; ++i) {
    std::array<char, 32> name{};
    std::snprintf(name.data(), name.size(), "cr-%05d.dcm", i);
    const auto path = o.dir / name.data();
    if (!write_one(o, base, i, r, path))
      return 1;
    bytes += fs::file_size(path, ec);
  }
  const double secs
    = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  std::printf("ingest_gen: %d CR files of %dx%d (12-bit, explicit LE), %.1f "
              "MB, in %.1f s\n",
              o.count, o.width, o.height, static_cast<double>(bytes) / 1e6,
              secs);
  return 0;
}
