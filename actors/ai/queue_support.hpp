#pragma once

// Helpers shared by the AI queue's files (not a public API).

#include "actors/ai/ai_queue.hpp"

#include <string>
#include <vector>

namespace xrv::ai::queue_support {

using self_ptr = ai_queue_actor::stateful_pointer<ai_queue_state>;

/// The endpoints as the policy functions see them.
[[nodiscard]] std::vector<endpoint_view> views(const ai_queue_state& st);

/// Starts whatever may run on the free slots.
void pump(self_ptr self);

// -- radiologist report checks (rad_check.cpp) --

/// At most this many reports are leased at once.
inline constexpr std::size_t max_checks = 4;

/// Starts ready checks and leases new ones while slots are free; false
/// when no slot was left.
bool pump_checks(self_ptr self);

/// Gives every leased, idle check back to the store (no endpoint is up).
void return_checks(self_ptr self);

/// A check's back-off ended; false when `uid` is not a check.
bool retry_check(self_ptr self, const std::string& uid);

} // namespace xrv::ai::queue_support
