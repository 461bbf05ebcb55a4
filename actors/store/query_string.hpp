#pragma once

// Query-string decoding for the list routes: form decoding, UTF-8 and
// control-character checks, and picking known parameters out of a query.

#include "actors/system/errors.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace xrv::store {

/// application/x-www-form-urlencoded decoding (`+` is a space); nullopt on a
/// `%` not followed by two hex digits.
[[nodiscard]] std::optional<std::string> form_decode(std::string_view raw);

/// Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF), so
/// echoed values always serialise to valid JSON text.
[[nodiscard]] bool valid_utf8(std::string_view s);

/// Whether `s` contains an ASCII control character.
[[nodiscard]] bool has_control(std::string_view s);

// The decoded value of each parameter in `names` (empty when absent; of a
// repeated one the last). Pieces whose name does not decode cannot name a
// known parameter and are skipped; only the values kept are decoded.
/// The decoded value of each parameter in `names`, validated.
template <std::size_t N>
[[nodiscard]] result<std::array<std::string, N>>
decode_params(std::string_view query,
              const std::array<std::string_view, N>& names) {
  std::array<std::optional<std::string_view>, N> raw{};
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    const auto eq = piece.find('=');
    const auto key = form_decode(piece.substr(0, eq));
    for (std::size_t i = 0; key && i < N; ++i)
      if (*key == names[i])
        raw[i] = eq == std::string_view::npos ? std::string_view{}
                                              : piece.substr(eq + 1);
  }
  std::array<std::string, N> out;
  for (std::size_t i = 0; i < N; ++i) {
    if (!raw[i])
      continue;
    auto value = form_decode(*raw[i]);
    if (!value)
      return tl::unexpected{
        error{errc::invalid_input,
              std::string{names[i]} + ": malformed percent-encoding"}};
    if (!valid_utf8(*value))
      return tl::unexpected{error{errc::invalid_input,
                                  std::string{names[i]} + ": not valid UTF-8"}};
    // Keeps log lines and the index's field separators intact.
    if (has_control(*value))
      return tl::unexpected{
        error{errc::invalid_input,
              std::string{names[i]} + ": control characters not allowed"}};
    out[i] = std::move(*value);
  }
  return out;
}

} // namespace xrv::store
