// store_gen: writes a deterministic synthetic exam database for bench/store.
//
//   store_gen DB_DIR EXAMS PATIENTS [SEED]
//
// A paediatric hospital's three years: Romanian-looking patients (DICOM
// `SURNAME^GIVEN`, 13-digit CNPs, ages 0-18), studies of 1-3 images, a
// realistic status mix, weighted regions, AI reports on analysed exams and
// radiologist verdicts on about 60 % of them. The same seed on the same day
// gives the same database (exam times end at today's local midnight; set
// STORE_GEN_TODAY=YYYY-MM-DD to pin the day). Records are written with
// exam_repository::write_batch, 10,000 at a time; the insert rate and the
// size on disk are printed at the end.

#include "actors/store/definitions.hpp"
#include "actors/store/exam.hpp"
#include "storage/exam_repository.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <vector>

#include <sys/stat.h>

namespace {

namespace fs = std::filesystem;
using xrv::store::exam_record;
using xrv::store::exam_status;
using xrv::store::patient_record;

/// Records per write_batch call (one LMDB transaction each).
constexpr std::size_t batch_size = 10'000;

/// Seconds in a day.
constexpr std::int64_t day = 86'400;

// -- deterministic randomness
// ---------------------------------------------------

/// splitmix64: tiny, portable and fully specified, so a seed gives the same
/// database with every standard library (std distributions do not).
class rng {
public:
  /// Starts the sequence of `seed`.
  explicit rng(std::uint64_t seed) : state_{seed} {}

  /// The next 64 random bits.
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }

  /// Uniform in [0, 1).
  double unit() noexcept {
    return static_cast<double>(next() >> 11U) * 0x1.0p-53;
  }

  /// Uniform in [0, n); 0 when n is 0.
  std::uint64_t below(std::uint64_t n) noexcept {
    return n == 0 ? 0
                  : static_cast<std::uint64_t>(unit() * static_cast<double>(n));
  }

  /// Uniform in [lo, hi].
  int between(int lo, int hi) noexcept {
    return lo
           + static_cast<int>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }

  /// True with probability `p`.
  bool chance(double p) noexcept {
    return unit() < p;
  }

  /// A uniformly chosen element of `items`.
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& items) noexcept {
    return items[below(N)];
  }

private:
  std::uint64_t state_;
};

/// A value with an integer weight (relative frequency).
template <class T>
struct weighted {
  T value;
  int weight;
};

/// Picks one of `items` by weight.
template <class T, std::size_t N>
const T& pick_weighted(rng& r, const std::array<weighted<T>, N>& items) {
  int total = 0;
  for (const auto& item : items)
    total += item.weight;
  int x = r.between(0, total - 1);
  for (const auto& item : items) {
    if (x < item.weight)
      return item.value;
    x -= item.weight;
  }
  return items.back().value;
}

// -- vocabularies
// ---------------------------------------------------------------

/// Surnames, upper case as in DICOM (a few with Romanian diacritics).
constexpr std::array<std::string_view, 72> surnames{
  "POPESCU",   "IONESCU",   "POPA",       "POP",       "RADU",       "DUMITRU",
  "STAN",      "STOICA",    "GHEORGHE",   "MATEI",     "CONSTANTIN", "RUSU",
  "MUNTEANU",  "MARIN",     "TUDOR",      "ILIE",      "DRAGOMIR",   "BARBU",
  "NISTOR",    "FLOREA",    "CRISTEA",    "DINU",      "LUNGU",      "GRIGORE",
  "MIHAI",     "ENACHE",    "TOMA",       "CIOBANU",   "VASILE",     "SANDU",
  "MOLDOVAN",  "ANDREI",    "OPREA",      "NEAGU",     "DOBRE",      "ZAHARIA",
  "COJOCARU",  "URSU",      "ȘERBAN",     "STANCIU",   "ROTARU",     "BĂLAN",
  "NEACȘU",    "NIȚĂ",      "BUCUR",      "AVRAM",     "MOCANU",     "PAVEL",
  "LAZĂR",     "MANOLE",    "COSTEA",     "ALBU",      "PREDA",      "IORDACHE",
  "CÂRSTEA",   "ȚURCANU",   "DIACONU",    "SAVA",      "SIMION",     "MITREA",
  "GEORGESCU", "MARINESCU", "DUMITRESCU", "NICULESCU", "PETRESCU",   "ANGHEL",
  "VOICU",     "COMAN",     "BĂDESCU",    "FILIP",     "NEGRU",      "ONU"};

