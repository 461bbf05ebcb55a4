#include "actors/fhir/fetcher.hpp"

#include "actors/store/definitions.hpp"
#include "actors/system/log.hpp"

#include <caf/send.hpp>

#include <algorithm>

namespace xrv::fhir {

namespace {

using self_ptr = fetcher_actor::stateful_pointer<fetcher_state>;
using steady = std::chrono::steady_clock;

void next(self_ptr self);

void schedule_probe(self_ptr self, std::chrono::seconds delay) {
  auto& st = self->state;
  self->delayed_send(self, delay, atom::probe::value, ++st.probe_generation);
}

void set_health(self_ptr self, bool healthy, const std::string& detail) {
  auto& st = self->state;
  if (healthy != st.healthy) {
    if (healthy)
      log::get("fhir")->info("FHIR server is up: {}", detail);
    else
      log::get("fhir")->warn("FHIR server is down: {}", detail);
  }
  st.healthy = healthy;
  st.detail = detail;
  if (healthy) {
    st.probe_backoff = std::chrono::seconds{0};
    schedule_probe(self, st.cfg.health_interval);
  } else {
    // Down: probe again soon, then less often, up to HEALTH_INTERVAL.
    const auto first
      = std::min(st.cfg.health_interval, std::chrono::seconds{5});
    st.probe_backoff = std::clamp(st.probe_backoff * 2, first,
                                  std::max(st.cfg.health_interval, first));
    schedule_probe(self, st.probe_backoff);
  }
}

exam_input input_of(const store::exam_view& v) {
  exam_input in;
  in.uid = v.exam.uid;
  in.cnp = v.patient.cnp.empty() ? v.exam.cnp : v.patient.cnp;
  in.patient_name = v.patient.name;
  in.patient_id = v.patient.id;
  in.birthdate = v.patient.birthdate;
  in.created = v.exam.created;
  in.modality = v.exam.type;
  in.region = v.exam.region;
  in.request_id = v.exam.rad.id;
  return in;
}

// Stores what the lookup learnt: the patient's id and birth date, and the
// report when found.
void store_outcome(self_ptr self, const store::exam_view& view,
                   const lookup_outcome& out) {
  store::patient_record p;
  p.cnp = view.exam.cnp;
  p.id = out.patient.id;
  p.birthdate = out.patient.birthdate;
  store::rad_report r;
  if (out.status == lookup_status::found) {
    r.text = out.report.text;
    r.radiologist = out.report.radiologist;
    r.justification = out.report.justification;
    r.id = out.report.id;
    r.type = out.report.type;
  }
  if (p.id.empty() && p.birthdate.empty() && r.text.empty())
    return;
  const auto uid = view.exam.uid;
  self
    ->request(self->state.store, std::chrono::seconds(30),
              atom::rad_report::value, uid, std::move(p), std::move(r))
    .then([](const store::exam_view&) {},
          [uid](caf::error& err) {
            log::get("fhir")->error("cannot store the FHIR data of exam {}: {}",
                                    uid, from_caf_error(err).detail);
          });
}

void on_outcome(self_ptr self, const store::exam_view& view, bool manual,
                lookup_outcome out) {
  auto& st = self->state;
  st.busy = false;
  const auto& uid = view.exam.uid;
  store_outcome(self, view, out);
  switch (out.status) {
  case lookup_status::found:
    log::get("fhir")->info("exam {}: radiologist report found ({} requests)",
                           uid, out.requests);
    st.backoff.erase(uid);
    std::erase(st.candidates, uid);
    break;
  case lookup_status::not_found: {
    const auto wait
      = record_miss(st.backoff, uid, steady::now(), st.cfg.backoff);
    log::get("fhir")->info("exam {}: {}; next try in {} s{}", uid, out.detail,
                           wait.count(), manual ? " (manual fetch)" : "");
    break;
  }
  case lookup_status::failed: {
    const auto wait
      = record_miss(st.backoff, uid, steady::now(), st.cfg.backoff);
    log::get("fhir")->warn("exam {}: FHIR lookup failed: {}; next try in {} s",
                           uid, out.detail, wait.count());
    if (out.server_fault)
      set_health(self, false, out.detail);
    break;
  }
  }
  next(self);
}

void lookup(self_ptr self, const std::string& uid, bool manual) {
  auto& st = self->state;
  st.busy = true;
  self->request(st.store, std::chrono::seconds(30), atom::get::value, uid)
    .then(
      [self, manual](store::exam_view& view) {
        auto in = input_of(view);
        // The worker enforces every request's timeout and the rate bound.
        self
          ->request(self->state.worker, caf::infinite, atom::fetch::value,
                    std::move(in))
          .then(
            [self, view, manual](lookup_outcome& out) {
              on_outcome(self, view, manual, std::move(out));
            },
            [self, view, manual](caf::error& err) {
              lookup_outcome out;
              out.detail = "FHIR worker failed: " + self->system().render(err);
              on_outcome(self, view, manual, std::move(out));
            });
      },
      [self, uid](caf::error& err) {
        self->state.busy = false;
        log::get("fhir")->warn("exam {} cannot be looked up: {}", uid,
                               from_caf_error(err).detail);
        next(self);
      });
}

// Starts the next lookup: manual ones first, then the oldest due exam.
void next(self_ptr self) {
  auto& st = self->state;
  if (st.busy)
    return;
  if (!st.manual.empty()) {
    auto uid = st.manual.front();
    st.manual.pop_front();
    return lookup(self, uid, true);
  }
  if (!st.healthy || !st.cfg.enabled)
    return;
  if (auto uid = next_due(st.candidates, st.backoff, steady::now()))
    lookup(self, *uid, false);
}

// A round: the current list of exams awaiting their report, then lookups.
void round(self_ptr self) {
  auto& st = self->state;
  if (st.listing || !st.healthy || !st.cfg.enabled)
    return;
  st.listing = true;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  const auto since
    = store::format_local(now - std::int64_t{st.cfg.lookback_days} * 86400);
  self
    ->request(st.store, std::chrono::seconds(30), atom::awaiting::value, since,
              static_cast<std::uint32_t>(st.cfg.max_candidates))
    .then(
      [self](std::vector<std::string>& uids) {
        auto& st = self->state;
        st.listing = false;
        keep_only(st.backoff, uids);
        st.candidates = std::move(uids);
        next(self);
      },
      [self](caf::error& err) {
        self->state.listing = false;
        log::get("fhir")->error("cannot list the exams awaiting a report: {}",
                                from_caf_error(err).detail);
      });
}

} // namespace

fetcher_config fetcher_settings(const config::app_config& cfg) {
  const auto& f = cfg.fhir;
  fetcher_config c;
  auto& s = c.worker.fhir;
  s.base_url = f.url;
  while (!s.base_url.empty() && s.base_url.back() == '/')
    s.base_url.pop_back();
  s.username = f.username;
  s.password = f.password;
  s.token = f.token;
  s.kind = parse_dialect(f.dialect).value_or(dialect::r4);
  s.identifier_system = f.identifier_system;
  s.connect_timeout_s = f.connect_timeout;
  s.timeout_s = f.timeout;
  s.probe_timeout_s = f.probe_timeout;
  s.match_hours = f.match_hours;
  c.worker.requests_per_minute = f.requests_per_minute;
  c.worker.cancel = std::make_shared<std::atomic<bool>>(false);
  c.configured = !f.url.empty();
  c.enabled = cfg.processing.enable_his && c.configured;
  c.lookback_days = f.lookback_days;
  c.poll_interval = std::chrono::seconds(f.poll_interval);
  c.health_interval = std::chrono::seconds(f.health_interval);
  c.backoff.first = std::chrono::seconds(f.backoff_seconds);
  c.backoff.max = std::chrono::hours(f.backoff_max_hours);
  return c;
}

fetcher_actor::behavior_type
fetcher(fetcher_actor::stateful_pointer<fetcher_state> self, fetcher_config cfg,
        store_actor store) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  if (st.cfg.configured) {
    auto cancel = st.cfg.worker.cancel;
    // Stop in-flight requests when the fetcher ends: shutdown never waits
    // for a slow HIS.
    self->attach_functor([cancel] {
      if (cancel)
        cancel->store(true);
    });
    st.worker
      = self->spawn<caf::linked + caf::detached>(fhir_worker, st.cfg.worker);
    schedule_probe(self, std::chrono::seconds{0});
    if (st.cfg.enabled)
      self->send(self, atom::tick::value);
  } else {
    st.detail = "FHIR is not configured (FHIR_URL)";
  }
  return {
    [self](atom::fetch, const std::string& uid) -> caf::result<std::string> {
      auto& st = self->state;
      if (!st.cfg.configured)
        return to_caf_error(error{errc::not_available, st.detail});
      if (st.manual.size() >= st.cfg.max_manual)
        return to_caf_error(
          error{errc::not_available, "Too many report fetches are waiting"});
      auto rp = self->make_response_promise<std::string>();
      // Unknown exams are refused now; the lookup runs in the background.
      self->request(st.store, std::chrono::seconds(10), atom::get::value, uid)
        .then(
          [self, rp, uid](const store::exam_view&) mutable {
            auto& st = self->state;
            if (std::find(st.manual.begin(), st.manual.end(), uid)
                == st.manual.end())
              st.manual.push_back(uid);
            rp.deliver("Fetching the radiologist report of exam " + uid);
            next(self);
          },
          [rp](caf::error& err) mutable {
            rp.deliver(std::move(err));
          });
      return rp;
    },
    [self](atom::tick) {
      auto& st = self->state;
      round(self);
      self->delayed_send(self, st.cfg.poll_interval, atom::tick::value);
    },
    [self](atom::probe, std::uint64_t generation) {
      auto& st = self->state;
      if (generation != st.probe_generation || st.probing)
        return;
      st.probing = true;
      self->request(st.worker, caf::infinite, atom::probe::value)
        .then(
          [self](const component_health& h) {
            auto& st = self->state;
            st.probing = false;
            const bool was = st.healthy;
            set_health(self, h.available, h.detail);
            if (!was && st.healthy)
              round(self);
          },
          [self](caf::error& err) {
            self->state.probing = false;
            set_health(self, false, self->system().render(err));
          });
    },
    [self](atom::health) {
      auto& st = self->state;
      return component_health{"FHIR fetcher", st.healthy, st.detail};
    },
  };
}

} // namespace xrv::fhir
