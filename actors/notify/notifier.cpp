#include "actors/notify/notifier.hpp"

#include "actors/net/http_client.hpp"
#include "actors/notify/message.hpp"
#include "actors/system/log.hpp"
#include "actors/system/phi.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

namespace xrv {

namespace {

// The public interface plus the messages the notifier sends itself: `pump`
// sends the next waiting notification, `retry` one whose back-off is over.
using notifier_impl_actor
  = notifier_actor::extend<caf::reacts_to<atom::pump>,
                           caf::reacts_to<atom::retry, std::uint64_t>>;

// One notification on its way.
struct pending_post {
  notify::ntfy_message message;
  std::string label; // UID and initials, for logs
  int failed = 0;    // attempts so far, all failed
};

struct notifier_state {
  static inline const char* name = "notifier";
  notifier_config cfg;
  net::http_client client;
  std::map<std::uint64_t, pending_post> posts; // waiting or backing off
  std::deque<std::uint64_t> ready;             // to send now, in order
  std::uint64_t next_id = 0;
  std::uint64_t sent = 0;
  std::uint64_t failed = 0;
  std::uint64_t dropped = 0;
};

constexpr std::size_t max_logged_body = 200;

// What went wrong with one attempt, fit for a log line: the status and the
// start of ntfy's answer, or the transport error.
std::string describe(const result<net::http_response>& res) {
  if (!res)
    return std::string{to_string(res.error().code)} + ": " + res.error().detail;
  auto text = scrub_cnps(notify::one_line(res->body));
  if (text.size() > max_logged_body)
    text = notify::one_line(text.substr(0, max_logged_body)) + "...";
  return "HTTP " + std::to_string(res->status) + (text.empty() ? "" : ": ")
         + text;
}

// One POST of post `id`; on a retryable failure with attempts left, a
// `retry` is scheduled after the back-off (the thread never sleeps).
void attempt(notifier_impl_actor::stateful_pointer<notifier_state> self,
             std::uint64_t id) {
  auto& st = self->state;
  auto it = st.posts.find(id);
  if (it == st.posts.end())
    return;
  auto& post = it->second;
  net::http_request req;
  req.method = "POST";
  req.url = post.message.url;
  req.headers = post.message.headers;
  req.body = post.message.body;
  req.timeout = st.cfg.timeout;
  req.connect_timeout = std::min(st.cfg.timeout, req.connect_timeout);
  req.max_response_bytes = 64U << 10U;
  const auto res = st.client.perform(req);
  const auto verdict = notify::classify(res ? res->status : 0);
  const auto number = post.failed + 1;
  auto lg = log::get("notify");
  if (verdict == notify::verdict::sent) {
    ++st.sent;
    lg->info("{}: ntfy notification sent (HTTP {}, attempt {})", post.label,
             res->status, number);
    st.posts.erase(it);
    return;
  }
  post.failed = number;
  if (verdict == notify::verdict::retry && number < st.cfg.max_attempts) {
    const auto delay = notify::backoff(st.cfg.retry_delay, number);
    lg->info("{}: ntfy attempt {}/{} failed ({}); retrying in {} ms",
             post.label, number, st.cfg.max_attempts, describe(res),
             delay.count());
    self->delayed_send(self, delay, atom::retry::value, id);
    return;
  }
  ++st.failed;
  if (verdict == notify::verdict::give_up)
    lg->warn("{}: ntfy refused the notification ({}); not retried", post.label,
             describe(res));
  else
    lg->warn("{}: ntfy notification failed after {} attempts ({})", post.label,
             number, describe(res));
  st.posts.erase(it);
}

std::string health_detail(const notifier_state& st) {
  if (!st.cfg.enabled)
    return "disabled";
  if (st.cfg.ntfy.ntfy_url.empty())
    return "enabled, but NTFY_URL is empty";
  auto out = "enabled, " + std::to_string(st.sent) + " sent, "
             + std::to_string(st.failed) + " failed, "
             + std::to_string(st.posts.size()) + " waiting";
  if (st.dropped > 0)
    out += ", " + std::to_string(st.dropped) + " dropped";
  return out;
}

notifier_impl_actor::behavior_type
notifier(notifier_impl_actor::stateful_pointer<notifier_state> self,
         notifier_config cfg) {
  auto lg = log::get("notify");
  if (cfg.enabled && cfg.ntfy.ntfy_url.empty())
    lg->warn("ntfy notifications are enabled but NTFY_URL is empty; none "
             "will be sent");
  else if (cfg.enabled)
    lg->info("ntfy notifications go to {}", net::redact_url(cfg.ntfy.ntfy_url));
  cfg.max_attempts = std::max(cfg.max_attempts, 1);
  self->state.cfg = std::move(cfg);
  return {
    [self](atom::notify, const store::exam_view& v) {
      auto& st = self->state;
      auto lg = log::get("notify");
      if (!st.cfg.enabled || st.cfg.ntfy.ntfy_url.empty()) {
        lg->debug("ntfy notifications are disabled; {} not announced",
                  notify::log_label(v));
        return;
      }
      if (v.exam.ai.positive == 0) {
        lg->debug("{} is not positive; not announced", notify::log_label(v));
        return;
      }
      if (st.posts.size() >= st.cfg.max_pending) {
        ++st.dropped;
        lg->warn("{} ntfy notifications already waiting; {} dropped",
                 st.posts.size(), notify::log_label(v));
        return;
      }
      const auto id = st.next_id++;
      st.posts.emplace(id, pending_post{notify::build_message(v, st.cfg.ntfy),
                                        notify::log_label(v), 0});
      st.ready.push_back(id);
      // Sent from the mailbox, so that a burst arriving during a slow POST
      // is counted against max_pending before any of it is sent.
      self->send(self, atom::pump::value);
    },
    [self](atom::pump) {
      auto& st = self->state;
      if (st.ready.empty())
        return;
      const auto id = st.ready.front();
      st.ready.pop_front();
      attempt(self, id);
    },
    [self](atom::retry, std::uint64_t id) {
      attempt(self, id);
    },
    [self](atom::health) {
      return component_health{"notifier", true, health_detail(self->state)};
    },
  };
}

} // namespace

notifier_actor spawn_notifier(caf::actor_system& sys, notifier_config cfg) {
  return sys.spawn<caf::detached>(notifier, std::move(cfg));
}

} // namespace xrv
