#include "actors/store/stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace xrv::store::stats {

namespace {

constexpr std::int64_t day_seconds = 86'400;

// Floor division (keys of times before 1970 stay monotonic).
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}

void step(std::uint64_t& n, int sign) noexcept {
  n = sign > 0 ? n + 1 : n - 1;
}

} // namespace

void confusion::add(int ai_positive, int rad_positive, int sign) noexcept {
  if (ai_positive < 0 || ai_positive > 1 || rad_positive < 0
      || rad_positive > 1)
    return;
  if (ai_positive == 1)
    step(rad_positive == 1 ? tp : fp, sign);
  else
    step(rad_positive == 1 ? fn : tn, sign);
}

confusion& confusion::operator+=(const confusion& o) noexcept {
  tp += o.tp;
  tn += o.tn;
  fp += o.fp;
  fn += o.fn;
  return *this;
}

double round_to(double x, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(x * scale) / scale;
}

std::optional<double> percent(std::uint64_t num, std::uint64_t den) {
  if (den == 0)
    return std::nullopt;
  return round_to(100.0 * static_cast<double>(num) / static_cast<double>(den),
                  1);
}

std::optional<std::array<double, 2>> wilson(std::uint64_t num,
                                            std::uint64_t den) {
  if (den == 0)
    return std::nullopt;
  constexpr double z = 1.959963984540054; // 97.5th normal percentile
  const double n = static_cast<double>(den);
  const double p = static_cast<double>(num) / n;
  const double z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half
    = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  auto pct = [](double x) {
    return round_to(100.0 * std::clamp(x, 0.0, 1.0), 1);
  };
  return std::array<double, 2>{pct(centre - half), pct(centre + half)};
}

std::optional<double> sensitivity(const confusion& c) {
  return percent(c.tp, c.tp + c.fn);
}

std::optional<double> specificity(const confusion& c) {
  return percent(c.tn, c.tn + c.fp);
}

std::optional<double> ppv(const confusion& c) {
  return percent(c.tp, c.tp + c.fp);
}

std::optional<double> npv(const confusion& c) {
  return percent(c.tn, c.tn + c.fn);
}

double mcc(const confusion& c) {
  const auto d = [](std::uint64_t v) {
    return static_cast<double>(v);
  };
  const double den = std::sqrt(d(c.tp + c.fp)) * std::sqrt(d(c.tp + c.fn))
                     * std::sqrt(d(c.tn + c.fp)) * std::sqrt(d(c.tn + c.fn));
  if (den == 0)
    return 0.0;
  const double num = d(c.tp) * d(c.tn) - d(c.fp) * d(c.fn);
  return round_to(num / den, 2) + 0.0; // + 0.0: no "-0"
}

std::optional<double> average(double sum, std::uint64_t n, int decimals) {
  if (n == 0)
    return std::nullopt;
  return round_to(sum / static_cast<double>(n), decimals);
}

// -- local time keys ----------------------------------------------------------
// Howard Hinnant's days_from_civil / civil_from_days.

std::int64_t day_number(const civil_date& d) noexcept {
  const std::int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (d.month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + doe - 719'468;
}

civil_date from_day_number(std::int64_t days) noexcept {
  const std::int64_t z = days + 719'468;
  const std::int64_t era = floor_div(z, 146'097);
  const std::int64_t doe = z - era * 146'097;
  const std::int64_t yoe
    = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const auto year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return {year, month, day};
}

std::int64_t local_seconds(const civil_time& t) noexcept {
  return day_number(t.date) * day_seconds + t.hour * 3600 + t.minute * 60
         + t.second;
}

std::optional<std::int64_t> local_seconds(std::string_view timestamp) {
  const auto t = parse_timestamp(timestamp);
  if (!t)
    return std::nullopt;
  return local_seconds(*t);
}

std::string format_local_seconds(std::int64_t s) {
  const auto day = floor_div(s, day_seconds);
  const auto rest = s - day * day_seconds;
  const auto d = from_day_number(day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", d.year,
                d.month, d.day, static_cast<int>(rest / 3600),
                static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60));
  return buf;
}

std::int64_t day_of(std::int64_t local_s) noexcept {
  return floor_div(local_s, day_seconds);
}

std::int64_t hour_of(std::int64_t local_s) noexcept {
  return floor_div(local_s, 3600);
}

std::int64_t month_of(std::int64_t local_s) noexcept {
  const auto d = from_day_number(day_of(local_s));
  return std::int64_t{d.year} * 12 + (d.month - 1);
}

std::string day_text(std::int64_t day) {
  return format_local_seconds(day * day_seconds).substr(0, 10);
}

std::string month_text(std::int64_t month) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d",
                static_cast<int>(floor_div(month, 12)),
                static_cast<int>(month - floor_div(month, 12) * 12 + 1));
  return buf;
}

std::size_t age_bucket(int age_years) noexcept {
  if (age_years < 0)
    return 11;
  if (age_years < 2)
    return static_cast<std::size_t>(age_years); // 0-1, 1-2
  if (age_years >= 18)
    return 10;
  return static_cast<std::size_t>(age_years / 2 + 1); // 2-4 .. 16-18
}

} // namespace xrv::store::stats
