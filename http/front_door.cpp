#include "http/front_door.hpp"

#include "actors/limiter/limiter_actor.hpp"
#include "actors/system/log.hpp"
#include "http/actor_bridge.hpp"
#include "http/responses.hpp"
#include "http/routes/routes.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <string>

namespace xrv::http {

namespace {

bool starts_with_api(std::string_view path) {
  return path.starts_with("/api/") || path == "/api";
}

limit_class class_of(std::string_view path) {
  if (path == "/api/check" || path == "/api/analyse"
      || path == "/api/translate")
    return limit_class::heavy;
  return limit_class::api;
}

response unauthorized() {
  auto res = error_response(401, "Authentication required");
  res.headers.emplace_back("WWW-Authenticate", R"(Basic realm="XRayVision")");
  return res;
}

// Guards the "exactly one response per request" rule against handler bugs.
responder once(responder done) {
  auto used = std::make_shared<std::atomic<bool>>(false);
  return [used, done = std::move(done)](response res) {
    if (used->exchange(true)) {
      log::get("http")->error("a handler answered twice; reply dropped");
      return;
    }
    done(std::move(res));
  };
}

void dispatch(request req, const route& r, const path_params& params,
              const responder& done) {
  try {
    r.fn(req, params, done);
  } catch (const std::exception& e) {
    // Handlers return errors as values; an exception here is a bug. The
    // client still gets exactly one answer (`once` drops a second one).
    log::get("http")->error("handler for {} threw: {}", r.pattern, e.what());
    done(error_response(500, "Internal server error"));
  }
}

} // namespace

bool same_origin(std::string_view origin, std::string_view host) {
  if (origin.empty())
    return true;
  auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || host.empty())
    return false; // "null" (sandboxed or file pages) and malformed origins
  return std::ranges::equal(origin.substr(scheme_end + 3), host,
                            [](unsigned char a, unsigned char b) {
                              return std::tolower(a) == std::tolower(b);
                            });
}

router build_router(const context_ptr& ctx) {
  router r;
  add_system_routes(r, ctx);
  add_page_routes(r, ctx);
  add_exam_routes(r, ctx);
  add_stats_routes(r, ctx);
  add_dicom_routes(r, ctx);
  add_ai_routes(r, ctx);
  add_fhir_routes(r, ctx);
  return r;
}

front_door::front_door(context_ptr ctx)
    : ctx_(std::move(ctx)),
      router_(std::make_shared<const router>(build_router(ctx_))) {}

std::optional<principal> front_door::authenticate(const request& req,
                                                  bool& from_basic) const {
  const auto now = std::chrono::system_clock::now();
  from_basic = false;
  if (auto token = find_cookie(req.cookie, session_cookie))
    if (auto user = ctx_->sessions->find(*token, now))
      return user;
  if (req.authorization.empty())
    return std::nullopt;
  auto user = ctx_->auth->check_basic(req.authorization, now);
  from_basic = user.has_value();
  if (!user)
    log::get("http")->warn("failed login from {}", req.client_ip);
  return user;
}

upgrade_decision front_door::upgrade(const request& req) const {
  upgrade_decision d;
  if (req.path != "/ws") {
    d.refusal = error_response(404, "Not found");
    return d;
  }
  bool from_basic = false;
  auto user = authenticate(req, from_basic);
  if (!user) {
    d.refusal = unauthorized();
    return d;
  }
  if (!same_origin(req.origin, req.host)) {
    log::get("http")->warn("cross-origin WebSocket upgrade from {} refused",
                           req.client_ip);
    d.refusal = error_response(
      403, "Cross-origin WebSocket connections are refused (Origin must "
           "match Host)");
    return d;
  }
  log::get("ws")->debug("dashboard client connected from {}", req.client_ip);
  d.on_open = [bc = ctx_->actors.broadcaster, user_role = user->role != "admin",
               ip = req.client_ip](broadcast::client_ptr conn) {
    caf::anon_send(bc, atom::subscribe::value, std::move(conn), user_role, ip);
  };
  return d;
}

void front_door::handle(request req, responder done) const {
  done = once(std::move(done));
  auto m = router_->match(req.method, req.path);
  const bool open = m.found != nullptr && m.found->who == access::open;
  if (!open) {
    const auto now = std::chrono::system_clock::now();
    bool from_basic = false;
    req.user = authenticate(req, from_basic);
    if (!req.user)
      return done(unauthorized());
    if (from_basic && req.path != "/api/logout") {
      // A browser that logged in with Basic gets a session cookie, so later
      // requests (and the WebSocket) need no password check.
      auto token = ctx_->sessions->create(*req.user, now);
      auto max_age = std::to_string(ctx_->cfg->dashboard.session_hours * 3600);
      done = [done = std::move(done), token, max_age](response res) {
        res.headers.emplace_back("Set-Cookie",
                                 std::string{session_cookie} + "=" + token
                                   + "; Path=/; HttpOnly; SameSite=Strict"
                                   + "; Max-Age=" + max_age);
        done(std::move(res));
      };
    }
  }
  if (m.found == nullptr) {
    if (m.allowed.empty())
      return done(error_response(404, "Not found"));
    auto res = error_response(405, "Method not allowed");
    std::string allow;
    for (const auto& method : m.allowed) {
      allow += allow.empty() ? "" : ", ";
      allow += method == "GET" ? "GET, HEAD" : method;
    }
    res.headers.emplace_back("Allow", allow);
    return done(std::move(res));
  }
  if (m.found->who == access::admin && req.user->role != "admin")
    return done(error_response(403, "This action requires the admin role"));
  const auto& limits = ctx_->cfg->limits;
  const auto cls = class_of(req.path);
  const int budget = cls == limit_class::heavy ? limits.heavy_per_minute
                                               : limits.api_per_minute;
  if (!starts_with_api(req.path) || budget <= 0)
    return dispatch(std::move(req), *m.found, m.params, done);
  // The limiter answers asynchronously; the request waits in the callback.
  auto shared_req = std::make_shared<request>(std::move(req));
  auto params = std::make_shared<path_params>(std::move(m.params));
  const route* r = m.found;
  ask(
    *ctx_->sys, ctx_->actors.limiter, std::chrono::seconds(2),
    [rt = router_, shared_req, params, r, done](std::int32_t retry_after) {
      if (retry_after > 0) {
        auto res = error_response(429, "Too many requests");
        res.headers.emplace_back("Retry-After", std::to_string(retry_after));
        return done(std::move(res));
      }
      dispatch(std::move(*shared_req), *r, *params, done);
    },
    [rt = router_, shared_req, params, r, done](const error& err) {
      // A limiter fault must not take the API down: serve, and say so once.
      log::get("http")->warn("rate limiter unavailable ({}); not limiting",
                             err.detail);
      dispatch(std::move(*shared_req), *r, *params, done);
    },
    atom::acquire::value, shared_req->client_ip,
    static_cast<std::uint8_t>(cls));
}

} // namespace xrv::http
