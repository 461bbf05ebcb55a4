#include "storage/legacy_mapping.hpp"

#include "actors/store/definitions.hpp"

#include <algorithm>
#include <climits>
#include <ctime>

namespace xrv::storage {

namespace {

// LMDB's default maximum key size (mdb_env_get_maxkeysize): a longer cnp
// would make write_batch reject a whole batch.
constexpr std::size_t max_key_bytes = 511;

std::string text_of(const std::optional<std::string>& v) {
  return v.value_or(std::string{});
}

// A stored value quoted for a message: short, one line. Only used for exam
// and report columns, never for patient data.
std::string shown(std::string_view v) {
  constexpr std::size_t max_shown = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < v.size() && i < max_shown; ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    out += c < 0x20 || c == 0x7f ? '?' : v[i];
  }
  if (v.size() > max_shown)
    out += "...";
  out += '\'';
  return out;
}

tl::unexpected<error> unmappable(std::string reason) {
  return fail(errc::invalid_input, std::move(reason));
}

// An integer column checked against the range its CHECK constraint allowed
// (an older schema or a hand edit may have stored anything).
result<int> ranged(const std::optional<std::int64_t>& v, std::string_view name,
                   int lo, int hi) {
  if (!v)
    return -1;
  if (*v < lo || *v > hi)
    return unmappable(std::string{name} + " " + std::to_string(*v)
                      + " is out of range (" + std::to_string(lo) + ".."
                      + (hi == INT_MAX ? std::string{} : std::to_string(hi))
                      + ")");
  return static_cast<int>(*v);
}

// A report timestamp (UTC) as local time; NULL or '' stays unknown.
result<std::string> report_time(const std::optional<std::string>& v,
                                std::string_view name) {
  if (!v || v->empty())
    return std::string{};
  auto local = utc_to_local(*v);
  if (!local)
    return unmappable(std::string{name} + " " + shown(*v)
                      + " is not YYYY-MM-DD HH:MM:SS");
  return std::move(*local);
}

result<store::exam_status> map_status(const std::optional<std::string>& s) {
  // NULL or '' never matched any of the original's status filters: the
  // column default, `none`.
  if (!s || s->empty())
    return store::exam_status::none;
  const auto parsed = store::parse_status(*s);
  if (!parsed)
    return unmappable("exams.status " + shown(*s) + " is not a known status");
  // The original reset `processing` to `queued` at start-up (§3.3): the
  // analysis was interrupted.
  if (*parsed == store::exam_status::processing)
    return store::exam_status::queued;
  return *parsed;
}

result<store::ai_report> map_ai(const legacy_ai_report& a) {
  const auto severity = ranged(a.severity, "ai_reports.severity", -1, 10);
  if (!severity)
    return tl::unexpected{severity.error()};
  const auto confidence
    = ranged(a.confidence, "ai_reports.confidence", -1, 100);
  if (!confidence)
    return tl::unexpected{confidence.error()};
  const auto latency = ranged(a.latency, "ai_reports.latency", -1, INT_MAX);
  if (!latency)
    return tl::unexpected{latency.error()};
  auto created = report_time(a.created, "ai_reports.created");
  if (!created)
    return tl::unexpected{created.error()};
  auto updated = report_time(a.updated, "ai_reports.updated");
  if (!updated)
    return tl::unexpected{updated.error()};
  store::ai_report out;
  // No severity and no text: the model never answered (or failed).
  if (*severity == -1 && text_of(a.text).empty())
    return out;
  out.text = text_of(a.text);
  out.summary = text_of(a.summary);
  out.model = text_of(a.model);
  out.created = std::move(*created);
  out.updated = std::move(*updated);
  // The stored `positive` (from `short`) was never read by the original's
  // API, which derived positivity from severity (§3.5, §9.4-15): -1 makes
  // our definitions derive it from severity >= threshold as well.
  out.positive = -1;
  out.severity = *severity;
  out.confidence = *confidence;
  out.latency = *latency;
  return out;
}

result<store::rad_report> map_rad(const legacy_rad_report& r, int threshold) {
  const auto severity = ranged(r.severity, "rad_reports.severity", -1, 10);
  if (!severity)
    return tl::unexpected{severity.error()};
  const auto positive = ranged(r.positive, "rad_reports.positive", -1, 1);
  if (!positive)
    return tl::unexpected{positive.error()};
  const auto latency = ranged(r.latency, "rad_reports.latency", -1, INT_MAX);
  if (!latency)
    return tl::unexpected{latency.error()};
  auto created = report_time(r.created, "rad_reports.created");
  if (!created)
    return tl::unexpected{created.error()};
  auto updated = report_time(r.updated, "rad_reports.updated");
  if (!updated)
    return tl::unexpected{updated.error()};
  store::rad_report out;
  out.text = text_of(r.text);
  out.text_en = text_of(r.text_en);
  out.summary = text_of(r.summary);
  out.type = text_of(r.type);
  out.radiologist = text_of(r.radiologist);
  out.justification = text_of(r.justification);
  out.model = text_of(r.model);
  out.created = std::move(*created);
  out.updated = std::move(*updated);
  out.latency = *latency;
  // `-1` marks "ServiceRequest looked for, not found" (§3.2).
  const auto id = text_of(r.id);
  const bool not_found_marker = id == "-1";
  if (!not_found_marker)
    out.id = id;
  if (*severity >= 0) {
    // The original's "reviewed" was rad severity > -1, and its positivity
    // severity >= threshold; the stored `positive` was never read.
    out.severity = *severity;
    out.positive = *severity >= threshold ? 1 : 0;
  } else if (*positive >= 0 && !out.radiologist.empty() && out.text.empty()) {
    // A dashboard review (db_rad_review): it wrote only positive and the
    // user's name, which the original's metrics then ignored (§9.4-10).
    out.positive = *positive;
  } else {
    out.positive = -1;
  }
  if (not_found_marker && out.text.empty() && out.positive == -1)
    return store::rad_report{};
  return out;
}

} // namespace

