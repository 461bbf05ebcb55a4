#pragma once

/// DICOM CONVERTER: turns a received `.dcm` file into an exam (tags mapped,
/// PNG rendered) and hands it to the exam store.

#include "actors/system/type_ids.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

namespace xrv {

/// The typed interface of one converter worker (several run in parallel).
using converter_actor = caf::typed_actor<
  // Converts the file of SOP instance `uid` at `path` (already durable).
  caf::reacts_to<atom::convert, std::string, std::string>,
  // Reports whether the component works.
  caf::replies_to<atom::health>::with<component_health>>;

} // namespace xrv
