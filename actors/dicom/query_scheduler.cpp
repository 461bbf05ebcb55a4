// The query scheduler: a scheduled actor that owns the timer and the "one run
// at a time" rule; each run happens in a one-shot blocking worker
// (query_worker.cpp), so no DcmSCU call ever parks a scheduler thread.

#include "actors/dicom/query_scheduler.hpp"

#include "actors/dicom/query_plan.hpp"
#include "actors/dicom/query_worker.hpp"
#include "actors/store/definitions.hpp"
#include "actors/system/log.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/system_messages.hpp>

#include <string>

namespace xrv {

namespace {

using self_ptr = query_actor::stateful_pointer<query_state>;
using std::chrono::system_clock;

std::string local_stamp(system_clock::time_point t) {
  return store::format_local(
    std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
      .count());
}

std::string hours_text(std::chrono::seconds span) {
  const auto h = std::chrono::duration_cast<std::chrono::hours>(span).count();
  return std::to_string(h) + (h == 1 ? " hour" : " hours");
}

// Starts a worker for one run; the caller checked that none is running.
void start_run(self_ptr self, std::chrono::seconds span, std::string trigger) {
  auto& st = self->state;
  query_job job;
  job.run = ++st.last_run;
  job.cfg = st.cfg;
  job.span = span;
  job.now = system_clock::now();
  job.store = st.store;
  job.converters = st.converters;
  job.reply_to = caf::actor_cast<query_actor>(self);
  job.stop = st.stop;
  auto worker = self->spawn(query_worker, std::move(job));
  self->monitor(worker);
  st.running = st.last_run;
  st.worker = worker.address();
  st.started = std::chrono::steady_clock::now();
  st.trigger = std::move(trigger);
  st.span = span;
  log::get("dicom")->info("DICOM query {} started ({}, last {}) on {}@{}:{} "
                          "with {}",
                          st.last_run, st.trigger, hours_text(span),
                          st.cfg.peer_ae, st.cfg.peer_host, st.cfg.peer_port,
                          st.cfg.use_cget ? "C-GET" : "C-MOVE");
}

// Records the end of the run: health, and one log line (a failure is
// logged here, once per run).
void finish_run(self_ptr self, const query_report& r) {
  auto& st = self->state;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - st.started)
                    .count();
  const auto summary
    = std::to_string(r.found) + " studies found, " + std::to_string(r.known)
      + " already known, " + std::to_string(r.outside) + " outside the window, "
      + std::to_string(r.retrieved) + " retrieved, " + std::to_string(r.failed)
      + " failed; sub-operations: completed "
      + std::to_string(r.completed_subops) + ", failed "
      + std::to_string(r.failed_subops) + ", warning "
      + std::to_string(r.warning_subops);
  const auto when = local_stamp(system_clock::now());
  if (r.problem.empty()) {
    log::get("dicom")->info("DICOM query {} finished in {} ms: {}", r.run, ms,
                            summary);
    st.health = component_health{"query scheduler", true,
                                 "last run " + when + ": " + summary};
  } else {
    log::get("dicom")->error("DICOM query {} failed after {} ms: {} ({})",
                             r.run, ms, r.problem, summary);
    st.health
      = component_health{"query scheduler", false, when + ": " + r.problem};
  }
  st.running.reset();
  st.worker = caf::actor_addr{};
}

void arm_timer(self_ptr self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  st.next_run = system_clock::now() + delay;
  self->delayed_send(self, delay, atom::tick::value);
}

} // namespace

query_actor::behavior_type
query_scheduler(query_actor::stateful_pointer<query_state> self,
                query_config cfg, store_actor store,
                std::vector<converter_actor> converters) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.converters = std::move(converters);
  st.rng.seed(std::random_device{}());
  st.stop = std::make_shared<run_interrupter>();
  st.health = component_health{
    "query scheduler", true,
    st.cfg.periodic ? "no run yet" : "automatic queries disabled (--no-query)"};
  // A worker blocked in DcmSCU must not hold shutdown up for its timeout.
  self->attach_functor([stop = st.stop](const caf::error&) {
    stop->interrupt();
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    // A worker always reports before it ends; one that did not crashed.
    if (st.running && msg.source == st.worker) {
      query_report r;
      r.run = *st.running;
      r.problem
        = "the query worker stopped: " + self->system().render(msg.reason);
      finish_run(self, r);
    }
  });
  if (st.cfg.periodic) {
    arm_timer(self, std::chrono::duration_cast<std::chrono::milliseconds>(
                      st.cfg.first_delay));
    log::get("dicom")->info("automatic DICOM queries every {} s (±30 %), "
                            "first at {}",
                            st.cfg.interval.count(), local_stamp(*st.next_run));
  } else {
    log::get("dicom")->warn("automatic DICOM queries disabled");
  }
  return {
    [self](atom::query, std::int32_t hours) -> caf::result<std::string> {
      auto& st = self->state;
      if (hours < 1 || hours > 168)
        return to_caf_error(error{
          errc::invalid_input, "hours: must be an integer between 1 and 168"});
      if (st.running)
        return to_caf_error(
          error{errc::conflict, "A DICOM query is already running"});
      const std::chrono::seconds span = std::chrono::hours{hours};
      start_run(self, span, "on request");
      return "Query for the last " + hours_text(span) + " started";
    },
    [self](atom::next_query) -> std::string {
      auto& st = self->state;
      if (!st.cfg.periodic || !st.next_run)
        return "Disabled";
      return local_stamp(*st.next_run);
    },
    [self](atom::health) {
      return self->state.health;
    },
    [self](atom::tick) {
      auto& st = self->state;
      if (st.running)
        log::get("dicom")->info("DICOM query {} still running; the scheduled "
                                "run is skipped",
                                *st.running);
      else
        start_run(self, dicom::scheduled_span(st.cfg.interval), "scheduled");
      std::uniform_real_distribution<double> u{0.0, 1.0};
      arm_timer(self, dicom::next_delay(st.cfg.interval, u(st.rng)));
    },
    [self](atom::query_done, const query_report& r) {
      auto& st = self->state;
      if (!st.running || *st.running != r.run)
        return; // a report that arrives after its run was written off
      finish_run(self, r);
    },
  };
}

} // namespace xrv
