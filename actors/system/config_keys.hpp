#pragma once

// Every fixed `[section] KEY` of the configuration with the validation of
// its value (the free-form sections are handled by config.cpp).

#include "actors/system/config.hpp"

#include <array>
#include <cstddef>
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

/// How many `[openai] OPENAI_URLS` entries may follow the primary and
/// secondary endpoints.
inline constexpr std::size_t max_extra_endpoints = 14;

/// The `[openai]` keys an endpoint may override with a `_<N>` suffix (N = 1
/// primary, 2 secondary, 3... the OPENAI_URLS entries).
inline constexpr std::array<std::string_view, 5> endpoint_keys{
  "OPENAI_API_KEY", "MODEL_NAME", "SLOTS", "CONNECT_TIMEOUT", "TIMEOUT"};

/// An endpoint override key such as `SLOTS_2`.
struct endpoint_override {
  std::string base; // one of endpoint_keys
  int endpoint = 0; // 1-based
};

/// `key` (any case) as an endpoint override of `section`, or nullopt.
[[nodiscard]] std::optional<endpoint_override>
parse_endpoint_override(std::string_view section, std::string_view key);

/// The fixed key `key` (any case) of `section`, or nullptr.
[[nodiscard]] const key_spec* find_key(std::string_view section,
                                       std::string_view key);

} // namespace xrv::config
