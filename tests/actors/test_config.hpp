#pragma once

// The actor system configuration of the actor tests: CAF's deterministic
// test scheduler, no console logging, our message types.

#include "actors/system/type_ids.hpp"

#include <caf/actor_system_config.hpp>

namespace xrv::test {

struct deterministic_config : caf::actor_system_config {
  deterministic_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.console", caf::atom("none"));
    add_message_types<caf::id_block::xrv>();
  }
};

} // namespace xrv::test
