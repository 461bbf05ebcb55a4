#include "actors/dicom/regions.hpp"

#include <cstddef>
#include <initializer_list>

namespace xrv::dicom {

namespace {

// Base letters of U+00C0..U+00FF: '*' keeps the letter (lower-cased), ' '
// turns a symbol (×, ÷) into a separator.
constexpr std::string_view latin1_base
  = "aaaaaa*ceeeeiiiidnooooo ouuuuy**aaaaaa*ceeeeiiiidnooooo ouuuuy*y";

// Base letters of U+0100..U+017F (Latin Extended-A, upper/lower pairs); '*'
// keeps the letter (ligatures Ĳ, Œ), lower-cased.
constexpr std::string_view latin_a_base
  = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkkllllllllll"
    "nnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

static_assert(latin1_base.size() == 0x40);
static_assert(latin_a_base.size() == 0x80);

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The code point at `text[i]`, advancing `i`; U+FFFD for a byte that does not
// start a well-formed sequence (the text is normally `to_utf8` output).
char32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  std::size_t len = 1;
  char32_t cp = b0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
  } else if (b0 >= 0x80) {
    ++i;
    return 0xFFFD;
  }
  if (i + len > text.size()) {
    ++i;
    return 0xFFFD;
  }
  for (std::size_t j = 1; j < len; ++j) {
    const auto b = static_cast<unsigned char>(text[i + j]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

bool is_space(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f'
         || cp == '\v';
}

// Non-letters outside ASCII that separate words: Latin-1 punctuation and
// symbols (NBSP, «, », °, ...), spacing diacritics (˘ ˛ ˇ from Latin-2) and
// general punctuation (dashes, curly quotes).
bool is_foreign_separator(char32_t cp) {
  return (cp >= 0xA0 && cp <= 0xBF) || (cp >= 0x2B0 && cp <= 0x2FF)
         || (cp >= 0x2000 && cp <= 0x206F);
}

// A letter or digit; bytes of non-ASCII characters left by the folding are
// letters of other scripts (or U+FFFD standing for an undecodable letter).
bool is_word_byte(char c) {
  const auto b = static_cast<unsigned char>(c);
  return (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b >= 0x80;
}

// Appends the folded form of `cp`: one ASCII letter, a space, or the code
// point itself (lower-cased where it is a Latin letter kept as is).
void append_folded(std::string& out, char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') {
    out += static_cast<char>(cp - 'A' + 'a');
  } else if (cp < 0x80) {
    out += is_space(cp) ? ' ' : static_cast<char>(cp);
  } else if (is_foreign_separator(cp)) {
    out += ' ';
  } else if (cp >= 0xC0 && cp <= 0xFF) {
    const char base = latin1_base[cp - 0xC0];
    if (base != '*')
      out += base;
    else
      append_utf8(out, cp <= 0xDE ? cp + 0x20 : cp);
  } else if (cp >= 0x100 && cp <= 0x17F) {
    const char base = latin_a_base[cp - 0x100];
    if (base != '*')
      out += base;
    else
      append_utf8(out, cp | 1);
  } else if (cp >= 0x218 && cp <= 0x21B) {
    // Romanian Ș ș Ț ț with comma below (the cedilla forms are Latin-A).
    out += cp <= 0x219 ? 's' : 't';
  } else {
    append_utf8(out, cp);
  }
}

// Whether `keyword` occurs in `text` where a word starts.
bool starts_a_word(std::string_view text, std::string_view keyword) {
  if (keyword.empty())
    return false;
  for (auto pos = text.find(keyword); pos != std::string_view::npos;
       pos = text.find(keyword, pos + 1))
    if (pos == 0 || !is_word_byte(text[pos - 1]))
      return true;
  return false;
}

bool any_starts_a_word(std::string_view text,
                       std::initializer_list<std::string_view> keywords) {
  for (const auto kw : keywords)
    if (starts_a_word(text, kw))
      return true;
  return false;
}

} // namespace

std::string fold_for_matching(std::string_view text) {
  std::string folded;
  folded.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size())
    append_folded(folded, next_code_point(text, i));
  std::string out;
  out.reserve(folded.size());
  for (const char c : folded) {
    if (c == ' ' && (out.empty() || out.back() == ' '))
      continue;
    out += c;
  }
  if (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

std::string identify_region(std::string_view protocol_text,
                            const region_rules& rules) {
  const auto text = fold_for_matching(protocol_text);
  if (text.empty())
    return "unknown";
  for (const auto& [region, keywords] : rules)
    for (const auto& keyword : keywords)
      if (starts_a_word(text, fold_for_matching(keyword)))
        return region;
  return "unknown";
}

std::string identify_projection(std::string_view protocol) {
  const auto text = fold_for_matching(protocol);
  if (any_starts_a_word(text, {"a.p.", "p.a.", "d.v.", "v.d.", "d.p"}))
    return "frontal";
  if (any_starts_a_word(text, {"lat.", "pr."}))
    return "lateral";
  if (any_starts_a_word(text, {"oblic"}))
    return "oblique";
  return "";
}

std::string describe_sex(std::string_view sex) {
  // Exact values, not the original's "contains m" test, under which "female"
  // is a boy.
  const auto s = fold_for_matching(sex);
  if (s == "m" || s == "male")
    return "boy";
  if (s == "f" || s == "female")
    return "girl";
  return "child";
}

} // namespace xrv::dicom
