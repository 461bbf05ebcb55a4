#include "actors/system/ini.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cstddef>

namespace xrv::config {

namespace {

constexpr std::string_view whitespace = " \t\r\n\f\v";

std::string_view strip_view(std::string_view s) {
  const auto first = s.find_first_not_of(whitespace);
  if (first == std::string_view::npos)
    return {};
  const auto last = s.find_last_not_of(whitespace);
  return s.substr(first, last - first + 1);
}

// configparser's BasicInterpolation turns `%%` into `%`. A lone `%` (an
// error there) is kept literally, and `%(name)s` references are not
// expanded: no shipped or documented value uses them.
std::string unescape_percent(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += v[i];
    if (v[i] == '%' && i + 1 < v.size() && v[i + 1] == '%')
      ++i;
  }
  return out;
}

std::string at(std::string_view source, int line) {
  return std::string{source} + " line " + std::to_string(line) + ": ";
}

// Collects the lines of the value being read; configparser joins them with
// '\n' and drops trailing blank lines.
struct pending_value {
  std::vector<std::string> lines;
  ini_entry* entry = nullptr;

  void flush() {
    if (entry == nullptr)
      return;
    std::string joined;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i > 0)
        joined += '\n';
      joined += lines[i];
    }
    entry->value = unescape_percent(strip_view(joined));
    entry = nullptr;
    lines.clear();
  }
};

} // namespace

std::string strip(std::string_view s) {
  return std::string{strip_view(s)};
}

std::vector<std::string> split_list(std::string_view v) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = v.find(',');
    if (auto item = strip(v.substr(0, comma)); !item.empty())
      out.push_back(std::move(item));
    if (comma == std::string_view::npos)
      return out;
    v.remove_prefix(comma + 1);
  }
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<bool> parse_ini_bool(std::string_view v) {
  const auto l = lower(v);
  if (l == "1" || l == "yes" || l == "true" || l == "on")
    return true;
  if (l == "0" || l == "no" || l == "false" || l == "off")
    return false;
  return std::nullopt;
}

std::optional<long long> parse_ini_int(std::string_view v) {
  const bool negative = v.starts_with('-');
  if (v.starts_with('+')) {
    v.remove_prefix(1);
    if (v.starts_with('-'))
      return std::nullopt;
  }
  long long n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || end != v.data() + v.size()
      || (ec != std::errc{} && ec != std::errc::result_out_of_range))
    return std::nullopt;
  if (ec == std::errc::result_out_of_range)
    return negative ? LLONG_MIN : LLONG_MAX;
  return n;
}

result<std::vector<ini_section>> parse_ini(std::string_view text,
                                           std::string_view source) {
  if (text.starts_with("\xEF\xBB\xBF"))
    text.remove_prefix(3);
  std::vector<ini_section> sections;
  pending_value pending;
  std::size_t indent_level = 0;
  int line_no = 0;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const auto line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_no;
    const auto stripped = strip_view(line);
    const bool comment = stripped.starts_with('#') || stripped.starts_with(';');
    if (stripped.empty() || comment) {
      // Blank lines inside a multi-line value are kept (trailing ones are
      // dropped on flush); comment lines never are.
      if (!comment && pending.entry != nullptr)
        pending.lines.emplace_back();
      continue;
    }
    const auto indent = line.find_first_not_of(whitespace);
    if (pending.entry != nullptr && indent > indent_level) {
      pending.lines.emplace_back(stripped);
      continue;
    }
    pending.flush();
    indent_level = indent;
    const auto close = stripped.rfind(']');
    if (stripped.starts_with('[') && close != std::string_view::npos
        && close >= 2) {
      const auto name = strip_view(stripped.substr(1, close - 1));
      if (name.empty())
        return fail(errc::invalid_input,
                    at(source, line_no) + "empty section name");
      const auto same = std::find_if(sections.begin(), sections.end(),
                                     [&](const ini_section& s) {
                                       return lower(s.name) == lower(name);
                                     });
      if (same != sections.end())
        return fail(errc::invalid_input, at(source, line_no) + "section ["
                                           + std::string{name}
                                           + "] appears twice (first on line "
                                           + std::to_string(same->line) + ")");
      sections.push_back(ini_section{std::string{name}, line_no, {}});
      continue;
    }
    if (sections.empty())
      return fail(errc::invalid_input,
                  at(source, line_no) + "key = value before any [section]");
    const auto delim = stripped.find_first_of("=:");
    if (delim == std::string_view::npos)
      return fail(errc::invalid_input,
                  at(source, line_no)
                    + "expected [section], key = value, a comment or an "
                      "indented continuation line");
    const auto written = strip_view(stripped.substr(0, delim));
    if (written.empty())
      return fail(errc::invalid_input, at(source, line_no) + "empty key name");
    auto& section = sections.back();
    auto key = lower(written);
    const auto dup = std::find_if(
      section.entries.begin(), section.entries.end(), [&](const ini_entry& e) {
        return e.key == key;
      });
    if (dup != section.entries.end())
      return fail(errc::invalid_input, at(source, line_no) + "[" + section.name
                                         + "] " + std::string{written}
                                         + " appears twice (first on line "
                                         + std::to_string(dup->line) + ")");
    section.entries.push_back(ini_entry{std::move(key), {}, line_no});
    pending.entry = &section.entries.back();
    pending.lines.emplace_back(strip_view(stripped.substr(delim + 1)));
  }
  pending.flush();
  return sections;
}

} // namespace xrv::config
