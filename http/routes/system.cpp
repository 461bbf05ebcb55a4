// Liveness, configuration, the OpenAPI document, regions and logout.

#include "actors/net/http_client.hpp"
#include "http/front_door.hpp"
#include "http/responses.hpp"
#include "http/routes/routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <string>

namespace xrv::http {

namespace {

namespace json = boost::json;

// A Host header we are willing to echo into the OpenAPI servers URL.
bool plausible_host(std::string_view host) {
  if (host.empty() || host.size() > 255)
    return false;
  return std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '['
           || c == ']';
  });
}

} // namespace

void add_system_routes(router& r, const context_ptr& ctx) {
  r.add({"GET", "/healthz", access::open,
         [](request&, const path_params&, const responder& done) {
           done(json_response(200, json::object{{"status", "ok"}}));
         }});

  const auto& c = *ctx->cfg;
  auto config_body
    = std::make_shared<const std::string>(json::serialize(json::object{
      {"OPENAI_URL_PRIMARY", net::redact_url(c.openai.url_primary)},
      {"OPENAI_URL_SECONDARY", net::redact_url(c.openai.url_secondary)},
      {"NTFY_URL", net::redact_url(c.notifications.ntfy_url)},
      {"AE_TITLE", c.dicom.ae_title},
      {"AE_PORT", c.dicom.ae_port},
      {"REMOTE_AE_TITLE", c.dicom.remote_ae_title},
      {"REMOTE_AE_IP", c.dicom.remote_ae_ip},
      {"REMOTE_AE_PORT", c.dicom.remote_ae_port}}));
  r.add({"GET", "/api/config", access::authenticated,
         [config_body](request&, const path_params&, const responder& done) {
           response res;
           res.body = *config_body;
           done(std::move(res));
         }});

  json::array regions;
  for (const auto& name : c.supported_regions)
    regions.emplace_back(name);
  auto regions_body
    = std::make_shared<const std::string>(json::serialize(regions));
  r.add({"GET", "/api/regions", access::authenticated,
         [regions_body](request&, const path_params&, const responder& done) {
           response res;
           res.body = *regions_body;
           done(std::move(res));
         }});

  json::error_code ec;
  auto spec
    = std::make_shared<const json::value>(json::parse(ctx->spec_json, ec));
  const auto port = c.dashboard.port;
  r.add({"GET", "/api/spec", access::authenticated,
         [spec, port](request& req, const path_params&, const responder& done) {
           if (!spec->is_object())
             return done(error_response(500, "OpenAPI document unavailable"));
           auto doc = *spec;
           auto host = plausible_host(req.host)
                         ? req.host
                         : "localhost:" + std::to_string(port);
           doc.as_object()["servers"]
             = json::array{json::object{{"url", "http://" + host}}};
           done(json_response(200, doc));
         }});

  r.add({"POST", "/api/logout", access::authenticated,
         [ctx](request& req, const path_params&, const responder& done) {
           if (auto token = find_cookie(req.cookie, session_cookie))
             ctx->sessions->remove(*token);
           auto res = json_response(200, json::object{{"status", "success"}});
           res.headers.emplace_back("Set-Cookie",
                                    std::string{session_cookie}
                                      + "=; Path=/; HttpOnly; SameSite=Strict"
                                        "; Max-Age=0");
           done(std::move(res));
         }});

  // The WebSocket itself is answered by the server's upgrade path; a plain
  // GET gets told what is expected (RFC 7231 §6.5.15).
  r.add({"GET", "/ws", access::authenticated,
         [](request&, const path_params&, const responder& done) {
           auto res
             = error_response(426, "/ws is a WebSocket: upgrade required");
           res.headers.emplace_back("Upgrade", "websocket");
           res.headers.emplace_back("Connection", "Upgrade");
           done(std::move(res));
         }});
}

} // namespace xrv::http
