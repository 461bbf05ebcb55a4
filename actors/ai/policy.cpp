#include "actors/ai/policy.hpp"

#include <algorithm>
#include <limits>

namespace xrv::ai {

outcome_kind classify_status(long status) noexcept {
  switch (status) {
  case 200:
    return outcome_kind::ok;
  case 401:
  case 403:
  case 404:
  case 429:
  case 502:
  case 503:
  case 504:
    return outcome_kind::outage;
  default:
    return outcome_kind::failed;
  }
}

outcome_kind classify_transport(errc code) noexcept {
  return code == errc::peer_unavailable ? outcome_kind::outage
                                        : outcome_kind::failed;
}

std::chrono::milliseconds
retry_delay(int attempt, std::chrono::milliseconds first) noexcept {
  constexpr std::chrono::milliseconds cap = std::chrono::minutes(10);
  auto d = first;
  for (int i = 1; i < attempt && d < cap; ++i)
    d *= 2;
  return std::min(d, cap);
}

std::string models_url(std::string_view chat_url) {
  constexpr std::string_view suffix = "/chat/completions";
  if (chat_url.ends_with(suffix))
    return std::string{chat_url.substr(0, chat_url.size() - suffix.size())}
           + "/models";
  std::string out{chat_url};
  while (out.ends_with('/'))
    out.pop_back();
  return out + "/models";
}

std::optional<std::size_t>
choose_endpoint(const std::vector<endpoint_view>& endpoints,
                std::optional<std::size_t> avoid) {
  std::optional<std::size_t> fallback;
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const auto& e = endpoints[i];
    if (!e.healthy || e.busy >= e.slots)
      continue;
    if (avoid && *avoid == i) {
      fallback = i;
      continue;
    }
    return i;
  }
  return fallback;
}

bool any_healthy(const std::vector<endpoint_view>& endpoints) {
  return std::any_of(endpoints.begin(), endpoints.end(),
                     [](const endpoint_view& e) {
                       return e.healthy;
                     });
}

void latency_window::add(clock::time_point at, std::int64_t ms) {
  const auto minute
    = std::chrono::duration_cast<std::chrono::minutes>(at.time_since_epoch())
        .count();
  auto& b = buckets_[static_cast<std::size_t>(minute) % minutes_per_day];
  if (b.minute != minute)
    b = bucket{minute, 0, 0, std::numeric_limits<std::int64_t>::max(), 0};
  ++b.count;
  b.sum_ms += ms;
  b.min_ms = std::min(b.min_ms, ms);
  b.max_ms = std::max(b.max_ms, ms);
}

latency_window::summary latency_window::over_day(clock::time_point now) const {
  const auto minute
    = std::chrono::duration_cast<std::chrono::minutes>(now.time_since_epoch())
        .count();
  const auto oldest = minute - static_cast<std::int64_t>(minutes_per_day) + 1;
  std::uint64_t count = 0;
  std::int64_t sum = 0;
  std::int64_t lo = std::numeric_limits<std::int64_t>::max();
  std::int64_t hi = 0;
  for (const auto& b : buckets_) {
    if (b.count == 0 || b.minute < oldest || b.minute > minute)
      continue;
    count += b.count;
    sum += b.sum_ms;
    lo = std::min(lo, b.min_ms);
    hi = std::max(hi, b.max_ms);
  }
  summary s;
  if (count == 0)
    return s;
  s.count = count;
  s.avg_s = static_cast<double>(sum) / static_cast<double>(count) / 1000.0;
  s.min_s = static_cast<double>(lo) / 1000.0;
  s.max_s = static_cast<double>(hi) / 1000.0;
  return s;
}

} // namespace xrv::ai
