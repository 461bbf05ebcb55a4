// The manual radiologist report fetch (spec/API.md §5): POST /api/getrad
// validates the body and asks the FHIR fetcher, which looks the report up in
// the background.

#include "actors/fhir/fetcher_actor.hpp"
#include "http/actor_bridge.hpp"
#include "http/responses.hpp"
#include "http/routes/routes.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <string>

namespace xrv::http {

void add_fhir_routes(router& r, const context_ptr& ctx) {
  r.add({"POST", "/api/getrad", access::authenticated,
         [ctx](request& req, const path_params&, const responder& done) {
           auto uid = uid_of_body(req.body);
           if (!uid)
             return done(action_error(400, uid.error().detail));
           ask(
             *ctx->sys, ctx->actors.fetcher, std::chrono::seconds(15),
             [done](const std::string& message) {
               done(
                 json_response(202, boost::json::object{{"status", "success"},
                                                        {"message", message}}));
             },
             [done](const error& err) {
               done(action_error(status_of(err.code), err.detail));
             },
             atom::fetch::value, *uid);
         }});
}

} // namespace xrv::http
