#pragma once

/// NOTIFIER: posts positive findings to ntfy.

#include "actors/store/store_actor.hpp"
#include "actors/system/type_ids.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace xrv {

/// The typed interface of the notifier.
using notifier_actor = caf::typed_actor<
  // Announces one positive AI analysis (fire and forget; dropped when
  // notifications are disabled).
  caf::reacts_to<atom::notify, store::exam_view>,
  // Reports whether the component works.
  caf::replies_to<atom::health>::with<component_health>>;

} // namespace xrv
