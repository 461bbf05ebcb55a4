#include "actors/system/phi.hpp"

#include <cstddef>

namespace xrv {

namespace {

constexpr char32_t replacement_char = 0xFFFD;

// The code point starting at `s[i]` and its length in bytes; malformed
// input yields U+FFFD over one byte so that callers always make progress.
struct decoded {
  char32_t cp;
  std::size_t len;
};

decoded decode_at(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(s[i + k]);
  };
  const unsigned char c = byte(0);
  if (c < 0x80)
    return {c, 1};
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1FU;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0FU;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07U;
    min = 0x10000;
  } else {
    return {replacement_char, 1};
  }
  if (s.size() - i < len)
    return {replacement_char, 1};
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(k) & 0xC0U) != 0x80U)
      return {replacement_char, 1};
    cp = (cp << 6U) | (byte(k) & 0x3FU);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return {replacement_char, 1};
  return {cp, len};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0U | (cp >> 6U)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0U | (cp >> 12U)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  } else {
    out.push_back(static_cast<char>(0xF0U | (cp >> 18U)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 12U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  }
}

bool in(char32_t cp, char32_t lo, char32_t hi) {
  return cp >= lo && cp <= hi;
}

// Simple upper-casing for the scripts patient names arrive in: ASCII,
// Latin-1, Latin Extended-A, the Romanian comma-below letters of Latin
// Extended-B (U+0218–U+021B), basic Greek and Cyrillic. In these blocks the
// pairs alternate upper/lower, which the parity tests below encode.
char32_t to_upper(char32_t cp) {
  if (in(cp, U'a', U'z'))
    return cp - 0x20;
  if (cp < 0xE0)
    return cp;
  if (in(cp, 0xE0, 0xFE) && cp != 0xF7) // à…þ, not ÷
    return cp - 0x20;
  if (cp == 0xFF) // ÿ
    return 0x178;
  if (cp == 0x131) // dotless ı
    return U'I';
  if (cp == 0x17F) // long ſ
    return U'S';
  const bool odd = (cp & 1U) != 0;
  if ((in(cp, 0x100, 0x12F) || in(cp, 0x132, 0x137) || in(cp, 0x14A, 0x177)
       || in(cp, 0x200, 0x21F) || in(cp, 0x222, 0x233))
      && odd)
    return cp - 1; // ă, ş, ţ, ș, ț …
  if ((in(cp, 0x139, 0x148) || in(cp, 0x179, 0x17E)) && !odd)
    return cp - 1;
  if (cp == 0x3C2) // final sigma
    return 0x3A3;
  if (in(cp, 0x3B1, 0x3C9))
    return cp - 0x20;
  if (in(cp, 0x430, 0x44F))
    return cp - 0x20;
  if (in(cp, 0x450, 0x45F))
    return cp - 0x50;
  return cp;
}

bool is_separator(char c) {
  return c == '-' || c == '^' || c == ' ';
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
         || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back()))
    s.remove_suffix(1);
  return s;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

} // namespace

std::string patient_initials(std::string_view dicom_name) {
  std::string out;
  bool at_part_start = true;
  for (std::size_t i = 0; i < dicom_name.size();) {
    if (is_separator(dicom_name[i])) {
      at_part_start = true;
      ++i;
      continue;
    }
    const auto [cp, len] = decode_at(dicom_name, i);
    if (at_part_start) {
      append_utf8(out, to_upper(cp));
      out.push_back('.');
      at_part_start = false;
    }
    i += len;
  }
  return out.empty() ? std::string{"NoName"} : out;
}

std::string radiologist_initials(std::string_view name) {
  name = trim(name);
  if (name.size() >= 3 && (name[0] == 'D' || name[0] == 'd')
      && (name[1] == 'R' || name[1] == 'r') && name[2] == '.')
    name = trim(name.substr(3));
  // patient_initials already answers "NoName" for nothing left.
  return "Dr. " + patient_initials(name);
}

std::string truncate_cnp(std::string_view cnp) {
  if (cnp.empty())
    return "Unknown";
  // Count characters, not bytes, so a non-ASCII patient id is never cut
  // inside a UTF-8 sequence.
  std::size_t i = 0;
  for (int kept = 0; kept < 7 && i < cnp.size(); ++kept)
    i += decode_at(cnp, i).len;
  if (i >= cnp.size())
    return std::string{cnp};
  return std::string{cnp.substr(0, i)} + "...";
}

std::string mask_name(std::string_view name) {
  return patient_initials(name);
}

std::string mask_cnp(std::string_view cnp) {
  if (cnp.empty())
    return "-";
  const auto first = decode_at(cnp, 0).len;
  std::string out{cnp.substr(0, first)};
  for (std::size_t i = first; i < cnp.size(); i += decode_at(cnp, i).len)
    out.push_back('*');
  return out;
}

std::string scrub_cnps(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) {
      out.push_back(text[i]);
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && is_digit(text[end]))
      ++end;
    const auto run = text.substr(i, end - i);
    // A CNP has exactly 13 digits; longer runs (e.g. UIDs' components,
    // timestamps) are not CNPs.
    if (run.size() == 13)
      out += mask_cnp(run);
    else
      out += run;
    i = end;
  }
  return out;
}

} // namespace xrv
