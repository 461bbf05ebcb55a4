#pragma once

// Every fixed `[section] KEY` of the configuration with the validation of
// its value (the free-form sections are handled by config.cpp).

#include "actors/system/config.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace xrv::config {

/// Applies a value to the config; returns why the value is invalid, if it is.
using apply_fn
  = std::optional<std::string> (*)(app_config&, const std::string&);

/// Why a boolean value was refused.
inline constexpr std::string_view bool_reason
  = "not a boolean (use true/false, yes/no, on/off or 1/0)";

/// One fixed key and how its value is applied.
struct key_spec {
  std::string_view section;
  std::string_view key; // upper case, as written in the shipped file
  apply_fn apply;
};

/// The fixed key `key` (any case) of `section`, or nullptr.
[[nodiscard]] const key_spec* find_key(std::string_view section,
                                       std::string_view key);

} // namespace xrv::config
