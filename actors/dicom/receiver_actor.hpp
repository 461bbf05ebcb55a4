#pragma once

/// DICOM RECEIVER: the storage SCP that turns C-STOREs into queued exams.

#include "actors/system/type_ids.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace xrv {

/// The typed interface of the dicom receiver. Later issues add its work
/// handlers; until then it only reports that it is not available.
using receiver_actor = caf::typed_actor<
  // Reports whether the component works.
  caf::replies_to<atom::health>::with<component_health>>;

} // namespace xrv
