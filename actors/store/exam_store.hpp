#pragma once

#include "actors/broadcast/broadcaster_actor.hpp"
#include "actors/store/exam_index.hpp"
#include "actors/store/store_actor.hpp"
#include "storage/exam_repository.hpp"

#include <caf/actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace xrv {

/// Settings of the exam store.
struct exam_store_config {
  int severity_threshold = 5;
  std::string images_dir = "images";
  std::string backup_dir = "backup";
  int backup_keep = 7;
  int purge_days = 0;      // 0: never purge
  bool keep_dicom = false; // KEEP_DICOM: keep the .dcm after the analysis
};

/// The wall clock the store stamps records with (a parameter for tests).
using wall_now_fn = std::function<std::chrono::system_clock::time_point()>;

struct exam_store_state {
  static inline const char* name = "exam-store";
  exam_store_config cfg;
  std::shared_ptr<storage::exam_repository> repo;
  std::shared_ptr<store::exam_index> index;
  broadcaster_actor broadcaster;
  wall_now_fn now;
  /// Exams whose radiologist report arrived while they were being analysed.
  std::set<std::string> check_pending;
  /// Exams in `check` whose report the AI queue is checking (leases; in
  /// memory, so a restart hands them out again).
  std::set<std::string> checking;
  /// Told when exams wait for analysis (the AI queue).
  caf::actor work_listener;
  /// Whether the listener was told and has not taken since.
  bool work_signalled = false;
  /// When each exam failed in the AI (in memory: after a restart the delay
  /// of ERROR_RETRY_MINUTES counts from the start-up).
  std::map<std::string, std::chrono::system_clock::time_point> error_since;
  /// Whether `error_since` has the exams that were errored at start-up.
  bool error_since_loaded = false;
  /// The last statistics served, the index generation and the local hour
  /// they were made for.
  stats_ptr stats;
  std::uint64_t stats_generation = 0;
  std::int64_t stats_hour = 0;
  /// The counters last told to the broadcaster.
  std::optional<store_counts> announced_counts;
  // -- query scheduler --
  /// Hashes of the Study Instance UIDs of stored exams, sorted; loaded by
  /// the first `atom::studies` request (one scan), then kept by ingests.
  std::optional<std::vector<std::uint64_t>> study_keys;
  // -- end query scheduler --
};

/// Maintenance (`atom::tick`) is sent by the supervisor: a detached actor
/// must not keep a timer to itself, or its thread outlives shutdown.
/// Opens nothing itself: main opens the repository and builds the index
/// first (so start-up fails clearly), then spawns the store detached, since
/// every write waits for fsync.
store_actor::behavior_type
exam_store(store_actor::stateful_pointer<exam_store_state> self,
           exam_store_config cfg,
           std::shared_ptr<storage::exam_repository> repo,
           std::shared_ptr<store::exam_index> index,
           broadcaster_actor broadcaster, wall_now_fn now);

/// Loads every patient and exam into a new index and returns processing exams
/// to the queue (a crash interrupted them); returns how many were reset.
[[nodiscard]] result<std::size_t> rebuild_index(storage::exam_repository& repo,
                                                store::exam_index& index);

} // namespace xrv
