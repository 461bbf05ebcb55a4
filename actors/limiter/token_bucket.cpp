#include "actors/limiter/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace xrv::limiter {

namespace {

using time_point = std::chrono::steady_clock::time_point;

// Absorbs binary rounding (e.g. 1/6 + 5/6 landing a hair below 1) so that
// exact refills count as whole tokens and retry times do not round up a
// whole extra second.
constexpr double epsilon = 1e-9;

// The token count at `now` without changing the bucket; a clock that went
// backwards refills nothing.
double refilled(const token_bucket& b, int per_minute, time_point now) {
  const double capacity = per_minute;
  if (now <= b.last)
    return std::min(b.tokens, capacity);
  const std::chrono::duration<double> elapsed = now - b.last;
  return std::min(capacity, b.tokens + elapsed.count() * per_minute / 60.0);
}

} // namespace

token_bucket make_bucket(int per_minute, time_point now) {
  return token_bucket{static_cast<double>(std::max(per_minute, 0)), now};
}

take_result take(token_bucket& b, int per_minute, time_point now) {
  if (per_minute <= 0)
    return {true, std::chrono::seconds{0}};
  b.tokens = refilled(b, per_minute, now);
  b.last = std::max(b.last, now);
  if (b.tokens >= 1.0 - epsilon) {
    b.tokens = std::max(0.0, b.tokens - 1.0);
    return {true, std::chrono::seconds{0}};
  }
  const double wait = (1.0 - b.tokens) * 60.0 / per_minute;
  const auto secs = static_cast<long long>(std::ceil(wait - epsilon));
  return {false, std::chrono::seconds{std::max(secs, 1LL)}};
}

bool is_full(const token_bucket& b, int per_minute, time_point now) {
  if (per_minute <= 0)
    return true;
  return refilled(b, per_minute, now) >= per_minute - epsilon;
}

} // namespace xrv::limiter
