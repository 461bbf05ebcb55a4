// DICOM query/retrieve on demand (spec/API.md §5): the handler validates the
// body and asks the query scheduler, which runs the query in the background.

#include "actors/dicom/query_actor.hpp"
#include "http/actor_bridge.hpp"
#include "http/responses.hpp"
#include "http/routes/routes.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace xrv::http {

namespace {

namespace json = boost::json;
constexpr auto query_timeout = std::chrono::seconds(5);
constexpr std::int64_t default_hours = 3;

// The `hours` of the body: absent (or an empty body) means the default.
result<std::int32_t> hours_of(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos)
    return static_cast<std::int32_t>(default_hours);
  auto v = parse_object(body);
  if (!v)
    return tl::unexpected(v.error());
  const auto* h = v->if_contains("hours");
  if (h == nullptr || h->is_null())
    return static_cast<std::int32_t>(default_hours);
  std::int64_t n = 0;
  if (h->is_int64())
    n = h->as_int64();
  else if (h->is_uint64() && h->as_uint64() <= 168)
    n = static_cast<std::int64_t>(h->as_uint64());
  else
    return fail(errc::invalid_input,
                "hours: must be an integer between 1 and 168");
  if (n < 1 || n > 168)
    return fail(errc::invalid_input,
                "hours: must be an integer between 1 and 168");
  return static_cast<std::int32_t>(n);
}

} // namespace

void add_dicom_routes(router& r, const context_ptr& ctx) {
  r.add({"POST", "/api/dicomquery", access::admin,
         [ctx, query = ctx->actors.query](request& req, const path_params&,
                                          const responder& done) {
           auto hours = hours_of(req.body);
           if (!hours)
             return done(action_error(400, hours.error().detail));
           ask(
             *ctx->sys, query, query_timeout,
             [done](const std::string& message) {
               done(json_response(202, json::object{{"status", "success"},
                                                    {"message", message}}));
             },
             [done](const error& err) {
               done(action_error(status_of(err.code), err.detail));
             },
             atom::query::value, *hours);
         }});
}

} // namespace xrv::http
