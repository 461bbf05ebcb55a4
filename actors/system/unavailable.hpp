#pragma once

#include "actors/system/type_ids.hpp"

#include <string>

namespace xrv {

/// The behaviour of a component that a later issue implements: it answers
/// every health query with "not available", so routes that depend on it
/// answer 503 with a clear message instead of hanging or crashing.
template <class Handle>
typename Handle::behavior_type unavailable(typename Handle::pointer,
                                           std::string name) {
  return {
    [name](atom::health) {
      return component_health{name, false,
                              name + " is not available in this version"};
    },
  };
}

} // namespace xrv
