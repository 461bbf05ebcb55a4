#include "actors/dicom/query_plan.hpp"

#include "actors/store/exam.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>

namespace xrv::dicom {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

int number(std::string_view digits) {
  int n = 0;
  for (char c : digits)
    n = n * 10 + (c - '0');
  return n;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in(int y, int m) {
  static constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days.at(static_cast<std::size_t>(m - 1));
}

std::string da(const civil_time& t) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d%02d%02d", t.year, t.month, t.day);
  return buf.data();
}

civil_time date_of(const civil_time& t) {
  return civil_time{t.year, t.month, t.day, 0, 0, 0};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\0'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
    s.remove_suffix(1);
  return s;
}

} // namespace

civil_time local_civil(std::chrono::system_clock::time_point t) {
  const auto secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&secs, &tm);
  return civil_time{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                    tm.tm_hour,        tm.tm_min,     tm.tm_sec};
}

query_window make_window(std::chrono::system_clock::time_point now,
                         std::chrono::seconds span,
                         const to_civil_fn& to_civil) {
  if (span < std::chrono::seconds{0})
    span = std::chrono::seconds{0};
  return query_window{to_civil(now - span), to_civil(now)};
}

std::string study_date_range(const query_window& w) {
  return da(w.from) + "-" + da(w.to);
}

std::vector<find_key> study_find_keys(const query_window& w) {
  // Study Root, STUDY level (PS3.4 C.6.2.1): no PatientID needed to match.
  return {
    {0x0008, 0x0052, "QueryRetrieveLevel", "STUDY"},
    {0x0008, 0x0020, "StudyDate", study_date_range(w)},
    {0x0008, 0x0030, "StudyTime", ""},
    {0x0008, 0x0050, "AccessionNumber", ""},
    // Multi-valued: the PACS matches studies holding any of the modalities.
    {0x0008, 0x0061, "ModalitiesInStudy", "CR\\DX"},
    {0x0010, 0x0020, "PatientID", ""},
    {0x0020, 0x000D, "StudyInstanceUID", ""},
    {0x0020, 0x1208, "NumberOfStudyRelatedInstances", ""},
  };
}

std::optional<civil_time> parse_da(std::string_view value) {
  auto v = trim(value);
  std::string digits;
  if (v.size() == 10 && v[4] == '.' && v[7] == '.') // ACR-NEMA style
    digits = std::string{v.substr(0, 4)} + std::string{v.substr(5, 2)}
             + std::string{v.substr(8, 2)};
  else
    digits = std::string{v};
  if (digits.size() != 8 || !all_digits(digits))
    return std::nullopt;
  civil_time t;
  t.year = number(digits.substr(0, 4));
  t.month = number(digits.substr(4, 2));
  t.day = number(digits.substr(6, 2));
  if (t.month < 1 || t.month > 12 || t.day < 1
      || t.day > days_in(t.year, t.month))
    return std::nullopt;
  return t;
}

std::optional<civil_time> with_tm(civil_time date, std::string_view value) {
  auto v = trim(value);
  if (auto dot = v.find('.'); dot != std::string_view::npos)
    v = v.substr(0, dot); // fractions of a second do not matter here
  std::string digits;
  for (char c : v)
    if (c != ':')
      digits += c;
  if (digits.empty() || digits.size() % 2 != 0 || digits.size() > 6
      || !all_digits(digits))
    return std::nullopt;
  digits.resize(6, '0');
  date.hour = number(std::string_view{digits}.substr(0, 2));
  date.minute = number(std::string_view{digits}.substr(2, 2));
  date.second = number(std::string_view{digits}.substr(4, 2));
  // 60 is a leap second (PS3.5 Table 6.2-1).
  if (date.hour > 23 || date.minute > 59 || date.second > 60)
    return std::nullopt;
  return date;
}

bool in_window(const study_answer& a, const query_window& w) {
  auto date = parse_da(a.study_date);
  if (!date)
    return true;
  if (*date < date_of(w.from) || *date > date_of(w.to))
    return false;
  auto when = with_tm(*date, a.study_time);
  if (!when)
    return true;
  return *when >= w.from;
}

study_selection select_in_window(std::vector<study_answer> answers,
                                 const query_window& w) {
  study_selection s;
  s.found = answers.size();
  std::set<std::string> seen;
  for (auto& a : answers) {
    a.study_uid = std::string{trim(a.study_uid)};
    if (!store::is_valid_uid(a.study_uid)) {
      ++s.invalid;
      continue;
    }
    if (!seen.insert(a.study_uid).second) {
      ++s.repeated;
      continue;
    }
    if (!in_window(a, w)) {
      ++s.outside;
      continue;
    }
    s.studies.push_back(std::move(a));
  }
  return s;
}

void drop_known(study_selection& s, const std::vector<std::string>& known) {
  const std::set<std::string> k(known.begin(), known.end());
  const auto before = s.studies.size();
  std::erase_if(s.studies, [&](const study_answer& a) {
    return k.count(a.study_uid) > 0;
  });
  s.known += before - s.studies.size();
}

std::chrono::milliseconds next_delay(std::chrono::seconds interval,
                                     double random01) {
  if (!(random01 >= 0.0)) // also catches NaN
    random01 = 0.0;
  random01 = std::min(random01, 1.0);
  const double factor = 0.7 + 0.6 * random01;
  const auto ms
    = std::chrono::duration_cast<std::chrono::milliseconds>(interval).count();
  const auto scaled
    = static_cast<std::int64_t>(std::llround(static_cast<double>(ms) * factor));
  return std::chrono::milliseconds{std::max<std::int64_t>(scaled, 1000)};
}

std::chrono::seconds scheduled_span(std::chrono::seconds interval) {
  constexpr std::chrono::seconds hour{3600};
  constexpr std::chrono::seconds week{168 * 3600};
  return std::clamp(2 * interval, hour, week);
}

} // namespace xrv::dicom
