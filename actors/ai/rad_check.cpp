// The AI check of a radiologist report (original-backend.md §4.7): translate
// it (Romanian to English; a failure is only a warning), then classify the
// original text with the CHECK prompt; store positive, severity, summary
// (lower case), model and latency. Runs on the endpoints' slots like any
// analysis; failures retry with back-off and end as `done` unclassified
// after MAX_RETRIES, so no exam stays in `check`.

#include "actors/ai/queue_support.hpp"
#include "actors/ai/reply.hpp"
#include "actors/system/log.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace xrv::ai::queue_support {

namespace {

using steady = std::chrono::steady_clock;

void end(self_ptr self, const std::string& uid, store::rad_report verdict,
         check_end how) {
  self->state.checks.erase(uid);
  self
    ->request(self->state.peers.store, std::chrono::seconds(30),
              atom::checked::value, uid, std::move(verdict), how)
    .then([](const store::exam_view&) {},
          [uid](caf::error& err) {
            log::get("ai")->error("cannot record the check of exam {}: {}", uid,
                                  from_caf_error(err).detail);
          });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return s;
}

void on_result(self_ptr self, const std::string& uid, std::size_t ep,
               text_outcome out) {
  auto& st = self->state;
  --st.endpoints[ep].view.busy;
  if (out.latency_ms > 0)
    st.latencies.add(steady::now(), out.latency_ms);
  auto it = st.checks.find(uid);
  if (it == st.checks.end())
    return pump(self);
  auto& job = it->second;
  job.running = false;
  if (out.kind == outcome_kind::outage) {
    st.endpoints[ep].view.healthy = false;
    log::get("ai")->warn("report check of exam {} waits: AI endpoint {} "
                         "unavailable: {}",
                         uid, st.endpoints[ep].name, out.detail);
    st.checks_ready.push_front(uid);
    return pump(self);
  }
  if (!job.translated) {
    job.translated = true;
    if (auto t = out.kind == outcome_kind::ok
                   ? parse_translate(out.body)
                   : result<std::string>{
                     tl::unexpected(error{errc::parse_error, out.detail})})
      job.translation = std::move(*t);
    else
      log::get("ai")->warn("exam {}: the radiologist report was not "
                           "translated: {}",
                           uid, t.error().detail);
    st.checks_ready.push_front(uid);
    return pump(self);
  }
  auto verdict = out.kind == outcome_kind::ok
                   ? parse_check(out.body)
                   : result<check_result>{
                     tl::unexpected(error{errc::parse_error, out.detail})};
  if (verdict) {
    store::rad_report r;
    r.positive = verdict->pathologic == "yes" ? 1 : 0;
    r.severity = verdict->severity;
    r.summary = lower(verdict->summary);
    r.text_en = job.translation;
    r.model = out.model;
    r.latency = static_cast<int>(std::lround(out.latency_ms / 1000.0));
    log::get("ai")->info("exam {}: radiologist report checked: {} (severity "
                         "{}, {})",
                         uid, r.positive == 1 ? "pathologic" : "normal",
                         r.severity, r.summary);
    end(self, uid, std::move(r), check_end::classified);
    return pump(self);
  }
  ++job.attempts;
  if (job.attempts >= st.cfg.max_retries) {
    log::get("ai")->error("exam {}: the radiologist report check failed {} "
                          "times: {}",
                          uid, job.attempts, verdict.error().detail);
    end(self, uid, {}, check_end::failed);
    return pump(self);
  }
  const auto delay = retry_delay(job.attempts, st.cfg.retry_delay);
  log::get("ai")->warn("exam {}: report check attempt {} failed ({}); next "
                       "in {} ms",
                       uid, job.attempts, verdict.error().detail,
                       delay.count());
  self->delayed_send(self, delay, atom::retry::value, uid);
  pump(self);
}

void dispatch(self_ptr self, const std::string& uid, std::size_t ep) {
  auto& st = self->state;
  auto& job = st.checks.at(uid);
  job.running = true;
  ++st.endpoints[ep].view.busy;
  const auto task = job.translated ? text_task::check : text_task::translate;
  self
    ->request(st.endpoints[ep].handle, caf::infinite, atom::ai_text::value,
              task, job.view.exam.rad.text)
    .then(
      [self, uid, ep](text_outcome& out) {
        on_result(self, uid, ep, std::move(out));
      },
      [self, uid, ep](caf::error& err) {
        text_outcome out;
        out.kind = from_caf_error(err).code == errc::not_available
                     ? outcome_kind::outage
                     : outcome_kind::failed;
        out.detail = self->system().render(err);
        on_result(self, uid, ep, std::move(out));
      });
}

void take(self_ptr self) {
  auto& st = self->state;
  st.taking_check = true;
  self
    ->request(st.peers.store, std::chrono::seconds(30), atom::take_check::value)
    .then(
      [self](store::exam_view& view) {
        auto& st = self->state;
        st.taking_check = false;
        const auto uid = view.exam.uid;
        ai_queue_state::check_job job;
        job.view = std::move(view);
        st.checks.emplace(uid, std::move(job));
        st.checks_ready.push_back(uid);
        pump(self);
      },
      [self](caf::error& err) {
        auto& st = self->state;
        st.taking_check = false;
        st.checks_empty = true; // until the store signals work again
        if (auto e = from_caf_error(err); e.code != errc::not_found)
          log::get("ai")->error("cannot take a report check: {}", e.detail);
      });
}

} // namespace

bool pump_checks(self_ptr self) {
  auto& st = self->state;
  while (!st.checks_ready.empty()) {
    auto ep = choose_endpoint(views(st));
    if (!ep)
      return false;
    const auto uid = st.checks_ready.front();
    st.checks_ready.pop_front();
    dispatch(self, uid, *ep);
  }
  if (!st.taking_check && !st.checks_empty && st.checks.size() < max_checks
      && choose_endpoint(views(st)))
    take(self);
  return true;
}

void return_checks(self_ptr self) {
  auto& st = self->state;
  while (!st.checks_ready.empty()) {
    const auto uid = st.checks_ready.front();
    st.checks_ready.pop_front();
    end(self, uid, {}, check_end::returned);
  }
}

bool retry_check(self_ptr self, const std::string& uid) {
  auto& st = self->state;
  if (!st.checks.count(uid))
    return false;
  st.checks_ready.push_back(uid);
  pump(self);
  return true;
}

} // namespace xrv::ai::queue_support
