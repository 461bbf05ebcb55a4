#include "actors/ai/dispatcher.hpp"

#include "actors/net/http_client.hpp"
#include "actors/system/log.hpp"

#include <caf/send.hpp>

#include <algorithm>

namespace xrv::ai {

namespace {

using self_ptr = dispatcher_actor::stateful_pointer<dispatcher_state>;

std::string where(const dispatcher_state& st) {
  return st.cfg.worker.endpoint.name + " ("
         + net::redact_url(st.cfg.worker.endpoint.url) + ")";
}

void report(self_ptr self) {
  auto& st = self->state;
  endpoint_state s;
  s.index = st.cfg.index;
  s.healthy = st.healthy;
  s.detail = st.detail;
  self->send(st.queue, atom::endpoint::value, std::move(s));
}

// Schedules the next probe; a later call supersedes an earlier timer.
void schedule_probe(self_ptr self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  self->delayed_send(self, delay, atom::probe::value, ++st.probe_generation);
}

void set_health(self_ptr self, bool healthy, const std::string& detail) {
  auto& st = self->state;
  const bool changed = st.healthy != healthy;
  st.healthy = healthy;
  st.detail = healthy ? std::string{} : detail;
  if (healthy) {
    st.backoff = std::chrono::milliseconds{0};
  } else {
    st.backoff = st.backoff.count() == 0
                   ? st.cfg.down_backoff
                   : std::min<std::chrono::milliseconds>(
                     st.backoff * 2, st.cfg.health_interval);
  }
  if (changed) {
    if (healthy)
      log::get("ai")->info("AI endpoint {} is up", where(st));
    else
      log::get("ai")->warn("AI endpoint {} is down: {}", where(st), detail);
    report(self);
  }
}

// A call's outcome says something about the endpoint too.
void learn(self_ptr self, outcome_kind kind, const std::string& detail) {
  if (kind == outcome_kind::outage) {
    set_health(self, false, detail);
    schedule_probe(self, self->state.backoff);
  } else if (!self->state.healthy) {
    set_health(self, true, {});
  }
}

// Runs `xs...` on an idle worker and delivers the outcome.
template <class Outcome, class... Ts>
caf::result<Outcome> on_slot(self_ptr self, Ts... xs) {
  auto& st = self->state;
  if (st.idle.empty())
    return to_caf_error(
      error{errc::not_available, "every slot of " + where(st) + " is busy"});
  auto worker = st.idle.back();
  st.idle.pop_back();
  auto rp = self->make_response_promise<Outcome>();
  // The worker enforces the endpoint's own timeouts; this is a backstop.
  const auto backstop
    = std::chrono::seconds(st.cfg.worker.endpoint.timeout_s
                           + st.cfg.worker.endpoint.connect_timeout_s + 30);
  self->request(worker, backstop, std::move(xs)...)
    .then(
      [self, worker, rp](Outcome& out) mutable {
        self->state.idle.push_back(worker);
        learn(self, out.kind, out.detail);
        rp.deliver(std::move(out));
      },
      [self, worker, rp](caf::error& err) mutable {
        self->state.idle.push_back(worker);
        Outcome out;
        out.kind = outcome_kind::failed;
        out.detail = "AI worker failed: " + self->system().render(err);
        rp.deliver(std::move(out));
      });
  return rp;
}

} // namespace

dispatcher_actor::behavior_type
dispatcher(dispatcher_actor::stateful_pointer<dispatcher_state> self,
           dispatcher_config cfg, ai_queue_actor queue) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.queue = std::move(queue);
  auto cancel = st.cfg.worker.cancel;
  // Stop in-flight calls when the dispatcher ends, so shutdown never waits
  // for a slow model.
  self->attach_functor([cancel] {
    if (cancel)
      cancel->store(true);
  });
  for (int i = 0; i < st.cfg.worker.endpoint.slots; ++i)
    st.idle.push_back(
      self->spawn<caf::linked + caf::detached>(ai_worker, st.cfg.worker));
  st.prober
    = self->spawn<caf::linked + caf::detached>(ai_worker, st.cfg.worker);
  schedule_probe(self, std::chrono::milliseconds{0});
  return {
    [self](atom::analyse, analysis_job& job) -> caf::result<analysis_outcome> {
      return on_slot<analysis_outcome>(self, atom::analyse::value,
                                       std::move(job));
    },
    [self](atom::ai_text, text_task task,
           std::string& text) -> caf::result<text_outcome> {
      return on_slot<text_outcome>(self, atom::ai_text::value, task,
                                   std::move(text));
    },
    [self](atom::probe, std::uint64_t generation) {
      auto& st = self->state;
      if (generation != st.probe_generation || st.probing)
        return;
      st.probing = true;
      self->request(st.prober, caf::infinite, atom::probe::value)
        .then(
          [self](endpoint_state& s) {
            auto& st = self->state;
            st.probing = false;
            set_health(self, s.healthy, s.detail);
            schedule_probe(self,
                           st.healthy
                             ? std::chrono::milliseconds{st.cfg.health_interval}
                             : st.backoff);
          },
          [self](caf::error& err) {
            auto& st = self->state;
            st.probing = false;
            set_health(self, false, self->system().render(err));
            schedule_probe(self, st.backoff);
          });
    },
    [self](atom::health) {
      auto& st = self->state;
      return component_health{"AI endpoint " + st.cfg.worker.endpoint.name,
                              st.healthy, st.healthy ? where(st) : st.detail};
    },
  };
}

} // namespace xrv::ai
