#include "actors/dicom/cnp.hpp"

#include "actors/store/definitions.hpp"

#include <array>
#include <cstddef>
#include <utility>

namespace xrv::dicom {

namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view blanks = " \t\r\n\f\v";
  const auto first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos)
    return {};
  const auto last = s.find_last_not_of(blanks);
  return s.substr(first, last - first + 1);
}

int digit(std::string_view s, std::size_t i) {
  return s[i] - '0';
}

int two_digits(std::string_view s, std::size_t i) {
  return digit(s, i) * 10 + digit(s, i + 1);
}

// The original's mapping (original-backend.md §8.1), kept as is: the official
// rule reserves 7/8 for residents and 9 for foreigners without saying the
// century, and the original dates them 2000 and 1900.
int century(int s) {
  switch (s) {
  case 1:
  case 2:
  case 9:
    return 1900;
  case 3:
  case 4:
    return 1800;
  default: // 5, 6, 7, 8
    return 2000;
  }
}

bool known_county(int jj) {
  return (jj >= 1 && jj <= 46) || jj == 51 || jj == 52 || (jj >= 70 && jj <= 79)
         || (jj >= 90 && jj <= 99);
}

std::string two(int v) {
  return std::string{static_cast<char>('0' + v / 10),
                     static_cast<char>('0' + v % 10)};
}

cnp_info invalid(std::string reason) {
  cnp_info out;
  out.reason = std::move(reason);
  return out;
}

} // namespace

cnp_info validate_cnp(std::string_view text) {
  const auto cnp = trim(text);
  if (cnp.size() != 13)
    return invalid("not 13 characters");
  for (const char c : cnp)
    if (c < '0' || c > '9')
      return invalid("not all digits");
  const int s = digit(cnp, 0);
  if (s == 0)
    return invalid("first digit is 0");
  const int year = century(s) + two_digits(cnp, 1);
  const int month = two_digits(cnp, 3);
  const int day = two_digits(cnp, 5);
  const std::string birthdate
    = std::to_string(year) + "-" + two(month) + "-" + two(day);
  if (!store::parse_date(birthdate))
    return invalid("no such birth date " + birthdate);
  const int county = two_digits(cnp, 7);
  if (!known_county(county))
    return invalid("unknown county code " + two(county));
  constexpr std::array<int, 12> weights{2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9};
  int sum = 0;
  for (std::size_t i = 0; i < weights.size(); ++i)
    sum += digit(cnp, i) * weights[i];
  int check = sum % 11;
  if (check == 10)
    check = 1;
  if (check != digit(cnp, 12))
    return invalid("checksum mismatch");
  cnp_info out;
  out.valid = true;
  out.birthdate = birthdate;
  out.sex = s % 2 == 1 ? 'M' : 'F';
  out.county = county;
  return out;
}

} // namespace xrv::dicom