// -- public API ---------------------------------------------------------------

std::optional<std::string> utc_to_local(std::string_view utc) {
  const auto t = store::parse_timestamp(utc);
  if (!t)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = t->date.year - 1900;
  tm.tm_mon = t->date.month - 1;
  tm.tm_mday = t->date.day;
  tm.tm_hour = t->hour;
  tm.tm_min = t->minute;
  tm.tm_sec = t->second;
  auto local = store::format_local(static_cast<std::int64_t>(timegm(&tm)));
  if (local.empty())
    return std::nullopt;
  return local;
}

result<mapped_patient> map_legacy_patient(const legacy_patient& p) {
  const auto row = "patients row " + std::to_string(p.row);
  mapped_patient out;
  out.record.cnp = text_of(p.cnp);
  if (out.record.cnp.empty())
    return unmappable("patients.cnp is empty");
  if (out.record.cnp.size() > max_key_bytes)
    return unmappable("patients.cnp is longer than "
                      + std::to_string(max_key_bytes) + " bytes");
  out.record.id = text_of(p.id);
  out.record.name = text_of(p.name);
  // Values are not echoed: a birth date identifies a patient too.
  const auto birthdate = text_of(p.birthdate);
  if (birthdate.empty() || store::parse_date(birthdate))
    out.record.birthdate = birthdate;
  else
    out.notes.push_back(
      row + ": patients.birthdate is not YYYY-MM-DD; imported without it");
  const auto sex = text_of(p.sex);
  if (sex.empty() || sex == "M" || sex == "F" || sex == "O")
    out.record.sex = sex;
  else
    out.notes.push_back(
      row + ": patients.sex is not M, F or O; imported without it");
  return out;
}

result<std::pair<store::exam_record, store::patient_record>>
map_legacy(const legacy_exam& row, const legacy_patient* patient,
           int threshold) {
  const auto uid = text_of(row.uid);
  if (uid.empty())
    return unmappable("exams.uid is empty");
  if (!store::is_valid_uid(uid))
    return unmappable("exams.uid " + shown(uid)
                      + " is not a DICOM UID (digits and dots, at most 64 "
                        "characters)");
  if (!row.non_integer.empty())
    return unmappable(row.non_integer.front() + " is not an integer");
  const auto cnp = text_of(row.cnp);
  if (cnp.empty())
    return unmappable("exams.cnp is empty (no patient)");
  if (cnp.size() > max_key_bytes)
    return unmappable("exams.cnp is longer than "
                      + std::to_string(max_key_bytes) + " bytes");
  if (!row.created)
    return unmappable("exams.created is missing");
  if (!store::parse_timestamp(*row.created))
    return unmappable("exams.created " + shown(*row.created)
                      + " is not YYYY-MM-DD HH:MM:SS");
  const auto status = map_status(row.status);
  if (!status)
    return tl::unexpected{status.error()};

  store::exam_record e;
  e.uid = uid;
  e.cnp = cnp;
  e.created = *row.created;
  e.protocol = text_of(row.protocol);
  // Our model's name for "no rule matched"; the original stored the
  // protocol itself then (§4.6), which is kept.
  e.region = text_of(row.region).empty() ? "unknown" : *row.region;
  e.type = text_of(row.type);
  e.study = text_of(row.study);
  e.series = text_of(row.series);
  e.id = text_of(row.id);
  e.status = *status;
  if (row.ai) {
    auto ai = map_ai(*row.ai);
    if (!ai)
      return tl::unexpected{ai.error()};
    e.ai = std::move(*ai);
  }
  if (row.rad) {
    auto rad = map_rad(*row.rad, threshold);
    if (!rad)
      return tl::unexpected{rad.error()};
    e.rad = std::move(*rad);
  }

  store::patient_record p;
  if (patient != nullptr) {
    auto mapped = map_legacy_patient(*patient);
    if (!mapped)
      return tl::unexpected{mapped.error()};
    p = std::move(mapped->record);
  }
  p.cnp = cnp;
  return std::pair{std::move(e), std::move(p)};
}

} // namespace xrv::storage
