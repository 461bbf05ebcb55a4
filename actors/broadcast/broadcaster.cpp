#include "actors/broadcast/broadcaster.hpp"

#include "actors/system/log.hpp"

namespace xrv {

broadcaster_actor::behavior_type broadcaster(broadcaster_actor::pointer) {
  return {
    [](atom::publish, const std::string& name, const store::exam_view& v) {
      log::get("ws")->debug("event {} for {} (no WebSocket clients yet)", name,
                            v.exam.uid);
    },
    [](atom::ai_state, const ai_status& s) {
      log::get("ws")->debug("AI state: active {}, {} endpoints",
                            s.active_url.empty() ? "none" : s.active_url,
                            s.health.size());
    },
    [](atom::health) {
      return component_health{
        "WebSocket broadcaster", false,
        "WebSocket broadcaster is not available in this version"};
    },
  };
}

} // namespace xrv