/// Boys' given names.
constexpr std::array<std::string_view, 36> boys{
  "ANDREI",    "ALEXANDRU", "DAVID",   "MATEI",    "LUCA",   "ȘTEFAN",
  "MIHAI",     "ION",       "GABRIEL", "DARIUS",   "RAREȘ",  "TUDOR",
  "VLAD",      "ERIC",      "RĂZVAN",  "CRISTIAN", "IONUȚ",  "DENIS",
  "SEBASTIAN", "IUSTIN",    "ROBERT",  "NICOLAS",  "BOGDAN", "COSMIN",
  "ADRIAN",    "RADU",      "CĂTĂLIN", "FLORIN",   "MARIUS", "OVIDIU",
  "LUCIAN",    "PAUL",      "VICTOR",  "TEODOR",   "ILIE",   "CIPRIAN"};

/// Girls' given names.
constexpr std::array<std::string_view, 36> girls{
  "MARIA",    "IOANA",    "ELENA",  "ANDREEA", "ALEXANDRA", "SOFIA",
  "ANTONIA",  "ELEONORA", "BIANCA", "DARIA",   "ALESIA",    "IRINA",
  "ANA",      "CARINA",   "DELIA",  "EVA",     "GEORGIANA", "ILINCA",
  "MIRUNA",   "RALUCA",   "ROXANA", "SARA",    "TEODORA",   "DENISA",
  "CRISTINA", "DIANA",    "LARISA", "NATALIA", "PATRICIA",  "ȘTEFANIA",
  "AMALIA",   "CLARA",    "EMMA",   "MARA",    "ADELINA",   "LUIZA"};

/// The radiologists who report and review.
constexpr std::array<std::string_view, 12> radiologists{
  "Dr. Ana Popescu",       "Dr. Mihai Ionescu",   "Dr. Elena Dumitrescu",
  "Dr. Andrei Stan",       "Dr. Ioana Marinescu", "Dr. Radu Georgescu",
  "Dr. Cristina Munteanu", "Dr. Bogdan Lazăr",    "Dr. Laura Constantinescu",
  "Dr. Vlad Niculescu",    "Dr. Simona Dragomir", "Dr. Florin Barbu"};

/// CNP county codes (JJ): 01-46, Bucharest sectors 41-46, 51 and 52.
constexpr std::array<int, 12> counties{40, 41, 42, 43, 44, 45,
                                       46, 23, 5,  12, 22, 51};

/// A body region with its protocol names, its Romanian name for report text
/// and the findings radiologists report on it.
struct region_info {
  std::string_view name;
  std::string_view romanian;
  std::array<std::string_view, 2> protocols;
  std::string_view findings; // the finding group (see pick_finding)
};

/// Findings by group; together the ~40 diagnoses of the summary pool.
constexpr std::array<std::string_view, 12> chest_findings{
  "pneumonia",
  "bronchopneumonia",
  "bronchiolitis",
  "pleural effusion",
  "pneumothorax",
  "atelectasis",
  "cardiomegaly",
  "interstitial infiltrate",
  "hilar lymphadenopathy",
  "foreign body aspiration",
  "peribronchial thickening",
  "rib fracture"};

constexpr std::array<std::string_view, 6> abdomen_findings{
  "ileus",        "bowel obstruction",     "pneumoperitoneum",
  "constipation", "ingested foreign body", "hepatomegaly"};

constexpr std::array<std::string_view, 4> skull_findings{
  "skull fracture", "sinusitis", "mastoiditis", "adenoid hypertrophy"};

