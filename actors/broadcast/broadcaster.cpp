#include "actors/broadcast/broadcaster.hpp"

#include "actors/system/log.hpp"

#include <boost/json/string.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

namespace xrv {

namespace {

using self_ptr = broadcaster_actor::stateful_pointer<broadcaster_state>;

std::uint64_t heartbeat_ticks(const broadcaster_config& cfg) {
  return std::max<std::uint64_t>(
    1, static_cast<std::uint64_t>(
         std::chrono::duration_cast<std::chrono::milliseconds>(cfg.heartbeat)
         / cfg.sync_interval));
}

// Sends one frame to every client of a role (both roles when `user_frame` is
// null), forgetting those whose connection has ended.
void fan_out(broadcaster_state& st, const broadcast::frame& admin_frame,
             const broadcast::frame& user_frame) {
  auto gone = std::remove_if(st.clients.begin(), st.clients.end(),
                             [](const broadcaster_state::subscriber& s) {
                               return !s.conn->open();
                             });
  st.clients.erase(gone, st.clients.end());
  for (auto& s : st.clients)
    s.conn->send(s.user && user_frame ? user_frame : admin_frame);
  st.sent = st.current;
  st.idle_ticks = 0;
}

broadcast::frame make_frame(const broadcaster_state& st,
                            const broadcast::event* ev) {
  return std::make_shared<const std::string>(
    broadcast::serialize_frame(st.current, ev));
}

void send_state(broadcaster_state& st) {
  fan_out(st, make_frame(st, nullptr), nullptr);
}

void welcome_joining(broadcaster_state& st) {
  const bool had_clients = !st.clients.empty();
  for (auto& [sub, address] : st.joining) {
    // `role` (an extension key) lets the page hide what the role may not do.
    broadcast::event ev{
      "connected",
      {{"address", address}, {"role", sub.user ? "user" : "admin"}}};
    sub.conn->send(make_frame(st, &ev));
    st.clients.push_back(std::move(sub));
  }
  st.joining.clear();
  if (!had_clients && !st.clients.empty()) {
    // Everyone connected has just seen the current state.
    st.sent = st.current;
    st.idle_ticks = 0;
  }
}

// The refresh is over (with fresh numbers or not): welcome new clients and
// send a state frame if something changed or the heartbeat is due.
void after_refresh(self_ptr self) {
  auto& st = self->state;
  st.refreshing = false;
  // Clients already connected get the change first; new ones then get it
  // in their `connected` frame.
  if (!st.clients.empty()
      && (!st.sent || *st.sent != st.current
          || st.idle_ticks >= heartbeat_ticks(st.cfg)))
    send_state(st);
  welcome_joining(st);
}

void refresh_failed(self_ptr self, const caf::error& err, const char* what) {
  auto& st = self->state;
  if (!st.refresh_failed)
    log::get("ws")->warn("dashboard {} not refreshed: {}", what,
                         self->system().render(err));
  st.refresh_failed = true;
  after_refresh(self);
}

// Every question of the round was answered: a later failure is news again.
void refresh_succeeded(self_ptr self) {
  self->state.refresh_failed = false;
  after_refresh(self);
}

void apply_counts(broadcaster_state& st, const store_counts& c) {
  st.current.queue = c.queue;
  st.current.check = c.check;
  st.current.error = c.error;
  st.current.ignore = c.ignore;
  st.current.success = c.success_7d;
}

void ask_fhir_health(self_ptr self) {
  auto& st = self->state;
  if (!st.cfg.fhir_enabled || !st.peers.fetcher) {
    refresh_succeeded(self);
    return;
  }
  self->request(st.peers.fetcher, st.cfg.ask_timeout, atom::health::value)
    .then(
      [self](const component_health& h) {
        self->state.current.fhir_health = h.available;
        refresh_succeeded(self);
      },
      [self](const caf::error& err) {
        self->state.current.fhir_health = false;
        refresh_failed(self, err, "FHIR health");
      });
}

void ask_next_query(self_ptr self) {
  auto& st = self->state;
  if (!st.peers.query) {
    ask_fhir_health(self);
    return;
  }
  self->request(st.peers.query, st.cfg.ask_timeout, atom::next_query::value)
    .then(
      [self](const std::string& next) {
        self->state.current.next_query = next;
        ask_fhir_health(self);
      },
      [self](const caf::error& err) {
        refresh_failed(self, err, "next query time");
      });
}

// Asks the scheduler for the next query time and, when `with_counts`, the
// store for the counters (it announces every change itself; asking once per
// heartbeat catches what only the clock changes, such as the 7-day count).
void refresh(self_ptr self, bool with_counts) {
  auto& st = self->state;
  if (st.refreshing)
    return;
  st.refreshing = true;
  if (!with_counts || !st.peers.store) {
    ask_next_query(self);
    return;
  }
  self->request(st.peers.store, st.cfg.ask_timeout, atom::counts::value)
    .then(
      [self](const store_counts& c) {
        apply_counts(self->state, c);
        ask_next_query(self);
      },
      [self](const caf::error& err) {
        refresh_failed(self, err, "counters");
      });
}

} // namespace

broadcaster_actor::behavior_type
broadcaster(broadcaster_actor::stateful_pointer<broadcaster_state> self,
            broadcaster_config cfg) {
  self->state.cfg = cfg;
  self->state.current.fhir_enabled = cfg.fhir_enabled;
  self->delayed_send(self, cfg.sync_interval, atom::tick::value);
  return {
    [self](atom::publish, const std::string& name,
           const store::exam_view& view) {
      auto& st = self->state;
      if (st.clients.empty())
        return;
      const int threshold = st.cfg.severity_threshold;
      auto admin = broadcast::exam_event_payload(name, view, threshold, false);
      if (!admin) {
        log::get("ws")->error("unknown dashboard event '{}' dropped", name);
        return;
      }
      broadcast::event ev{name, std::move(*admin)};
      auto admin_frame = make_frame(st, &ev);
      broadcast::frame user_frame;
      if (broadcast::payload_depends_on_role(name)) {
        ev.payload
          = *broadcast::exam_event_payload(name, view, threshold, true);
        user_frame = make_frame(st, &ev);
      }
      fan_out(st, admin_frame, user_frame);
    },
    [self](atom::ai_state, const ai_status& s) {
      auto& cur = self->state.current;
      cur.active_url = s.active_url;
      cur.health = s.health;
      cur.avg_latency = s.avg_latency;
      cur.min_latency = s.min_latency;
      cur.max_latency = s.max_latency;
      cur.processing = s.processing;
    },
    [self](atom::subscribe, broadcast::client_ptr conn, bool user,
           const std::string& address) {
      if (!conn)
        return;
      auto& st = self->state;
      st.joining.emplace_back(
        broadcaster_state::subscriber{std::move(conn), user}, address);
      refresh(self, false);
    },
    [self](atom::peers, const broadcast_peers& p) {
      self->state.peers = p;
    },
    [self](atom::counts, const store_counts& c) {
      apply_counts(self->state, c);
    },
    [self](atom::tick) {
      auto& st = self->state;
      self->delayed_send(self, st.cfg.sync_interval, atom::tick::value);
      ++st.idle_ticks;
      ++st.ticks;
      if (!st.clients.empty())
        refresh(self, st.ticks % heartbeat_ticks(st.cfg) == 0);
    },
    [self](atom::health) {
      const auto& st = self->state;
      return component_health{"WebSocket broadcaster", true,
                              std::to_string(st.clients.size())
                                + " dashboard clients connected"};
    },
  };
}

} // namespace xrv
