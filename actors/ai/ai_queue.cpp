#include "actors/ai/ai_queue.hpp"

#include "actors/ai/queue_support.hpp"
#include "actors/dicom/regions.hpp"
#include "actors/net/http_client.hpp"
#include "actors/store/definitions.hpp"
#include "actors/system/log.hpp"
#include "actors/system/phi.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <cmath>

namespace xrv::ai {

std::vector<endpoint_view> queue_support::views(const ai_queue_state& st) {
  std::vector<endpoint_view> out;
  out.reserve(st.endpoints.size());
  for (const auto& e : st.endpoints)
    out.push_back(e.view);
  return out;
}

namespace {

using namespace queue_support;
using store::exam_status;
using steady = std::chrono::steady_clock;

std::string now_text() {
  return store::format_local(
    std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count());
}

// The frame's AI part: health, active endpoint, latencies, who is analysed.
void publish_state(self_ptr self) {
  auto& st = self->state;
  ai_status s;
  for (const auto& e : st.endpoints) {
    s.health.emplace_back(e.name, e.view.healthy);
    // Every dashboard client sees it: never credentials in a URL.
    if (s.active_url.empty() && e.view.healthy)
      s.active_url = net::redact_url(e.url);
  }
  const auto day = st.latencies.over_day(steady::now());
  s.avg_latency = day.avg_s;
  s.min_latency = day.min_s;
  s.max_latency = day.max_s;
  for (const auto& [uid, j] : st.jobs)
    if (j.running)
      s.processing.push_back(patient_initials(j.work.patient.name));
  if (s.active_url != st.last_active) {
    if (s.active_url.empty() && !st.endpoints.empty())
      log::get("ai")->error("no AI endpoint is healthy: exams wait");
    else if (!s.active_url.empty())
      log::get("ai")->info("AI endpoint in use: {}", s.active_url);
    st.last_active = s.active_url;
  }
  self->send(st.peers.broadcaster, atom::ai_state::value, std::move(s));
}

void publish_event(self_ptr self, const char* name,
                   const store::exam_view& view) {
  self->send(self->state.peers.broadcaster, atom::publish::value,
             std::string{name}, view);
}

// Ends an exam's time in the queue with a final status in the store.
template <class Then>
void finish(self_ptr self, const std::string& uid, store::ai_report ai,
            exam_status status, std::string reason, Then then) {
  self->state.jobs.erase(uid);
  self
    ->request(self->state.peers.store, std::chrono::seconds(30),
              atom::finish::value, uid, std::move(ai), status,
              std::move(reason))
    .then(std::move(then), [uid](caf::error& err) {
      log::get("ai")->error("cannot record the end of the analysis of {}: {}",
                            uid, to_string(from_caf_error(err).code));
    });
  publish_state(self);
}

// Gives an exam back to the store's queue: it waits for an endpoint.
void give_back(self_ptr self, const std::string& uid, std::string reason) {
  log::get("ai")->info("exam {} waits for an AI endpoint ({})", uid, reason);
  finish(self, uid, {}, exam_status::queued, std::move(reason),
         [](const store::exam_view&) {});
}

void dispatch(self_ptr self, const std::string& uid, std::size_t ep);

void on_outcome(self_ptr self, const std::string& uid, std::size_t ep,
                analysis_outcome out) {
  auto& st = self->state;
  auto& endpoint = st.endpoints[ep];
  --endpoint.view.busy;
  auto it = st.jobs.find(uid);
  if (it == st.jobs.end())
    return pump(self);
  auto& j = it->second;
  j.running = false;
  if (out.latency_ms > 0)
    st.latencies.add(steady::now(), out.latency_ms);
  switch (out.kind) {
  case outcome_kind::ok: {
    store::ai_report ai;
    ai.text = out.result.report;
    ai.summary = out.result.summary;
    ai.model = out.model;
    ai.positive = out.result.short_answer == "yes" ? 1 : 0;
    ai.severity = out.result.severity;
    ai.confidence = out.result.confidence;
    ai.latency = static_cast<int>(std::lround(out.latency_ms / 1000.0));
    log::get("ai")->info(
      "exam {} analysed by {} in {} ms: {} (severity {})", uid, endpoint.name,
      out.latency_ms, ai.positive == 1 ? "positive" : "negative", ai.severity);
    const bool positive = ai.positive == 1;
    finish(self, uid, std::move(ai), exam_status::done, {},
           [self, positive](const store::exam_view& view) {
             publish_event(self, "new_exam", view);
             if (positive)
               self->send(self->state.peers.notifier, atom::notify::value,
                          view);
           });
    break;
  }
  case outcome_kind::outage: {
    // The endpoint cannot serve anyone: not the exam's fault.
    endpoint.view.healthy = false;
    log::get("ai")->warn("exam {}: AI endpoint {} unavailable: {}", uid,
                         endpoint.name, out.detail);
    j.last_endpoint = ep;
    if (auto other = choose_endpoint(views(st), ep); other && *other != ep)
      dispatch(self, uid, *other);
    else
      give_back(self, uid, "AI endpoint unavailable: " + out.detail);
    break;
  }
  case outcome_kind::failed: {
    ++j.attempts;
    j.last_endpoint = ep;
    j.last_error = out.detail;
    if (j.attempts >= st.cfg.max_retries) {
      log::get("ai")->error("exam {} failed {} times, last on {}: {}", uid,
                            j.attempts, endpoint.name, out.detail);
      finish(self, uid, {}, exam_status::error, "max_retries: " + out.detail,
             [self](const store::exam_view& view) {
               publish_event(self, "error", view);
             });
      break;
    }
    const auto delay = retry_delay(j.attempts, st.cfg.retry_delay);
    log::get("ai")->warn("exam {} attempt {} on {} failed ({}); next in {} ms",
                         uid, j.attempts, endpoint.name, out.detail,
                         delay.count());
    self->delayed_send(self, delay, atom::retry::value, uid);
    break;
  }
  }
  pump(self);
}

void dispatch(self_ptr self, const std::string& uid, std::size_t ep) {
  auto& st = self->state;
  auto& j = st.jobs.at(uid);
  auto& endpoint = st.endpoints[ep];
  ++endpoint.view.busy;
  j.running = true;
  j.last_endpoint = ep;
  // The state first, so that the event's frame shows who is processed.
  publish_state(self);
  if (!j.announced) {
    j.announced = true;
    store::exam_view view{j.work.exam, j.work.patient};
    publish_event(self, "processing_start", view);
  }
  // The dispatcher's worker enforces the endpoint timeouts.
  self->request(endpoint.handle, caf::infinite, atom::analyse::value, j.work)
    .then(
      [self, uid, ep](analysis_outcome& out) {
        on_outcome(self, uid, ep, std::move(out));
      },
      [self, uid, ep](caf::error& err) {
        analysis_outcome out;
        out.kind = from_caf_error(err).code == errc::not_available
                     ? outcome_kind::outage
                     : outcome_kind::failed;
        out.detail = self->system().render(err);
        on_outcome(self, uid, ep, std::move(out));
      });
}

// Prepares a taken exam: unsupported regions are ignored, others queued for
// a slot.
void start(self_ptr self, work_item item) {
  auto& st = self->state;
  auto& exam = item.view.exam;
  // The region from the current rules, as the original recomputed it.
  auto region = dicom::identify_region(exam.protocol, st.cfg.regions);
  if (region == "unknown" && !exam.region.empty())
    region = exam.region;
  const auto& supported = st.cfg.supported_regions;
  if (std::find(supported.begin(), supported.end(), region)
      == supported.end()) {
    log::get("ai")->info("exam {} ignored: {} X-rays are not analysed",
                         exam.uid, region);
    finish(self, exam.uid, {}, exam_status::ignore,
           "region " + region + " is not analysed",
           [](const store::exam_view&) {});
    return;
  }
  exam.region = region;
  ai_queue_state::job j;
  auto q = st.cfg.questions.find(region);
  j.work.question = q == st.cfg.questions.end() ? std::string{} : q->second;
  j.work.priors = select_priors(exam, item.history, now_text());
  if (!exam.ai.text.empty())
    j.work.previous = exam.ai;
  j.work.exam = std::move(exam);
  j.work.patient = std::move(item.view.patient);
  const auto uid = j.work.exam.uid;
  st.jobs.emplace(uid, std::move(j));
  st.ready.push_front(uid);
}

void take(self_ptr self) {
  auto& st = self->state;
  st.taking = true;
  self
    ->request(st.peers.store, std::chrono::seconds(30), atom::take::value,
              st.cfg.oldest_first)
    .then(
      [self](work_item& item) {
        self->state.taking = false;
        start(self, std::move(item));
        pump(self);
      },
      [self](caf::error& err) {
        auto& st = self->state;
        st.taking = false;
        st.store_empty = true; // until the store signals work again
        if (auto e = from_caf_error(err); e.code != errc::not_found)
          log::get("ai")->error("cannot take work from the store: {}",
                                e.detail);
      });
}

void run_tool(self_ptr self, ai_queue_state::waiting_tool tool,
              std::size_t ep) {
  auto& endpoint = self->state.endpoints[ep];
  ++endpoint.view.busy;
  self
    ->request(endpoint.handle, caf::infinite, atom::ai_text::value, tool.task,
              std::move(tool.text))
    .then(
      [self, ep, rp = tool.promise](text_outcome& out) mutable {
        auto& st = self->state;
        --st.endpoints[ep].view.busy;
        if (out.latency_ms > 0)
          st.latencies.add(steady::now(), out.latency_ms);
        if (out.kind == outcome_kind::ok)
          rp.deliver(std::move(out.body));
        else if (out.kind == outcome_kind::outage)
          rp.deliver(to_caf_error(
            error{errc::not_available, "AI endpoint unavailable"}));
        else
          rp.deliver(to_caf_error(error{errc::parse_error, out.detail}));
        if (out.kind == outcome_kind::outage)
          st.endpoints[ep].view.healthy = false;
        pump(self);
      },
      [self, ep, rp = tool.promise](caf::error& err) mutable {
        --self->state.endpoints[ep].view.busy;
        rp.deliver(
          to_caf_error(error{errc::parse_error, self->system().render(err)}));
        pump(self);
      });
}

// Checks every minute, or twice per delay when it is shorter.
void schedule_error_retry(self_ptr self) {
  const auto delay = self->state.cfg.error_retry;
  if (delay.count() > 0)
    self->delayed_send(
      self,
      std::clamp<std::chrono::seconds>(delay / 2, std::chrono::seconds(1),
                                       std::chrono::seconds(60)),
      atom::retry::value);
}

} // namespace

void queue_support::pump(self_ptr self) {
  auto& st = self->state;
  if (!any_healthy(views(st))) {
    return_checks(self);
    while (!st.tools.empty()) {
      st.tools.front().promise.deliver(to_caf_error(
        error{errc::not_available, "No AI endpoint is available"}));
      st.tools.pop_front();
    }
    while (!st.ready.empty()) {
      auto uid = st.ready.front();
      st.ready.pop_front();
      give_back(self, uid, "no AI endpoint is available");
    }
    return;
  }
  // Interactive report tools first, then exams whose back-off ended, then
  // new work from the store.
  while (!st.tools.empty()) {
    auto ep = choose_endpoint(views(st));
    if (!ep)
      return;
    auto tool = std::move(st.tools.front());
    st.tools.pop_front();
    run_tool(self, std::move(tool), *ep);
  }
  while (!st.ready.empty()) {
    const auto& uid = st.ready.front();
    auto ep = choose_endpoint(views(st), st.jobs.at(uid).last_endpoint);
    if (!ep)
      return;
    auto next = uid;
    st.ready.pop_front();
    dispatch(self, next, *ep);
  }
  // One exam of look-ahead: while every slot is busy, the next exam is taken
  // now (its store write off the critical path), so that it starts the
  // moment a slot frees; an outage gives it back with the rest of `ready`.
  if (!st.taking && !st.store_empty
      && (choose_endpoint(views(st)) || st.ready.empty()))
    take(self);
  // Radiologist reports to check use the slots left.
  pump_checks(self);
}

ai_queue_actor::behavior_type
ai_queue(ai_queue_actor::stateful_pointer<ai_queue_state> self,
         ai_queue_config cfg, ai_queue_peers peers) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.peers = std::move(peers);
  for (const auto& dc : st.cfg.endpoints) {
    ai_queue_state::endpoint e;
    e.name = dc.worker.endpoint.name;
    e.url = dc.worker.endpoint.url;
    e.view.slots = static_cast<std::size_t>(dc.worker.endpoint.slots);
    e.handle = self->spawn<caf::linked>(dispatcher, dc,
                                        caf::actor_cast<ai_queue_actor>(self));
    st.endpoints.push_back(std::move(e));
  }
  self->send(st.peers.store, atom::work::value,
             caf::actor_cast<caf::actor>(self));
  schedule_error_retry(self);
  publish_state(self);
  return {
    [self](atom::work) {
      self->state.store_empty = false;
      self->state.checks_empty = false;
      pump(self);
    },
    [self](atom::endpoint, endpoint_state& s) {
      auto& st = self->state;
      if (s.index >= st.endpoints.size())
        return;
      st.endpoints[s.index].view.healthy = s.healthy;
      publish_state(self);
      if (s.healthy) {
        st.store_empty = false; // exams given back meanwhile
        st.checks_empty = false;
      }
      pump(self);
    },
    [self](atom::retry) {
      auto& st = self->state;
      self
        ->request(st.peers.store, std::chrono::seconds(60), atom::retry::value,
                  static_cast<int>(st.cfg.error_retry.count()))
        .then([](std::uint64_t) {},
              [](caf::error&) {
                log::get("ai")->error("cannot re-queue errored exams");
              });
      schedule_error_retry(self);
    },
    [self](atom::retry, const std::string& uid) {
      auto& st = self->state;
      if (retry_check(self, uid) || !st.jobs.count(uid))
        return;
      st.ready.push_back(uid);
      pump(self);
    },
    [self](atom::ai_text, text_task task,
           std::string& text) -> caf::result<std::string> {
      auto& st = self->state;
      // The one place blank reports are refused (the route only checks the
      // field's type).
      if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        return to_caf_error(
          error{errc::invalid_input, "No report text provided"});
      if (!any_healthy(views(st)))
        return to_caf_error(
          error{errc::not_available, "No AI endpoint is available"});
      if (st.tools.size() >= st.cfg.max_waiting_tools)
        return to_caf_error(
          error{errc::not_available, "The AI endpoints are busy"});
      auto rp = self->make_response_promise<std::string>();
      st.tools.push_back({task, std::move(text), rp});
      pump(self);
      return rp;
    },
    [self](atom::health) {
      auto& st = self->state;
      std::string detail;
      bool any = false;
      for (const auto& e : st.endpoints) {
        any = any || e.view.healthy;
        detail += (detail.empty() ? "" : ", ") + e.name + " "
                  + (e.view.healthy ? "up" : "down");
      }
      if (st.endpoints.empty())
        detail = "no AI endpoint is configured";
      return component_health{"AI queue", any, detail};
    },
  };
}

} // namespace xrv::ai