constexpr std::array<std::string_view, 10> limb_findings{
  "fracture",
  "buckle fracture",
  "greenstick fracture",
  "supracondylar fracture",
  "physeal fracture",
  "dislocation",
  "joint effusion",
  "soft tissue swelling",
  "osteomyelitis",
  "bone cyst"};

constexpr std::array<std::string_view, 3> spine_findings{
  "scoliosis", "vertebral compression fracture", "spondylolysis"};

constexpr std::array<std::string_view, 3> pelvis_findings{
  "hip dysplasia", "slipped capital femoral epiphysis", "perthes disease"};

/// Regions weighted as in a paediatric X-ray department (chest half).
const std::array<weighted<region_info>, 14> regions{{
  {{"chest", "toracică", {"Torace AP", "Torace PA"}, "chest"}, 50},
  {{"abdomen", "abdominală", {"Abdomen simplu", "Abdomen AP"}, "abdomen"}, 9},
  {{"skull", "craniană", {"Craniu AP", "Sinusuri"}, "skull"}, 5},
  {{"hand", "mână", {"Mana AP/oblic", "Mana AP"}, "limb"}, 6},
  {{"knee", "genunchi", {"Genunchi AP/profil", "Genunchi AP"}, "limb"}, 5},
  {{"foot", "picior", {"Picior AP/oblic", "Picior AP"}, "limb"}, 5},
  {{"spine", "coloană", {"Coloana lombara", "Coloana cervicala"}, "spine"}, 4},
  {{"pelvis", "bazin", {"Bazin AP", "Sold AP"}, "pelvis"}, 4},
  {{"elbow", "cot", {"Cot AP/profil", "Cot AP"}, "limb"}, 3},
  {{"ankle", "gleznă", {"Glezna AP/profil", "Glezna AP"}, "limb"}, 3},
  {{"wrist", "pumn", {"Pumn AP/profil", "Pumn AP"}, "limb"}, 2},
  {{"shoulder", "umăr", {"Umar AP", "Umar axial"}, "limb"}, 2},
  {{"leg", "gambă", {"Gamba AP/profil", "Gamba AP"}, "limb"}, 1},
  {{"unknown", "", {"Examinare", "Scanare"}, "limb"}, 1},
}};

/// A finding for `group`, uniformly.
std::string_view pick_finding(rng& r, std::string_view group) {
  if (group == "chest")
    return r.pick(chest_findings);
  if (group == "abdomen")
    return r.pick(abdomen_findings);
  if (group == "skull")
    return r.pick(skull_findings);
  if (group == "spine")
    return r.pick(spine_findings);
  if (group == "pelvis")
    return r.pick(pelvis_findings);
  return r.pick(limb_findings);
}

/// Stored statuses (~85 % done); `processing` is never stored at rest, and a
/// start-up would re-queue it.
constexpr std::array<weighted<exam_status>, 6> statuses{{
  {exam_status::done, 850},
  {exam_status::queued, 50},
  {exam_status::requeue, 10},
  {exam_status::error, 40},
  {exam_status::ignore, 40},
  {exam_status::check, 10},
}};

/// UID roots of the department's four devices; the rest of an instance UID
/// is the acquisition time and a counter, as many modalities do.
constexpr std::array<std::string_view, 4> uid_roots{
  "1.2.840.113619.2.203.4.2147483647", "1.3.12.2.1107.5.3.58.40521",
  "1.2.392.200036.9125.4.0", "1.2.276.0.7230010.3.1.4"};

constexpr std::array<std::string_view, 3> ai_models{
  "medgemma-4b-it", "medgemma-4b-it", "qwen2.5-vl-7b-instruct"};

constexpr std::array<std::string_view, 4> error_reasons{
  "AI endpoint timeout", "AI answer was not valid JSON",
  "both AI endpoints unavailable", "PNG conversion failed"};

constexpr std::array<std::string_view, 3> ignore_reasons{
  "region not supported", "image too small", "not a radiograph"};

