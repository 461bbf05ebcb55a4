#include "actors/store/definitions.hpp"

#include <array>
#include <cstddef>
#include <ctime>

namespace xrv::store {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The value of the `n` ASCII digits at `text[pos]`; -1 when any is not one.
int digits(std::string_view text, std::size_t pos, std::size_t n) {
  int value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(text[i]))
      return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30,
                                     31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap(year))
    return 29;
  return days[static_cast<std::size_t>(month - 1)];
}

// `YYYY-MM-DD` at the start of `text` (which has at least 10 characters).
std::optional<civil_date> parse_date_prefix(std::string_view text) {
  if (text[4] != '-' || text[7] != '-')
    return std::nullopt;
  const civil_date d{digits(text, 0, 4), digits(text, 5, 2),
                     digits(text, 8, 2)};
  if (d.year < 1 || d.month < 1 || d.month > 12 || d.day < 1
      || d.day > days_in_month(d.year, d.month))
    return std::nullopt;
  return d;
}

} // namespace

// -- derived values -----------------------------------------------------------

int ai_positive(const ai_report& ai, int threshold) noexcept {
  // The model's explicit yes/no (`short`) decides; severity is the fallback
  // for answers without it.
  if (ai.positive == 0 || ai.positive == 1)
    return ai.positive;
  if (ai.severity < 0)
    return -1;
  return ai.severity >= threshold ? 1 : 0;
}

bool ai_analysed(const ai_report& ai, int threshold) noexcept {
  return ai_positive(ai, threshold) != -1;
}

int reviewed(const rad_report& rad) noexcept {
  return rad.positive != -1 ? 1 : 0;
}

int correct(const exam_record& exam, int threshold) noexcept {
  const int ai = ai_positive(exam.ai, threshold);
  if (ai == -1 || reviewed(exam.rad) == 0)
    return -1;
  return ai == exam.rad.positive ? 1 : 0;
}

// -- dates and local times ----------------------------------------------------

std::optional<civil_date> parse_date(std::string_view text) {
  if (text.size() != 10)
    return std::nullopt;
  return parse_date_prefix(text);
}

std::optional<civil_time> parse_timestamp(std::string_view text) {
  if (text.size() != 19 || text[10] != ' ' || text[13] != ':'
      || text[16] != ':')
    return std::nullopt;
  const auto date = parse_date_prefix(text);
  if (!date)
    return std::nullopt;
  const civil_time t{*date, digits(text, 11, 2), digits(text, 14, 2),
                     digits(text, 17, 2)};
  if (t.hour < 0 || t.hour > 23 || t.minute < 0 || t.minute > 59 || t.second < 0
      || t.second > 59)
    return std::nullopt;
  return t;
}

int age_at(std::string_view birthdate, std::string_view exam_created) {
  const auto birth = parse_date(birthdate);
  std::optional<civil_date> at;
  if (exam_created.size() == 10) {
    at = parse_date(exam_created);
  } else if (const auto t = parse_timestamp(exam_created)) {
    at = t->date;
  }
  if (!birth || !at)
    return -1;
  const auto before_birthday = [&] {
    return at->month < birth->month
           || (at->month == birth->month && at->day < birth->day);
  };
  const int years = at->year - birth->year - (before_birthday() ? 1 : 0);
  return years < 0 ? -1 : years;
}

std::int64_t to_epoch_seconds(std::string_view local_timestamp) {
  const auto t = parse_timestamp(local_timestamp);
  if (!t)
    return -1;
  std::tm tm{};
  tm.tm_year = t->date.year - 1900;
  tm.tm_mon = t->date.month - 1;
  tm.tm_mday = t->date.day;
  tm.tm_hour = t->hour;
  tm.tm_min = t->minute;
  tm.tm_sec = t->second;
  tm.tm_isdst = -1; // let the zone rules decide summer time
  const std::time_t epoch = std::mktime(&tm);
  return static_cast<std::int64_t>(epoch);
}

std::string format_local(std::int64_t epoch) {
  const auto t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr)
    return {};
  std::array<char, 32> buf{};
  const auto n
    = std::strftime(buf.data(), buf.size(), "%Y-%m-%d %H:%M:%S", &tm);
  // Years beyond 9999 do not fit the stored form.
  if (n != 19)
    return {};
  return std::string{buf.data(), n};
}

// -- status state machine -----------------------------------------------------

bool can_transition(exam_status from, exam_status to) noexcept {
  using enum exam_status;
  switch (to) {
  case queued: // ingest of a new or re-sent image; start-up reset
    return from == none || from == error || from == ignore
           || from == processing;
  case processing: // the worker's pick
    return from == queued || from == requeue || from == check;
  case done: // the end of an analysis, or of a radiologist report's check
    return from == processing || from == check;
  case error:
  case ignore: // the end of an analysis
    return from == processing;
  case requeue: // POST /api/requeue
    return from != processing;
  case check: // a radiologist report from FHIR
    return from == none || from == done || from == error || from == ignore
           || from == check;
  case none: // only the initial value
    return false;
  }
  return false;
}

bool needs_check(const rad_report& rad) noexcept {
  return !rad.text.empty() && rad.severity < 0;
}

exam_status after_processing(exam_status result, bool requeue_pending,
                             bool check_pending) noexcept {
  using enum exam_status;
  if (result != done && result != error && result != ignore && result != queued)
    result = error;
  if (requeue_pending)
    return requeue;
  // After the start-up reset the image still has to be analysed; the check
  // stays pending until that analysis ends.
  if (check_pending && result != queued)
    return check;
  return result;
}

} // namespace xrv::store
