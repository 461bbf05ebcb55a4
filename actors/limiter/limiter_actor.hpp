#pragma once

/// RATE LIMITER: token buckets per client IP and request class.

#include "actors/system/type_ids.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

namespace xrv {

/// The request classes with separate budgets (spec §1).
enum class limit_class : std::uint8_t {
  api = 0,   // every /api/* route not listed below
  heavy = 1, // /api/check, /api/analyse, /api/translate
};

/// The typed interface of the rate limiter.
using limiter_actor = caf::typed_actor<
  // Takes one token for (client IP, class): 0 when allowed, otherwise the
  // seconds to wait before retrying.
  caf::replies_to<atom::acquire, std::string, std::uint8_t>::with<std::int32_t>,
  // Reports whether the component works.
  caf::replies_to<atom::health>::with<component_health>,
  // Drops idle buckets (self-sent every minute).
  caf::reacts_to<atom::tick>>;

} // namespace xrv