// -- helpers
// ----------------------------------------------------------------------

/// `n` as decimal, zero-padded to `width`.
std::string padded(std::uint64_t n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", width,
                static_cast<unsigned long long>(n));
  return buf;
}

/// `YYYYMMDDHHMMSS` of a local timestamp.
std::string compact_stamp(std::string_view local) {
  std::string out;
  out.reserve(14);
  for (const char c : local)
    if (c >= '0' && c <= '9')
      out.push_back(c);
  return out;
}

/// The command line.
struct options {
  fs::path dir;
  std::size_t exams = 0;
  std::size_t patients = 0;
  std::uint64_t seed = 42;
};

/// A whole decimal number, or nullopt.
std::optional<std::uint64_t> to_number(std::string_view s) {
  std::uint64_t n = 0;
  const auto* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, n);
  if (s.empty() || ec != std::errc{} || ptr != end)
    return std::nullopt;
  return n;
}

/// Parses `DB_DIR EXAMS PATIENTS [SEED]`; nullopt after printing why not.
std::optional<options> parse_args(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: store_gen DB_DIR EXAMS PATIENTS [SEED]\n");
    return std::nullopt;
  }
  options o;
  o.dir = argv[1];
  const auto exams = to_number(argv[2]);
  const auto patients = to_number(argv[3]);
  const auto seed = argc == 5 ? to_number(argv[4]) : std::optional{o.seed};
  if (!exams || !patients || *patients == 0 || !seed) {
    std::fprintf(stderr, "store_gen: EXAMS, PATIENTS (> 0) and SEED must be "
                         "whole numbers\n");
    return std::nullopt;
  }
  o.exams = *exams;
  o.patients = *patients;
  o.seed = *seed;
  return o;
}

/// Today's local midnight (epoch seconds), or STORE_GEN_TODAY's; -1 when
/// that is malformed.
std::int64_t today_midnight() {
  if (const char* pinned = std::getenv("STORE_GEN_TODAY"))
    return xrv::store::to_epoch_seconds(std::string{pinned} + " 00:00:00");
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  tm.tm_hour = 0;
  tm.tm_min = 0;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return static_cast<std::int64_t>(std::mktime(&tm));
}

/// A patient and the facts exam generation needs about them.
struct patient_seed {
  patient_record record;
  std::int64_t born = -1; // epoch seconds of the birth date, -1 unknown
};

