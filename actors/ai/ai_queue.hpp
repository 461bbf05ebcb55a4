#pragma once

#include "actors/ai/ai_queue_actor.hpp"
#include "actors/ai/dispatcher.hpp"
#include "actors/ai/policy.hpp"
#include "actors/broadcast/broadcaster_actor.hpp"
#include "actors/notify/notifier_actor.hpp"
#include "actors/store/store_actor.hpp"

#include <caf/response_promise.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xrv::ai {

/// Settings of the AI queue.
struct ai_queue_config {
  std::vector<dispatcher_config> endpoints;
  bool oldest_first = false;
  int max_retries = 3;
  std::chrono::milliseconds retry_delay{2000};
  /// Errored exams are re-queued once their error is this old; 0: never.
  std::chrono::seconds error_retry{3600};
  /// `[regions]`, `[questions]` and `[supported_regions]`.
  std::vector<std::pair<std::string, std::vector<std::string>>> regions;
  std::map<std::string, std::string> questions;
  std::vector<std::string> supported_regions;
  /// Report tool calls waiting for a free slot, at most.
  std::size_t max_waiting_tools = 16;
};

/// The actors the queue works with.
struct ai_queue_peers {
  store_actor store;
  broadcaster_actor broadcaster;
  notifier_actor notifier;
};

struct ai_queue_state {
  static inline const char* name = "ai-queue";

  struct endpoint {
    dispatcher_actor handle;
    std::string name;
    std::string url;
    endpoint_view view;
  };

  /// An exam in the AI's hands (status `processing` in the store).
  struct job {
    analysis_job work;
    int attempts = 0; // failed attempts so far
    std::optional<std::size_t> last_endpoint;
    std::string last_error;
    bool announced = false; // processing_start sent
    bool running = false;   // a call is in flight
  };

  /// A radiologist report being translated and classified (the exam is
  /// leased from the store and stays `check` there meanwhile).
  struct check_job {
    store::exam_view view;
    int attempts = 0;        // failed classifications so far
    bool translated = false; // the translation step is over (ok or not)
    std::string translation;
    bool running = false;
  };

  struct waiting_tool {
    text_task task;
    std::string text;
    caf::typed_response_promise<std::string> promise;
  };

  ai_queue_config cfg;
  ai_queue_peers peers;
  std::vector<endpoint> endpoints;
  std::map<std::string, job> jobs;         // by UID: running or backing off
  std::deque<std::string> ready;           // back-off ended, waiting for a slot
  std::deque<waiting_tool> tools;          // report tools waiting for a slot
  bool taking = false;                     // a take request is in flight
  bool store_empty = false;                // nothing waited at the last take
  std::map<std::string, check_job> checks; // by UID: leased
  std::deque<std::string> checks_ready;    // waiting for a slot
  bool taking_check = false;               // a take_check is in flight
  bool checks_empty = false;               // none waited at the last take
  latency_window latencies;
  std::string last_active; // for logging changes of the active URL
};

/// The queue's behaviour; it spawns one dispatcher per endpoint (linked).
ai_queue_actor::behavior_type
ai_queue(ai_queue_actor::stateful_pointer<ai_queue_state> self,
         ai_queue_config cfg, ai_queue_peers peers);

} // namespace xrv::ai
