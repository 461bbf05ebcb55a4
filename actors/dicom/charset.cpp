#include "actors/dicom/charset.hpp"

#include <array>
#include <cstddef>

namespace xrv::dicom {

namespace {

enum class repertoire { ascii, latin1, latin2, utf8, unknown };

// ISO 8859-2 0xA0..0xFF; below 0xA0 it is identical to ISO 8859-1.
constexpr std::array<char16_t, 96> latin2_high{
  0x00A0, 0x0104, 0x02D8, 0x0141, 0x00A4, 0x013D, 0x015A, 0x00A7, // A0
  0x00A8, 0x0160, 0x015E, 0x0164, 0x0179, 0x00AD, 0x017D, 0x017B, // A8
  0x00B0, 0x0105, 0x02DB, 0x0142, 0x00B4, 0x013E, 0x015B, 0x02C7, // B0
  0x00B8, 0x0161, 0x015F, 0x0165, 0x017A, 0x02DD, 0x017E, 0x017C, // B8
  0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7, // C0
  0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E, // C8
  0x0110, 0x0143, 0x0147, 0x00D3, 0x00D4, 0x0150, 0x00D6, 0x00D7, // D0
  0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF, // D8
  0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7, // E0
  0x010D, 0x00E9, 0x0119, 0x00EB, 0x011B, 0x00ED, 0x00EE, 0x010F, // E8
  0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7, // F0
  0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9, // F8
};

constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    // Only BMP code points come from the single-byte tables.
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ')
    s.remove_suffix(1);
  return s;
}

std::string upper(std::string_view s) {
  std::string out{s};
  for (char& c : out)
    if (c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// One defined term of (0008,0005); PS3.3 Table C.12-2 (single-byte, without
// code extensions) and C.12-3 (with code extensions).
repertoire classify(std::string_view term) {
  const auto t = upper(trim_spaces(term));
  if (t.empty() || t == "ISO_IR 6" || t == "ISO 2022 IR 6")
    return repertoire::ascii;
  if (t == "ISO_IR 100" || t == "ISO 2022 IR 100")
    return repertoire::latin1;
  if (t == "ISO_IR 101" || t == "ISO 2022 IR 101")
    return repertoire::latin2;
  if (t == "ISO_IR 192")
    return repertoire::utf8;
  return repertoire::unknown;
}

template <class F>
void for_each_term(std::string_view set, F f) {
  while (true) {
    const auto sep = set.find('\\');
    f(set.substr(0, sep));
    if (sep == std::string_view::npos)
      return;
    set.remove_prefix(sep + 1);
  }
}

// With code extensions the first value is the G0 set (usually the default
// repertoire, possibly empty) and the later ones the G1 sets switched in by
// escape sequences; without interpreting those, the first non-ASCII set is
// the one that decodes the high bytes.
repertoire select(std::string_view set) {
  repertoire chosen = repertoire::ascii;
  bool found = false;
  for_each_term(set, [&](std::string_view term) {
    const auto r = classify(term);
    if (!found && r != repertoire::ascii) {
      chosen = r;
      found = true;
    }
  });
  return chosen;
}

bool uses_code_extensions(std::string_view set) {
  bool any = false;
  for_each_term(set, [&](std::string_view term) {
    if (upper(trim_spaces(term)).starts_with("ISO 2022"))
      any = true;
  });
  return any;
}

// ISO 2022 escape sequences: ESC, intermediate bytes 0x20..0x2F, one final
// byte 0x30..0x7E (ISO/IEC 2022 §13.1).
std::string drop_escape_sequences(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  std::size_t i = 0;
  while (i < raw.size()) {
    if (raw[i] != '\x1B') {
      out += raw[i++];
      continue;
    }
    ++i;
    while (i < raw.size() && raw[i] >= 0x20 && raw[i] <= 0x2F)
      ++i;
    if (i < raw.size() && raw[i] >= 0x30 && raw[i] <= 0x7E)
      ++i;
  }
  return out;
}

std::string decode_single_byte(std::string_view raw, repertoire r) {
  std::string out;
  out.reserve(raw.size() * 2);
  for (const char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out += c;
    } else if (r == repertoire::ascii) {
      out += replacement;
    } else if (r == repertoire::latin2 && b >= 0xA0) {
      append_utf8(out, latin2_high[b - 0xA0]);
    } else {
      append_utf8(out, b);
    }
  }
  return out;
}

// Replaces each maximal ill-formed subpart by one U+FFFD (Unicode §3.9,
// "U+FFFD Substitution of Maximal Subparts"): overlong forms, surrogates and
// code points above U+10FFFF are rejected by the second byte's range.
std::string validate_utf8(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  std::size_t i = 0;
  while (i < raw.size()) {
    const auto b0 = static_cast<unsigned char>(raw[i]);
    if (b0 < 0x80) {
      out += raw[i++];
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 == 0xE0) {
      len = 3;
      lo = 0xA0;
    } else if (b0 == 0xED) {
      len = 3;
      hi = 0x9F;
    } else if (b0 >= 0xE1 && b0 <= 0xEF) {
      len = 3;
    } else if (b0 == 0xF0) {
      len = 4;
      lo = 0x90;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
      len = 4;
    } else if (b0 == 0xF4) {
      len = 4;
      hi = 0x8F;
    } else {
      out += replacement;
      ++i;
      continue;
    }
    std::size_t j = 1;
    for (; j < len && i + j < raw.size(); ++j) {
      const auto b = static_cast<unsigned char>(raw[i + j]);
      const unsigned char min = j == 1 ? lo : 0x80;
      const unsigned char max = j == 1 ? hi : 0xBF;
      if (b < min || b > max)
        break;
    }
    if (j == len)
      out.append(raw.substr(i, len));
    else
      out += replacement;
    i += j;
  }
  return out;
}

} // namespace

std::string to_utf8(std::string_view raw,
                    std::string_view specific_character_set) {
  const auto r = select(specific_character_set);
  std::string cleaned;
  if (uses_code_extensions(specific_character_set)) {
    cleaned = drop_escape_sequences(raw);
    raw = cleaned;
  }
  if (r == repertoire::utf8)
    return validate_utf8(raw);
  // Unknown sets decode as Latin-1: every byte becomes some character, so the
  // text stays readable enough for ASCII names and the caller logs the set.
  return decode_single_byte(raw,
                            r == repertoire::unknown ? repertoire::latin1 : r);
}

bool is_supported_charset(std::string_view specific_character_set) {
  bool supported = true;
  for_each_term(specific_character_set, [&](std::string_view term) {
    if (classify(term) == repertoire::unknown)
      supported = false;
  });
  return supported;
}

} // namespace xrv::dicom
