// The statistics endpoints (spec/API.md §4). The store answers with a shared
// snapshot of its incrementally kept aggregates (a few microseconds of its
// time); the JSON is rendered here, off the store, with the caller's role.

#include "actors/store/stats_json.hpp"
#include "actors/store/store_actor.hpp"
#include "http/actor_bridge.hpp"
#include "http/responses.hpp"
#include "http/routes/routes.hpp"

#include <chrono>

namespace xrv::http {

namespace {

namespace json = boost::json;
constexpr auto store_timeout = std::chrono::seconds(10);

using render_fn = json::object (*)(const store::stats_snapshot&, bool);

handler stats_route(const context_ptr& ctx, render_fn render) {
  return
    [ctx, render](request& req, const path_params&, const responder& done) {
      const bool anon = !req.user || req.user->role != "admin";
      ask(
        *ctx->sys, ctx->actors.store, store_timeout,
        [done, render, anon](const stats_ptr& s) {
          done(json_response(200, render(*s, anon)));
        },
        [done](const error& err) {
          done(from_error(err));
        },
        atom::stats::value);
    };
}

} // namespace

void add_stats_routes(router& r, const context_ptr& ctx) {
  const struct {
    const char* path;
    render_fn render;
  } routes[] = {
    {"/api/stats",
     [](const store::stats_snapshot& s, bool) {
       return store::stats_json(s);
     }},
    {"/api/stats/radiologists", store::radiologist_stats_json},
    {"/api/stats/radiologists/monthly_trends", store::radiologist_trends_json},
    {"/api/stats/diagnostics",
     [](const store::stats_snapshot& s, bool) {
       return store::diagnostic_stats_json(s);
     }},
    {"/api/diagnostics/monthly_trends",
     [](const store::stats_snapshot& s, bool) {
       return store::diagnostic_trends_json(s);
     }},
    {"/api/stats/insights", store::insights_json},
  };

  for (const auto& route : routes)
    r.add({"GET", route.path, access::authenticated,
           stats_route(ctx, route.render)});
}

} // namespace xrv::http