/// Makes patient number `index`: a unique CNP whose date and sex agree with
/// the record, born 1 day to 18 years before `today`.
patient_seed make_patient(rng& r, std::size_t index, std::int64_t today,
                          std::unordered_set<std::string>& used) {
  patient_seed out;
  auto& p = out.record;
  const bool male = r.chance(0.52);
  const std::int64_t born
    = today - (1 + static_cast<std::int64_t>(r.below(18 * 365))) * day
      + day / 2;
  const auto date = xrv::store::format_local(born).substr(0, 10);
  const int year = std::atoi(date.c_str());
  std::string cnp;
  do {
    const int s = year >= 2000 ? (male ? 5 : 6) : (male ? 1 : 2);
    cnp = std::to_string(s) + date.substr(2, 2) + date.substr(5, 2)
          + date.substr(8, 2)
          + padded(static_cast<std::uint64_t>(r.pick(counties)), 2)
          + padded(r.below(1000), 3) + padded(r.below(10), 1);
  } while (!used.insert(cnp).second);
  p.cnp = cnp;
  p.sex = male ? "M" : "F";
  p.county = std::atoi(cnp.substr(7, 2).c_str());
  std::string given{male ? r.pick(boys) : r.pick(girls)};
  if (r.chance(0.12))
    given += "-" + std::string{male ? r.pick(boys) : r.pick(girls)};
  p.name = std::string{r.pick(surnames)} + "^" + given;
  // A few registrations lack the birth date (foreign patients, emergencies).
  if (!r.chance(0.03)) {
    p.birthdate = date;
    out.born = born;
  }
  if (r.chance(0.7))
    p.id = "P" + padded(100'000 + index, 7);
  return out;
}

/// A timestamp in [lo, hi), mostly in working hours.
std::int64_t exam_time(rng& r, std::int64_t lo, std::int64_t hi) {
  std::int64_t t = lo;
  for (int attempt = 0; attempt < 3; ++attempt) {
    t = lo
        + static_cast<std::int64_t>(
          r.below(static_cast<std::uint64_t>(hi - lo)));
    const auto local = xrv::store::format_local(t);
    const int hour = std::atoi(local.c_str() + 11);
    if (hour >= 7 && hour < 22)
      break;
  }
  return t;
}

/// The AI's report on an analysed exam; about 30 % positive.
void add_ai_report(rng& r, exam_record& e, const region_info& region,
                   std::int64_t analysed) {
  auto& ai = e.ai;
  ai.positive = r.chance(0.30) ? 1 : 0;
  if (ai.positive == 1) {
    ai.severity = r.between(4, 9);
    ai.summary = pick_finding(r, region.findings);
    ai.text = "Findings consistent with " + ai.summary + " on this "
              + std::string{region.name} + " radiograph.";
  } else {
    ai.severity = r.chance(0.6) ? 0 : r.between(1, 3);
    ai.summary = "normal";
    ai.text = "No acute findings on this " + std::string{region.name}
              + " radiograph.";
  }
  ai.confidence = r.between(55, 99);
  ai.model = r.pick(ai_models);
  ai.latency = r.between(6, 90);
  ai.created = xrv::store::format_local(analysed + ai.latency);
  ai.updated = ai.created;
}

/// The radiologist's verdict, correlated with the AI's. `from_fhir` gives a
/// full FHIR report (text, severity, summary); otherwise a dashboard review.
/// `verdict` false leaves the report unclassified (`check` status).
void add_rad_report(rng& r, exam_record& e, const region_info& region,
                    std::int64_t taken, bool from_fhir, bool verdict) {
  auto& rad = e.rad;
  const bool ai_pos = e.ai.positive == 1;
  const bool positive = r.chance(ai_pos ? 0.85 : 0.07);
  const std::int64_t reported
    = taken + 1800 + static_cast<std::int64_t>(r.below(3 * day));
  rad.radiologist = r.pick(radiologists);
  rad.created = xrv::store::format_local(reported);
  rad.updated = rad.created;
  rad.latency = static_cast<int>(reported - taken);
  if (verdict)
    rad.positive = positive ? 1 : 0;
  if (!from_fhir)
    return;
  if (positive) {
    rad.summary = ai_pos && r.chance(0.7)
                    ? e.ai.summary
                    : std::string{pick_finding(r, region.findings)};
    rad.severity = ai_pos ? std::clamp(e.ai.severity + r.between(-1, 1), 3, 10)
                          : r.between(4, 7);
    rad.text = "Radiografie " + std::string{region.romanian}
               + ": aspect sugestiv pentru " + rad.summary + ".";
    rad.text_en = "Radiograph: findings suggestive of " + rad.summary + ".";
  } else {
    rad.summary = "normal";
    rad.severity = ai_pos ? r.between(0, 2)
                          : std::clamp(e.ai.severity - r.between(0, 1), 0, 3);
    rad.text = "Radiografie " + std::string{region.romanian}
               + ": fără modificări patologice.";
    rad.text_en = "Radiograph: no pathological changes.";
  }
  if (!verdict) {
    rad.summary.clear();
    rad.severity = -1;
    rad.text_en.clear();
  }
  rad.id = "SR-" + padded(r.below(100'000'000), 8);
  rad.type = "Radiografie " + std::string{region.romanian};
  rad.model = verdict ? "medgemma-4b-it" : "";
  if (verdict && positive != ai_pos)
    rad.justification
      = positive ? "The report describes " + rad.summary
                     + "; the AI saw no abnormality."
                 : "The report is normal; the AI flagged " + e.ai.summary + ".";
}

/// Everything generated, batched into write_batch calls.
class writer {
public:
  /// Writes into `repo`.
  explicit writer(xrv::storage::exam_repository& repo) : repo_{repo} {}

  /// Queues an exam, flushing a full batch; false after a write failed.
  bool add(exam_record e) {
    exams_.push_back(std::move(e));
    return exams_.size() < batch_size || flush();
  }

  /// Queues a patient, flushing a full batch; false after a write failed.
  bool add(patient_record p) {
    patients_.push_back(std::move(p));
    return patients_.size() < batch_size || flush();
  }

  /// Writes what is queued in one transaction; false (after printing the
  /// error) when that failed.
  bool flush() {
    if (exams_.empty() && patients_.empty())
      return true;
    const auto t0 = std::chrono::steady_clock::now();
    auto ok = repo_.write_batch(exams_, patients_);
    write_time_ += std::chrono::steady_clock::now() - t0;
    if (!ok) {
      std::fprintf(stderr, "store_gen: write_batch failed: %s\n",
                   ok.error().detail.c_str());
      return false;
    }
    written_exams_ += exams_.size();
    written_patients_ += patients_.size();
    exams_.clear();
    patients_.clear();
    return true;
  }

  /// Seconds spent inside write_batch.
  [[nodiscard]] double write_seconds() const {
    return std::chrono::duration<double>(write_time_).count();
  }

  /// Exams written so far.
  [[nodiscard]] std::size_t exams_written() const {
    return written_exams_;
  }

  /// Patients written so far.
  [[nodiscard]] std::size_t patients_written() const {
    return written_patients_;
  }

private:
  xrv::storage::exam_repository& repo_;
  std::vector<exam_record> exams_;
  std::vector<patient_record> patients_;
  std::chrono::steady_clock::duration write_time_{};
  std::size_t written_exams_ = 0;
  std::size_t written_patients_ = 0;
};

/// Generates the patients and exams of `o` into `w`; false on a write error.
bool generate(const options& o, std::int64_t today, writer& w) {
  rng r{o.seed};
  const std::int64_t start = today - (3 * 365 + 1) * day;
  std::vector<std::int64_t> born;
  born.reserve(o.patients);
  std::vector<std::string> cnps;
  cnps.reserve(o.patients);
  std::unordered_set<std::string> used;
  used.reserve(o.patients * 2);
  for (std::size_t i = 0; i < o.patients; ++i) {
    auto p = make_patient(r, i, today, used);
    born.push_back(p.born);
    cnps.push_back(p.record.cnp);
    if (!w.add(std::move(p.record)))
      return false;
  }
  std::uint64_t study_seq = 0;
  std::size_t made = 0;
  while (made < o.exams) {
    // Some patients come often (chronic illness, follow-ups): skewed pick.
    const auto pi = static_cast<std::size_t>(std::pow(r.unit(), 1.6)
                                             * static_cast<double>(o.patients));
    const auto patient = std::min(pi, o.patients - 1);
    const std::int64_t lo
      = born[patient] < 0 ? start : std::max(start, born[patient] + day / 4);
    const std::int64_t taken = exam_time(r, lo, today);
    const auto& region = pick_weighted(r, regions);
    const int images
      = std::min<int>(r.chance(0.70) ? 1 : (r.chance(0.83) ? 2 : 3),
                      static_cast<int>(o.exams - made));
    const std::string root{r.pick(uid_roots)};
    ++study_seq;
    const auto stamp = compact_stamp(xrv::store::format_local(taken));
    const std::string study
      = root + ".1." + stamp + "." + std::to_string(study_seq);
    const std::string series
      = root + ".2." + stamp + "." + std::to_string(study_seq);
    const std::string accession
      = "RX" + stamp.substr(0, 4) + padded(study_seq % 1'000'000, 6);
    const std::string_view type = r.chance(0.6) ? "CR" : "DX";
    for (int k = 0; k < images; ++k, ++made) {
      const std::int64_t t = taken + 25 * k;
      exam_record e;
      e.uid = root + ".3." + stamp + "." + std::to_string(made + 1);
      e.cnp = cnps[patient];
      e.created = xrv::store::format_local(t);
      e.protocol = region.protocols[static_cast<std::size_t>(k % 2)];
      e.region = region.name;
      e.type = type;
      e.study = study;
      e.series = series;
      e.id = accession;
      e.status = pick_weighted(r, statuses);
      const std::int64_t received
        = t + 60 + static_cast<std::int64_t>(r.below(900));
      e.received = xrv::store::format_local(received);
      switch (e.status) {
      case exam_status::done:
        add_ai_report(r, e, region, received);
        if (r.chance(0.60))
          add_rad_report(r, e, region, t, r.chance(0.85), true);
        break;
      case exam_status::check:
        add_ai_report(r, e, region, received);
        add_rad_report(r, e, region, t, true, false);
        break;
      case exam_status::error:
        e.status_reason = r.pick(error_reasons);
        e.attempts = r.between(1, 3);
        break;
      case exam_status::ignore:
        e.status_reason = r.pick(ignore_reasons);
        break;
      case exam_status::requeue:
        add_ai_report(r, e, region, received); // re-analysis requested
        break;
      default: // queued: waiting for the AI
        break;
      }
      if (!w.add(std::move(e)))
        return false;
    }
  }
  return w.flush();
}

/// Apparent and allocated bytes of the regular files in `dir`.
std::pair<std::uintmax_t, std::uintmax_t> disk_usage(const fs::path& dir) {
  std::uintmax_t apparent = 0;
  std::uintmax_t allocated = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator{dir, ec}) {
    struct stat st {};

    if (::stat(entry.path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      apparent += static_cast<std::uintmax_t>(st.st_size);
      allocated += static_cast<std::uintmax_t>(st.st_blocks) * 512U;
    }
  }
  return {apparent, allocated};
}

/// The program, once the arguments are known.
int run(const options& o) {
  const std::int64_t today = today_midnight();
  if (today < 0) {
    std::fprintf(stderr, "store_gen: STORE_GEN_TODAY must be YYYY-MM-DD\n");
    return 2;
  }
  auto repo = xrv::storage::exam_repository::open(o.dir);
  if (!repo) {
    std::fprintf(stderr, "store_gen: cannot open %s: %s\n", o.dir.c_str(),
                 repo.error().detail.c_str());
    return 1;
  }
  if (auto n = repo->exam_count(); n && *n > 0) {
    std::fprintf(stderr,
                 "store_gen: %s already holds %zu exams; use an empty "
                 "folder\n",
                 o.dir.c_str(), *n);
    return 1;
  }
  writer w{*repo};
  const auto t0 = std::chrono::steady_clock::now();
  if (!generate(o, today, w))
    return 1;
  const double total
    = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  const auto [apparent, allocated] = disk_usage(o.dir);
  const double mib = 1024.0 * 1024.0;
  std::printf("store_gen: %zu exams, %zu patients (seed %llu) in %.1f s\n",
              w.exams_written(), w.patients_written(),
              static_cast<unsigned long long>(o.seed), total);
  std::printf("store_gen: insert %.0f exams/s in write_batch (%.1f s), "
              "%.0f exams/s including generation\n",
              static_cast<double>(w.exams_written()) / w.write_seconds(),
              w.write_seconds(),
              static_cast<double>(w.exams_written()) / total);
  std::printf("store_gen: database %s: %.1f MiB on disk (file size %.1f "
              "MiB, map in use %.1f MiB)\n",
              o.dir.c_str(), static_cast<double>(allocated) / mib,
              static_cast<double>(apparent) / mib,
              static_cast<double>(repo->map_used_bytes()) / mib);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  try {
    const auto o = parse_args(argc, argv);
    if (!o)
      return 2;
    return run(*o);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "store_gen: %s\n", ex.what());
  } catch (...) {
    std::fprintf(stderr, "store_gen: unknown error\n");
  }
  return 1;
}
