#pragma once

#include "actors/system/errors.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xrv::config {

/// One `key = value` line (plus its continuation lines) of an INI file.
struct ini_entry {
  std::string key;   // lower-cased, as configparser's optionxform does
  std::string value; // stripped, continuation lines joined by '\n', %% -> %
  int line = 0;      // 1-based line of the key
};

/// One `[section]` of an INI file, entries in file order.
struct ini_section {
  std::string name; // as written, stripped (the caller matches it)
  int line = 0;
  std::vector<ini_entry> entries;
};

/// Parses INI text the way Python's configparser (strict, default
/// BasicInterpolation) reads it; `source` names the text in error details,
/// which carry a line number and never a value.
[[nodiscard]] result<std::vector<ini_section>>
parse_ini(std::string_view text, std::string_view source);

/// Python's str.strip() for ASCII whitespace.
[[nodiscard]] std::string strip(std::string_view s);

/// The items of a comma-separated value, stripped; empty items dropped.
[[nodiscard]] std::vector<std::string> split_list(std::string_view v);

/// ASCII lower case (configparser's optionxform).
[[nodiscard]] std::string lower(std::string_view s);

/// ASCII upper case.
[[nodiscard]] std::string upper(std::string_view s);

/// configparser's getboolean(): 1/yes/true/on or 0/no/false/off, any case.
[[nodiscard]] std::optional<bool> parse_ini_bool(std::string_view v);

/// configparser's getint() on a stripped value: an optional sign and
/// digits; values beyond `long long` saturate so range checks reject them.
[[nodiscard]] std::optional<long long> parse_ini_int(std::string_view v);

} // namespace xrv::config
