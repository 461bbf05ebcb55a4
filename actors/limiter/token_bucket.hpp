#pragma once

#include <chrono>

namespace xrv::limiter {

/// One client's allowance for one route class.
struct token_bucket {
  double tokens;
  std::chrono::steady_clock::time_point last;
};

/// The verdict on one request.
struct take_result {
  bool allowed;
  /// Whole seconds until a token is available: 0 when allowed, else >= 1.
  std::chrono::seconds retry_after;
};

/// A full bucket for `per_minute` requests per minute.
[[nodiscard]] token_bucket
make_bucket(int per_minute, std::chrono::steady_clock::time_point now);

/// Refills `b` continuously at `per_minute` tokens per 60 s (capacity
/// `per_minute`) and takes one token if available; `per_minute <= 0` means
/// unlimited.
[[nodiscard]] take_result take(token_bucket& b, int per_minute,
                               std::chrono::steady_clock::time_point now);

/// Whether `b` would be full at `now`, so the limiter can forget it.
[[nodiscard]] bool is_full(const token_bucket& b, int per_minute,
                           std::chrono::steady_clock::time_point now);

} // namespace xrv::limiter
