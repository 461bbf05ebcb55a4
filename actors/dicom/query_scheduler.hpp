#pragma once

#include "actors/dicom/converter_actor.hpp"
#include "actors/dicom/query_actor.hpp"
#include "actors/store/store_actor.hpp"

#include <caf/actor_addr.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace xrv {

class run_interrupter;

/// Settings of query/retrieve (`[dicom]` and `[processing]`).
struct query_config {
  bool periodic = true;                 // false with NO_QUERY/--no-query
  std::chrono::seconds interval{300};   // QUERY_INTERVAL (±30 % jitter)
  std::chrono::seconds first_delay{5};  // lets the receiver start first
  bool use_cget = false;                // RETRIEVAL_METHOD = C-GET
  std::string ae_title = "XRAYVISION";  // ours; the C-MOVE destination
  std::string peer_ae = "DICOM_SERVER"; // REMOTE_AE_TITLE
  std::string peer_host = "127.0.0.1";  // REMOTE_AE_IP
  int peer_port = 104;                  // REMOTE_AE_PORT
  std::vector<std::string> sop_classes{"CR", "DX", "DX_PROCESSING"};
  std::string images_dir = "images";        // where C-GET writes its files
  int min_free_mb = 500;                    // C-GET refuses below (A700)
  std::chrono::seconds network_timeout{30}; // ACSE and DIMSE
  std::chrono::seconds connect_timeout{10}; // TCP connect (not interruptible)
};

struct query_state {
  static inline const char* name = "query-scheduler";
  query_config cfg;
  store_actor store;
  std::vector<converter_actor> converters;
  /// Number of the last run started.
  std::uint64_t last_run = 0;
  /// The run going on, if any, and its worker.
  std::optional<std::uint64_t> running;
  caf::actor_addr worker;
  std::chrono::steady_clock::time_point started;
  std::string trigger;
  std::chrono::seconds span{0};
  /// When the timer fires next (periodic only).
  std::optional<std::chrono::system_clock::time_point> next_run;
  component_health health;
  std::mt19937_64 rng;
  /// Used when the scheduler ends: a run in progress stops at once.
  std::shared_ptr<run_interrupter> stop;
};

/// Owns the schedule (a re-armed `delayed_send`) and runs each query/retrieve
/// in a one-shot detached worker, since DcmSCU blocks: one run at a time.
/// Spawn it as a normal (scheduled) actor.
query_actor::behavior_type
query_scheduler(query_actor::stateful_pointer<query_state> self,
                query_config cfg, store_actor store,
                std::vector<converter_actor> converters);

} // namespace xrv
