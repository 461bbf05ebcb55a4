#pragma once

// The way from a Beast I/O thread into CAF and back without blocking: a
// short-lived event-based actor makes one typed request and hands the result
// to plain callbacks, which post back to the session (stack.md §2b).

#include "actors/system/type_ids.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <chrono>
#include <utility>

namespace xrv::http {

/// Sends `xs...` to `handle` and calls `on_ok` with the reply or `on_err`
/// with an error value (a timeout included). Never blocks the caller.
template <class Handle, class OnOk, class OnErr, class... Ts>
void ask(caf::actor_system& sys, const Handle& handle,
         std::chrono::milliseconds timeout, OnOk on_ok, OnErr on_err,
         Ts... xs) {
  sys.spawn([=](caf::event_based_actor* self) mutable {
    self->request(handle, timeout, std::move(xs)...)
      .then(std::move(on_ok), [on_err](caf::error& err) mutable {
        on_err(from_caf_error(err));
      });
  });
}

} // namespace xrv::http
