#pragma once

#include "actors/dicom/converter_actor.hpp"
#include "actors/dicom/receiver_actor.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <memory>
#include <string>
#include <vector>

namespace xrv {

/// Settings of the storage SCP (`[dicom]`).
struct receiver_config {
  std::string ae_title = "XRAYVISION";
  int port = 4010;
  std::vector<std::string> allowed_calling_aets; // empty: any
  std::vector<std::string> sop_classes{"CR", "DX", "DX_PROCESSING"};
  int max_associations = 8;
  int min_free_mb = 500;
  std::string images_dir = "images";
};

/// The listener thread and its DCMTK pool (defined in receiver.cpp).
struct receiver_runtime;

struct receiver_state {
  static inline const char* name = "dicom-receiver";
  std::shared_ptr<receiver_runtime> runtime;
};

/// Starts the storage SCP on its own thread. Each C-STORE is written to
/// `<images_dir>/<uid>.dcm` and fsynced before the Success response (so a
/// crash never loses an acknowledged image: start-up reconciliation finds
/// the file), then handed to a converter.
receiver_actor::behavior_type
dicom_receiver(receiver_actor::stateful_pointer<receiver_state> self,
               receiver_config cfg, std::vector<converter_actor> converters);

} // namespace xrv
