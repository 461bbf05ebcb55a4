#pragma once

// The AI queue's decisions as pure functions: how an answer counts, how long
// to wait before another attempt, which endpoint gets the next request, and
// the latency figures of the last 24 hours.

#include "actors/ai/messages.hpp"
#include "actors/system/errors.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xrv::ai {

/// How an HTTP status of a chat-completions POST counts: 200 ok; statuses
/// that say the endpoint cannot serve anyone (401, 403, 404, 429, 502, 503,
/// 504) an outage; any other a failed attempt.
[[nodiscard]] outcome_kind classify_status(long status) noexcept;

/// How a transport error counts: no connection (`peer_unavailable`) is an
/// outage; a timeout or anything else a failed attempt.
[[nodiscard]] outcome_kind classify_transport(errc code) noexcept;

/// The pause before attempt `attempt + 1` after `attempt` failures (1, 2,
/// ...): `first` doubled each time, at most 10 minutes.
[[nodiscard]] std::chrono::milliseconds
retry_delay(int attempt, std::chrono::milliseconds first) noexcept;

/// The health-probe URL of a chat-completions URL: `.../chat/completions`
/// becomes `.../models` (the original's rule); any other URL gets `/models`
/// appended to its path.
[[nodiscard]] std::string models_url(std::string_view chat_url);

/// What the queue knows of one endpoint when choosing.
struct endpoint_view {
  bool healthy = false;
  std::size_t slots = 1;
  std::size_t busy = 0;
};

/// The endpoint for the next request: the first healthy one (in
/// configuration order: primary first) with a free slot, other than `avoid`
/// when another one qualifies; nullopt when none can take it.
[[nodiscard]] std::optional<std::size_t>
choose_endpoint(const std::vector<endpoint_view>& endpoints,
                std::optional<std::size_t> avoid = std::nullopt);

/// Whether any endpoint is healthy (busy or not).
[[nodiscard]] bool any_healthy(const std::vector<endpoint_view>& endpoints);

/// Latency figures over a sliding 24 hours in one-minute buckets (bounded
/// memory whatever the rate).
class latency_window {
public:
  using clock = std::chrono::steady_clock;

  struct summary {
    double avg_s = 0;
    double min_s = 0;
    double max_s = 0;
    std::uint64_t count = 0;
  };

  /// Records one call of `ms` milliseconds ending at `at`.
  void add(clock::time_point at, std::int64_t ms);

  /// The calls of the 24 hours up to `now` (all zero when none).
  [[nodiscard]] summary over_day(clock::time_point now) const;

private:
  struct bucket {
    std::int64_t minute = -1; // minutes since the clock's epoch
    std::uint64_t count = 0;
    std::int64_t sum_ms = 0;
    std::int64_t min_ms = 0;
    std::int64_t max_ms = 0;
  };

  static constexpr std::size_t minutes_per_day = 24 * 60;
  std::array<bucket, minutes_per_day> buckets_{};
};

} // namespace xrv::ai
