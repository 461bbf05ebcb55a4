#pragma once

#include "actors/broadcast/broadcaster_actor.hpp"

namespace xrv {

/// The broadcaster until WebSocket sessions exist: accepts events so that
/// their producers need not know, and reports itself not available.
broadcaster_actor::behavior_type broadcaster(broadcaster_actor::pointer self);

} // namespace xrv
