// Routes of the contract whose components later issues build. Each one asks
// the actor that will own it; while that actor reports "not available" the
// route answers 503 with its message (never a hang, a 404 or a fake answer).

#include "http/actor_bridge.hpp"
#include "http/responses.hpp"
#include "http/routes/routes.hpp"

#include <chrono>
#include <string>

namespace xrv::http {

namespace {

template <class Handle>
handler ask_health(const context_ptr& ctx, Handle handle) {
  return [ctx, handle](request&, const path_params&, const responder& done) {
    ask(
      *ctx->sys, handle, std::chrono::seconds(5),
      [done](const component_health& h) {
        if (!h.available)
          return done(error_response(503, h.detail));
        done(error_response(501, h.name + " does not serve this route yet"));
      },
      [done](const error& err) {
        done(from_error(err));
      },
      atom::health::value);
  };
}

} // namespace

void add_pending_routes(router& r, const context_ptr& ctx) {
  const auto& a = ctx->actors;
  // Statistics: the statistics issue builds them on the store's aggregates.
  const char* store_gets[] = {
    "/api/stats",
    "/api/stats/radiologists",
    "/api/stats/radiologists/monthly_trends",
    "/api/stats/diagnostics",
    "/api/stats/insights",
    "/api/diagnostics/monthly_trends",
  };
  for (const char* path : store_gets)
    r.add({"GET", path, access::authenticated, ask_health(ctx, a.store)});
}

} // namespace xrv::http
