#pragma once

#include <tl/expected.hpp>

#include <string>
#include <string_view>

namespace xrv {

/// The error vocabulary shared by every layer; HTTP and DIMSE statuses are
/// derived from it in exactly one place each.
enum class errc {
  invalid_input,
  not_found,
  conflict,
  forbidden,
  unauthorized,
  peer_unavailable,
  not_available,
  timeout,
  rate_limited,
  storage_failure,
  parse_error,
  internal,
};

/// An error value: a category plus a human-readable detail.
struct error {
  errc code = errc::internal;
  std::string detail;
};

/// The result type of every fallible function below the actor layer.
template <class T>
using result = tl::expected<T, error>;

/// Builds the unexpected branch of a `result`.
[[nodiscard]] inline tl::unexpected<error> fail(errc code, std::string detail) {
  return tl::unexpected<error>{error{code, std::move(detail)}};
}

/// A stable lower-case name for an error code (logs, JSON bodies).
[[nodiscard]] std::string_view to_string(errc code) noexcept;

} // namespace xrv
