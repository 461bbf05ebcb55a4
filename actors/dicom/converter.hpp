#pragma once

#include "actors/dicom/converter_actor.hpp"
#include "actors/dicom/render.hpp"
#include "actors/dicom/tag_mapping.hpp"
#include "actors/store/store_actor.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <string>

namespace xrv {

/// What a converter needs to know.
struct converter_config {
  std::string images_dir = "images";
  dicom::region_rules regions;
  dicom::render_options render;
};

/// Spawned detached (decoding and PNG encoding take tens of milliseconds of
/// CPU): `sys.spawn<caf::detached>(converter, cfg, store)`.
converter_actor::behavior_type converter(converter_actor::pointer self,
                                         converter_config cfg,
                                         store_actor store);

} // namespace xrv
