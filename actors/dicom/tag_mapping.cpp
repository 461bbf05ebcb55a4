#include "actors/dicom/tag_mapping.hpp"

#include "actors/dicom/charset.hpp"
#include "actors/dicom/cnp.hpp"
#include "actors/store/definitions.hpp"

#include <array>
#include <charconv>
#include <cstddef>
#include <initializer_list>

namespace xrv::dicom {

namespace {

// PS3.5 §6.2: UI values are padded with NUL, the others with spaces; the
// adapter trims, this is a second guard.
std::string_view trim(std::string_view s) {
  constexpr std::string_view padding{" \0\t\r\n", 5};
  const auto first = s.find_first_not_of(padding);
  if (first == std::string_view::npos)
    return {};
  const auto last = s.find_last_not_of(padding);
  return s.substr(first, last - first + 1);
}

bool all_digits(std::string_view s) {
  for (const char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

// The value of a string of digits; -1 when it is not one.
int number(std::string_view s) {
  int value = 0;
  if (s.empty() || !all_digits(s))
    return -1;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size())
    return -1;
  return value;
}

std::string two(int v) {
  return std::string{static_cast<char>('0' + v / 10),
                     static_cast<char>('0' + v % 10)};
}

// PN (PS3.5 §6.2.1): up to three component groups, alphabetic=ideographic=
// phonetic; the first non-empty one, without trailing empty components.
std::string person_name(std::string_view decoded) {
  std::string_view group;
  while (true) {
    const auto eq = decoded.find('=');
    group = trim(decoded.substr(0, eq));
    if (!group.empty() || eq == std::string_view::npos)
      break;
    decoded.remove_prefix(eq + 1);
  }
  while (!group.empty() && (group.back() == '^' || group.back() == ' '))
    group.remove_suffix(1);
  return std::string{group};
}

std::string decoded(std::string_view raw, std::string_view charset) {
  return std::string{trim(to_utf8(trim(raw), charset))};
}

struct date_time_source {
  const std::string& date;
  const std::string& time;
};

std::string exam_created(const dicom_tags& t, std::string_view receipt_time) {
  // (0008,0021/0031) Series first, as the original; then Acquisition
  // (0008,0022/0032), Content (0008,0023/0033), Study (0008,0020/0030).
  const std::array<date_time_source, 4> sources{{
    {t.series_date, t.series_time},
    {t.acquisition_date, t.acquisition_time},
    {t.content_date, t.content_time},
    {t.study_date, t.study_time},
  }};
  for (const auto& s : sources) {
    const auto date = dicom_date(trim(s.date));
    const auto time = dicom_time(trim(s.time));
    if (date && time)
      return *date + " " + *time;
  }
  // A date without a usable time: images are sent soon after they are taken,
  // so the receipt time is the better guess on the same day; midnight keeps
  // at least the day (and the age at the exam) right otherwise.
  for (const auto& s : sources) {
    if (const auto date = dicom_date(trim(s.date))) {
      if (receipt_time.substr(0, 10) == *date)
        return std::string{receipt_time};
      return *date + " 00:00:00";
    }
  }
  return std::string{receipt_time};
}

std::string patient_sex(std::string_view raw, const cnp_info& cnp) {
  // (0010,0040) is CS, upper case; lower case is tolerated.
  std::string sex{trim(raw)};
  if (sex.size() == 1) {
    if (sex[0] >= 'a' && sex[0] <= 'z')
      sex[0] = static_cast<char>(sex[0] - 'a' + 'A');
    if (sex == "M" || sex == "F" || sex == "O")
      return sex;
  }
  if (cnp.valid)
    return {cnp.sex == 'M' ? "M" : "F"};
  return {};
}

} // namespace

std::optional<std::string> dicom_date(std::string_view da) {
  std::string digits;
  if (da.size() == 8) {
    digits = da;
  } else if (da.size() == 10 && da[4] == '.' && da[7] == '.') {
    digits = std::string{da.substr(0, 4)} + std::string{da.substr(5, 2)}
             + std::string{da.substr(8, 2)};
  } else {
    return std::nullopt;
  }
  if (!all_digits(digits))
    return std::nullopt;
  std::string iso = digits.substr(0, 4) + "-" + digits.substr(4, 2) + "-"
                    + digits.substr(6, 2);
  if (!store::parse_date(iso))
    return std::nullopt;
  return iso;
}

std::optional<std::string> dicom_time(std::string_view tm) {
  std::string compact{tm};
  if (compact.size() >= 5 && compact[2] == ':') {
    compact.erase(2, 1);
    if (compact.size() >= 7 && compact[4] == ':')
      compact.erase(4, 1);
  }
  std::string_view t = compact;
  std::string_view fraction;
  if (const auto dot = t.find('.'); dot != std::string_view::npos) {
    fraction = t.substr(dot + 1);
    t = t.substr(0, dot);
    // PS3.5 Table 6.2-1: a fraction of 1..6 digits, only after the seconds.
    if (t.size() != 6 || fraction.empty() || fraction.size() > 6
        || !all_digits(fraction))
      return std::nullopt;
  }
  if (t.size() != 2 && t.size() != 4 && t.size() != 6)
    return std::nullopt;
  const int hour = number(t.substr(0, 2));
  const int minute = t.size() >= 4 ? number(t.substr(2, 2)) : 0;
  int second = t.size() == 6 ? number(t.substr(4, 2)) : 0;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
      || second > 60)
    return std::nullopt;
  // TM allows a leap second; the stored form does not.
  if (second == 60)
    second = 59;
  return two(hour) + ":" + two(minute) + ":" + two(second);
}

std::string unidentified_patient(std::string_view uid) {
  return "unknown-" + std::string{uid};
}

result<mapped_exam> map_exam(const dicom_tags& tags, const region_rules& rules,
                             std::string_view receipt_time) {
  const auto uid = trim(tags.sop_instance_uid);
  if (uid.empty())
    return fail(errc::invalid_input, "no SOP Instance UID (0008,0018)");
  if (!store::is_valid_uid(uid))
    return fail(errc::invalid_input, "malformed SOP Instance UID (0008,0018)");
  const auto& charset = tags.specific_character_set;

  store::patient_record patient;
  patient.cnp = decoded(tags.patient_id, charset);
  if (patient.cnp.empty()) { // anonymised or test images
    const auto study = trim(tags.study_uid);
    patient.cnp = unidentified_patient(study.empty() ? uid : study);
  }
  patient.name = person_name(to_utf8(trim(tags.patient_name), charset));
  const auto cnp = validate_cnp(patient.cnp);
  patient.sex = patient_sex(tags.patient_sex, cnp);
  if (auto birth = dicom_date(trim(tags.patient_birth_date)))
    patient.birthdate = std::move(*birth);
  else if (cnp.valid)
    patient.birthdate = cnp.birthdate;
  patient.county = cnp.valid ? cnp.county : -1;

  store::exam_record exam;
  exam.uid = std::string{uid};
  exam.cnp = patient.cnp;
  exam.created = exam_created(tags, receipt_time);
  exam.received = std::string{receipt_time};
  for (const auto* text : {&tags.protocol_name, &tags.series_description,
                           &tags.study_description, &tags.body_part}) {
    exam.protocol = decoded(*text, charset);
    if (!exam.protocol.empty())
      break;
  }
  exam.region = identify_region(exam.protocol, rules);
  exam.type = std::string{trim(tags.modality)};
  if (exam.type.empty())
    exam.type = "CR";
  exam.study = std::string{trim(tags.study_uid)};
  exam.series = std::string{trim(tags.series_uid)};
  exam.id = decoded(tags.accession, charset);
  return mapped_exam{std::move(exam), std::move(patient)};
}

} // namespace xrv::dicom
