#include "actors/limiter/limiter.hpp"

#include "actors/system/log.hpp"

#include <caf/event_based_actor.hpp>

namespace xrv {

namespace {

int per_minute(const limiter_config& cfg, std::uint8_t cls) {
  return cls == static_cast<std::uint8_t>(limit_class::heavy)
           ? cfg.heavy_per_minute
           : cfg.api_per_minute;
}

// Forgets buckets that have refilled completely: they behave exactly like a
// new bucket, so dropping them loses nothing.
void prune(limiter_state& st, std::chrono::steady_clock::time_point now) {
  for (auto i = st.buckets.begin(); i != st.buckets.end();) {
    if (limiter::is_full(i->second, per_minute(st.cfg, i->first.second), now))
      i = st.buckets.erase(i);
    else
      ++i;
  }
}

} // namespace

limiter_actor::behavior_type
rate_limiter(limiter_actor::stateful_pointer<limiter_state> self,
             limiter_config cfg, steady_now_fn now) {
  self->state.cfg = cfg;
  self->state.now = std::move(now);
  self->delayed_send(self, std::chrono::minutes(1), atom::tick::value);
  return {
    [self](atom::acquire, const std::string& ip,
           std::uint8_t cls) -> std::int32_t {
      auto& st = self->state;
      const int budget = per_minute(st.cfg, cls);
      if (budget <= 0)
        return 0;
      const auto t = st.now();
      auto key = std::make_pair(ip, cls);
      auto i = st.buckets.find(key);
      if (i == st.buckets.end()) {
        if (st.buckets.size() >= st.cfg.max_clients)
          prune(st, t);
        if (st.buckets.size() >= st.cfg.max_clients) {
          // Still full of active clients: refuse rather than grow without
          // bound; the caller sees a short retry.
          log::get("limiter")->warn("client table full ({} entries)",
                                    st.buckets.size());
          return 1;
        }
        i = st.buckets.emplace(key, limiter::make_bucket(budget, t)).first;
      }
      auto verdict = limiter::take(i->second, budget, t);
      if (verdict.allowed)
        return 0;
      return static_cast<std::int32_t>(verdict.retry_after.count());
    },
    [](atom::health) {
      return component_health{"limiter", true, ""};
    },
    [self](atom::tick) {
      prune(self->state, self->state.now());
      self->delayed_send(self, std::chrono::minutes(1), atom::tick::value);
    },
  };
}

} // namespace xrv
