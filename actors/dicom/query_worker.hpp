#pragma once

// The one-shot worker of a query/retrieve run: all DcmSCU calls (they block)
// happen here, on the worker's own thread, never on a scheduler thread.

#include "actors/dicom/query_scheduler.hpp"

#include <caf/blocking_actor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace xrv {

/// Lets the scheduler cut a run short at shutdown. The worker registers the
/// socket of its open association; `interrupt` shuts that socket down, so a
/// blocked DcmSCU call returns at once instead of after its 30 s timeout
/// (the actor system waits for every detached thread before it ends).
class run_interrupter {
public:
  /// Called when a connection on `fd` opens (interrupted at once if asked).
  void attach(int fd);

  /// Called before that connection's socket is closed.
  void detach(int fd);

  /// Stops the current and any later association.
  void interrupt();

  /// Whether `interrupt` was called.
  [[nodiscard]] bool interrupted() const;

private:
  mutable std::mutex mtx_;
  int fd_ = -1;
  bool interrupted_ = false;
};

/// Everything one run needs.
struct query_job {
  std::uint64_t run = 0;
  query_config cfg;
  std::chrono::seconds span{0}; // the window: [now - span, now]
  std::chrono::system_clock::time_point now;
  store_actor store;
  std::vector<converter_actor> converters; // C-GET hands its files to them
  query_actor reply_to;                    // gets `atom::query_done`
  std::shared_ptr<run_interrupter> stop;
};

/// Runs C-FIND, asks the store which studies it has, retrieves the others
/// (C-MOVE to our own AE, or C-GET into the images folder), then reports to
/// `job.reply_to` and ends. Blocking: spawned as a blocking (detached) actor.
void query_worker(caf::blocking_actor* self, const query_job& job);

} // namespace xrv
